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
 *
 * One environment can hold many rollups ({@link openMultiStore}, docs/rollups.md "One node, many
 * rollups"): each rollup's view of the tables ({@link MultiStore.rollup}) puts its chain id (8
 * bytes, big-endian) before every key, so the stages run on it unchanged; the `trie` table alone
 * is shared unprefixed. A single-rollup store ({@link openNodeStore}) is the same tables seen
 * without a prefix.
 *
 *   table key:   chainId (8 bytes) ‖ the key the stages use      (`meta`: "<chainId>:" ‖ key)
 *   trie key:    the node's key (content-addressed: its hash), shared by every rollup
 */
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { open, TransactionFlags, type Database, type RootDatabase } from "lmdb";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { DataDirInUseError, DataDirMismatchError, StoreCorruptError, StoreMisuseError, StoreWriteError } from "./errors.js";
import type { BinaryTable, Table, TableRange } from "./table.js";
import { checkStoreFiles, checksummedTable, contentCheckedTable, isLmdbCorruption } from "./integrity.js";

/**
 * Bumped when the layout changes: a store of another version is refused like another L1's.
 * 2: every record but the trie's carries a CRC-32 (integrity.ts).
 */
export const STORE_SCHEMA_VERSION = 2;

export type { BinaryTable, Table, TableRange } from "./table.js";

/** The tables of the store (LMDB named databases in one environment). */
export interface NodeTables {
  /** Identity and stage checkpoints (JSON values). */
  meta: Table<Buffer, string>;
  /**
   * State trie nodes and contract codes, under the keys ethereumjs gives them (hex → bytes). Never
   * deleted. Content-addressed — a node's key is its hash (a code's, its code hash), so a key
   * always holds the same value: many rollups share this table unprefixed, and a node two
   * rollups' states both have (the predeploys' code and storage, any identical account) is
   * stored once.
   */
  trie: BinaryTable;
  /** L1 block number → hash, for the L1 blocks the follower relied on (reorg detection). */
  l1Blocks: BinaryTable;
  /** L2 number → the `BlockAdvanced` event that verified it, with its L1 origin (JSON). */
  advances: BinaryTable;
  /** L2 number → the block's transactions as L1 carried them: `RLP([tx…])` (the block body). */
  payloads: BinaryTable;
  /**
   * L2 number → the L1→L2 messages the block delivers: EXECUTE's `messages` field, as the
   * `advance` calldata carried it (docs/bridge.md). Only blocks that deliver have an entry.
   */
  deliveries: BinaryTable;
  /** L2 number → executed block: `RLP([header, l1Number, l1Hash, l1TxHash, l1LogIndex])`. */
  blocks: BinaryTable;
  /** L2 number → the block's receipts (see `encodeReceipts`). */
  receipts: BinaryTable;
  /** L2 block hash → L2 number (canonical blocks only). */
  hashes: BinaryTable;
  /** Transaction hash → L2 number (8 bytes) ‖ index (4 bytes). */
  txs: BinaryTable;
  /**
   * Logs index, key only: `0x00 ‖ address ‖ number` and `0x01 ‖ topic ‖ number` — which blocks
   * have a log from an address or with a topic (in any position); receipts give the exact logs.
   */
  logs: BinaryTable;
  /**
   * Transaction hash → raw transaction: what the node's own mempool acknowledged and has not yet
   * seen included or dropped. Kept so a node killed at any instant still has every transaction
   * whose hash it returned (see `transactionJournal`).
   */
  pending: BinaryTable;
  /**
   * Sequence number → a transaction the node's mempool dropped after acknowledging it, and why
   * (JSON `{ hash, reason, sender, nonce }`): `ultrasound_getTransactionStatus` keeps saying
   * `dropped` with the reason after a restart. The newest few thousand are kept.
   */
  dropped: BinaryTable;
}

/** An open store. */
export interface NodeStore extends NodeTables {
  readonly dir: string;
  /**
   * Runs `write` in one LMDB write transaction, committed before this returns: all of its writes
   * or none survive a crash. `write` must be synchronous (LMDB write transactions are).
   */
  transaction<T>(write: () => T): T;
  /**
   * {@link transaction}, committed off this thread: `write` runs here when LMDB's write thread
   * opens the transaction, the commit (the slow part: ≈ 0.2 ms, and tens of ms on a busy disk)
   * runs there, grouped with the other writes of the same event turn; resolves once committed.
   * An LMDB failure stops the store as in `transaction`. Not ordered with `transaction`: a
   * synchronous transaction may commit before a queued asynchronous one.
   */
  transactionAsync<T>(write: () => T): Promise<T>;
  /**
   * The write failure that stopped the store, if one did: after it, every `transaction` throws it
   * again without touching LMDB (a failed write retried in a loop ended in heap corruption).
   */
  failure(): StoreWriteError | undefined;
  /** The first record a read found damaged (integrity.ts), if one did: the node halts on it. */
  corruption(): StoreCorruptError | undefined;
  /** Waits for the background flush, closes the environment and releases the data dir. */
  close(): Promise<void>;
}

