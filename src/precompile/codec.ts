import { ExecutionRejectedError } from "../engine/errors.js";
import type { ExecuteInput } from "../engine/types.js";

/** Where EXECUTE lives: the ethrex proof of concept's address (EIP-8079 leaves it TBD; 0x100 is P256VERIFY). */
export const EXECUTE_ADDRESS = "0x0000000000000000000000000000000000000101";

/*
 * The layout is `abi.encode(ExecuteHeader header, bytes transactions, bytes32[] blobVersionedHashes,
 * bytes witness, bytes messages)` with the static 13-word header inline (docs/execute.md).
 */

/** Byte offset of `gasUsed` in the input (word 8): the gas formula reads it there. */
export const GAS_USED_OFFSET = 8 * 32;

/**
 * Byte offset of the word holding the offset of `blobVersionedHashes` (word 14); the word it
 * points at is the number of hashes, which the gas formula charges per blob.
 */
export const BLOB_HASHES_OFFSET_WORD = 14 * 32;

/*
 * A batch (docs/execute.md, "Batches"): `abi.encode(bytes32 magic, uint256 count, uint256
 * gasUsed, bytes32[] blobVersionedHashes, bytes[] entries)`, each entry a single input. A single
 * input starts with its chain id (a uint64: the first byte is 0); a batch with its magic, whose
 * first byte is not: EXECUTE (and the shim) tell them apart by the first byte alone.
 */

/** The batch's first word: `bytes32("EXECUTE_BATCH_V1")` (Solidity's string literal, right-padded). */
export const EXECUTE_BATCH_MAGIC: Uint8Array = (() => {
  const word = new Uint8Array(32);
  word.set(new TextEncoder().encode("EXECUTE_BATCH_V1"));
  return word;
})();
/** Byte offset of a batch's block count (word 1). */
export const BATCH_COUNT_OFFSET = 32;
/** Byte offset of a batch's total claimed `gasUsed` (word 2): the gas formula reads it there. */
export const BATCH_GAS_USED_OFFSET = 64;
/** Byte offset of the word holding the offset of a batch's `blobVersionedHashes` (word 3). */
export const BATCH_BLOB_HASHES_OFFSET_WORD = 96;
/** Byte offset of the word holding the offset of a batch's `entries` (word 4). */
export const BATCH_ENTRIES_OFFSET_WORD = 128;

/** Whether `data` is a batch (its first byte is not 0; a single input's is), as the shim tells them apart. */
export function isExecuteBatch(data: Uint8Array): boolean {
  return data.length > 0 && data[0] !== 0;
}


/** The input does not follow the documented layout. */
export class ExecuteInputDecodeError extends ExecutionRejectedError {
  override name = "ExecuteInputDecodeError";
  constructor(reason: string, length: number) {
    super("EXECUTE input does not decode", { reason, length });
  }
}

/** The header fields in layout order, with their ABI type (the first 13 words). */
const HEADER_FIELDS = [
  ["chainId", "uint64"], ["number", "uint64"], ["parentHash", "bytes32"], ["blockHash", "bytes32"],
  ["preStateRoot", "bytes32"], ["postStateRoot", "bytes32"], ["receiptsRoot", "bytes32"],
  ["gasLimit", "uint64"], ["gasUsed", "uint64"], ["coinbase", "address"], ["timestamp", "uint64"],
  ["prevRandao", "bytes32"], ["anchor", "bytes32"],
] as const satisfies readonly (readonly [keyof ExecuteInput, "uint64" | "bytes32" | "address"])[];

/** Words before the dynamic data: the header and the four offsets. */
const HEAD_WORDS = HEADER_FIELDS.length + 4;
const padded = (length: number) => Math.ceil(length / 32) * 32;

/**
 * Encodes an EXECUTE input (the layout of docs/execute.md, identical to Solidity's `abi.encode`;
 * a test checks it against the `Execute` library). Written out by hand: one allocation, no hex.
 */
