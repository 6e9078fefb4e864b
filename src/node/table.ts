/** The shape of a table the node reads and writes: an lmdb database, or a view of one. */

/** Which keys a range read covers: `start` inclusive, `end` exclusive; reversed, `start` is the high end (lmdb's rules). */
export interface TableRange<K> {
  start?: K;
  end?: K;
  reverse?: boolean;
  limit?: number;
}

/**
 * What the node uses of an lmdb `Database`: an lmdb database is one, and so is a rollup's
 * key-prefixed view of a shared one ({@link prefixedTable}).
 */
export interface Table<V, K> {
  getBinary(key: K): Buffer | undefined;
  putSync(key: K, value: V): unknown;
  removeSync(key: K): unknown;
  getKeys(options?: TableRange<K>): Iterable<K>;
  getRange(options?: TableRange<K>): Iterable<{ key: K; value: V }>;
}

/** A table of binary keys and values. */
export type BinaryTable = Table<Uint8Array, Buffer>;
