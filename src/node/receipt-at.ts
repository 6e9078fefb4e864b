/**
 * One transaction and one receipt of a stored block, read alone: what `eth_getTransactionReceipt`
 * and `eth_getTransactionByHash` need. Clients poll receipts one by one (ethers' `wait`), and
 * decoding a whole 750-transaction block for the first such read held the RPC's thread ≈ 20–40 ms
 * (each transaction decoded and hashed). Here a block's stored bytes are indexed once — where
 * each transaction and receipt lies, and each receipt's first log index, from the RLP headers
 * alone (no decoding, no copies) — and then each read decodes its one item.
 */
import { readItem, RlpShapeError } from "../engine/rlp.js";
import { decodeReceipt, type StoredReceipt } from "./records.js";

/** A block's transactions and receipts as stored, with where each item lies in them. */
export interface BlockItems {
  /** How many transactions the payload holds. */
  readonly transactions: number;
  /** How many receipts the stored receipts hold (a sound store: as many as transactions). */
  readonly receipts: number;
  /** Transaction `index` (its canonical bytes: a view into the payload), or undefined past the end. */
  transactionAt(index: number): Uint8Array | undefined;
  /** Receipt `index`, decoded alone, with its first log's index in the block; undefined past the end. */
  receiptAt(index: number): { receipt: StoredReceipt; firstLogIndex: number } | undefined;
}

/**
 * Indexes a block's payload (`RLP([tx_0, …])`, each a byte string: what `splitTransactions`
 * splits) and stored receipts (`encodeReceipts`). Throws `RlpShapeError` where they are not
 * those shapes.
 */
export function blockItems(payload: Uint8Array, receipts: Uint8Array): BlockItems {
  const txs = listItems(payload, "transactions");
  for (let i = 0; i < txs.length; i++) {
    if (readItem(payload, txs[i]![0], txs[i]![1]).list) throw new RlpShapeError(`transaction ${i} is a list, expected bytes`, txs[i]![0]);
  }
  const stored = listItems(receipts, "receipts");
  const firstLogIndex = new Array<number>(stored.length);
  let logs = 0;
  for (let i = 0; i < stored.length; i++) {
    firstLogIndex[i] = logs;
    logs += logCount(receipts, stored[i]![0], stored[i]![1]);
  }
  return {
    transactions: txs.length,
    receipts: stored.length,
    transactionAt(index) {
      const place = txs[index];
      if (place === undefined) return undefined;
      const item = readItem(payload, place[0], place[1]);
      return payload.subarray(item.start, item.end);
    },
    receiptAt(index) {
      const place = stored[index];
      return place === undefined ? undefined : { receipt: decodeReceipt(receipts.subarray(place[0], place[1])), firstLogIndex: firstLogIndex[index]! };
    },
  };
}

/** Where each item of the RLP list `bytes` lies (its whole encoding: [start, end)). */
function listItems(bytes: Uint8Array, what: string): [number, number][] {
  const outer = readItem(bytes, 0, bytes.length);
  if (!outer.list) throw new RlpShapeError(`${what}: expected a list`, 0);
  const out: [number, number][] = [];
  for (let at = outer.start; at < outer.end; ) {
    const end = readItem(bytes, at, outer.end).end;
    out.push([at, end]);
    at = end;
  }
  return out;
}

/** How many logs the receipt encoded at `bytes[start..end]` holds (its 7th field is the list of logs). */
function logCount(bytes: Uint8Array, start: number, end: number): number {
  const receipt = readItem(bytes, start, end);
  if (!receipt.list) throw new RlpShapeError("receipt: expected a list", start);
  let at = receipt.start;
  for (let field = 0; field < 6; field++) at = readItem(bytes, at, receipt.end).end;
  const logs = readItem(bytes, at, receipt.end);
  if (!logs.list) throw new RlpShapeError("receipt: logs are not a list", at);
  let count = 0;
  for (let log = logs.start; log < logs.end; count++) log = readItem(bytes, log, logs.end).end;
  return count;
}
