/**
 * EXECUTE's gas, a documented formula (docs/execute.md):
 *
 *     gas = EXECUTE_BASE_GAS + gasUsed + EXECUTE_INPUT_BYTE_GAS × len(input) + EXECUTE_BLOB_GAS × blobs
 *
 * - `gasUsed`: the L2 gas the block consumed: re-executing it costs L1 what running it cost L2.
 *   The verifier stops as soon as execution passes it (`GasBudgetExceededError`), so an input
 *   that lies about it pays for the work it causes.
 * - the per-byte term pays for decoding and hashing the witness and the transactions (every
 *   witness node is keccak-hashed to file it under its hash); the L1 transaction pays calldata
 *   on top, as for any input.
 * - the per-blob term pays for fetching a blob, checking it against its versioned hash with its
 *   sidecar's KZG proof (the work of the point-evaluation precompile, priced the same), and
 *   decoding it. `blobs` is the length of `blobVersionedHashes`, read from the layout before any
 *   decoding; more than `MAX_BLOBS_PER_BLOCK` fails at once.
 * - the base pays for the fixed work: setting up the stateless state, the anchor system call
 *   (at most 250,000 gas of it, and no precompile: their prices assume native code), the three
 *   root computations — ≈ 3 ms for an empty block, and ≈ 20 ms for an anchor predeploy that
 *   loops (bench section `hostile`).
 * The ethrex proof of concept charges `gas_limit + 16 × len(input)`; charging `gasUsed` instead
 * of the limit prices what was done, not what could have been.
 */
export const EXECUTE_BASE_GAS = 60_000n;
/** Gas per input byte (see {@link executeGas}). */
export const EXECUTE_INPUT_BYTE_GAS = 8n;
/** Gas per blob the data is in (see {@link executeGas}): the point-evaluation precompile's price. */
export const EXECUTE_BLOB_GAS = 50_000n;

/**
 * A batched call (docs/execute.md, "Batches"): one call verifies k blocks and pays
 * `EXECUTE_BATCH_BASE_GAS + k × EXECUTE_BATCH_BLOCK_GAS` of fixed gas instead of k × 60,000. A
 * batch of one costs what a single call costs. The per-block term pays each block's own fixed
 * work (its state setup, its anchor call, its three roots), with the anchor call held to
 * 100,000 gas in a batch (`BATCH_ANCHOR_CALL_GAS`; L2Anchor needs ≈ 70,000): measured
 * (bench/hostile-batch.ts) an anchor predeploy that loops for those 100,000 takes ≈ 12 ms of CPU
 * per block in a batch, 20,000 gas at 600 ns per gas; an honest empty block ≈ 3–4 ms. What a
 * batch does once is the call, the outer decoding and each blob's KZG check and inflation (the
 * blobs are resolved once per batch, not once per block).
 */
export const EXECUTE_BATCH_BASE_GAS = 40_000n;
/** Fixed gas per block of a batched call (see {@link EXECUTE_BATCH_BASE_GAS}). */
export const EXECUTE_BATCH_BLOCK_GAS = 20_000n;

/** EXECUTE's fixed gas: one block (`batchBlocks` undefined), or a batch of `batchBlocks`. */
export function executeFixedGas(batchBlocks?: number | bigint): bigint {
  return batchBlocks === undefined ? EXECUTE_BASE_GAS : EXECUTE_BATCH_BASE_GAS + EXECUTE_BATCH_BLOCK_GAS * BigInt(batchBlocks);
}

/**
 * The gas EXECUTE charges for an input of `inputLength` bytes whose header claims `gasUsed`, with
 * data in `blobs` blobs — or, for a batch of `batchBlocks` blocks, whose batch header claims their
 * total `gasUsed`.
 */
export function executeGas(inputLength: number, gasUsed: bigint, blobs = 0, batchBlocks?: number | bigint): bigint {
  return executeFixedGas(batchBlocks) + gasUsed + EXECUTE_INPUT_BYTE_GAS * BigInt(inputLength) + EXECUTE_BLOB_GAS * BigInt(blobs);
}

/**
 * EXECUTE's L1 gas under its own market (`market.ts`; docs/execute.md, "Gas market"): the fixed
 * cost and the input's bytes and blobs only. The L2 gas the block used is paid in ETH
 * (`gasUsed × executeBaseFee`) and metered against the market's per-L1-block limit instead, so
 * one L2 block is no longer bounded by one L1 transaction (EIP-7825's 2^24). The fixed cost is
 * `EXECUTE_BASE_GAS`, the proposal's EXECUTE_GAS_COST: the same fixed work (state setup, the
 * anchor call, three roots).
 */
export function executeMarketGas(inputLength: number, blobs = 0, batchBlocks?: number | bigint): bigint {
  return executeGas(inputLength, 0n, blobs, batchBlocks);
}
