/**
 * The L1 gas of an `advance`: an upper bound by construction (`advanceGasLimit`), from EXECUTE's
 * formula (src/precompile/gas.ts), the shim's constants, calldata prices (EIP-2028, EIP-7623) and
 * NativeRollup's own work bounded by measured constants with margin. Used by propose.ts to cut
 * blocks to one L1 transaction.
 */
import type { ExecuteInput } from "../engine/types.js";
import { executeGas, executeMarketGas } from "../precompile/gas.js";
import { MARKET_ORACLE_PREFIX_BYTES } from "../precompile/market-oracle.js";
import type { ExecutePricing } from "../precompile/shim.js";
import { encodeExecuteInput } from "../precompile/codec.js";

/**
 * The EXECUTE shim's own constants (src/precompile/shim.ts): it fails unless, at its `GAS` check,
 * `gas ≥ cost + cost/63 + SHIM_GAS_RESERVE`. They are literals in the shim's program: the boundary
 * test (test/proposer) finds the shim's least gas by search and fails if they drift.
 */
export const SHIM_GAS_RESERVE = 10_000n;
/** The shim's `cost/63` headroom: the burn call keeps 1/64 back (EIP-150). */
export const SHIM_HEADROOM_DIVISOR = 63n;
/** Every fixed-cost opcode the shim runs, counted (≈ 330 with the blob count) and rounded up. */
const SHIM_STEPS_GAS = 400n;
/** EIP-2929: first call to an address in a transaction; a call to an address already touched. */
export const COLD_ACCOUNT_ACCESS_GAS = 2_600n;
const WARM_ACCOUNT_ACCESS_GAS = 100n;
/**
 * What the market's shim spends beyond the 1:1 one (src/precompile/shim.ts): its state read
 * (a cold SLOAD, 2,100) and written (20,000 when the slot was zero), the six words it puts before
 * the input (PUSH32s, MSTOREs and their memory) and its steps. Rounded up.
 */
const MARKET_SHIM_GAS = 23_500n;
/**
 * What NativeRollup spends to ask the market before EXECUTE (`Execute.market()`): the first,
 * cold, call to 0x…0101 (the EXECUTE call after it is warm), the shim's view path with its cold
 * SLOAD and cold oracle call, and the decoding. Measured ≈ 8k; the rest is margin.
 */
const MARKET_VIEW_GAS = 12_000n;
/** EIP-2929's surcharge of a CALL that carries value (the fee paid to EXECUTE). */
const CALL_VALUE_GAS = 9_000n;
/**
 * NativeRollup's own work apart from EXECUTE and the input-sized terms below: the head read and
 * written (3 slots), the state-root ring-buffer entry (a fresh slot), the queue reads for the
 * anchor and forced delivery (3 cold slots), the burned-fees total (a fresh slot the first time),
 * the checks, BLOCKHASH, the `BlockAdvanced` event (its fixed part) and the ABI decoding.
 * Measured ≈ 75k before the bridge and ≈ 104k with it (the first block, whose burned-fees slot
 * is fresh); the rest is margin.
 */
const ROLLUP_FIXED_GAS = 125_000n;
/**
 * What block 1 costs more: it writes the head's three slots fresh (3 × 17,100 above a rewrite),
 * since the head is the genesis from the configuration until then, so that creating a rollup
 * writes no storage (docs/rollups.md).
 */
const FIRST_BLOCK_HEAD_GAS = 51_300n;
/**
 * Per 32-byte word of calldata, what NativeRollup spends on it: the transactions are copied to
 * memory, hashed and copied into the input (3 + 6 + 3 + 3), the witness copied once (3), the
 * blob hashes copied, packed, hashed and logged (≈ 20). 32 bounds all of them.
 */
const ROLLUP_GAS_PER_WORD = 32n;
/** Memory NativeRollup holds besides the input and the transactions: structs, the event, scratch. */
const ROLLUP_MEMORY_SLACK_BYTES = 4_096n;
/** EIP-2028 / EIP-7623 calldata prices: 16 per non-zero byte; floor 10 per token, 4 tokens a non-zero byte. */
export const CALLDATA_GAS_PER_NONZERO_BYTE = 16n;
const CALLDATA_GAS_PER_ZERO_BYTE = 4n;
const CALLDATA_FLOOR_GAS_PER_TOKEN = 10n;
export const TRANSACTION_BASE_GAS = 21_000n;

/**
 * What an L1 transaction's data costs: `standard`, its EIP-2028 price (16 a non-zero byte, 4 a
 * zero byte), and `floor`, EIP-7623's least gas for the whole transaction (21,000 + 10 a token,
 * 4 tokens a non-zero byte).
 */
export function calldataGas(bytes: Uint8Array): { standard: bigint; floor: bigint } {
  let zeros = 0;
  for (const byte of bytes) if (byte === 0) zeros++;
  return calldataCost(BigInt(zeros), BigInt(bytes.length - zeros));
}

function calldataCost(zero: bigint, nonZero: bigint): { standard: bigint; floor: bigint } {
  return {
    standard: CALLDATA_GAS_PER_NONZERO_BYTE * nonZero + CALLDATA_GAS_PER_ZERO_BYTE * zero,
    floor: TRANSACTION_BASE_GAS + CALLDATA_FLOOR_GAS_PER_TOKEN * (zero + 4n * nonZero),
  };
}

/**
 * The gas a caller must have at a CALL for the callee to get `need`: EIP-150 keeps 1/64 of it
 * back. a − floor(a/64) ≥ need  ⇐  a ≥ need + ceil(need/63) + 1.
 */
