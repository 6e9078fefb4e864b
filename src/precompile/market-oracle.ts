import { keccak_256 } from "@noble/hashes/sha3.js";
import { claimedGasUsed } from "./codec.js";
import { chargeExecute, checkExecuteMarketConfig, executeBaseFeeAtExcess, marketAt, type ExecuteMarketConfig, type ExecuteMarketState } from "./market.js";
import { UltrasoundError } from "../shared/errors.js";
import type { PrecompileOutcome } from "./run.js";

/**
 * The market's side of the EXECUTE emulation (docs/execute.md, "Gas market"): what the Hardhat
 * hook answers the shim (src/precompile/shim.ts) and what the ethereumjs installation runs.
 * Pure: the state comes in and goes out, so the EVM keeps it (in 0x…0101's storage) and reverts
 * it with its transaction; nothing here remembers a call.
 */

/** The address the shim asks for the market's answers (the hook answers it). Never call it directly. */
export const EXECUTE_MARKET_ORACLE_ADDRESS = "0x00000000000000000000000000000000ffff0102";

/** The shim's words before the input: state, value, L1 block number, limit, target, minBaseFee, updateFraction. */
export const MARKET_ORACLE_PREFIX_BYTES = 7 * 32;

/** `executeMarket()`: the 4-byte input EXECUTE answers with the market's state instead of executing. */
export const EXECUTE_MARKET_SELECTOR = "0x" + Buffer.from(keccak_256(new TextEncoder().encode("executeMarket()")).subarray(0, 4)).toString("hex");

/** What `executeMarket()` answers: six words. */
export interface ExecuteMarketView {
  /** 1 under the market, 0 under 1:1 pricing (then every other field is 0). */
  pricing: bigint;
  /** Wei per L2 gas an EXECUTE call in this L1 block pays. */
  baseFee: bigint;
  /** L2 gas EXECUTE calls of this L1 block have used so far. */
  usedInBlock: bigint;
  limit: bigint;
  target: bigint;
  /** The excess at this L1 block's start. */
  excess: bigint;
}

/** The market state packed in one storage word: blockNumber (64 bits) ‖ used (64) ‖ excess (128). */
export function packMarketState(state: ExecuteMarketState): bigint {
  return (state.blockNumber << 192n) | (state.used << 128n) | state.excess;
}

/** The inverse of {@link packMarketState}. */
export function unpackMarketState(word: bigint): ExecuteMarketState {
  const mask64 = (1n << 64n) - 1n;
  return { blockNumber: (word >> 192n) & mask64, used: (word >> 128n) & mask64, excess: word & ((1n << 128n) - 1n) };
}

/** A call the market oracle cannot read (shorter than its prefix, or a 4-byte input other than `executeMarket()`). */
export class MarketOracleInputError extends UltrasoundError {
  override name = "MarketOracleInputError";
}

/** The market's answer to `executeMarket()` at L1 block `blockNumber`, or "no market" without a config. */
export function marketView(state: ExecuteMarketState, blockNumber: bigint, config: ExecuteMarketConfig | undefined): ExecuteMarketView {
  if (config === undefined) return { pricing: 0n, baseFee: 0n, usedInBlock: 0n, limit: 0n, target: 0n, excess: 0n };
  const current = marketAt(state, blockNumber, config);
  return { pricing: 1n, baseFee: executeBaseFeeAtExcess(current.excess, config), usedInBlock: current.used, limit: config.limit, target: config.target, excess: current.excess };
}

/** `executeMarket()`'s six words. */
export function encodeMarketView(view: ExecuteMarketView): Uint8Array {
  return concat([view.pricing, view.baseFee, view.usedInBlock, view.limit, view.target, view.excess].map(word));
}

/** Reads `executeMarket()`'s answer. */
export function decodeMarketView(data: Uint8Array): ExecuteMarketView {
  if (data.length !== 6 * 32) throw new MarketOracleInputError("executeMarket() answered something else than six words", { length: data.length });
  const at = (i: number) => readWord(data, 32 * i);
  return { pricing: at(0), baseFee: at(1), usedInBlock: at(2), limit: at(3), target: at(4), excess: at(5) };
}

/** One market call, as the EVM brings it: the state, the value paid, the L1 block, the market (none: 1:1 pricing) and the input. */
export interface MarketCall {
  state: ExecuteMarketState;
  paid: bigint;
  blockNumber: bigint;
  config: ExecuteMarketConfig | undefined;
  input: Uint8Array;
}

/**
 * What a market call comes to: `refused` (the market says no: nothing charged, the call fails),
 * or the new state and the output — the view's words, EXECUTE's 64 bytes, or empty for a block
 * EXECUTE rejected, whose fee is kept (the call must then succeed so its value stays paid).
 */
export type MarketAnswer = { refused: Error } | { state: ExecuteMarketState; output: Uint8Array };

/**
 * Answers one call to EXECUTE under the market: the view for `executeMarket()`; otherwise the
 * charge (market.ts's rules) and then the block's verification by `run`.
 */
export async function answerMarketCall(call: MarketCall, run: (input: Uint8Array) => Promise<PrecompileOutcome>): Promise<MarketAnswer> {
  const { state, input, config } = call;
  if (input.length === 4) {
    if ("0x" + Buffer.from(input).toString("hex") !== EXECUTE_MARKET_SELECTOR) {
      return { refused: new MarketOracleInputError("A 4-byte input to EXECUTE is only executeMarket()", { input: "0x" + Buffer.from(input).toString("hex") }) };
    }
    try {
      return { state, output: encodeMarketView(marketView(state, call.blockNumber, config)) };
    } catch (error) {
      return { refused: error as Error };
    }
  }
  if (config === undefined) return { refused: new MarketOracleInputError("EXECUTE's market is off (1:1 pricing): only executeMarket() reaches it", { length: input.length }) };
  let charged: ExecuteMarketState;
  try {
    charged = chargeExecute(state, { blockNumber: call.blockNumber, gasUsed: claimedGasUsed(input), paid: call.paid }, config).state;
  } catch (error) {
    return { refused: error as Error };
  }
  const outcome = await run(input);
  return { state: charged, output: outcome.ok ? outcome.output : new Uint8Array(0) };
}

/**
 * Reads the shim's oracle call (`MARKET_ORACLE_PREFIX_BYTES` of words, then the input). A limit
 * of 0 means the shim was built for 1:1 pricing.
 */
export function decodeMarketOracleCall(data: Uint8Array): MarketCall {
  if (data.length < MARKET_ORACLE_PREFIX_BYTES) throw new MarketOracleInputError("The market oracle's input is shorter than its prefix", { length: data.length });
  const at = (i: number) => readWord(data, 32 * i);
  const limit = at(3);
  const config = limit === 0n ? undefined : checkExecuteMarketConfig({ limit, target: at(4), minBaseFee: at(5), updateFraction: at(6) });
  return { state: unpackMarketState(at(0)), paid: at(1), blockNumber: at(2), config, input: data.subarray(MARKET_ORACLE_PREFIX_BYTES) };
}

/** The oracle's successful answer as the shim reads it: the packed state, then the output. */
export function encodeMarketOracleAnswer(state: ExecuteMarketState, output: Uint8Array): Uint8Array {
  return concat([word(packMarketState(state)), output]);
}

function word(value: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0 && value > 0n; i--, value >>= 8n) out[i] = Number(value & 0xffn);
  return out;
}

function readWord(data: Uint8Array, offset: number): bigint {
  let value = 0n;
  for (let i = offset; i < offset + 32; i++) value = (value << 8n) | BigInt(data[i] ?? 0);
  return value;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
