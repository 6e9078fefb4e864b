import { keccak256 } from "../../engine/crypto.js";
import { decodeBlobs } from "../../blobs/codec.js";
import { decompressBatch } from "../../blobs/compression.js";
import { BLOB_RANGE_BYTES, MAX_SHARED_BYTES_PER_BLOB, decodeBlobRange, sliceBlobRange, type BlobRange } from "../../engine/blob-range.js";
import { decodeBlockData } from "../../engine/block-data.js";
import { maxBlobPayloadBytes } from "../../engine/execute.js";
import { bytesToHex, hexToBytes } from "../../shared/bytes.js";
import { advanceArgument } from "./calldata.js";

/**
 * Words of `advanceWithBlobRange(BlockClaim, bytes32[] blobHashes, bytes range, bytes witness,
 * bytes messages)` calldata (after the selector) holding the offsets of `_range` and `_messages`
 * (docs/shared-advances.md).
 */
export const RANGE_ARGUMENT = 10;
/** Word of `advanceWithBlobRange`'s calldata holding the offset of `_messages`. */
export const RANGE_MESSAGES_ARGUMENT = 12;

/**
 * The blob range an `advanceWithBlobRange` call (0x-hex calldata) names, if `input` is one
 * (`selector` matches), its range is 16 bytes and `(blobHashes, range)` hash to the event's
 * `dataHash` (`keccak256(abi.encodePacked(blobHashes, range))`); undefined otherwise.
 */
export function blobRangeOf(input: string, selector: string, blobHashes: string[], dataHash: string): BlobRange | undefined {
  const bytes = advanceArgument(input, selector, RANGE_ARGUMENT);
  if (bytes === undefined || bytes.length !== BLOB_RANGE_BYTES) return undefined;
  const packed = new Uint8Array(32 * blobHashes.length + BLOB_RANGE_BYTES);
  blobHashes.forEach((h, i) => packed.set(hexToBytes(h as `0x${string}`)!, 32 * i));
  packed.set(bytes, 32 * blobHashes.length);
  if (bytesToHex(keccak256(packed)) !== dataHash.toLowerCase()) return undefined;
  return decodeBlobRange(bytes);
}

/**
 * Payloads of shared blobs inflated lately, by their versioned hashes: every rollup-block of a
 * shared advance reads a range of the same payload, and a node following many of those rollups
 * would otherwise decode and inflate it once per block. Versioned hashes name the blobs' content
 * (the reader checked each blob against its hash), so a hit is the same payload.
 */
const inflatedPayloads = new Map<string, Uint8Array>();
const INFLATED_PAYLOADS = 4;

/**
 * A shared blob's block: the transactions in `range` of the payload the blobs (named by
 * `blobHashes`) carry, inflated under the bound EXECUTE used for it (the block's own, plus the
 * shared part per blob).
 */
export function blobRangeTransactions(blobHashes: readonly string[], blobs: readonly Uint8Array[], range: BlobRange, gasUsed: bigint): Uint8Array {
  const maxBytes = maxBlobPayloadBytes(gasUsed, blobs.length) + blobs.length * MAX_SHARED_BYTES_PER_BLOB;
  const key = blobHashes.join(",").toLowerCase();
  let payload = inflatedPayloads.get(key);
  // A payload inflated for a block with a larger bound is inflated again under this one's, which refuses it as before.
  if (payload === undefined || payload.length > maxBytes) {
    payload = decompressBatch(decodeBlobs(blobs), { maxBytes });
    inflatedPayloads.delete(key);
    inflatedPayloads.set(key, payload);
    if (inflatedPayloads.size > INFLATED_PAYLOADS) inflatedPayloads.delete(inflatedPayloads.keys().next().value!);
  }
  return decodeBlockData(sliceBlobRange(payload, range)).transactions;
}

