import { keccak_256 } from "@noble/hashes/sha3.js";
import { ExecutionRejectedError } from "../engine/errors.js";
import { MAX_BLOBS_PER_BLOCK, type ExecuteInput } from "../engine/types.js";
import { bytesToHex } from "../shared/bytes.js";
import { EXECUTE_BATCH_MAGIC, EXECUTE_OUTPUT_LENGTH, decodeExecuteInput, encodeExecuteOutput } from "./codec.js";

/**
 * EXECUTE over k blocks (docs/execute.md, "Batches"): the native-rollups proposal's documented
 * extension of EIP-8079, one call verifying several blocks — of different chains, or consecutive
 * blocks of one chain — each entry a single input, verified in order, each with its own verdict.
 *
 * Layout: `abi.encode(bytes32 magic, uint256 count, uint256 gasUsed, bytes32[] blobVersionedHashes,
 * bytes[] entries)`. `count` and `gasUsed` (Σ of the entries' claims) are read by the gas formula
 * before any decoding; `blobVersionedHashes` are the blobs the batch pays for, and every entry may
 * name only these.
 */

/** The most blocks one batch may carry: checked before any work (the shim refuses more at once). */
export const MAX_EXECUTE_BATCH = 256;

/** Words of a batch's head: magic, count, gasUsed, and the offsets of the two dynamic fields. */
const BATCH_HEAD_BYTES = 5 * 32;

/** A batch that does not follow the layout, or whose entries contradict its head: the whole call fails. */
export class ExecuteBatchDecodeError extends ExecutionRejectedError {
  override name = "ExecuteBatchDecodeError";
  constructor(reason: string, details: Record<string, unknown>) {
    super(`EXECUTE batch does not decode: ${reason}`, details);
  }
}

/** A decoded batch: its entries (each a decoded single input, and its bytes for the verdict key). */
export interface ExecuteBatch {
  gasUsed: bigint;
  blobVersionedHashes: Uint8Array[];
  entries: { input: ExecuteInput; bytes: Uint8Array }[];
}

const padded = (length: number) => Math.ceil(length / 32) * 32;

/**
 * Encodes a batch of single inputs (each `encodeExecuteInput`'s bytes), identical to Solidity's
 * `Execute.encodeBatch`. `gasUsed` is the sum of the entries' claims; `blobVersionedHashes` the
 * blobs the batch pays for (default: every distinct hash the entries name, in first-seen order).
 */
