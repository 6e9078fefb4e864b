import { keccak256 } from "../../engine/crypto.js";
import { decodeBlobs } from "../../blobs/codec.js";
import { decompressBatch } from "../../blobs/compression.js";
import { MAX_SHARED_BYTES_PER_BLOB, sliceBlobRange, type BlobRange } from "../../engine/blob-range.js";
import { decodeBlockData } from "../../engine/block-data.js";
import { maxBlobPayloadBytes } from "../../engine/execute.js";
import { bytesToHex, hexToBytes } from "../../shared/bytes.js";

/**
 * Word of `advanceWithBlobRange(BlockClaim, bytes32[] blobHashes, uint64 offset, uint64 length,
 * bytes witness, bytes messages)` calldata (after the selector) holding `offset`; `length` is the
 * next word, the offset of `_messages` the one after `_witness`'s (docs/execute.md, "Shared advances").
 */
export const RANGE_OFFSET_ARGUMENT = 10;
/** Word of `advanceWithBlobRange`'s calldata holding the offset of `_messages`. */
export const RANGE_MESSAGES_ARGUMENT = 13;

/**
 * The blob range an `advanceWithBlobRange` call (0x-hex calldata) names, if `input` is one
 * (`selector` matches) and its `(blobHashes, offset, length)` hash to the event's `dataHash`
 * (`keccak256(abi.encodePacked(blobHashes, uint64 offset, uint64 length))`); undefined otherwise.
 */
export function blobRangeOf(input: string, selector: string, blobHashes: string[], dataHash: string): BlobRange | undefined {
  const hex = input.startsWith("0x") ? input.slice(2) : input;
  if (hex.slice(0, 8).toLowerCase() !== selector.toLowerCase()) return undefined;
  const word = (index: number): bigint | undefined => {
    const at = 8 + index * 64;
    return at + 64 <= hex.length ? BigInt("0x" + hex.slice(at, at + 64)) : undefined;
  };
  const offset = word(RANGE_OFFSET_ARGUMENT);
  const length = word(RANGE_OFFSET_ARGUMENT + 1);
  if (offset === undefined || length === undefined || offset >= 2n ** 64n || length >= 2n ** 64n) return undefined;
  const packed = new Uint8Array(32 * blobHashes.length + 16);
  blobHashes.forEach((h, i) => packed.set(hexToBytes(h as `0x${string}`)!, 32 * i));
  const view = new DataView(packed.buffer);
  view.setBigUint64(32 * blobHashes.length, offset);
  view.setBigUint64(32 * blobHashes.length + 8, length);
  if (bytesToHex(keccak256(packed)) !== dataHash.toLowerCase()) return undefined;
  return { offset, length };
}

/**
 * A shared blob's block: the transactions in `range` of the payload the blobs carry, inflated
 * under the bound EXECUTE used for it (the block's own, plus the shared part per blob).
 */
export function blobRangeTransactions(blobs: readonly Uint8Array[], range: BlobRange, gasUsed: bigint): Uint8Array {
  const maxBytes = maxBlobPayloadBytes(gasUsed, blobs.length) + blobs.length * MAX_SHARED_BYTES_PER_BLOB;
  const payload = decompressBatch(decodeBlobs(blobs), { maxBytes });
  return decodeBlockData(sliceBlobRange(payload, range)).transactions;
}
