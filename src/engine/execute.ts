import { createBlockHeaderFromRLP, type BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { bytesEqual } from "../shared/bytes.js";
import { applyBlockBody, createEngineVMWith, sealHeader, type BlockEnv } from "./apply.js";
import { nestedExecutePrecompile } from "./nested.js";
import { createL2Common } from "./chain.js";
import {
  BlobRangeError,
  CommitmentMismatchError,
  ExecutionRejectedError,
  HeaderMismatchError,
  WitnessDecodeError,
  WitnessMissingHeaderError,
  WitnessMissingNodeError,
} from "./errors.js";
import { splitTransactions } from "./transactions.js";
import { BLOB_RANGE_BYTES, MAX_SHARED_BYTES_PER_BLOB, decodeBlobRange, sliceBlobRange } from "./blob-range.js";
import { prefetchSenders } from "./senders.js";
import { assertRlpDepth } from "./rlp.js";
import { MAX_BLOBS_PER_BLOCK } from "./types.js";
import { decodeBlockData, MAX_WITNESS_BYTES_PER_BLOB, MAX_WITNESS_ITEMS_PER_BLOB, type BlockData } from "./block-data.js";
import type { ExecuteInput, ExecuteResult } from "./types.js";
import { decodeWitness, WitnessDB, type Witness } from "./witness.js";

/** Options of {@link execute}. */
export interface ExecuteOptions {
  /**
   * Resolves blob versioned hashes to the payload they carry (decoded and decompressed:
   * `RLP([transactions, witness])`, see `encodeBlockData`), inflating no more than `maxBytes`.
   * Without it, a block whose data is in blobs is rejected as unavailable.
   */
  resolveBlobData?: (versionedHashes: Uint8Array[], limits: { maxBytes: number }) => Promise<Uint8Array>;
  /**
   * How many EXECUTEs deep this verification runs: 0 (the default) for L1's EXECUTE of an L2
   * block; the L2's EXECUTE passes 1 for the child block it verifies (nested.ts). The block's VM
   * serves EXECUTE only below `MAX_EXECUTE_NESTING`.
   */
  nestingDepth?: number;
  /** The anchor system call's gas (default 250,000; a batch gives each block `BATCH_ANCHOR_CALL_GAS`). */
  anchorGas?: bigint;
}

/** Blob-carried data could not be resolved, matched or decoded: data availability is validity. */
export class BlobDataUnavailableError extends ExecutionRejectedError {
  override name = "BlobDataUnavailableError";
}

/**
 * The semantics of the EXECUTE precompile: statelessly re-executes one L2 block from its witness
 * and checks every claim of the input. Returns the block hash, or throws an
 * `ExecutionRejectedError` subclass that says which check failed and with what values.
 *
 * Steps: decode the witness; find the parent header (hash = parentHash) and check number,
 * timestamp, gas limit and pre-state root against it; decode the transactions (no blob
 * transactions); rebuild a partial state whose every node is filed under its own hash (so a
 * dropped or altered node is a *missing* node, which fails the run); run the L1-anchor system
 * call, the message delivery (when `messages` is non-empty) and the transactions; compare gas
 * used, receipts root, state root and block hash. The result carries the base fee the block
 * burned (`burnedFees`), EXECUTE's second output word.
 */
export async function execute(input: ExecuteInput, options: ExecuteOptions = {}): Promise<ExecuteResult> {
  const common = createL2Common(input.chainId);
  const { transactions: transactionBytes, witness: witnessBytes } = await blockData(input, options);
  const witness = decodeWitness(witnessBytes);
  checkWitnessBounds(witness, input.gasUsed);
  // A witness the blobs carry is paid per blob, not per byte: bound its item count per blob too.
  const blobs = input.witness.length === 0 ? input.blobVersionedHashes.length : 0;
  if (blobs > 0 && witness.nodes.length + witness.codes.length > blobs * MAX_WITNESS_ITEMS_PER_BLOB) {
    throw new WitnessDecodeError(`${witness.nodes.length + witness.codes.length} items in ${blobs} blobs; a blob may carry at most ${MAX_WITNESS_ITEMS_PER_BLOB}`);
  }
  const ancestors = indexHeaders(witness.headers, common);
  const parent = ancestors(input.parentHash);
  if (parent === undefined) throw new WitnessMissingHeaderError({ parentHash: bytesToHex(input.parentHash) });

  checkField("number", parent.number + 1n, input.number);
  if (input.timestamp < parent.timestamp) {
    throw new HeaderMismatchError("timestamp", `>= ${parent.timestamp}`, input.timestamp);
  }
  checkField("gasLimit", parent.gasLimit, input.gasLimit);
  checkField("preStateRoot", bytesToHex(parent.stateRoot), bytesToHex(input.preStateRoot));
  if (input.coinbase.length !== 20) throw new HeaderMismatchError("coinbase", "20 bytes", input.coinbase.length);

  // Split only: each transaction is decoded when execution reaches it, and not at all once the
  // claimed gas is spent (decoding and sender recovery of unpaid transactions is unpaid work).
  const transactions = splitTransactions(transactionBytes);

  const db = new WitnessDB(witness);
  if (!db.has(bytesToHex(input.preStateRoot).slice(2))) throw new WitnessMissingNodeError(bytesToHex(input.preStateRoot).slice(2));
  const nestingDepth = options.nestingDepth ?? 0;
  // The block's VM serves EXECUTE itself (vm.ts does the same for every other engine VM).
  const vm = await createEngineVMWith({ common, db, stateRoot: input.preStateRoot, ancestors: (number) => ancestorByNumber(parent, ancestors, number), nestingDepth }, [
    nestedExecutePrecompile(nestingDepth, execute),
  ]);
  const env: BlockEnv = {
    number: input.number,
    parentHash: input.parentHash,
    timestamp: input.timestamp,
    coinbase: input.coinbase,
    gasLimit: input.gasLimit,
    baseFeePerGas: parent.calcNextBaseFee(),
    prevRandao: input.prevRandao,
    anchor: input.anchor,
  };
  // Senders recovered ahead on a second core, for the transactions the claimed gas pays for (issue 9).
  const senders = prefetchSenders(common, transactions, input.gasUsed);
  const result = await senders.during(() =>
    applyBlockBody(vm, env, transactions, "verify", { gasBudget: input.gasUsed, messages: input.messages, anchorGas: options.anchorGas }),
  );

  if (result.gasUsed !== input.gasUsed) {
    throw new CommitmentMismatchError("gasUsed", input.number, input.gasUsed, result.gasUsed);
  }
  checkCommitment("receiptsRoot", input.number, input.receiptsRoot, result.receiptsRoot);
  checkCommitment("postStateRoot", input.number, input.postStateRoot, result.stateRoot);
  const header = sealHeader(common, env, result);
  checkCommitment("blockHash", input.number, input.blockHash, header.hash());
  return { blockHash: header.hash(), gasUsed: result.gasUsed, transactionCount: transactions.length, burnedFees: result.burnedFees };
}

/**
 * The most transaction bytes a block of `gasUsed` can hold: under EIP-7623 every byte of a
 * transaction's data costs it at least 10 gas, and the rest of a transaction (≈ 230 bytes of
 * fields and signature, access-list entries at ≥ 1,900 gas per 33 bytes) is paid by its 21,000
 * intrinsic gas — together less than one byte per 9 gas. One per 8 gas, plus a margin, bounds
 * what a blob batch may inflate to, so a compression bomb costs its own price.
 */
export function maxTransactionBytes(gasUsed: bigint): number {
  const bytes = gasUsed / 8n + 1024n;
  return bytes > 0xffff_ffffn ? 0xffff_ffff : Number(bytes);
}

/**
 * The most a block's blob payload (`RLP([transactions, witness])`) may inflate to: the
 * transactions the claimed gas can hold, and `MAX_WITNESS_BYTES_PER_BLOB` of witness per blob.
 */
export function maxBlobPayloadBytes(gasUsed: bigint, blobs: number): number {
  return maxTransactionBytes(gasUsed) + blobs * MAX_WITNESS_BYTES_PER_BLOB + 16; // + the RLP list's own headers
}

/** BLOCKHASH reaches 256 blocks back: the parent and 256 ancestors are all a block can read. */
export const MAX_WITNESS_HEADERS = 257;
/**
 * Every distinct code a block reads costs it an account access first — 2,400 gas or more (a cold
 * access is 2,600, an access-list entry 2,400), or the 21,000 of the transaction that targets it —
 * so a block of `gasUsed` reads fewer than `gasUsed / 2,000 + 2` codes (the 2: the anchor
 * predeploy and one spare).
 */
export const WITNESS_GAS_PER_CODE = 2_000n;
/** A trie node is stored under its hash only when its encoding is 32 bytes or more (else it is inlined). */
export const MIN_WITNESS_NODE_BYTES = 32;

/**
 * Refuses, before any hashing, witnesses larger than any block of this gas could need: the work
 * of filing each item under its hash must not exceed what the input pays for.
 */
function checkWitnessBounds(witness: Witness, gasUsed: bigint): void {
  if (witness.headers.length > MAX_WITNESS_HEADERS) {
    throw new WitnessDecodeError(`${witness.headers.length} headers; BLOCKHASH can need at most ${MAX_WITNESS_HEADERS}`);
  }
  const maxCodes = gasUsed / WITNESS_GAS_PER_CODE + 2n;
  if (BigInt(witness.codes.length) > maxCodes) {
    throw new WitnessDecodeError(`${witness.codes.length} codes; a block of ${gasUsed} gas can read at most ${maxCodes}`);
  }
  for (const [index, node] of witness.nodes.entries()) {
    if (node.length < MIN_WITNESS_NODE_BYTES) {
      throw new WitnessDecodeError(`node ${index} has ${node.length} bytes; a node referenced by hash has at least ${MIN_WITNESS_NODE_BYTES}`);
    }
  }
}

/** Witness headers by hash (0x-hex), decoded on first use. */
type HeaderLookup = (hash: Uint8Array) => BlockHeader | undefined;

/**
 * Files witness headers under their own hash — a tampered header is not found under the hash
 * asked — and decodes one only when the parent or BLOCKHASH's walk reaches it.
 */
function indexHeaders(encoded: Uint8Array[], common: ReturnType<typeof createL2Common>): HeaderLookup {
  const raw = new Map<string, Uint8Array>();
  for (const bytes of encoded) raw.set(bytesToHex(keccak256(bytes)), bytes);
  const decoded = new Map<string, BlockHeader>();
  return (hash) => {
    const key = bytesToHex(hash);
    const bytes = raw.get(key);
    if (bytes === undefined) return undefined;
    let header = decoded.get(key);
    if (header === undefined) {
      try {
        assertRlpDepth(bytes, 1, "header"); // a header is a flat list; refuse nesting before the library decodes it
        header = createBlockHeaderFromRLP(bytes, { common, setHardfork: false, skipConsensusFormatValidation: true });
      } catch (error) {
        throw new WitnessDecodeError(`header ${key} does not decode: ${(error as Error).message}`);
      }
      decoded.set(key, header);
    }
    return header;
  };
}

/** BLOCKHASH's ancestor: walk the hash chain back from the parent; never guess. */
function ancestorByNumber(parent: BlockHeader, headers: HeaderLookup, number: bigint): BlockHeader {
  let header: BlockHeader | undefined = parent;
  while (header !== undefined && header.number > number) header = headers(header.parentHash);
  if (header === undefined || header.number !== number) throw new WitnessMissingHeaderError({ number });
  return header;
}

/**
 * The block's transactions and witness, from the input (calldata) or its blobs. With blobs, the
 * transactions always come from them, and the witness from them or from the input — one of the
 * two, never both. Sizes are bounded by what the input pays before anything is inflated or read.
 */
async function blockData(input: ExecuteInput, options: ExecuteOptions): Promise<BlockData> {
  const maxTransactions = maxTransactionBytes(input.gasUsed);
  const checkTransactions = (transactions: Uint8Array) => {
    if (transactions.length > maxTransactions) {
      throw new HeaderMismatchError("transactions", `at most ${maxTransactions} bytes for ${input.gasUsed} gas`, transactions.length);
    }
  };
  checkTransactions(input.transactions);
  if (input.blobVersionedHashes.length === 0) return { transactions: input.transactions, witness: input.witness };

  // A shared blob: `transactions` names this block's byte range of the payload (blob-range.ts).
  const range = input.transactions.length === BLOB_RANGE_BYTES ? decodeBlobRange(input.transactions) : undefined;
  if (input.transactions.length > 0 && range === undefined) {
    throw new HeaderMismatchError("transactions", `empty, or a ${BLOB_RANGE_BYTES}-byte range, when blobs carry the data`, input.transactions.length);
  }
  checkBlobHashes(input.blobVersionedHashes);
  if (options.resolveBlobData === undefined) {
    throw new BlobDataUnavailableError("Block data is in blobs and no blob source is configured", {
      versionedHashes: input.blobVersionedHashes.map((h) => bytesToHex(h)),
    });
  }
  // A batch that inflates past what the claim and the blobs pay for is refused before inflating.
  // A shared payload also carries the other blocks' data, bounded per blob.
  const blobs = input.blobVersionedHashes.length;
  const maxBytes = maxBlobPayloadBytes(input.gasUsed, blobs) + (range === undefined ? 0 : blobs * MAX_SHARED_BYTES_PER_BLOB);
  let payload: Uint8Array;
  try {
    payload = await options.resolveBlobData(input.blobVersionedHashes, { maxBytes });
  } catch (error) {
    throw new BlobDataUnavailableError("Blob data unavailable or invalid", { reason: (error as Error).message }, { cause: error });
  }
  let data: BlockData;
  if (range !== undefined) {
    const bytes = sliceBlobRange(payload, range);
    try {
      data = decodeBlockData(bytes);
    } catch (error) {
      throw new BlobRangeError(range.offset, range.length, payload.length, `not one block's [transactions, witness]: ${(error as Error).message}`);
    }
  } else {
    try {
      data = decodeBlockData(payload);
    } catch (error) {
      throw new BlobDataUnavailableError("Blob data unavailable or invalid", { reason: (error as Error).message }, { cause: error });
    }
  }
  checkTransactions(data.transactions);
  if (data.witness.length > 0 && input.witness.length > 0) {
    throw new HeaderMismatchError("witness", "empty in the input when the blobs carry it", input.witness.length);
  }
  return { transactions: data.transactions, witness: data.witness.length > 0 ? data.witness : input.witness };
}

/**
 * At most `MAX_BLOBS_PER_BLOCK` versioned hashes, no duplicates, each a KZG versioned hash:
 * checked before any blob is fetched or KZG-checked, so a caller cannot make EXECUTE verify the
 * same blob hundreds of times for the price of 32 input bytes each.
 */
function checkBlobHashes(hashes: Uint8Array[]): void {
  if (hashes.length > MAX_BLOBS_PER_BLOCK) {
    throw new HeaderMismatchError("blobVersionedHashes", `at most ${MAX_BLOBS_PER_BLOCK} hashes`, hashes.length);
  }
  const seen = new Set<string>();
  for (const [index, hash] of hashes.entries()) {
    const hex = bytesToHex(hash);
    if (hash[0] !== 0x01) throw new HeaderMismatchError(`blobVersionedHashes[${index}]`, "a KZG versioned hash (version byte 0x01)", hex);
    if (seen.has(hex)) throw new HeaderMismatchError(`blobVersionedHashes[${index}]`, "no duplicate hashes", hex);
    seen.add(hex);
  }
}

function checkField(field: string, expected: unknown, got: unknown): void {
  if (expected !== got) throw new HeaderMismatchError(field, expected, got);
}

function checkCommitment(
  field: "postStateRoot" | "receiptsRoot" | "blockHash",
  blockNumber: bigint,
  expected: Uint8Array,
  got: Uint8Array,
): void {
  if (!bytesEqual(expected, got)) {
    throw new CommitmentMismatchError(field, blockNumber, bytesToHex(expected), bytesToHex(got));
  }
}
