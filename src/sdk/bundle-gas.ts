/**
 * A bundle's L1 gas: an upper bound by construction (`bundleGasLimit`), each call's need from
 * the proposer's `advance` bound (src/proposer/advance-gas.ts) and the bundler's, forwards' and
 * assertions' measured constants with margin.
 */
import { hexToBytes } from "@ethereumjs/util";
import type { ExecuteInput } from "../engine/types.js";
import type { ExecutePricing } from "../precompile/shim.js";
import { advanceGasLimit, calldataGas, COLD_ACCOUNT_ACCESS_GAS, gasToPassOn, memoryExpansionGas, TRANSACTION_BASE_GAS } from "../proposer/advance-gas.js";


/** What the bundler spends per call besides the callee: the code check (warm after the cold access above), the loop, the ABI reads, storing the result. */
export const BUNDLER_PER_CALL_GAS = 5_000n;
/** The bundler's own fixed work: dispatch, the array's head, the return encoding. */
export const BUNDLER_FIXED_GAS = 10_000n;
/**
 * One MPT proof node, read in place in calldata and hashed (MerkleTrie.sol ≈ 12k per node in the
 * callee; its calldata is priced at the transaction's level): 25k bounds it with margin.
 */
export const PROOF_NODE_GAS = 25_000n;
/**
 * `forward`'s fixed work: the claimed flag (a fresh slot), the destination's `enqueueFromRollup`
 * (the call with value, up to three fresh slots for the queue and `enqueuedAt`, the event), the
 * `MessageForwarded` event and the ABI decoding. Measured ≈ 150k beside the proof (docs/bridge.md's
 * 222k includes 21k and the calldata); 200k bounds it.
 */
export const FORWARD_FIXED_GAS = 200_000n;
/** `assertStorage` → `storageAt` without its proof nodes: the root lookup, the decoding, the compare. */
export const ASSERT_FIXED_GAS = 40_000n;

/** `advance`'s own need inside the bundle: its bound as a whole transaction, less that transaction's base and calldata (priced once for the bundle). */
export function advanceCallGas(input: ExecuteInput, data: string, pricing: ExecutePricing): bigint {
  const bytes = hexToBytes(data as `0x${string}`);
  return advanceGasLimit(input, bytes, pricing) - TRANSACTION_BASE_GAS - calldataGas(bytes).standard;
}

/** A forward's need: fixed work, its proof nodes, its message's data hashed, copied and logged twice. */
export function forwardCallGas(data: string, proofNodes: number, messageData: string): bigint {
  const messageBytes = BigInt((messageData.length - 2) / 2);
  const bytes = BigInt((data.length - 2) / 2);
  return innerCallGas(FORWARD_FIXED_GAS + PROOF_NODE_GAS * BigInt(proofNodes) + 64n * messageBytes + memoryExpansionGas(2n * bytes));
}

/** What the bundler must have at a call for the callee to get `need`: EIP-150 keeps 1/64 back; plus the cold access and its per-call work. */
export function innerCallGas(need: bigint): bigint {
  return gasToPassOn(need) + COLD_ACCOUNT_ACCESS_GAS + BUNDLER_PER_CALL_GAS;
}

/**
 * An upper bound, by construction, on the bundle's L1 gas:
 *
 *   max(21,000 + calldata + bundler + Σ calls, EIP-7623 floor)
 *   call    = (its own bound) · 64/63 + cold access + the bundler's per-call work
 *             advance: {@link advanceGasLimit} of its calldata, less the transaction's base and calldata
 *             forward: fixed work + 25k per proof node + its message's data
 *             assertStorage: fixed work + 25k per proof node
 *   bundler = fixed work + its memory: each call's data is copied into memory for the call and
 *             its return data kept (one frame, one quadratic term over the total)
 */
export function bundleGasLimit(data: string, calls: readonly { data: string }[], innerGas: bigint): bigint {
  const bytes = hexToBytes(data as `0x${string}`);
  const { standard, floor } = calldataGas(bytes);
  const copied = calls.reduce((sum, c) => sum + BigInt((c.data.length - 2) / 2) + 256n, 0n);
  const execution = TRANSACTION_BASE_GAS + standard + BUNDLER_FIXED_GAS + innerGas + memoryExpansionGas(copied + 32n * BigInt(calls.length) + 4_096n);
  return execution > floor ? execution : floor;
}