/** How long closing a store whose writes failed waits for LMDB to close (it may never: see `close`). */
const FAILED_CLOSE_WAIT_MS = 1_000;

/** Dirs open in this process (the lock file holds only a pid): two nodes on one store would mix their chains. */
const openDirs = new Set<string>();
const LOCK_FILE = "node.lock";

/** The raw environment: the lmdb root and its named databases, unprefixed. */
interface StoreEnv {
  dir: string;
  root: RootDatabase;
  tables: Record<Exclude<keyof NodeTables, "meta">, BinaryTable> & { meta: Table<Buffer, string> };
  /** Rollup chain id (8 bytes) → the multi-node's registry entry (JSON). */
  registry: BinaryTable;
  transaction<T>(write: () => T): T;
  transactionAsync<T>(write: () => T): Promise<T>;
  failure(): StoreWriteError | undefined;
  corruption(): StoreCorruptError | undefined;
  close(): Promise<void>;
}

const TABLE_NAMES: Record<Exclude<keyof NodeTables, "meta">, string> = {
  trie: "trie",
  l1Blocks: "l1-blocks",
  advances: "advances",
  payloads: "payloads",
  deliveries: "deliveries",
  blocks: "blocks",
  receipts: "receipts",
  hashes: "hashes",
  txs: "txs",
  logs: "logs",
  pending: "pending",
  dropped: "dropped",
};

