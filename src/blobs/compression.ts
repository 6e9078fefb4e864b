/**
 * Batch compression: the bytes a sequencer posts are `compressBatch(rlp(batch))`, then
 * `encodeBlobs(...)`. Brotli from Node's built-in zlib (no dependency; zstd is only in Node ≥ 22.15
 * and marked experimental there). Measured figures and the reasons are in docs/blobs.md.
 *
 * Format (5-byte header, then the body):
 *
 *   byte 0      format: 0x00 = stored (body is the data), 0x01 = brotli stream
 *   bytes 1..4  length of the decompressed data, u32 big-endian
 *   bytes 5..   body
 *
 * The declared length lets the decoder refuse a bomb before inflating anything and check that
 * the stream inflates to exactly that many bytes.
 */
import zlib from "node:zlib";
import { BatchCorruptError, BatchFormatError, BatchTooLargeError } from "./errors.js";

/** Format byte: body stored as-is (chosen when brotli would not make the batch smaller). */
export const BATCH_FORMAT_STORED = 0x00;
/** Format byte: body is one brotli stream. */
export const BATCH_FORMAT_BROTLI = 0x01;
/** Header length in bytes: the format byte and the u32 decompressed length. */
export const BATCH_HEADER_BYTES = 5;
/**
 * Default cap on the decompressed size: 16 MiB. A type-3 transaction carries at most
 * 6 × 130044 compressed bytes, and real batches inflate 2–5×; the cap leaves ample room while a
 * hostile batch cannot make the node allocate gigabytes.
 */
export const DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;
/** Brotli quality used by `compressBatch` (5: within 1% of quality 11's ratio, ~100× faster). */
export const BROTLI_QUALITY = 5;

/** Options of `compressBatch`. */
export interface CompressBatchOptions {
  /** Brotli quality 0–11; default `BROTLI_QUALITY`. */
  quality?: number;
}

/**
 * Compresses `data` into the versioned batch format. Falls back to the stored format when brotli
 * would not shrink the data (random bytes), so the output is never more than 5 bytes longer.
 */
export function compressBatch(data: Uint8Array, options: CompressBatchOptions = {}): Uint8Array {
  if (data.length > 0xffffffff) throw new BatchTooLargeError(data.length, 0xffffffff, "input");
  const compressed = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: options.quality ?? BROTLI_QUALITY,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  const stored = compressed.length >= data.length;
  const body = stored ? data : compressed;
  const out = new Uint8Array(BATCH_HEADER_BYTES + body.length);
  out[0] = stored ? BATCH_FORMAT_STORED : BATCH_FORMAT_BROTLI;
  new DataView(out.buffer).setUint32(1, data.length);
  out.set(body, BATCH_HEADER_BYTES);
  return out;
}

/** Options of `decompressBatch`. */
export interface DecompressBatchOptions {
  /** Largest decompressed size accepted, in bytes; default `DEFAULT_MAX_BATCH_BYTES`. */
  maxBytes?: number;
}

/**
 * Decompresses a batch made by `compressBatch`. Throws `BatchFormatError` for a short header or
 * an unknown format byte, `BatchTooLargeError` when the declared size exceeds `maxBytes` (checked
 * before inflating), and `BatchCorruptError` when the body is corrupt, inflates past or short of
 * the declared size, or has trailing bytes.
 */
export function decompressBatch(data: Uint8Array, options: DecompressBatchOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BATCH_BYTES;
  if (data.length < BATCH_HEADER_BYTES) {
    throw new BatchFormatError(`${data.length} bytes is shorter than the ${BATCH_HEADER_BYTES}-byte header`);
  }
  const format = data[0];
  const declared = new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1);
  if (declared > maxBytes) throw new BatchTooLargeError(declared, maxBytes, "declared");
  const body = data.subarray(BATCH_HEADER_BYTES);
  if (format === BATCH_FORMAT_STORED) {
    if (body.length !== declared) {
      throw new BatchCorruptError(`stored body is ${body.length} bytes`, declared);
    }
    return body.slice();
  }
  if (format !== BATCH_FORMAT_BROTLI) throw new BatchFormatError(`unknown format byte 0x${format.toString(16)}`, format);
  let out: Buffer;
  try {
    // maxOutputLength stops inflating as soon as the output passes the declared length, so a
    // stream that lies about its size costs at most `declared` bytes of memory.
    out = zlib.brotliDecompressSync(body, { maxOutputLength: Math.max(declared, 1) });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new BatchCorruptError("brotli stream inflates past the declared length", declared, { cause: e });
    }
    throw new BatchCorruptError(`brotli: ${(e as Error).message}`, declared, { cause: e });
  }
  if (out.length !== declared) {
    throw new BatchCorruptError(`brotli stream inflates to ${out.length} bytes`, declared);
  }
  // Node's brotli ignores bytes after the end of the stream. The stream's last byte always holds
  // its final bits, so the body minus one byte must fail to decode unless bytes trail the stream;
  // rejecting them keeps one batch = one encoding (no malleable padding).
  if (body.length > 0 && decodesCompletely(body.subarray(0, body.length - 1), declared)) {
    throw new BatchCorruptError("bytes trail the brotli stream", declared);
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function decodesCompletely(body: Uint8Array, declared: number): boolean {
  try {
    return zlib.brotliDecompressSync(body, { maxOutputLength: Math.max(declared, 1) }).length === declared;
  } catch {
    return false;
  }
}
