/**
 * Blob codec: arbitrary bytes ⇄ EIP-4844 blobs.
 *
 * Each blob uses the OP Stack encoding (op-service/eth/blob.go, also read by Taiko), so blobs we
 * post decode with their tools and theirs with ours. A blob is 1024 rounds of 4 field elements;
 * each round carries 127 bytes of a stream `[version=0][length: u24 BE][payload][zero padding]`:
 *
 *   stream bytes of one round (127)          field elements of the round (4 × 32 bytes)
 *   [ 0..31) ─────────────────────────────▶  fe0[1..32)
 *   [31]  = x ──┐                            fe0[0] = x & 0x3f
 *   [32..63) ───┼─────────────────────────▶  fe1[1..32)
 *   [63]  = y ──┤                            fe1[0] = (y & 0x0f) | (x & 0xc0) >> 2
 *   [64..95) ───┼─────────────────────────▶  fe2[1..32)
 *   [95]  = z ──┘                            fe2[0] = z & 0x3f
 *   [96..127) ────────────────────────────▶  fe3[1..32)
 *                                            fe3[0] = (z & 0xc0) >> 2 | (y & 0xf0) >> 4
 *
 * The top byte of every field element is < 0x40, so every element is below the BLS modulus
 * (0x73ed…). A payload longer than one blob is cut into `MAX_BYTES_PER_BLOB` chunks, one blob
 * each; every blob but the last is full. The decoder accepts exactly the blobs the encoder
 * produces and throws a specific `BlobDecodeError` for anything else.
 */
import {
  BlobFieldElementError,
  BlobLengthError,
  BlobNoBlobsError,
  BlobPaddingError,
  BlobSequenceError,
  BlobSizeError,
  BlobVersionError,
} from "./errors.js";

/** Bytes per field element (EIP-4844). */
export const BYTES_PER_FIELD_ELEMENT = 32;
/** Field elements per blob (EIP-4844). */
export const FIELD_ELEMENTS_PER_BLOB = 4096;
/** Bytes per blob: 131072. */
export const BYTES_PER_BLOB = BYTES_PER_FIELD_ELEMENT * FIELD_ELEMENTS_PER_BLOB;
/** Version byte written at blob byte 1; the only version this decoder accepts. */
export const BLOB_ENCODING_VERSION = 0;

const ROUNDS = 1024;
const BYTES_PER_ROUND = 127;
const HEADER_BYTES = 4; // version (1) + length (u24)
const STREAM_BYTES = ROUNDS * BYTES_PER_ROUND; // 130048

/** Largest payload one blob carries: 1024 × 127 − 4 = 130044 bytes. */
export const MAX_BYTES_PER_BLOB = STREAM_BYTES - HEADER_BYTES;

/** Number of blobs `encodeBlobs` produces for a payload of `length` bytes (at least 1). */
export function blobCountFor(length: number): number {
  return Math.max(1, Math.ceil(length / MAX_BYTES_PER_BLOB));
}

/**
 * Encodes `data` into one or more blobs. Empty data gives one blob (all zeros: version 0, length 0),
 * because a blob transaction needs at least one blob and decoding must round-trip.
 */
export function encodeBlobs(data: Uint8Array): Uint8Array[] {
  const blobs: Uint8Array[] = [];
  const count = blobCountFor(data.length);
  for (let i = 0; i < count; i++) {
    blobs.push(encodeOne(data.subarray(i * MAX_BYTES_PER_BLOB, (i + 1) * MAX_BYTES_PER_BLOB)));
  }
  return blobs;
}

/**
 * Decodes blobs made by `encodeBlobs`, in the same order. Throws a `BlobDecodeError` subclass —
 * naming the blob, the field element and the bad value — for a wrong size, a field element with a
 * high bit set, an unknown version, an oversized length, non-zero bytes after the payload, or a
 * non-canonical split (a non-final blob that is not full, an empty final blob after others).
 */
