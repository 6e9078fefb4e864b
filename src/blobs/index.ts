/**
 * Blob component: encode data into EIP-4844 blobs, compress batches, compute KZG sidecars, send
 * type-3 transactions, keep every sent blob in an on-disk archive served in the beacon-API shape,
 * and read blobs back verified against their versioned hashes. See docs/blobs.md.
 *
 *   data ─compressBatch─▶ encodeBlobs ─▶ sendBlobTransaction ─▶ L1 (versioned hashes)
 *                                              │ archive.put
 *                                              ▼
 *   decompressBatch ◀─ decodeBlobs ◀─ BlobReader ◀─ archive | beacon API (startBlobArchiveServer)
 */
export {
  BLOB_ENCODING_VERSION,
  BYTES_PER_BLOB,
  BYTES_PER_FIELD_ELEMENT,
  FIELD_ELEMENTS_PER_BLOB,
  MAX_BYTES_PER_BLOB,
  blobCountFor,
  decodeBlobs,
  encodeBlobs,
} from "./codec.js";
export {
  BATCH_FORMAT_BROTLI,
  BATCH_FORMAT_STORED,
  BATCH_HEADER_BYTES,
  BROTLI_QUALITY,
  DEFAULT_MAX_BATCH_BYTES,
  compressBatch,
  decompressBatch,
  type CompressBatchOptions,
  type DecompressBatchOptions,
} from "./compression.js";
export {
  BYTES_PER_COMMITMENT,
  VERSIONED_HASH_VERSION_KZG,
  blobToCommitment,
  computeBlobProof,
  getKzg,
  makeSidecar,
  toVersionedHash,
  verifyBlobProof,
  assertBlobMatchesHash,
  type BlobSidecar,
} from "./kzg.js";
export {
  MAX_BLOBS_PER_TRANSACTION,
  sendBlobTransaction,
  type RpcReceipt,
  type SendBlobTransactionParams,
  type SentBlobTransaction,
} from "./send.js";
export {
  BLOB_ARCHIVE_FILE,
  openBlobArchive,
  parseBlockId,
  type ArchivedBlob,
  type ArchivedBlock,
  type ArchivedBlockRef,
  type BlobArchive,
  type BlockId,
  type ParsedBlockId,
  type PutBlobsParams,
} from "./archive.js";
export {
  DEFAULT_BLOB_SERVER_PORT,
  startBlobArchiveServer,
  type BlobArchiveServer,
  type BlobArchiveServerOptions,
  type L1BlockSource,
} from "./server.js";
export { createBlobReader, type BlobReader, type BlobReaderSource, type GetBlobsOptions } from "./reader.js";
export { bytesToHex, hexToBytes } from "../shared/bytes.js";
export * from "./errors.js";