export function encodeExecuteBatch(entries: Uint8Array[], blobVersionedHashes?: Uint8Array[]): Uint8Array {
  const decoded = entries.map((entry) => decodeExecuteInput(entry));
  const gasUsed = decoded.reduce((sum, input) => sum + input.gasUsed, 0n);
  const hashes = blobVersionedHashes ?? distinctHashes(decoded);
  const hashesAt = BATCH_HEAD_BYTES;
  const entriesAt = hashesAt + 32 + 32 * hashes.length;
  const size = entriesAt + 32 + 32 * entries.length + entries.reduce((n, e) => n + 32 + padded(e.length), 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  const putUint = (at: number, value: bigint | number) => view.setBigUint64(at + 24, BigInt(value));
  out.set(EXECUTE_BATCH_MAGIC, 0);
  putUint(32, entries.length);
  putUint(64, gasUsed);
  putUint(96, hashesAt);
  putUint(128, entriesAt);
  putUint(hashesAt, hashes.length);
  hashes.forEach((hash, i) => out.set(hash, hashesAt + 32 + 32 * i));
  putUint(entriesAt, entries.length);
  let at = 32 * entries.length;
  entries.forEach((entry, i) => {
    putUint(entriesAt + 32 + 32 * i, at);
    putUint(entriesAt + 32 + at, entry.length);
    out.set(entry, entriesAt + 64 + at);
    at += 32 + padded(entry.length);
  });
  return out;
}

function distinctHashes(inputs: ExecuteInput[]): Uint8Array[] {
  const seen = new Map<string, Uint8Array>();
  for (const input of inputs) for (const hash of input.blobVersionedHashes) seen.set(bytesToHex(hash), hash);
  return [...seen.values()];
}

/**
 * Decodes a batch. Only the canonical encoding (`abi.encode`'s bytes) is accepted, as for a single
 * input; the count must be 1…MAX_EXECUTE_BATCH and match the entries; every entry must be a
 * canonical single input; `gasUsed` must be the entries' sum (the price was read from it); the
 * batch's blob hashes at most 6, distinct, KZG-versioned, and every entry's among them (the batch
 * paid for those only). Any of these fails the whole call: the caller built the bytes.
 */
export function decodeExecuteBatch(bytes: Uint8Array): ExecuteBatch {
  const fail = (reason: string, details: Record<string, unknown> = {}): never => {
    throw new ExecuteBatchDecodeError(reason, { length: bytes.length, ...details });
  };
  const uintAt = (at: number, maxBytes: number, what: string): number | bigint => {
    if (at + 32 > bytes.length) fail(`input ends inside ${what} (word at byte ${at})`);
    for (let i = at; i < at + 32 - maxBytes; i++) if (bytes[i] !== 0) fail(`non-canonical ABI encoding: ${what} exceeds ${maxBytes} bytes`);
    let value = 0n;
    for (let i = at + 32 - maxBytes; i < at + 32; i++) value = (value << 8n) | BigInt(bytes[i]!);
    return maxBytes <= 4 ? Number(value) : value;
  };
  if (bytes.length < BATCH_HEAD_BYTES) fail(`shorter than the batch's head (${BATCH_HEAD_BYTES} bytes)`);
  for (let i = 0; i < 32; i++) if (bytes[i] !== EXECUTE_BATCH_MAGIC[i]) fail(`the first word is not bytes32("EXECUTE_BATCH_V1")`);
  const count = uintAt(32, 4, "the count") as number;
  if (count < 1 || count > MAX_EXECUTE_BATCH) fail(`${count} blocks; a batch carries 1 to ${MAX_EXECUTE_BATCH}`, { count });
  const gasUsed = uintAt(64, 8, "gasUsed") as bigint;
  const hashesAt = uintAt(96, 4, "the offset of blobVersionedHashes") as number;
  if (hashesAt !== BATCH_HEAD_BYTES) fail(`non-canonical ABI encoding: blobVersionedHashes at ${hashesAt}, expected ${BATCH_HEAD_BYTES}`);
  const hashCount = uintAt(hashesAt, 4, "the length of blobVersionedHashes") as number;
  if (hashCount > MAX_BLOBS_PER_BLOCK) fail(`${hashCount} blob hashes; at most ${MAX_BLOBS_PER_BLOCK}`, { blobs: hashCount });
  const entriesAt = hashesAt + 32 + 32 * hashCount;
  if (entriesAt > bytes.length) fail(`blobVersionedHashes of ${hashCount} hashes runs past the input`);
  const blobVersionedHashes = Array.from({ length: hashCount }, (_, i) => bytes.subarray(hashesAt + 32 + 32 * i, hashesAt + 64 + 32 * i));
  const declared = new Set<string>();
  blobVersionedHashes.forEach((hash, i) => {
    const hex = bytesToHex(hash);
    if (hash[0] !== 0x01) fail(`blobVersionedHashes[${i}] is not a KZG versioned hash`, { hash: hex });
    if (declared.has(hex)) fail(`blobVersionedHashes[${i}] is a duplicate`, { hash: hex });
    declared.add(hex);
  });
  const entriesOffset = uintAt(128, 4, "the offset of entries") as number;
  if (entriesOffset !== entriesAt) fail(`non-canonical ABI encoding: entries at ${entriesOffset}, expected ${entriesAt}`);
  const entryCount = uintAt(entriesAt, 4, "the length of entries") as number;
  if (entryCount !== count) fail(`the count says ${count} blocks, the entries are ${entryCount}`, { count, entries: entryCount });
  const base = entriesAt + 32;
  if (base + 32 * count > bytes.length) fail(`the offsets of ${count} entries run past the input`);
  const entries: ExecuteBatch["entries"] = [];
  let expected = 32 * count;
  let sum = 0n;
  for (let i = 0; i < count; i++) {
    const offset = uintAt(base + 32 * i, 4, `the offset of entry ${i}`) as number;
    if (offset !== expected) fail(`non-canonical ABI encoding: entry ${i} at ${offset}, expected ${expected}`, { index: i });
    const length = uintAt(base + offset, 4, `the length of entry ${i}`) as number;
    const start = base + offset + 32;
    if (start + length > bytes.length) fail(`entry ${i} of ${length} bytes runs past the input`, { index: i });
    for (let j = start + length; j < start + padded(length); j++) if (bytes[j] !== 0) fail(`non-canonical ABI encoding: the padding of entry ${i}`, { index: i });
    const entryBytes = bytes.subarray(start, start + length);
    let input: ExecuteInput;
    try {
      input = decodeExecuteInput(entryBytes);
    } catch (error) {
      return fail(`entry ${i} is not a single input: ${(error as Error).message}`, { index: i });
    }
    for (const hash of input.blobVersionedHashes) {
      if (!declared.has(bytesToHex(hash))) fail(`entry ${i} names blob ${bytesToHex(hash)}, which the batch does not pay for`, { index: i });
    }
    sum += input.gasUsed;
    entries.push({ input, bytes: entryBytes });
    expected += 32 + padded(length);
  }
  if (base + expected !== bytes.length) fail(`non-canonical ABI encoding: ${bytes.length - base - expected} bytes after the encoding`);
  if (sum !== gasUsed) fail(`gasUsed says ${gasUsed}, the entries claim ${sum}`, { gasUsed, entries: sum });
  return { gasUsed, blobVersionedHashes, entries };
}

/** One entry's verdict: the block hash and burned fees it was accepted with, or undefined (rejected). */
export type BatchVerdict = { blockHash: Uint8Array; burnedFees: bigint } | undefined;

/**
 * A batch's output: `count` × 64 bytes, entry i's `(bytes32 blockHash, uint256 burnedFees)` at
 * 64·i — the single call's output for each block, and 64 zero bytes for a block EXECUTE rejected
 * (no accepted block has hash 0).
 */
export function encodeBatchOutput(verdicts: BatchVerdict[]): Uint8Array {
  const out = new Uint8Array(EXECUTE_OUTPUT_LENGTH * verdicts.length);
  verdicts.forEach((verdict, i) => {
    if (verdict !== undefined) out.set(encodeExecuteOutput(verdict.blockHash, verdict.burnedFees), EXECUTE_OUTPUT_LENGTH * i);
  });
  return out;
}

/** Reads a batch's output (see {@link encodeBatchOutput}). */
export function decodeBatchOutput(output: Uint8Array): BatchVerdict[] {
  if (output.length % EXECUTE_OUTPUT_LENGTH !== 0) throw new RangeError(`a batch's output is a multiple of ${EXECUTE_OUTPUT_LENGTH} bytes, got ${output.length}`);
  return Array.from({ length: output.length / EXECUTE_OUTPUT_LENGTH }, (_, i) => {
    const word = output.subarray(EXECUTE_OUTPUT_LENGTH * i, EXECUTE_OUTPUT_LENGTH * (i + 1));
    if (word.subarray(0, 32).every((b) => b === 0)) return undefined;
    let burnedFees = 0n;
    for (let j = 32; j < 64; j++) burnedFees = (burnedFees << 8n) | BigInt(word[j]!);
    return { blockHash: word.slice(0, 32), burnedFees };
  });
}

/**
 * The key under which EXECUTE remembers an accepted entry for the rest of the L1 transaction:
 * `keccak256(entry)`, the entry's single-input bytes. A contract recomputes it from its own header
 * and asks `executeVerdict(key)` (docs/execute.md, "Verdicts").
 */
export function verdictKey(entry: Uint8Array): Uint8Array {
  return keccak_256(entry);
}

/** `executeVerdict(bytes32)`: the 36-byte input EXECUTE answers with a remembered verdict (64 bytes, zero when none). */
export const EXECUTE_VERDICT_SELECTOR = "0x" + Buffer.from(keccak_256(new TextEncoder().encode("executeVerdict(bytes32)")).subarray(0, 4)).toString("hex");

/** Whether `data` is an `executeVerdict(bytes32)` call (36 bytes, its selector). */
export function isVerdictCall(data: Uint8Array): boolean {
  return data.length === 36 && "0x" + Buffer.from(data.subarray(0, 4)).toString("hex") === EXECUTE_VERDICT_SELECTOR;
}