export function encodeExecuteInput(input: ExecuteInput): Uint8Array {
  const transactionsAt = HEAD_WORDS * 32;
  const hashesAt = transactionsAt + 32 + padded(input.transactions.length);
  const witnessAt = hashesAt + 32 + 32 * input.blobVersionedHashes.length;
  const messagesAt = witnessAt + 32 + padded(input.witness.length);
  const out = new Uint8Array(messagesAt + 32 + padded(input.messages.length));
  const view = new DataView(out.buffer);
  const putUint = (at: number, value: bigint | number) => {
    view.setBigUint64(at + 24, BigInt(value));
  };
  HEADER_FIELDS.forEach(([field, type], i) => {
    const value = input[field];
    if (type === "uint64") {
      if ((value as bigint) < 0n || (value as bigint) >= 2n ** 64n) throw new RangeError(`${field} ${value} is not a uint64`);
      putUint(32 * i, value as bigint);
    } else {
      const size = type === "address" ? 20 : 32;
      if ((value as Uint8Array).length !== size) throw new RangeError(`${field} is ${(value as Uint8Array).length} bytes, expected ${size}`);
      out.set(value as Uint8Array, 32 * i + 32 - size);
    }
  });
  input.blobVersionedHashes.forEach((hash, i) => {
    if (hash.length !== 32) throw new RangeError(`blobVersionedHashes[${i}] is ${hash.length} bytes, expected 32`);
  });
  putUint(32 * HEADER_FIELDS.length, transactionsAt);
  putUint(32 * HEADER_FIELDS.length + 32, hashesAt);
  putUint(32 * HEADER_FIELDS.length + 64, witnessAt);
  putUint(32 * HEADER_FIELDS.length + 96, messagesAt);
  putUint(transactionsAt, input.transactions.length);
  out.set(input.transactions, transactionsAt + 32);
  putUint(hashesAt, input.blobVersionedHashes.length);
  input.blobVersionedHashes.forEach((hash, i) => out.set(hash, hashesAt + 32 + 32 * i));
  putUint(witnessAt, input.witness.length);
  out.set(input.witness, witnessAt + 32);
  putUint(messagesAt, input.messages.length);
  out.set(input.messages, messagesAt + 32);
  return out;
}

/**
 * Decodes an EXECUTE input. Only the canonical encoding is accepted (the one `abi.encode`
 * produces): dirty high bits, other offsets, non-zero padding or trailing bytes are rejected, so
 * one block has exactly one input. One pass over the header, no copies of the byte fields (they
 * are views into `bytes`): linear in the input, which any L1 caller chooses.
 */
export function decodeExecuteInput(bytes: Uint8Array): ExecuteInput {
  const fail = (reason: string): never => {
    throw new ExecuteInputDecodeError(reason, bytes.length);
  };
  const wordAt = (at: number, what: string): Uint8Array => {
    if (at + 32 > bytes.length) fail(`input ends inside ${what} (word at byte ${at})`);
    return bytes.subarray(at, at + 32);
  };
  const zeroes = (from: number, to: number, what: string) => {
    for (let i = from; i < to; i++) if (bytes[i] !== 0) fail(`non-canonical ABI encoding: non-zero byte ${i} in ${what}`);
  };
  // A uint that must fit `maxBytes` bytes (the high bytes of its word zero).
  const uintAt = (at: number, maxBytes: number, what: string): bigint => {
    const word = wordAt(at, what);
    zeroes(at, at + 32 - maxBytes, `the high bytes of ${what}`);
    let value = 0n;
    for (let i = 32 - maxBytes; i < 32; i++) value = (value << 8n) | BigInt(word[i]!);
    return value;
  };
  // A dynamic field must start exactly where the canonical encoding puts it.
  const dynamicAt = (slot: number, expected: number, what: string) => {
    const offset = uintAt(32 * slot, 8, `the offset of ${what}`);
    if (offset !== BigInt(expected)) fail(`non-canonical ABI encoding: offset of ${what} is ${offset}, expected ${expected}`);
  };
  const bytesField = (at: number, what: string): Uint8Array => {
    const length = Number(uintAt(at, 4, `the length of ${what}`));
    const end = at + 32 + length;
    if (end > bytes.length) fail(`${what} of ${length} bytes runs past the input`);
    zeroes(end, at + 32 + padded(length), `the padding of ${what}`);
    return bytes.subarray(at + 32, end);
  };

  const header: Record<string, bigint | Uint8Array> = {};
  HEADER_FIELDS.forEach(([field, type], i) => {
    if (type === "uint64") header[field] = uintAt(32 * i, 8, field);
    else if (type === "address") {
      zeroes(32 * i, 32 * i + 12, `the high bytes of ${field}`);
      header[field] = wordAt(32 * i, field).subarray(12);
    } else header[field] = wordAt(32 * i, field);
  });
  const transactionsAt = HEAD_WORDS * 32;
  dynamicAt(HEADER_FIELDS.length, transactionsAt, "transactions");
  const transactions = bytesField(transactionsAt, "transactions");
  const hashesAt = transactionsAt + 32 + padded(transactions.length);
  dynamicAt(HEADER_FIELDS.length + 1, hashesAt, "blobVersionedHashes");
  const count = Number(uintAt(hashesAt, 4, "the length of blobVersionedHashes"));
  const witnessAt = hashesAt + 32 + 32 * count;
  if (witnessAt > bytes.length) fail(`blobVersionedHashes of ${count} hashes runs past the input`);
  const blobVersionedHashes = Array.from({ length: count }, (_, i) => bytes.subarray(hashesAt + 32 + 32 * i, hashesAt + 64 + 32 * i));
  dynamicAt(HEADER_FIELDS.length + 2, witnessAt, "witness");
  const witness = bytesField(witnessAt, "witness");
  const messagesAt = witnessAt + 32 + padded(witness.length);
  dynamicAt(HEADER_FIELDS.length + 3, messagesAt, "messages");
  const messages = bytesField(messagesAt, "messages");
  const end = messagesAt + 32 + padded(messages.length);
  if (end !== bytes.length) fail(`non-canonical ABI encoding: ${bytes.length - end} bytes after the encoding`);
  return { ...(header as unknown as ExecuteInput), transactions, blobVersionedHashes, witness, messages };
}

