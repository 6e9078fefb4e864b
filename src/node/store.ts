/**
 * The node's store: one LMDB environment (the `lmdb` package) in the data dir, holding the state
 * trie nodes of every version, the L1 events and data, the derived blocks, receipts, the
 * transaction, block-hash and logs indexes, and each stage's checkpoint.
 *
 * Why LMDB (measured on this machine against LevelDB via `classic-level`, the ethereumjs
 * client's store; figures in the issue 6 report): block execution is mostly trie reads, and an
 * LMDB read is a synchronous lookup in a memory map, 2–8 µs against LevelDB's 20–70 µs async
 * get; a commit is one copy-on-write write transaction across all tables (atomic, with nothing
 * to recover after a kill -9); other processes may read while the node writes. LevelDB wrote
 * large batches somewhat faster and its files are smaller; neither matters next to execution.
 *
 * Every write goes through {@link NodeStore.transaction}: one LMDB write transaction, committed
 * before it returns (and flushed to disk in the background), so whatever instant the process
 * dies at, the store holds either all of a transaction or none of it.
 */
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { open, TransactionFlags, type Database, type RootDatabase } from "lmdb";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { DataDirInUseError } from "./errors.js";

/** Bumped when the layout changes: a store of another version is refused like another L1's. */
export const STORE_SCHEMA_VERSION = 1;

/** The tables of the store (LMDB named databases in one environment). */
export interface NodeTables {
  /** Identity and stage checkpoints (JSON values). */
  meta: Database<Buffer, string>;
  /** State trie nodes and contract codes, under the keys ethereumjs gives them (hex → bytes). Never deleted. */
  trie: Database<Uint8Array, Buffer>;
  /** L1 block number → hash, for the L1 blocks the follower relied on (reorg detection). */
  l1Blocks: Database<Uint8Array, Buffer>;
  /** L2 number → the `BlockAdvanced` event that verified it, with its L1 origin (JSON). */
  advances: Database<Uint8Array, Buffer>;
  /** L2 number → the block's transactions as L1 carried them: `RLP([tx…])` (the block body). */
  payloads: Database<Uint8Array, Buffer>;
  /**
   * L2 number → the L1→L2 messages the block delivers: EXECUTE's `messages` field, as the
   * `advance` calldata carried it (docs/bridge.md). Only blocks that deliver have an entry.
   */
  deliveries: Database<Uint8Array, Buffer>;
  /** L2 number → executed block: `RLP([header, l1Number, l1Hash, l1TxHash, l1LogIndex])`. */
  blocks: Database<Uint8Array, Buffer>;
  /** L2 number → the block's receipts (see `encodeReceipts`). */
  receipts: Database<Uint8Array, Buffer>;
  /** L2 block hash → L2 number (canonical blocks only). */
  hashes: Database<Uint8Array, Buffer>;
  /** Transaction hash → L2 number (8 bytes) ‖ index (4 bytes). */
  txs: Database<Uint8Array, Buffer>;
  /**
   * Logs index, key only: `0x00 ‖ address ‖ number` and `0x01 ‖ topic ‖ number` — which blocks
   * have a log from an address or with a topic (in any position); receipts give the exact logs.
   */
  logs: Database<Uint8Array, Buffer>;
  /**
   * Transaction hash → raw transaction: what the node's own mempool acknowledged and has not yet
   * seen included or dropped. Kept so a node killed at any instant still has every transaction
   * whose hash it returned (see `transactionJournal`).
   */
  pending: Database<Uint8Array, Buffer>;
}

/** An open store. */
export interface NodeStore extends NodeTables {
  readonly dir: string;
  /**
   * Runs `write` in one LMDB write transaction, committed before this returns: all of its writes
   * or none survive a crash. `write` must be synchronous (LMDB write transactions are).
   */
  transaction<T>(write: () => T): T;
  /** Waits for the background flush, closes the environment and releases the data dir. */
  close(): Promise<void>;
}

/** Dirs open in this process (the lock file holds only a pid): two nodes on one store would mix their chains. */
const openDirs = new Set<string>();
const LOCK_FILE = "node.lock";

/**
 * Opens (creating if need be) the store in `dir`; with `reset`, deletes what was there first
 * (its LMDB files only). Refuses a dir another live node holds (a pid lock file, stale after a
 * kill -9, is taken over).
 */
