import { bytesToHex } from "@ethereumjs/util";
import { Interface } from "ethers";
import { encodeExecuteInput } from "../precompile/codec.js";
import { encodeExecuteBatch } from "../precompile/batch.js";
import { executeGas, executeMarketGas } from "../precompile/gas.js";
import { MARKET_ORACLE_PREFIX_BYTES } from "../precompile/market-oracle.js";
import type { ExecutePricing } from "../precompile/shim.js";
import type { BlobSidecar } from "../blobs/kzg.js";
import type { BlobRange } from "../engine/blob-range.js";
import type { ExecuteInput } from "../engine/types.js";
import { COLD_ACCOUNT_ACCESS_GAS, gasToPassOn, memoryExpansionGas } from "../proposer/advance-gas.js";
import { bundleGasLimit, innerCallGas } from "./bundle-gas.js";
import type { BundleCall, PreparedLeg } from "./bundle.js";
import { blockClaim, nativeRollupInterface } from "./contracts.js";
import { executeFeeFor } from "./execute-market.js";
import type { ExecuteMarketView } from "../precompile/market-oracle.js";
import type { BuiltSharedLeg } from "./bundle-types.js";

/**
 * A shared advance whose blocks are verified by ONE EXECUTE call (docs/shared-advances.md, "One
 * EXECUTE call"): `RollupBundler.executeBatch(batch, calls)` makes the batched call
 * (docs/execute.md, "Batches") paying every leg's fee, then each rollup's `advanceBatched`, which
 * runs every check of an advance and accepts only the verdict EXECUTE remembered for exactly the
 * input it builds itself. Returns the bundler's calldata, the legs, the value and the gas.
 */
export function batchedAdvanceCalls(
  built: BuiltSharedLeg[],
  /** Each leg's EXECUTE input (`rangeInput`: its range of the shared blobs). */
  inputs: ExecuteInput[],
  ranges: BlobRange[],
  sidecar: BlobSidecar,
  market: ExecuteMarketView,
  pricing: ExecutePricing,
): { legs: PreparedLeg[]; calls: BundleCall[]; data: string; value: bigint; bound: bigint; estimate: bigint; batchBytes: number } {
  const anchor = built[0]!.fitted.anchor;
  const hashes = sidecar.versionedHashes;
  const rollupInterface = nativeRollupInterface();
  const legs: PreparedLeg[] = [];
  const entries: Uint8Array[] = [];
  const calls: BundleCall[] = built.map(({ address, fitted }, i) => {
    const { block } = fitted;
    const claim = blockClaim(block.header, anchor.number, fitted.delivery.messageCount);
    const input = inputs[i]!;
    legs.push({ address: address.toLowerCase(), fitted, claim, input, blobIndices: hashes.map((_, k) => k), received: [] });
    // The entry is the input the rollup builds from its head: its verdict key is keccak256 of these bytes.
    entries.push(encodeExecuteInput(input));
    const data = rollupInterface.encodeFunctionData("advanceBatched", [claim, hashes, input.transactions, "0x", block.input.messages]);
    const label = `advance ${address.toLowerCase()} to L2 block ${block.header.number} (entry ${i} of the batch; range ${ranges[i]!.offset}+${ranges[i]!.length} of the shared blobs)`;
    return { target: address, data, value: 0n, label };
  });
  const batch = encodeExecuteBatch(entries, legs[0]!.input.blobVersionedHashes);
  const gasUsed = legs.reduce((sum, leg) => sum + leg.input.gasUsed, 0n);
  const value = executeFeeFor(market, gasUsed);
  const data = bundlerInterface.encodeFunctionData("executeBatch", [bytesToHex(batch), calls.map(({ target, data }) => ({ target, data, value: 0n }))]);
  const batchCall = batchExecuteCallGas(batch.length, gasUsed, hashes.length, entries, pricing);
  let innerGas = batchCall;
  let slack = 0n;
  for (const [i, leg] of legs.entries()) {
    const first = leg.input.number === 1n;
    innerGas += innerCallGas(batchedLegGas(calls[i]!.data, entries[i]!.length, first));
    slack += first ? BATCHED_FIRST_BLOCK_MEASURED_SLACK : BATCHED_LEG_MEASURED_SLACK;
  }
  // The bundler copies the batch into memory beside the calls' data.
  const bound = bundleGasLimit(data, calls, innerGas) + memoryExpansionGas(BigInt(batch.length) + 64n * BigInt(calls.length));
  return { legs, calls, data, value, bound, estimate: bound - slack, batchBytes: batch.length };
}