export function gasToPassOn(need: bigint): bigint {
  return need + (need + 62n) / 63n + 1n;
}

/** Memory-expansion gas of `bytes` bytes of one call frame's memory: 3·words + words²/512. */
export function memoryExpansionGas(bytes: bigint): bigint {
  const words = (bytes + 31n) / 32n;
  return 3n * words + (words * words) / 512n;
}

/**
 * The gas a caller must hand to the EXECUTE shim (the gas the `STATICCALL` passes on) for an
 * input of `inputLength` bytes whose header claims `gasUsed`. The shim fails unless both hold:
 *
 *   at its GAS check:   gas ≥ cost + cost/63 + 10,000             (its own rule)
 *   after the burn:     cost is gone; the copy of the input into its memory (3/word + expansion),
 *                       the cold call to the oracle and its return must still be paid
 *
 * where `cost` is EXECUTE's formula ({@link executeGas}). This is the larger of the two, plus the
 * shim's fixed opcodes: an upper bound, not an estimate.
 */
export function executeCallGas(inputLength: number, gasUsed: bigint, blobs = 0, pricing?: ExecutePricing): bigint {
  const cost = pricing === "market" ? executeMarketGas(inputLength, blobs) : executeGas(inputLength, gasUsed, blobs);
  const length = BigInt(inputLength) + (pricing === "l1-gas" ? 0n : BigInt(MARKET_ORACLE_PREFIX_BYTES));
  const atCheck = cost + cost / SHIM_HEADROOM_DIVISOR + SHIM_GAS_RESERVE;
  const afterBurn = cost + WARM_ACCOUNT_ACCESS_GAS + 3n * ((length + 31n) / 32n) + memoryExpansionGas(length) + COLD_ACCOUNT_ACCESS_GAS;
  return SHIM_STEPS_GAS + (pricing === "l1-gas" ? 0n : MARKET_SHIM_GAS) + (atCheck > afterBurn ? atCheck : afterBurn);
}

/**
 * The calldata of `advance(claim, transactions, witness, messages)` or `advanceWithBlobs(claim,
 * hashes, witness, messages)` for this input, in bytes: selector, the 9-word claim, three
 * offsets, three length-prefixed padded fields (the ABI layout; a test checks it against ethers'
 * encoding).
 */
export function advanceCalldataLength(input: ExecuteInput): number {
  const padded = (n: number) => Math.ceil(n / 32) * 32;
  const first = input.blobVersionedHashes.length > 0 ? 32 * input.blobVersionedHashes.length : padded(input.transactions.length);
  return 4 + 9 * 32 + 3 * 32 + 32 + first + 32 + padded(input.witness.length) + 32 + padded(input.messages.length);
}

/**
 * An upper bound, by construction, on the L1 gas `advance` / `advanceWithBlobs` needs for a block:
 *
 *   max(intrinsic + calldata + rollup + call, EIP-7623 calldata floor)
 *   call = cold access + (shim's need) · 64/63 (the rollup's STATICCALL keeps 1/64 back, EIP-150)
 *   rollup = fixed work + per-word copies and hashes + memory of its frame (the input, the
 *            transactions' copy, structs and event: one frame, so one quadratic term)
 *
 * `calldata` (the exact bytes sent) prices each byte; without it every byte counts as non-zero.
 * Every input-dependent term comes from the formula in src/precompile/gas.ts and the shim's
 * constants; what NativeRollup spends besides is bounded by measured constants with margin.
 * `pricing` is how the L1's EXECUTE is priced (`readExecuteMarket`); without it the bound holds
 * for both (the 1:1 formula's L2 gas and the market's state and fee).
 */
export function advanceGasLimit(input: ExecuteInput, calldata?: Uint8Array, pricing?: ExecutePricing): bigint {
  const inputLength = encodeExecuteInput(input).length;
  const calldataBytes = BigInt(calldata?.length ?? advanceCalldataLength(input));
  const { standard: standardCalldata, floor } = calldata !== undefined ? calldataGas(calldata) : calldataCost(0n, calldataBytes);

  const shim = executeCallGas(inputLength, input.gasUsed, input.blobVersionedHashes.length, pricing);
  const call = COLD_ACCOUNT_ACCESS_GAS + (pricing === "l1-gas" ? 0n : CALL_VALUE_GAS) + gasToPassOn(shim);
  const transactionsBytes = BigInt(input.transactions.length);
  const hashes = BigInt(input.blobVersionedHashes.length);
  // The input is counted twice: measured at 1,000 transfers (a 276 KB input, on an L1 without
  // EIP-7825's cap), one copy left the bound short and every advance reverted (test/proposer: "the
  // bound suffices for a block of 1,000 transfers"). Solidity's ABI encoding of the input in the
  // rollup's frame takes more memory than the input itself.
  // The messages are copied to memory once more than the input holds them, like the transactions.
  const messagesBytes = BigInt(input.messages.length);
  const memoryBytes = 2n * BigInt(inputLength) + 2n * (transactionsBytes + 64n) + 2n * (messagesBytes + 64n) + 4n * 32n * hashes + ROLLUP_MEMORY_SLACK_BYTES;
  const rollup = ROLLUP_FIXED_GAS + MARKET_VIEW_GAS + (input.number === 1n ? FIRST_BLOCK_HEAD_GAS : 0n) + ROLLUP_GAS_PER_WORD * ((calldataBytes + 31n) / 32n) + memoryExpansionGas(memoryBytes);

  const execution = TRANSACTION_BASE_GAS + standardCalldata + rollup + call;
  return execution > floor ? execution : floor;
}