function openEnv(dir: string, options: { reset?: boolean }): StoreEnv {
  const resolved = path.resolve(dir);
  mkdirSync(resolved, { recursive: true });
  takeLock(resolved);
  const file = path.join(resolved, "data.mdb");
  let root: RootDatabase;
  try {
    if (options.reset === true) for (const name of ["data.mdb", "lock.mdb"]) rmSync(path.join(resolved, name), { force: true });
    // Before LMDB maps it: a truncated file is an error here, not a SIGBUS on the first read.
    checkStoreFiles(resolved);
    // No event-turn batching: its batch-start write holds a promise of the commit that nobody
    // awaits, and a failed asynchronous commit (a full disk) rejected it unhandled, which ends
    // the process. Asynchronous writes are still grouped (lmdb's `txnStartThreshold`).
    root = open({ path: resolved, maxDbs: 16, compression: false, noMemInit: true, eventTurnBatching: false });
  } catch (error) {
    releaseLock(resolved);
    throw error;
  }
  const raw = (name: string) => root.openDB<Uint8Array, Buffer>({ name, encoding: "binary", keyEncoding: "binary", compression: false });
  let corrupt: StoreCorruptError | undefined;
  const report = (error: StoreCorruptError) => void (corrupt ??= error);
  const table = (name: string): BinaryTable => checksummedTable<Buffer>(raw(name), name, file, report);
  const tables = Object.fromEntries(
    Object.entries(TABLE_NAMES).map(([field, name]) => [field, field === "trie" ? contentCheckedTable(raw(name), file, report) : table(name)]),
  ) as unknown as StoreEnv["tables"];
  const meta = root.openDB<Buffer, string>({ name: "meta", encoding: "binary", compression: false });
  try {
    refuseOldSchema(resolved, meta);
  } catch (error) {
    void root.close().finally(() => releaseLock(resolved));
    throw error;
  }
  tables.meta = checksummedTable<string>(meta as unknown as Table<Uint8Array, string>, "meta", file, report);
  let closed = false;
  let failed: StoreWriteError | undefined;
  /** `write`, remembering an error it threw itself (not LMDB's): that one aborts and passes through. */
  // How many write callbacks are running: LMDB has one write transaction, so never more than one.
  let writing = 0;
  const ownErrors = <T>(write: () => T, kind: "transaction" | "transactionAsync") => {
    let thrown: { error: unknown } | undefined;
    return {
      write: (): T => {
        try {
          if (writing > 0) throw new StoreMisuseError(`store.${kind} was called inside another store transaction; LMDB would nest it (or, asynchronous, report it committed before its parent): make one transaction`, { dataDir: resolved });
          writing++;
          try {
            const result = write();
            if (typeof (result as { then?: unknown } | undefined)?.then === "function") {
              throw new StoreMisuseError(`A store.${kind} callback returned a promise: LMDB's write transaction cannot stay open across an await; do the async work first, then write synchronously`, { dataDir: resolved });
            }
            return result;
          } finally {
            writing--;
          }
        } catch (error) {
          if (!isLmdbError(error)) thrown = { error };
          throw error;
        }
      },
      thrown: () => thrown,
    };
  };
  /** What a failed transaction throws: `write`'s own error as it is; an LMDB error stops the store. */
  const stop = (error: unknown, thrown: { error: unknown } | undefined): unknown => {
    if (thrown !== undefined && thrown.error === error) return error;
    const code = (error as { code?: string | number }).code;
    failed ??= new StoreWriteError(resolved, (error as Error).message.split("\n")[0]!, code, { cause: error });
    // A write that fails on a page LMDB cannot read is a damaged file, not a full disk: say so.
    if (error instanceof StoreCorruptError || isLmdbCorruption(error)) {
      const damaged = error instanceof StoreCorruptError ? error : new StoreCorruptError(file, `LMDB could not write to it (${(error as Error).message.split("\n")[0]})`);
      report(damaged);
      return damaged;
    }
    return failed;
  };
  return {
    dir: resolved,
    root,
    tables,
    registry: table("registry"),
    transaction<T>(write: () => T): T {
      if (failed !== undefined) throw failed;
      // Errors `write` throws on its own (a bug, a check) abort the transaction and pass through;
      // an error from LMDB itself (a put or the commit: ENOSPC, EACCES, EIO, MDB_*) stops the store.
      const own = ownErrors(write, "transaction");
      try {
        // Committed before returning (visible to every reader, written to the OS, so a kill -9
        // cannot undo it); the fsync runs in the background, where LMDB's overlapping sync keeps
        // the file consistent after a power loss too (it then reverts to the last flushed commit —
        // blocks the node re-derives from L1).
        return root.transactionSync(own.write, TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH);
      } catch (error) {
        throw stop(error, own.thrown());
      }
    },
    async transactionAsync<T>(write: () => T): Promise<T> {
      if (failed !== undefined) throw failed;
      const own = ownErrors(write, "transactionAsync");
      try {
        // Committed (visible, written to the OS) when this resolves, like `transaction`'s.
        return await root.transaction(own.write);
      } catch (error) {
        // A failed asynchronous commit rejects with "Commit failed" and the cause in a promise of
        // its own (`commitError`, rejected when LMDB reports it): read it, which also handles it.
        const commitError = (error as { commitError?: Promise<unknown> }).commitError;
        const cause =
          commitError === undefined
            ? error
            : await Promise.race([commitError.then(() => error, (reason: unknown) => reason), new Promise((resolve) => setImmediate(() => resolve(error)))]);
        throw stop(cause, own.thrown());
      }
    },
    failure: () => failed,
    corruption: () => corrupt,
    async close() {
      if (closed) return;
      closed = true;
      // After a write failure the background flush may never settle: do not wait for it (nor
      // for LMDB's close, which waits for that flush after a failed asynchronous commit).
      if (failed === undefined) await root.flushed;
      const closing = root.close().catch(() => undefined);
      if (failed === undefined) await closing;
      else await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, FAILED_CLOSE_WAIT_MS).unref())]);
      releaseLock(resolved);
    },
  };
}

/** An error LMDB raised (it carries a numeric errno or MDB_ code), as opposed to one the node's own code threw. */
function isLmdbError(error: unknown): boolean {
  if (error instanceof StoreMisuseError) return false; // a bug of ours, even though its message names LMDB
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "number" || (error instanceof Error && /^MDB_|LMDB/.test(error.message));
}

/** A store written before records carried checksums (schema 1) is refused, saying so (its records would all fail the checksum). */
function refuseOldSchema(dir: string, meta: Database<Buffer, string>): void {
  for (const key of ["identity", "0:identity"]) {
    const raw = meta.getBinary(key);
    if (raw === undefined) continue;
    let schema: number | undefined;
    try {
      schema = (JSON.parse(raw.toString("utf8")) as { schema?: number }).schema;
    } catch {
      return; // a checksummed record: the current layout
    }
    throw new DataDirMismatchError(`The data dir was written by an older node (store schema ${schema ?? 1}, now ${STORE_SCHEMA_VERSION}); start with --reset (reset: true) to rebuild it from L1`, {
      dataDir: dir,
    });
  }
}

