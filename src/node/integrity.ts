/**
 * The store's integrity rules (docs/node.md "Store integrity and disk faults"):
 *
 * 1. At open, before LMDB maps the file: `data.mdb` must be an LMDB file (both meta pages carry
 *    LMDB's magic) at least as long as its newest meta page says it is used — a shorter file is
 *    a truncation, and LMDB would die of SIGBUS on the first read past the end. A missing or
 *    empty `data.mdb` beside an existing `lock.mdb` is a store that was lost, not a new one.
 * 2. Every value the node reads back is checked: a trie node or code is content-addressed (its
 *    key is its keccak, a code's key is `c ‖ keccak`), every other record carries a CRC-32 of its
 *    key and value. A record that fails is never served.
 * 3. A block the chain has (number ≤ the head) must be found, and its header must hash to the
 *    block-hash index entry that points back at its number (read.ts, stages/execute.ts).
 *
 * Any failure is a {@link StoreCorruptError} naming the file and saying to rebuild with `--reset`;
 * the store remembers the first one (`NodeStore.corruption`), and the node halts on it.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import path from "node:path";
import { crc32 } from "node:zlib";
import { keccak256 } from "../engine/crypto.js";
import { StoreCorruptError } from "./errors.js";
import type { Table, TableRange } from "./table.js";

const MDB_MAGIC = 0xbeefc0de;
/** Where the fields of an LMDB meta page are (this lmdb build: a 24-byte page header, 64-bit pgno/txnid), checked at open. */
const META = { magic: 0x18, pageSize: 0x30, lastPage: 0x90, txnId: 0x98 };

/**
 * Checks `dir`'s LMDB files before they are opened (rule 1). Nothing there, or both files
 * absent, is a new store. Throws {@link StoreCorruptError}.
 */
export function checkStoreFiles(dir: string): void {
  const data = path.join(dir, "data.mdb");
  const lock = path.join(dir, "lock.mdb");
  const size = existsSync(data) ? statSync(data).size : undefined;
  if (size === undefined || size === 0) {
    if (existsSync(lock)) {
      throw new StoreCorruptError(data, size === undefined ? "the data file is missing, but lock.mdb shows a store was there" : "the data file is empty (0 bytes), but lock.mdb shows a store was there", {
        lockFile: lock,
      });
    }
    if (size === 0) throw new StoreCorruptError(data, "the data file is empty (0 bytes)");
    return;
  }
  const head = Buffer.alloc(Math.min(size, 2 * 65_536));
  const fd = openSync(data, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 0xa0 || head.readUInt32LE(META.magic) !== MDB_MAGIC) throw new StoreCorruptError(data, "it is not an LMDB data file (no LMDB magic in its first meta page)", { size });
  const pageSize = head.readUInt32LE(META.pageSize);
  if (pageSize < 512 || pageSize > 65_536 || (pageSize & (pageSize - 1)) !== 0) throw new StoreCorruptError(data, `its meta page gives an impossible page size ${pageSize}`);
  if (size < 2 * pageSize) throw new StoreCorruptError(data, `the file is truncated: ${size} bytes, shorter than LMDB's two meta pages (${2 * pageSize} bytes)`);
  const metas = [0, pageSize]
    .filter((offset) => head.readUInt32LE(offset + META.magic) === MDB_MAGIC)
    .map((offset) => ({ lastPage: head.readBigUInt64LE(offset + META.lastPage), txnId: head.readBigUInt64LE(offset + META.txnId) }));
  if (metas.length === 0) throw new StoreCorruptError(data, "neither meta page carries LMDB's magic");
  // LMDB opens the meta page with the newest transaction: the file must hold every page it uses.
  const newest = metas.reduce((a, b) => (b.txnId > a.txnId ? b : a));
  const needed = (newest.lastPage + 1n) * BigInt(pageSize);
  if (BigInt(size) < needed) {
    throw new StoreCorruptError(data, `the file is truncated: ${size} bytes, but its last committed transaction (${newest.txnId}) uses ${needed} bytes`, { size, needed });
  }
}

/**
 * Whether LMDB itself failed in a way only a damaged file explains: a page it cannot find, a
 * page or meta it finds corrupt, or the aborted transaction (`MDB_BAD_TXN`) such a read leaves
 * behind (lmdb-js prints "page N not found", then the transaction fails with MDB_BAD_TXN).
 */
export function isLmdbCorruption(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /MDB_CORRUPTED|MDB_PAGE_NOTFOUND|MDB_BAD_TXN|MDB_INVALID|page \d+ not found/i.test(message);
}

