/**
 * One transaction and one receipt of a stored block, read alone: what `eth_getTransactionReceipt`
 * and `eth_getTransactionByHash` need. Clients poll receipts one by one (ethers' `wait`), and
 * decoding a whole 750-transaction block for the first such read held the RPC's thread ≈ 20–70 ms
 * (each transaction decoded and hashed). Here a block's stored bytes are indexed once — where
 * each transaction and receipt lies, and each receipt's first log index, from the RLP headers
 * alone — and each read then takes its receipt and its transaction's recipient and fee fields
 * from views into those bytes: nothing is decoded by the libraries (an ethereumjs transaction
 * costs ≈ 0.07 ms to construct, an @ethereumjs/rlp receipt decode ≈ 0.05 ms, per read).
 */
import { bytesToBigInt } from "@ethereumjs/util";
import { readItem, RlpShapeError } from "../engine/rlp.js";
import type { StoredLog, StoredReceipt } from "./records.js";

/** A block's transactions and receipts as stored, with where each item lies in them. */
export interface BlockItems {
  /** How many transactions the payload holds. */
  readonly transactions: number;
  /** How many receipts the stored receipts hold (a sound store: as many as transactions). */
  readonly receipts: number;
  /** Transaction `index` (its canonical bytes: a view into the payload), or undefined past the end. */
  transactionAt(index: number): Uint8Array | undefined;
  /** Receipt `index` (byte fields are views), with its first log's index in the block; undefined past the end. */
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
    logs += receiptFields(receipts, stored[i]![0], stored[i]![1]).logs.length;
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
      return place === undefined ? undefined : { receipt: storedReceipt(receipts, place[0], place[1]), firstLogIndex: firstLogIndex[index]! };
    },
  };
}

/** What a receipt shows of its transaction: the recipient (undefined: a creation) and the fee fields. */
export interface ReceiptTransactionFields {
  to: Uint8Array | undefined;
  /** Legacy and EIP-2930. */
  gasPrice?: bigint;
  /** EIP-1559 and EIP-7702. */
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
}

/**
 * {@link ReceiptTransactionFields} of a transaction's canonical bytes, read from its RLP headers;
 * undefined for a type not read here (the caller decodes it).
 */
export function receiptTransactionFields(raw: Uint8Array): ReceiptTransactionFields | undefined {
  const type = raw[0]! >= 0xc0 ? 0 : raw[0]!;
  // Positions of [gasPrice | maxPriorityFeePerGas, maxFeePerGas, to] in each type's field list.
  const at = type === 0 ? { price: 1, to: 3 } : type === 1 ? { price: 2, to: 4 } : type === 2 || type === 4 ? { tip: 2, cap: 3, to: 5 } : undefined;
  if (at === undefined) return undefined;
  const fields = itemsOf(raw, type === 0 ? 0 : 1, "transaction");
  const field = (i: number) => {
    const place = fields[i];
    if (place === undefined) throw new RlpShapeError(`transaction of type ${type}: field ${i} is missing`, 0);
    return raw.subarray(place.start, place.end);
  };
  const to = field(at.to);
  const out: ReceiptTransactionFields = { to: to.length === 0 ? undefined : to };
  if ("price" in at) out.gasPrice = bytesToBigInt(field(at.price!));
  else {
    out.maxPriorityFeePerGas = bytesToBigInt(field(at.tip!));
    out.maxFeePerGas = bytesToBigInt(field(at.cap!));
  }
  return out;
}

/** The receipt encoded at `bytes[start..end]` (`encodeReceipts`' item), its byte fields views into `bytes`. */
function storedReceipt(bytes: Uint8Array, start: number, end: number): StoredReceipt {
  const { fields, logs } = receiptFields(bytes, start, end);
  const field = (i: number) => bytes.subarray(fields[i]!.start, fields[i]!.end);
  const contract = field(5);
  return {
    type: Number(bytesToBigInt(field(0))),
    status: Number(bytesToBigInt(field(1))),
    cumulativeGasUsed: bytesToBigInt(field(2)),
    gasUsed: bytesToBigInt(field(3)),
    from: field(4),
    ...(contract.length === 0 ? {} : { contractAddress: contract }),
    logs: logs.map((log): StoredLog => {
      const [address, topics, data, extra] = listOf(bytes, log.at, log.end);
      if (address === undefined || topics === undefined || data === undefined || extra !== undefined || address.list || !topics.list || data.list) {
        throw new RlpShapeError("log: expected [address, topics, data]", log.at);
      }
      return [bytes.subarray(address.start, address.end), listOf(bytes, topics.header, topics.end).map((t) => bytes.subarray(t.start, t.end)), bytes.subarray(data.start, data.end)];
    }),
  };
}

/** A receipt's six leading fields (byte strings) and where each of its logs lies. */
function receiptFields(bytes: Uint8Array, start: number, end: number): { fields: { start: number; end: number }[]; logs: { at: number; end: number }[] } {
  const receipt = readItem(bytes, start, end);
  if (!receipt.list) throw new RlpShapeError("receipt: expected a list", start);
  const fields: { start: number; end: number }[] = [];
  let at = receipt.start;
  for (let i = 0; i < 6; i++) {
    const item = readItem(bytes, at, receipt.end);
    if (item.list) throw new RlpShapeError(`receipt: field ${i} is a list, expected bytes`, at);
    fields.push({ start: item.start, end: item.end });
    at = item.end;
  }
  const list = readItem(bytes, at, receipt.end);
  if (!list.list) throw new RlpShapeError("receipt: logs are not a list", at);
  const logs: { at: number; end: number }[] = [];
  for (let log = list.start; log < list.end; ) {
    const next = readItem(bytes, log, list.end).end;
    logs.push({ at: log, end: next });
    log = next;
  }
  return { fields, logs };
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

/** The items of the list starting at `bytes[offset]`: each item's payload, its header's start and its end. */
function itemsOf(bytes: Uint8Array, offset: number, what: string): { list: boolean; start: number; end: number; header: number }[] {
  const outer = readItem(bytes, offset, bytes.length);
  if (!outer.list) throw new RlpShapeError(`${what}: expected a list`, offset);
  return listOf(bytes, offset, outer.end);
}

/** The items of the list whose header is at `bytes[at]` and which ends at `end`. */
function listOf(bytes: Uint8Array, at: number, end: number): { list: boolean; start: number; end: number; header: number }[] {
  const outer = readItem(bytes, at, end);
  const out: { list: boolean; start: number; end: number; header: number }[] = [];
  for (let item = outer.start; item < outer.end; ) {
    const next = readItem(bytes, item, outer.end);
    out.push({ ...next, header: item });
    item = next.end;
  }
  return out;
}