export function decodeBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new BlobNoBlobsError();
  const chunks = blobs.map((blob, i) => decodeOne(blob, i));
  for (let i = 0; i < chunks.length; i++) {
    const last = i === chunks.length - 1;
    if (!last && chunks[i].length !== MAX_BYTES_PER_BLOB) {
      throw new BlobSequenceError(i, chunks.length, chunks[i].length, `${MAX_BYTES_PER_BLOB} (a non-final blob is full)`);
    }
    if (last && chunks.length > 1 && chunks[i].length === 0) {
      throw new BlobSequenceError(i, chunks.length, 0, "at least 1 (only a lone blob may be empty)");
    }
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

function encodeOne(chunk: Uint8Array): Uint8Array {
  // Build the stream (header + payload, zero-padded), then scatter it round by round.
  const stream = new Uint8Array(STREAM_BYTES);
  stream[0] = BLOB_ENCODING_VERSION;
  stream[1] = (chunk.length >>> 16) & 0xff;
  stream[2] = (chunk.length >>> 8) & 0xff;
  stream[3] = chunk.length & 0xff;
  stream.set(chunk, HEADER_BYTES);
  const blob = new Uint8Array(BYTES_PER_BLOB);
  // Rounds past the payload stay all zeros, which is what they would encode to anyway.
  const rounds = Math.ceil((HEADER_BYTES + chunk.length) / BYTES_PER_ROUND);
  for (let r = 0; r < rounds; r++) {
    const s = r * BYTES_PER_ROUND;
    const b = r * 4 * BYTES_PER_FIELD_ELEMENT;
    blob.set(stream.subarray(s, s + 31), b + 1);
    blob.set(stream.subarray(s + 32, s + 63), b + 33);
    blob.set(stream.subarray(s + 64, s + 95), b + 65);
    blob.set(stream.subarray(s + 96, s + 127), b + 97);
    const x = stream[s + 31];
    const y = stream[s + 63];
    const z = stream[s + 95];
    blob[b] = x & 0x3f;
    blob[b + 32] = (y & 0x0f) | ((x & 0xc0) >> 2);
    blob[b + 64] = z & 0x3f;
    blob[b + 96] = ((z & 0xc0) >> 2) | ((y & 0xf0) >> 4);
  }
  return blob;
}

function decodeOne(blob: Uint8Array, blobIndex: number): Uint8Array {
  if (!(blob instanceof Uint8Array) || blob.length !== BYTES_PER_BLOB) {
    throw new BlobSizeError(blobIndex, blob?.length ?? 0, BYTES_PER_BLOB);
  }
  // Gather all 1024 rounds back into the stream. Every top byte is checked, so no field element
  // anywhere in the blob can hide bits outside the 254 the encoding uses.
  const stream = new Uint8Array(STREAM_BYTES);
  for (let r = 0; r < ROUNDS; r++) {
    const s = r * BYTES_PER_ROUND;
    const b = r * 4 * BYTES_PER_FIELD_ELEMENT;
    for (let k = 0; k < 4; k++) {
      const top = blob[b + 32 * k];
      if (top & 0xc0) throw new BlobFieldElementError(blobIndex, r * 4 + k, top);
    }
    const t0 = blob[b];
    const t1 = blob[b + 32];
    const t2 = blob[b + 64];
    const t3 = blob[b + 96];
    stream.set(blob.subarray(b + 1, b + 32), s);
    stream[s + 31] = (t0 & 0x3f) | ((t1 & 0x30) << 2);
    stream.set(blob.subarray(b + 33, b + 64), s + 32);
    stream[s + 63] = (t1 & 0x0f) | ((t3 & 0x0f) << 4);
    stream.set(blob.subarray(b + 65, b + 96), s + 64);
    stream[s + 95] = (t2 & 0x3f) | ((t3 & 0x30) << 2);
    stream.set(blob.subarray(b + 97, b + 128), s + 96);
  }
  if (stream[0] !== BLOB_ENCODING_VERSION) throw new BlobVersionError(blobIndex, stream[0], BLOB_ENCODING_VERSION);
  const length = (stream[1] << 16) | (stream[2] << 8) | stream[3];
  if (length > MAX_BYTES_PER_BLOB) throw new BlobLengthError(blobIndex, length, MAX_BYTES_PER_BLOB);
  const end = HEADER_BYTES + length;
  for (let p = end; p < STREAM_BYTES; p++) {
    if (stream[p] !== 0) throw new BlobPaddingError(blobIndex, fieldElementOfStreamByte(p), p - HEADER_BYTES, length);
  }
  return stream.slice(HEADER_BYTES, end);
}

/** The field element holding stream byte `p` (for the x/y/z bytes: the first of the two holding bits). */
function fieldElementOfStreamByte(p: number): number {
  const r = Math.floor(p / BYTES_PER_ROUND);
  const o = p % BYTES_PER_ROUND;
  const k = o < 32 ? 0 : o < 64 ? 1 : o < 96 ? 2 : 3;
  return r * 4 + k;
}