/** The length of EXECUTE's output: two words. */
export const EXECUTE_OUTPUT_LENGTH = 64;

/**
 * EXECUTE's output on success: `abi.encode(bytes32 blockHash, uint256 burnedFees)`, 64 bytes —
 * the block hash, and the base fee the block burned (EIP-8079's `burned_fees`, docs/bridge.md).
 */
export function encodeExecuteOutput(blockHash: Uint8Array, burnedFees: bigint): Uint8Array {
  if (blockHash.length !== 32) throw new RangeError(`block hash is ${blockHash.length} bytes, expected 32`);
  if (burnedFees < 0n || burnedFees >= 2n ** 256n) throw new RangeError(`burnedFees ${burnedFees} is not a uint256`);
  const out = new Uint8Array(EXECUTE_OUTPUT_LENGTH);
  out.set(blockHash, 0);
  let value = burnedFees;
  for (let i = EXECUTE_OUTPUT_LENGTH - 1; i >= 32 && value > 0n; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** Reads EXECUTE's 64-byte output (see {@link encodeExecuteOutput}); throws a RangeError on any other length. */
export function decodeExecuteOutput(output: Uint8Array): { blockHash: Uint8Array; burnedFees: bigint } {
  if (output.length !== EXECUTE_OUTPUT_LENGTH) throw new RangeError(`EXECUTE output is ${output.length} bytes, expected ${EXECUTE_OUTPUT_LENGTH}`);
  let burnedFees = 0n;
  for (let i = 32; i < EXECUTE_OUTPUT_LENGTH; i++) burnedFees = (burnedFees << 8n) | BigInt(output[i]!);
  return { blockHash: output.slice(0, 32), burnedFees };
}

/**
 * The `gasUsed` word of the input, read where the layout puts it, before any decoding (the
 * price must be known before the work). A value above 2^64 cannot be valid; it is priced as
 * 2^64 and the decoder rejects it.
 */
export function claimedGasUsed(data: Uint8Array): bigint {
  const value = calldataWord(data, BigInt(isExecuteBatch(data) ? BATCH_GAS_USED_OFFSET : GAS_USED_OFFSET));
  return value > 2n ** 64n ? 2n ** 64n : value;
}

/**
 * The number of blocks the input claims: undefined for a single input, the batch's count word
 * for a batch (read before any decoding, as the shim reads it; the decoder checks it).
 */
export function claimedBlockCount(data: Uint8Array): bigint | undefined {
  return isExecuteBatch(data) ? calldataWord(data, BigInt(BATCH_COUNT_OFFSET)) : undefined;
}

function blobHashesOffsetWord(data: Uint8Array): bigint {
  return BigInt(isExecuteBatch(data) ? BATCH_BLOB_HASHES_OFFSET_WORD : BLOB_HASHES_OFFSET_WORD);
}

/**
 * The number of blob versioned hashes, read where the layout puts it (the word the offset word
 * points at) before any decoding, as the Hardhat shim reads it. Outside the input it reads 0;
 * the decoder rejects such an input.
 */
export function claimedBlobCount(data: Uint8Array): bigint {
  return calldataWord(data, calldataWord(data, blobHashesOffsetWord(data)));
}

/**
 * The first `count` versioned hashes as the Hardhat shim reads them (CALLDATALOAD semantics: zero
 * past the end), each 32 bytes — for the market's once-per-transaction blob charge.
 */
export function claimedBlobHashes(data: Uint8Array, count: number): Uint8Array[] {
  const offset = calldataWord(data, blobHashesOffsetWord(data));
  return Array.from({ length: count }, (_, i) => {
    const value = calldataWord(data, offset + 32n + 32n * BigInt(i));
    const bytes = new Uint8Array(32);
    for (let j = 0; j < 32; j++) bytes[j] = Number((value >> BigInt(8 * (31 - j))) & 0xffn);
    return bytes;
  });
}

/** The 32-byte word at `at` of `data` as CALLDATALOAD reads it (zero past the end). */
export function calldataWord(data: Uint8Array, at: bigint): bigint {
  let value = 0n;
  for (let i = 0n; i < 32n; i++) value = (value << 8n) | BigInt(at + i < BigInt(data.length) ? data[Number(at + i)]! : 0);
  return value;
}