/**
 * Opens (creating if need be) the store in `dir`; with `reset`, deletes what was there first
 * (its LMDB files only). Refuses a dir another live node holds (a pid lock file, stale after a
 * kill -9, is taken over).
 */
export function openNodeStore(dir: string, options: { reset?: boolean } = {}): NodeStore {
  const env = openEnv(dir, options);
  return { ...env.tables, dir: env.dir, transaction: env.transaction, transactionAsync: env.transactionAsync, failure: env.failure, corruption: env.corruption, close: env.close };
}

/** The meta key that marks a store as a multi-rollup one (unprefixed: single-rollup nodes refuse it). */
export const MULTI_LAYOUT_KEY = "layout";

/** One LMDB environment holding many rollups (see the file's comment for the layout). */
export interface MultiStore {
  readonly dir: string;
  /**
   * Rollup `chainId`'s store: every table key-prefixed by the chain id, the trie shared. A view
   * holds nothing but its prefix: make one when needed. `close()` of a view does nothing.
   */
  rollup(chainId: bigint): NodeStore;
  /** The multi-node's own records (its L1 checkpoint and the L1 blocks it relied on): the view of chain id 0, which no rollup has. */
  readonly node: NodeStore;
  /** Rollup chain id (8 bytes) → registry entry (JSON). */
  readonly registry: BinaryTable;
  /** One LMDB write transaction over every rollup's tables (see {@link NodeStore.transaction}). */
  transaction<T>(write: () => T): T;
  /** See {@link NodeStore.transactionAsync}. */
  transactionAsync<T>(write: () => T): Promise<T>;
  /** See {@link NodeStore.failure}. */
  failure(): StoreWriteError | undefined;
  corruption(): StoreCorruptError | undefined;
  close(): Promise<void>;
  /**
   * Set when the dir holds a single rollup's chain (a `startNode` dir: its tables unprefixed) and
   * `openSingle` was given: that store, for `migrateSingleLayout` (migrate.ts) to move into this
   * layout. Until then the dir is not marked as a many-rollup one.
   */
  readonly single?: NodeStore;
}

/**
 * Opens (creating if need be) a store for many rollups in `dir` (`reset`: discard what was there).
 * A dir of a single rollup's chain is refused with `DataDirMismatchError`, unless `openSingle`
 * (then `single` holds it, to migrate).
 */
export function openMultiStore(dir: string, options: { reset?: boolean; openSingle?: boolean } = {}): MultiStore {
  const env = openEnv(dir, options);
  const isSingle = env.tables.meta.getBinary("identity") !== undefined;
  if (isSingle && options.openSingle !== true) {
    void env.close();
    throw new DataDirMismatchError("The data dir holds a single rollup's chain (a `startNode` dir): give another dir, or reset it", { dataDir: env.dir });
  }
  if (!isSingle && env.tables.meta.getBinary(MULTI_LAYOUT_KEY) === undefined) env.transaction(() => env.tables.meta.putSync(MULTI_LAYOUT_KEY, Buffer.from("multi")));
  const view = (chainId: bigint): NodeStore => {
    const prefix = numberKey(chainId);
    const tables = Object.fromEntries(
      Object.keys(TABLE_NAMES).map((field) => [field, field === "trie" ? env.tables.trie : prefixedTable(env.tables[field as keyof typeof TABLE_NAMES], prefix)]),
    ) as unknown as NodeTables;
    tables.meta = prefixedMeta(env.tables.meta, `${chainId}:`);
    return { ...tables, dir: env.dir, transaction: env.transaction, transactionAsync: env.transactionAsync, failure: env.failure, corruption: env.corruption, close: async () => {} };
  };
  const single = isSingle ? { ...env.tables, dir: env.dir, transaction: env.transaction, transactionAsync: env.transactionAsync, failure: env.failure, corruption: env.corruption, close: async () => {} } : undefined;
  return { dir: env.dir, rollup: view, node: view(0n), registry: env.registry, transaction: env.transaction, transactionAsync: env.transactionAsync, failure: env.failure, corruption: env.corruption, close: env.close, ...(single === undefined ? {} : { single }) };
}

