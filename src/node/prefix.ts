/**
 * A table seen through a key prefix: how one LMDB environment holds many rollups (store.ts
 * `openMultiStore`: each rollup's tables prefixed by its chain id, its meta by "<chainId>:").
 */
import type { BinaryTable, Table, TableRange } from "./table.js";

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
export function prefixedMeta(db: Table<Buffer, string>, prefix: string): Table<Buffer, string> {
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