const bundlerInterface = new Interface([
  "function executeBatch(bytes input, (address target, bytes data, uint256 value)[] calls) payable returns (bytes[])",
]);

/**
 * `advanceBatched`'s own work, an upper bound with margin: NativeRollup's checks (the head's cold
 * slots, the queue, BLOBHASH), its entry encoded and hashed (memory and 6 a word), the verdict's
 * warm STATICCALL, the head's slots and the state-root slot written (fresh for a first block),
 * the burned fees and the event, and its calldata read in place (32 a word, as advance's bound).
 */
export function batchedLegGas(calldata: string, entryBytes: number, firstBlock: boolean): bigint {
  const words = BigInt(Math.ceil((calldata.length - 2) / 2 / 32));
  const entryWords = BigInt(Math.ceil(entryBytes / 32));
  return BATCHED_LEG_FIXED_GAS + (firstBlock ? BATCHED_FIRST_BLOCK_GAS : 0n) + 32n * words + 12n * entryWords + memoryExpansionGas(3n * BigInt(entryBytes) + 4_096n);
}

/** `advanceBatched`'s fixed work besides its bytes (see {@link batchedLegGas}); measured ≈ 70k for a later block. */
export const BATCHED_LEG_FIXED_GAS = 100_000n;
/** What a rollup's first block adds: its head's three slots and the burned-fees slot written fresh (≈ 4 × 17,000). */
export const BATCHED_FIRST_BLOCK_GAS = 70_000n;
/**
 * What a batched leg uses less than its bound, measured on the in-process Hardhat L1 under the
 * market (one-transfer legs, k = 10: 181.9k bound, 138.2k used; first blocks 253.0k and 209.3k):
 * the margins of `BATCHED_LEG_FIXED_GAS` and of the batch call's bound. The estimate packing goes
 * by is the bound less this per leg (test/sdk/shared-advance-gas.test.ts: 100 legs, used ≤ estimate).
 */
export const BATCHED_LEG_MEASURED_SLACK = 34_000n;
/** The same for a rollup's first block. */
export const BATCHED_FIRST_BLOCK_MEASURED_SLACK = 34_000n;

/**
 * The gas the bundler must hand EXECUTE for a batch, an upper bound: the formula
 * (`executeMarketGas(len, blobs, k)`, or the 1:1 one with the L2 gas), the shim's headroom rule
 * (cost/63 + 10,000 at its check), its memory (the market's prefix and the input copied, the
 * output, the largest entry copied to be hashed), each accepted entry's key hashed and its two
 * TSTOREs, the cold access and the value transfer of the CALL.
 */
export function batchExecuteCallGas(inputLength: number, gasUsed: bigint, blobs: number, entries: Uint8Array[], pricing: ExecutePricing): bigint {
  const k = entries.length;
  const cost = pricing === "market" ? executeMarketGas(inputLength, blobs, k) : executeGas(inputLength, gasUsed, blobs, k);
  const largest = entries.reduce((n, e) => Math.max(n, e.length), 0);
  const memory = BigInt(inputLength + MARKET_ORACLE_PREFIX_BYTES + 64 * k + largest + 64);
  const remember = entries.reduce((n, e) => n + 400n + 9n * BigInt(Math.ceil(e.length / 32)), 0n);
  const shim = cost + cost / 63n + 10_000n + 3n * ((memory + 31n) / 32n) + memoryExpansionGas(memory) + remember + 2n * COLD_ACCOUNT_ACCESS_GAS + 5_000n;
  return COLD_ACCOUNT_ACCESS_GAS + 9_000n + gasToPassOn(shim);
}
