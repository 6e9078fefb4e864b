/**
 * Errors of the blob component. Each class carries the values that explain it, and the message
 * repeats them so a log line alone is enough to act on.
 */
import { UltrasoundError } from "../shared/errors.js";

/** Base class of every error thrown by `src/blobs`, so callers can catch the component as a whole. */
export class BlobError extends UltrasoundError {
  override name = "BlobError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, {}, options);
  }
}

// ---------------------------------------------------------------------------------------------
// Codec

/** Base class of the codec's decode failures: the blobs do not hold a payload in our encoding. */
export class BlobDecodeError extends BlobError {
  override name = "BlobDecodeError";
}

/** `decodeBlobs([])`: `encodeBlobs` always produces at least one blob, so none is malformed input. */
export class BlobNoBlobsError extends BlobDecodeError {
  override name = "BlobNoBlobsError";
  constructor() {
    super("cannot decode zero blobs: an encoding always has at least one blob");
  }
}

/** A blob is not exactly 131072 bytes long. */
export class BlobSizeError extends BlobDecodeError {
  override name = "BlobSizeError";
  constructor(
    readonly blobIndex: number,
    readonly length: number,
    readonly expected: number,
  ) {
    super(`blob ${blobIndex} is ${length} bytes, expected ${expected}`);
  }
}

/** A field element's top byte has one of its two high bits set, which our encoding never does. */
export class BlobFieldElementError extends BlobDecodeError {
  override name = "BlobFieldElementError";
  constructor(
    readonly blobIndex: number,
    readonly fieldElement: number,
    readonly topByte: number,
  ) {
    super(
      `blob ${blobIndex} field element ${fieldElement} has top byte 0x${topByte.toString(16).padStart(2, "0")}; ` +
        `its two high bits must be zero`,
    );
  }
}

/** The version byte (byte 1 of the blob) is not one this decoder knows. */
export class BlobVersionError extends BlobDecodeError {
  override name = "BlobVersionError";
  constructor(
    readonly blobIndex: number,
    readonly version: number,
    readonly expected: number,
  ) {
    super(`blob ${blobIndex} has encoding version ${version}, expected ${expected}`);
  }
}

/** The 3-byte length prefix declares more bytes than one blob can carry. */
export class BlobLengthError extends BlobDecodeError {
  override name = "BlobLengthError";
  constructor(
    readonly blobIndex: number,
    readonly length: number,
    readonly max: number,
  ) {
    super(`blob ${blobIndex} declares a payload of ${length} bytes, more than the maximum ${max}`);
  }
}

/**
 * A non-zero byte after the declared payload: the blob carries data the length prefix does not
 * account for. Rejected so that every valid blob decodes from exactly one payload (no hidden data).
 */
export class BlobPaddingError extends BlobDecodeError {
  override name = "BlobPaddingError";
  constructor(
    readonly blobIndex: number,
    readonly fieldElement: number,
    readonly payloadOffset: number,
    readonly declaredLength: number,
  ) {
    super(
      `blob ${blobIndex} has a non-zero byte at payload offset ${payloadOffset} (field element ${fieldElement}) ` +
        `after its declared length ${declaredLength}`,
    );
  }
}

/**
 * The blobs are not a canonical multi-blob sequence: every blob but the last must be full, and
 * only a single-blob encoding may be empty. Catches reordered or spliced blob lists.
 */
