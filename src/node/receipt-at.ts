/**
 * One transaction and one receipt of a stored block, read alone: what `eth_getTransactionReceipt`
 * and `eth_getTransactionByHash` need. Clients poll receipts one by one (ethers' `wait`), and
 * decoding a whole 750-transaction block for the first such read held the RPC's thread ≈ 20–40 ms
 * (each transaction decoded and hashed). Here only the RLP headers before the item are read
 * (no decoding, no copies), then the one item is decoded.
 */
import { readItem, RlpShapeError } from "../engine/rlp.js";
import { decodeReceipt, type StoredReceipt } from "./records.js";

/** Where item `index` of the RLP list `bytes` is (its whole encoding), or undefined past the list's end. */
function itemAt(bytes: Uint8Array, index: number): { at: number; end: number } | undefined {
  const outer = readItem(bytes, 0, bytes.length);
  if (!outer.list) throw new RlpShapeError("expected a list", 0);
  let at = outer.start;
  for (let i = 0; at < outer.end; i++) {
    const item = readItem(bytes, at, outer.end);
    if (i === index) return { at, end: item.end };
    at = item.end;
  }
  return undefined;
}

/**
 * Transaction `index` of a block's payload (`RLP([tx_0, …])`, each a byte string: what
 * `splitTransactions` splits), as a view into `payload`; undefined past its end.
 */
export function rawTransactionAt(payload: Uint8Array, index: number): Uint8Array | undefined {
  const place = itemAt(payload, index);
  if (place === undefined) return undefined;
  const item = readItem(payload, place.at, place.end);
  if (item.list) throw new RlpShapeError(`transaction ${index} is a list, expected bytes`, place.at);
  return payload.subarray(item.start, item.end);
}

/**
 * Receipt `index` of a block's stored receipts (`encodeReceipts`), decoded alone, with the
 * index of its first log in the block (how many logs the receipts before it hold: counted from
 * their headers); undefined past the list's end.
 */
export function storedReceiptAt(bytes: Uint8Array, index: number): { receipt: StoredReceipt; firstLogIndex: number } | undefined {
  const outer = readItem(bytes, 0, bytes.length);
  if (!outer.list) throw new RlpShapeError("receipts: expected a list", 0);
  let firstLogIndex = 0;
  let at = outer.start;
  for (let i = 0; at < outer.end; i++) {
    const item = readItem(bytes, at, outer.end);
    if (i === index) return { receipt: decodeReceipt(bytes.subarray(at, item.end)), firstLogIndex };
    firstLogIndex += logCount(bytes, item.start, item.end);
    at = item.end;
  }
  return undefined;
}

/** How many logs the receipt whose fields lie in `bytes[start..end]` holds (its 7th field is the list of logs). */
function logCount(bytes: Uint8Array, start: number, end: number): number {
  let at = start;
  for (let field = 0; field < 6; field++) at = readItem(bytes, at, end).end;
  const logs = readItem(bytes, at, end);
  if (!logs.list) throw new RlpShapeError("receipt: logs are not a list", at);
  let count = 0;
  for (let log = logs.start; log < logs.end; count++) log = readItem(bytes, log, logs.end).end;
  return count;
}