/** Runs an LMDB read; a failure that only a damaged file explains becomes a {@link StoreCorruptError} (reported). */
function readOrCorrupt<T>(read: () => T, file: string, table: string, report: (error: StoreCorruptError) => void): T {
  try {
    return read();
  } catch (error) {
    if (!isLmdbCorruption(error)) throw error;
    const corrupt = new StoreCorruptError(file, `LMDB could not read the ${table} table (${(error as Error).message.split("\n")[0]})`, { table });
    report(corrupt);
    throw corrupt;
  }
}

/** Iterates an LMDB range, turning a damaged file's failures into a {@link StoreCorruptError}. */
function* rangeOrCorrupt<T>(range: Iterable<T>, file: string, table: string, report: (error: StoreCorruptError) => void): Generator<T> {
  const iterator = readOrCorrupt(() => range[Symbol.iterator](), file, table, report);
  let done = false;
  try {
    for (;;) {
      const next = readOrCorrupt(() => iterator.next(), file, table, report);
      if (next.done === true) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // A reader that stops early must end LMDB's iteration too: its cursor holds a read
    // transaction (a slot among LMDB's readers) until then.
    if (!done) iterator.return?.();
  }
}

/**
 * `db` with a CRC-32 of key ‖ value after every value it stores (rule 2): reads check and strip
 * it, and throw {@link StoreCorruptError} naming `table` and the key on a mismatch.
 */
export function checksummedTable<K extends Buffer | string>(
  db: Table<Uint8Array, K>,
  table: string,
  file: string,
  report: (error: StoreCorruptError) => void = () => {},
): Table<Buffer, K> & Table<Uint8Array, K> {
  const keyBytes = (key: K): Buffer => (typeof key === "string" ? Buffer.from(key, "utf8") : key);
  const seal = (key: K, value: Uint8Array): Buffer => {
    const out = Buffer.allocUnsafe(value.length + 4);
    out.set(value, 0);
    out.writeUInt32BE(crc32(value, crc32(keyBytes(key))), value.length);
    return out;
  };
  const open = (key: K, stored: Buffer): Buffer => {
    const value = stored.subarray(0, stored.length - 4);
    if (stored.length < 4 || stored.readUInt32BE(stored.length - 4) !== crc32(value, crc32(keyBytes(key)))) {
      const error = new StoreCorruptError(file, `a record of the ${table} table fails its checksum`, { table, key: typeof key === "string" ? key : `0x${key.toString("hex")}` });
      report(error);
      throw error;
    }
    return value;
  };
  return {
    getBinary(key) {
      const stored = readOrCorrupt(() => db.getBinary(key), file, table, report);
      return stored === undefined ? undefined : open(key, stored);
    },
    putSync: (key, value) => db.putSync(key, seal(key, value)),
    removeSync: (key) => db.removeSync(key),
    getKeys: (options?: TableRange<K>) => rangeOrCorrupt(db.getKeys(options), file, table, report) as ReturnType<typeof db.getKeys>,
    *getRange(options?: TableRange<K>) {
      for (const { key, value } of rangeOrCorrupt(db.getRange(options), file, table, report)) yield { key, value: open(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength)) };
    },
  };
}

/** The code-hash prefix ethereumjs's state manager puts before a code's keccak (`c`). */
const CODE_PREFIX = 0x63;

/**
 * The trie table with every read checked against its key (rule 2): a node's key is the keccak of
 * the node, a code's key is `c ‖ keccak(code)`. Keys of another shape are read unchecked.
 */
export function contentCheckedTable(db: Table<Uint8Array, Buffer>, file: string, report: (error: StoreCorruptError) => void = () => {}): Table<Uint8Array, Buffer> {
  const check = (key: Buffer, value: Buffer): Buffer => {
    const hash = key.length === 32 ? key : key.length === 33 && key[0] === CODE_PREFIX ? key.subarray(1) : undefined;
    if (hash !== undefined && !hash.equals(keccak256(value))) {
      // Reported as well as thrown: the engine wraps errors from state reads in its own.
      const error = new StoreCorruptError(file, "a state trie node does not hash to its key", { table: "trie", key: `0x${key.toString("hex")}` });
      report(error);
      throw error;
    }
    return value;
  };
  return {
    getBinary(key) {
      const value = readOrCorrupt(() => db.getBinary(key), file, "trie", report);
      return value === undefined ? undefined : check(key, value);
    },
    putSync: (key, value) => db.putSync(key, value),
    removeSync: (key) => db.removeSync(key),
    getKeys: (options) => rangeOrCorrupt(db.getKeys(options), file, "trie", report) as ReturnType<typeof db.getKeys>,
    *getRange(options) {
      for (const { key, value } of rangeOrCorrupt(db.getRange(options), file, "trie", report)) yield { key, value: check(key, Buffer.from(value.buffer, value.byteOffset, value.byteLength)) };
    },
  };
}
