import { RLP } from "@ethereumjs/rlp";
import { decodeByteList } from "./rlp.js";

/**
 * What the blobs of one block carry: `RLP([transactions, witness])`, both byte strings —
 * `transactions` is `RLP([tx…])` and `witness` is `RLP([nodes, codes, headers])`, or empty when
 * the witness travels in calldata. One payload, compressed as one batch (docs/blobs.md): the
 * witness's code and the transactions' calldata share the compressor's window.
 */
export interface BlockData {
  transactions: Uint8Array;
  /** Empty when the witness is in the EXECUTE input (calldata) instead. */
  witness: Uint8Array;
}

/** Encodes a block's blob payload (see {@link BlockData}). */
export function encodeBlockData(data: BlockData): Uint8Array {
  return RLP.encode([data.transactions, data.witness]);
}

/** Decodes a block's blob payload; throws `RlpShapeError` unless it is exactly two byte strings. */
export function decodeBlockData(payload: Uint8Array): BlockData {
  const items = decodeByteList(payload, "block data [transactions, witness]");
  if (items.length !== 2) throw new RangeError(`block data holds ${items.length} items, expected 2 [transactions, witness]`);
  return { transactions: items[0]!, witness: items[1]! };
}

/**
 * How many witness bytes one blob may inflate to (beyond the transactions, which the claimed gas
 * bounds): 512 KiB, 4× a blob's 130,044 payload bytes — more than real witnesses reach (trie
 * nodes are hashes, which do not compress; contract code compresses ≈ 2.5×) — and small enough
 * that the 50,000 gas a blob pays covers inflating, decoding and hashing it: 512 KiB of unused
 * nodes takes ≈ 40 ms, ≈ 350 ns per gas charged (bench section `hostile`; at 1 MiB it was 667).
 */
export const MAX_WITNESS_BYTES_PER_BLOB = 512 * 1024;

/**
 * How many witness items (nodes and codes) one blob may carry. Filing an item under its hash
 * costs ≈ 2–4 µs whatever its size, so a blob of 512 KiB of 33-byte nodes (15,000 items) took
 * ≈ 70 ms — past what its 50,000 gas pays. Real blocks carry ≈ 650 per blob (700 transfers: 1,291
 * nodes in 2 blobs; 1,000 ERC20 transfers: 1,989 in 3): 4,096 leaves six times that.
 */
export const MAX_WITNESS_ITEMS_PER_BLOB = 4_096;