export class BlobSequenceError extends BlobDecodeError {
  override name = "BlobSequenceError";
  constructor(
    readonly blobIndex: number,
    readonly blobCount: number,
    readonly length: number,
    readonly expected: string,
  ) {
    super(`blob ${blobIndex} of ${blobCount} carries ${length} bytes, expected ${expected}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Compression

/** Base class of batch (de)compression failures. */
export class BatchCompressionError extends BlobError {
  override name = "BatchCompressionError";
}

/** The batch is shorter than the 5-byte header or its format byte is unknown. */
export class BatchFormatError extends BatchCompressionError {
  override name = "BatchFormatError";
  constructor(
    readonly reason: string,
    readonly format?: number,
  ) {
    super(`malformed compressed batch: ${reason}`);
  }
}

/** The batch declares (or would inflate to) more bytes than the caller allows: a zip bomb or a bug. */
export class BatchTooLargeError extends BatchCompressionError {
  override name = "BatchTooLargeError";
  constructor(
    readonly size: number,
    readonly max: number,
    readonly what: "declared" | "input",
  ) {
    super(`batch ${what} size ${size} bytes exceeds the cap of ${max} bytes`);
  }
}

/** The compressed stream is corrupt, or inflates to a length other than the one in the header. */
export class BatchCorruptError extends BatchCompressionError {
  override name = "BatchCorruptError";
  constructor(
    readonly reason: string,
    readonly declaredLength: number,
    options?: { cause?: unknown },
  ) {
    super(`corrupt compressed batch (declared ${declaredLength} bytes): ${reason}`, options);
  }
}

// ---------------------------------------------------------------------------------------------
// KZG and sending

/** c-kzg refused an input (e.g. a field element ≥ the BLS modulus) or could not load its setup. */
export class BlobKzgError extends BlobError {
  override name = "BlobKzgError";
  constructor(
    readonly operation: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`KZG ${operation} failed: ${reason}`, options);
  }
}

/** The signer cannot sign a raw type-3 transaction (Hardhat refuses `eth_sendTransaction` for them). */
export class BlobSignerError extends BlobError {
  override name = "BlobSignerError";
  constructor(
    readonly address: string,
    readonly reason: string,
  ) {
    super(`cannot sign a blob transaction for ${address}: ${reason}`);
  }
}

/** The node rejected the blob transaction, or its receipt did not arrive in time. */
export class BlobTransactionError extends BlobError {
  override name = "BlobTransactionError";
  constructor(
    readonly reason: string,
    readonly hash?: string,
    options?: { cause?: unknown },
  ) {
    super(`blob transaction ${hash ?? "(unsent)"}: ${reason}`, options);
  }
}

/** The blob transaction was included but its execution reverted; its blobs are on L1 regardless. */
export class BlobTransactionRevertedError extends BlobError {
  override name = "BlobTransactionRevertedError";
  constructor(
    readonly hash: string,
    readonly blockNumber: number,
    readonly versionedHashes: string[],
  ) {
    super(`blob transaction ${hash} reverted in block ${blockNumber}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Archive, server and reader

/** Bad input to the archive (e.g. a malformed block hash, mismatched sidecar arrays). */
export class BlobArchiveError extends BlobError {
  override name = "BlobArchiveError";
}

/** A `block_id` that is none of `head`, `genesis`, a decimal slot or a 0x-prefixed 32-byte root. */
export class InvalidBlockIdError extends BlobError {
  override name = "InvalidBlockIdError";
  constructor(readonly blockId: string) {
    super(`Invalid block ID: ${blockId.length > 80 ? blockId.slice(0, 80) + "…" : blockId}`);
  }
}

/** No blob with this versioned hash at the source (in the given block, when one was given). */
export class BlobNotFoundError extends BlobError {
  override name = "BlobNotFoundError";
  constructor(
    readonly versionedHash: string,
    readonly blockId?: string,
  ) {
    super(`blob ${versionedHash} not found${blockId === undefined ? "" : ` in block ${blockId}`}`);
  }
}

/** The source returned a blob whose recomputed versioned hash is not the one asked for. */
export class BlobHashMismatchError extends BlobError {
  override name = "BlobHashMismatchError";
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {
    super(`blob versioned hash mismatch: expected ${expected}, got ${got}`);
  }
}

/** The beacon API answered with an error status or an unparseable body. */
export class BeaconApiError extends BlobError {
  override name = "BeaconApiError";
  constructor(
    readonly url: string,
    readonly status: number,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`beacon API ${url} answered ${status}: ${reason}`, options);
  }
}

/** A beacon node can only look blobs up inside a block: `blockId` is required with `beaconUrl`. */
export class BlobBlockIdRequiredError extends BlobError {
  override name = "BlobBlockIdRequiredError";
  constructor() {
    super("a blockId is required to read blobs from a beacon API (it has no lookup by versioned hash)");
  }
}