export function openNodeStore(dir: string, options: { reset?: boolean } = {}): NodeStore {
  const resolved = path.resolve(dir);
  mkdirSync(resolved, { recursive: true });
  takeLock(resolved);
  let root: RootDatabase;
  try {
    if (options.reset === true) for (const file of ["data.mdb", "lock.mdb"]) rmSync(path.join(resolved, file), { force: true });
    root = open({ path: resolved, maxDbs: 16, compression: false, noMemInit: true });
  } catch (error) {
    releaseLock(resolved);
    throw error;
  }
  const table = (name: string) => root.openDB<Uint8Array, Buffer>({ name, encoding: "binary", keyEncoding: "binary", compression: false });
  const tables: NodeTables = {
    meta: root.openDB<Buffer, string>({ name: "meta", encoding: "binary", compression: false }),
    trie: table("trie"),
    l1Blocks: table("l1-blocks"),
    advances: table("advances"),
    payloads: table("payloads"),
    deliveries: table("deliveries"),
    blocks: table("blocks"),
    receipts: table("receipts"),
    hashes: table("hashes"),
    txs: table("txs"),
    logs: table("logs"),
    pending: table("pending"),
  };
  let closed = false;
  return {
    ...tables,
    dir: resolved,
    transaction: (write) =>
      // Committed before returning (visible to every reader, written to the OS, so a kill -9
      // cannot undo it); the fsync runs in the background, where LMDB's overlapping sync keeps
      // the file consistent after a power loss too (it then reverts to the last flushed commit —
      // blocks the node re-derives from L1).
      root.transactionSync(write, TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH),
    async close() {
      if (closed) return;
      closed = true;
      await root.flushed;
      await root.close();
      releaseLock(resolved);
    },
  };
}

function takeLock(dir: string): void {
  if (openDirs.has(dir)) throw new DataDirInUseError("The data dir is already open in this process", { dataDir: dir });
  const file = path.join(dir, LOCK_FILE);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new DataDirInUseError("Another node process has the data dir open", { dataDir: dir, pid });
    }
  }
  writeFileSync(file, String(process.pid));
  openDirs.add(dir);
}

function releaseLock(dir: string): void {
  openDirs.delete(dir);
  try {
    unlinkSync(path.join(dir, LOCK_FILE));
  } catch {
    // already gone
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** 8-byte big-endian key of a block number (keys sort by number). */
export function numberKey(n: bigint | number): Buffer {
  const key = Buffer.alloc(8);
  key.writeBigUInt64BE(BigInt(n));
  return key;
}

/** The number of an 8-byte big-endian key (or of its last 8 bytes). */
export function keyNumber(key: Uint8Array): bigint {
  return Buffer.from(key.buffer, key.byteOffset + key.byteLength - 8, 8).readBigUInt64BE();
}

/** Reads a JSON value of the `meta` table. */
export function readMeta<T>(store: NodeStore, key: string): T | undefined {
  const raw = store.meta.getBinary(key);
  return raw === undefined ? undefined : (JSON.parse(raw.toString("utf8")) as T);
}

/** Writes a JSON value of the `meta` table (inside a transaction). */
export function writeMeta(store: NodeStore, key: string, value: unknown): void {
  store.meta.putSync(key, Buffer.from(JSON.stringify(value), "utf8"));
}

/**
 * The trie database one block executes on: reads go to the pending writes, then to the store;
 * writes are held in memory until the block has re-executed to what L1 recorded, then go to disk
 * in the block's own transaction ({@link commitTrieWrites}), or nowhere on a mismatch.
 */
export class BlockWriteDB implements DB<string, Uint8Array> {
  readonly pending = new Map<string, Uint8Array>();

  /**
   * Without a table, a fresh state (the genesis) is built in memory. `below`: writes of earlier
   * blocks not yet committed, read before the table.
   */
  constructor(
    private readonly trie?: Database<Uint8Array, Buffer>,
    private readonly below?: Map<string, Uint8Array>,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.pending.get(key) ?? this.below?.get(key) ?? this.trie?.getBinary(Buffer.from(key, "hex"));
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.pending.set(key, value);
  }

  /** Nodes are content-addressed and shared by every later state: never deleted. */
  async del(_key: string): Promise<void> {}

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.pending.set(op.key, op.value);
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  async open(): Promise<void> {}
}

/** Writes a block's trie nodes (inside the block's transaction). */
export function commitTrieWrites(store: NodeStore, db: BlockWriteDB): void {
  for (const [key, value] of db.pending) store.trie.putSync(Buffer.from(key, "hex"), value);
}
