import type { BlobArchive } from "./archive.js";
import { decodeBlobs, encodeBlobs } from "./codec.js";
import { compressBatch, decompressBatch } from "./compression.js";
import { BlobNotFoundError } from "./errors.js";
import { bytesToHex } from "../shared/bytes.js";
import { decodeBlockData, encodeBlockData, type BlockData } from "../engine/block-data.js";
import { assertBlobMatchesHash } from "./kzg.js";
import { processBlobPool, type BlobPool } from "./pool.js";

/**
 * The blobs that carry an L2 block: `encodeBlobs(compressBatch(RLP([transactions, witness])))`
 * (docs/blobs.md); `witness` is empty when it travels in calldata. One block's data always goes in
 * one L1 transaction (at most 6 blobs, ≈ 760 KB compressed); the proposer refuses a larger one.
 */
export function blockDataToBlobs(transactions: Uint8Array, witness: Uint8Array = new Uint8Array(0)): Uint8Array[] {
  return encodeBlobs(compressBatch(encodeBlockData({ transactions, witness })));
}

/**
 * The inverse of {@link blockDataToBlobs}: throws a specific `BlobError` on malformed data, or
 * when the data would inflate past `maxBytes` (checked before inflating).
 */
export function blobsToBlockData(blobs: readonly Uint8Array[], maxBytes?: number): BlockData {
  return decodeBlockData(blobsToPayload(blobs, maxBytes));
}

/** The payload the blobs carry, inflated but not split (what EXECUTE's blob source returns). */
function blobsToPayload(blobs: readonly Uint8Array[], maxBytes?: number): Uint8Array {
  return decompressBatch(decodeBlobs(blobs), { maxBytes });
}

/**
 * The blob resolver EXECUTE uses: for each versioned hash, the blob from the pool (in flight)
 * or the archive (already included), checked against the hash with its sidecar's KZG proof (a
 * source is never trusted), then decoded and decompressed into the block's payload
 * (`RLP([transactions, witness])`, which EXECUTE splits).
 * Throws `BlobNotFoundError`, `BlobHashMismatchError` or a decode error: any of them fails EXECUTE.
 */
export function createBlobDataResolver(sources: { pool?: BlobPool; archive?: () => BlobArchive | undefined } = {}) {
  const pool = sources.pool ?? processBlobPool;
  return async (versionedHashes: Uint8Array[], limits: { maxBytes?: number } = {}): Promise<Uint8Array> => {
    const blobs = versionedHashes.map((hashBytes) => {
      const hash = bytesToHex(hashBytes);
      const candidates = [pool.get(hash), sources.archive?.()?.getByVersionedHash(hash)].filter((b) => b !== undefined);
      if (candidates.length === 0) throw new BlobNotFoundError(hash);
      let failure: Error | undefined;
      for (const candidate of candidates) {
        try {
          assertBlobMatchesHash(candidate, hash);
          return candidate.blob;
        } catch (error) {
          failure = error as Error; // the next source may hold the right blob
        }
      }
      throw failure!;
    });
    return blobsToPayload(blobs, limits.maxBytes);
  };
}
