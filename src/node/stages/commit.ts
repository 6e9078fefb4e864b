/**
 * The execute stage's commit, sliced (issue 14 item 8): in the devnet the node shares its thread
 * with the L2 JSON-RPC, and one synchronous commit of a 600-transaction block — encoding its
 * receipts, hashing its transactions for the index, and some 3,000 checksummed puts — held that
 * thread for 40–60 ms, so an `eth_sendRawTransaction` arriving then waited as long.
 *
 * The work is done in slices that give the thread back (`Slicer`, engine/slice.ts):
 * 1. everything computed (record and receipts encoded, transaction hashes, log keys) before any
 *    write;
 * 2. the trie nodes written in transactions of their own, a few hundred nodes each, the event loop
 *    turning fully (a timer: its I/O too — requests, worker answers) after each. A trie node is
 *    content-addressed (its key is the keccak of its bytes) and nothing reads it before a header
 *    that points at it is committed: a kill between two of these leaves unreferenced nodes, which
 *    the re-execution after the restart writes again, byte for byte;
 * 3. the blocks, their indexes and the checkpoint in one last transaction of plain puts, as
 *    before: a reader sees all of a block or none of it.
 */
import { keccak256 } from "../../engine/crypto.js";
import { NO_SLICES, type Slicer } from "../../engine/slice.js";
import { encodeBlockRecord, encodeReceipts, type BlockRecord, type StoredReceipt } from "../records.js";
import { numberKey, writeMeta, type BlockWriteDB, type NodeStore } from "../store.js";
import { checkpointKey } from "../stage.js";

/** One executed block, as the execute stage hands it to {@link commitBlocks}. */
export interface BlockToCommit {
  record: BlockRecord;
  receipts: StoredReceipt[];
  transactions: Uint8Array[];
}

/** A block's writes, computed ahead (see {@link blockWrites}). */
export interface BlockWrites {
  key: Buffer;
  record: Uint8Array;
  receipts: Uint8Array;
  hash: Buffer;
  /** Transaction hash → where it is (block number, index). */
  txs: [Buffer, Buffer][];
  logs: Buffer[];
}

/** How many trie nodes one of the commit's trie transactions writes (≈ 3–5 ms of puts here). */
export const TRIE_NODES_PER_TRANSACTION = 256;

/** Computes what {@link writeBlockWrites} puts for one block, giving the thread back through `slice` while it does. */
export async function blockWrites(block: BlockToCommit, slice: Slicer = NO_SLICES): Promise<BlockWrites> {
  const number = block.record.header.number;
  const key = numberKey(number);
  const txs: [Buffer, Buffer][] = [];
  for (const [index, raw] of block.transactions.entries()) {
    if (index % 64 === 0) await slice();
    const at = Buffer.alloc(12);
    at.writeBigUInt64BE(number);
    at.writeUInt32BE(index, 8);
    txs.push([Buffer.from(keccak256(raw)), at]);
  }
  await slice();
  const receipts = encodeReceipts(block.receipts);
  await slice();
  return { key, record: encodeBlockRecord(block.record), receipts, hash: Buffer.from(block.record.header.hash()), txs, logs: logKeys(number, block.receipts) };
}

/** Writes one block and its indexes (inside a store transaction). */
export function writeBlockWrites(store: NodeStore, writes: BlockWrites): void {
  store.blocks.putSync(writes.key, writes.record);
  store.receipts.putSync(writes.key, writes.receipts);
  store.hashes.putSync(writes.hash, writes.key);
  for (const [hash, at] of writes.txs) store.txs.putSync(hash, at);
  for (const logKey of writes.logs) store.logs.putSync(logKey, Buffer.from([1]));
}

/**
 * Commits executed blocks and the trie nodes they wrote, the execute checkpoint moved to the last
 * of them, in slices (see the file's comment): the thread is given back through `slice` between
 * them, and the blocks become visible all at once, in the last transaction.
 */
export async function commitBlocks(store: NodeStore, db: BlockWriteDB, blocks: BlockToCommit[], slice: Slicer = NO_SLICES): Promise<void> {
  const writes: BlockWrites[] = [];
  for (const block of blocks) writes.push(await blockWrites(block, slice));
  let nodes: [string, Uint8Array][] = [];
  const flush = () => {
    const chunk = nodes;
    nodes = [];
    store.transaction(() => {
      for (const [key, value] of chunk) store.trie.putSync(Buffer.from(key, "hex"), value);
    });
  };
  for (const node of db.pending) {
    nodes.push(node);
    if (nodes.length >= TRIE_NODES_PER_TRANSACTION) {
      flush();
      await turn();
    }
  }
  store.transaction(() => {
    for (const [key, value] of nodes) store.trie.putSync(Buffer.from(key, "hex"), value);
    for (const block of writes) writeBlockWrites(store, block);
    writeMeta(store, checkpointKey("execute"), blocks.at(-1)!.record.header.number.toString());
  });
}

/** One whole turn of the event loop (a timer, not setImmediate: the poll for I/O comes first). */
function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The logs-index keys of a block: one per distinct (address) and (topic) among its logs. */
export function logKeys(number: bigint, receipts: StoredReceipt[]): Buffer[] {
  const keys = new Map<string, Buffer>();
  const suffix = numberKey(number);
  for (const receipt of receipts) {
    for (const [address, topics] of receipt.logs) {
      const a = Buffer.concat([Buffer.from([0]), address, suffix]);
      keys.set(a.toString("hex"), a);
      for (const topic of topics) {
        const t = Buffer.concat([Buffer.from([1]), topic, suffix]);
        keys.set(t.toString("hex"), t);
      }
    }
  }
  return [...keys.values()];
}