/**
 * `db` seen through a key prefix: every key read or written is `prefix ‖ key`, and ranges stay
 * inside the prefix (what the stages read back comes without it). Keys are compared as bytes, so
 * a prefix's keys are contiguous and in the order of the unprefixed keys.
 */
export function prefixedTable(db: Table<Uint8Array, Buffer>, prefix: Buffer): BinaryTable {
  const withPrefix = (key: Buffer) => Buffer.concat([prefix, key]);
  // The first key after every key of the prefix (undefined: the prefix is all 0xff, nothing is after it).
  const after = nextPrefix(prefix);
  const range = (options: TableRange<Buffer> = {}): TableRange<Buffer> => {
    const low = prefix;
    const high = after;
    const start = options.start === undefined ? (options.reverse ? high : low) : withPrefix(options.start);
    const end = options.end === undefined ? (options.reverse ? low : high) : withPrefix(options.end);
    return { ...options, start, end };
  };
  const strip = (key: Buffer) => key.subarray(prefix.length);
  return {
    getBinary: (key) => db.getBinary(withPrefix(key)),
    putSync: (key, value) => db.putSync(withPrefix(key), value),
    removeSync: (key) => db.removeSync(withPrefix(key)),
    *getKeys(options) {
      for (const key of db.getKeys(range(options))) yield strip(key);
    },
    *getRange(options) {
      for (const { key, value } of db.getRange(range(options))) yield { key: strip(key), value };
    },
  };
}

/** The `meta` table (string keys, only point reads and writes) seen through a string prefix. */
function prefixedMeta(db: Table<Buffer, string>, prefix: string): Table<Buffer, string> {
  return {
    getBinary: (key) => db.getBinary(prefix + key),
    putSync: (key, value) => db.putSync(prefix + key, value),
    removeSync: (key) => db.removeSync(prefix + key),
    getKeys: () => {
      throw new Error("meta is read by key only");
    },
    getRange: () => {
      throw new Error("meta is read by key only");
    },
  };
}

function nextPrefix(prefix: Buffer): Buffer | undefined {
  const next = Buffer.from(prefix);
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 0xff) {
      next[i]!++;
      return next.subarray(0, i + 1);
    }
    next[i] = 0;
  }
  return undefined;
}

function takeLock(dir: string): void {
  if (openDirs.has(dir)) throw new DataDirInUseError("The data dir is already open in this process", { dataDir: dir });
  const file = path.join(dir, LOCK_FILE);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new DataDirInUseError(
        `Another process (pid ${pid}${describeProcess(pid)}) holds the data dir ${dir}: its lock file ${file} names it. Stop that process; if it is not a node (its pid was reused after a crash), delete ${file} and start again`,
        { dataDir: dir, lockFile: file, pid },
      );
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

/** What the process is, where /proc says (Linux): ", running <command line>", or nothing. */
function describeProcess(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return command.length === 0 ? "" : `, running ${command.length > 120 ? command.slice(0, 117) + "..." : command}`;
  } catch {
    return "";
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

/** keccak256(RLP("")), the root of an empty trie, as a trie database key. */
const EMPTY_TRIE_ROOT_KEY = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
/** Keys a stored state refers to: a node's hash, or a code's (`c` ‖ hash). */
const STORED_KEY = /^(63)?[0-9a-f]{64}$/;

/**
 * The error for a trie node or code a stored state refers to and the store lacks: the store is
 * damaged (a node is never deleted), and the read must fail rather than find an empty account.
 */
export function missingTrieNodeError(dir: string): (key: string) => StoreCorruptError {
  return (key) => new StoreCorruptError(path.join(dir, "data.mdb"), "a state trie node the state refers to is missing", { table: "trie", key: `0x${key}` });
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
   * blocks not yet committed, read before the table. `missing`: the error for a trie node or code
   * a stored state refers to and the table lacks (see {@link missingTrieNodeError}); without it
   * such a read is undefined, which ethereumjs's trie takes for an empty account or slot.
   */
  constructor(
    private readonly trie?: BinaryTable,
    private readonly below?: Map<string, Uint8Array>,
    private readonly missing?: (key: string) => Error,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.pending.get(key) ?? this.below?.get(key) ?? this.trie?.getBinary(Buffer.from(key, "hex"));
    // The empty trie's root is never stored: ethereumjs asks for it and expects nothing.
    if (value === undefined && this.missing !== undefined && key !== EMPTY_TRIE_ROOT_KEY && STORED_KEY.test(key)) throw this.missing(key);
    return value;
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
