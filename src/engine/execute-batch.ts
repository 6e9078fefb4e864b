import { bytesToHex } from "@ethereumjs/util";
import { BLOB_RANGE_BYTES, MAX_SHARED_BYTES_PER_BLOB } from "./blob-range.js";
import { BATCH_ANCHOR_CALL_GAS } from "./system-calls.js";
import { execute, maxBlobPayloadBytes, type ExecuteOptions } from "./execute.js";
import type { ExecuteInput, ExecuteResult } from "./types.js";

/** One block of a batch: accepted with its result, or rejected with the reason. */
export type BatchOutcome = { ok: true; result: ExecuteResult } | { ok: false; error: Error };

/**
 * EXECUTE over k blocks (docs/execute.md, "Batches"): verifies each input in order, exactly as
 * {@link execute} verifies it alone, and gives each its own verdict — a rejected block does not
 * stop the ones after it (each block pays its own fixed work, so verifying past a rejection is
 * paid for). The blocks may be of different chains, or consecutive blocks of one chain: each is
 * verified against its own witness, so a batch never carries state from one entry to the next
 * (the caller checks that entry i + 1's parent is entry i, as it checks any parent).
 *
 * Each block's anchor system call gets `BATCH_ANCHOR_CALL_GAS` (100,000) instead of 250,000: that
 * is what lets a block's fixed work cost less in a batch than alone (docs/execute.md, "Batches");
 * L2Anchor needs ≈ 70,000 at most, so an honest block verifies the same either way.
 *
 * What a batch does once: each list of blob versioned hashes is resolved (KZG-checked, decoded,
 * inflated) once, under the largest bound any of its blocks allows; each block then reads it under
 * its own bound, as alone. Only an error that is not a verdict (a bug of ours) escapes.
 */
export async function executeBatch(inputs: ExecuteInput[], options: ExecuteOptions = {}): Promise<BatchOutcome[]> {
  const resolveBlobData = options.resolveBlobData === undefined ? undefined : onceEach(inputs, options.resolveBlobData);
  const outcomes: BatchOutcome[] = [];
  for (const input of inputs) {
    try {
      outcomes.push({ ok: true, result: await execute(input, { ...options, resolveBlobData, anchorGas: BATCH_ANCHOR_CALL_GAS }) });
    } catch (error) {
      outcomes.push({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return outcomes;
}

type Resolve = NonNullable<ExecuteOptions["resolveBlobData"]>;

/** `resolve`, asked once per distinct hash list under the largest bound of the blocks naming it. */
function onceEach(inputs: ExecuteInput[], resolve: Resolve): Resolve {
  const keyOf = (hashes: Uint8Array[]) => hashes.map((h) => bytesToHex(h)).join(",");
  const limits = new Map<string, number>();
  for (const input of inputs) {
    const blobs = input.blobVersionedHashes.length;
    if (blobs === 0) continue;
    const shared = input.transactions.length === BLOB_RANGE_BYTES ? blobs * MAX_SHARED_BYTES_PER_BLOB : 0;
    const key = keyOf(input.blobVersionedHashes);
    limits.set(key, Math.max(limits.get(key) ?? 0, maxBlobPayloadBytes(input.gasUsed, blobs) + shared));
  }
  const payloads = new Map<string, Promise<Uint8Array>>();
  return async (hashes, { maxBytes }) => {
    const key = keyOf(hashes);
    let payload = payloads.get(key);
    if (payload === undefined) {
      payload = resolve(hashes, { maxBytes: Math.max(limits.get(key) ?? 0, maxBytes) });
      payload.catch(() => undefined); // each block that names it sees the rejection
      payloads.set(key, payload);
    }
    const bytes = await payload;
    // Resolved under another block's larger bound: this block still gets no more than its own.
    if (bytes.length > maxBytes) throw new RangeError(`the blob payload inflates to ${bytes.length} bytes; this block's bound is ${maxBytes}`);
    return bytes;
  };
}
