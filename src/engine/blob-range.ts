import { BlobRangeError } from "./errors.js";
import { MAX_WITNESS_BYTES_PER_BLOB } from "./block-data.js";

/**
 * Shared blobs (docs/execute.md, "Shared advances"): several rollups' blocks in one blob, each
 * reading its own byte range of the payload the blobs carry once decoded and decompressed. A
 * block names its range in the EXECUTE input's `transactions` field, which is otherwise empty
 * when blobs carry the data: exactly {@link BLOB_RANGE_BYTES} bytes, `uint64 offset ‖ uint64
 * length` big-endian. The input layout is unchanged; EXECUTE checks the blobs against their
 * versioned hashes (KZG) as before and then takes only the range.
 */
export const BLOB_RANGE_BYTES = 16;

/** A byte range of a shared blob payload. */
export interface BlobRange {
  offset: bigint;
  length: bigint;
}

/**
 * What a shared payload may inflate to beyond the block's own bound: the other blocks' data, up to
 * the same 512 KiB per blob a witness may take (the 50,000 gas of a blob pays for inflating that).
 */
export const MAX_SHARED_BYTES_PER_BLOB = MAX_WITNESS_BYTES_PER_BLOB;

/** The 16 bytes that name `range` in the EXECUTE input's `transactions` field. */
export function encodeBlobRange(range: BlobRange): Uint8Array {
  const out = new Uint8Array(BLOB_RANGE_BYTES);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, range.offset);
  view.setBigUint64(8, range.length);
  return out;
}

/** Reads a range from the 16 bytes of the `transactions` field (see {@link encodeBlobRange}). */
export function decodeBlobRange(bytes: Uint8Array): BlobRange {
  if (bytes.length !== BLOB_RANGE_BYTES) throw new RangeError(`a blob range is ${BLOB_RANGE_BYTES} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { offset: view.getBigUint64(0), length: view.getBigUint64(8) };
}

/** The range's bytes of `payload`; `BlobRangeError` (with the values) when it is empty or ends past it. */
export function sliceBlobRange(payload: Uint8Array, range: BlobRange): Uint8Array {
  if (range.length === 0n) throw new BlobRangeError(range.offset, range.length, payload.length, "empty");
  if (range.offset + range.length > BigInt(payload.length)) {
    throw new BlobRangeError(range.offset, range.length, payload.length, "ends past the payload");
  }
  return payload.subarray(Number(range.offset), Number(range.offset + range.length));
}
