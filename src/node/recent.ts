/**
 * Small caches of what a node's reads rebuilt from its store (decoded blocks, indexed receipts),
 * kept per store and bounded: the most recently used `limit` entries. Keyed by what makes an entry
 * immutable (a block hash), so nothing needs invalidating.
 */

/** A bounded most-recently-used map per store (see the file's comment). */
export interface RecentPerStore<K, V> {
  /** The entry, marked most recently used; undefined when not kept. */
  get(store: object, key: K): V | undefined;
  /** Keeps `value`, dropping the least recently used entry past the limit. */
  set(store: object, key: K, value: V): void;
}

/** A {@link RecentPerStore} holding at most `limit` entries for each store. */
export function recentPerStore<K, V>(limit: number): RecentPerStore<K, V> {
  const byStore = new WeakMap<object, Map<K, V>>();
  const mapOf = (store: object): Map<K, V> => {
    let map = byStore.get(store);
    if (map === undefined) byStore.set(store, (map = new Map()));
    return map;
  };
  return {
    get(store, key) {
      const map = byStore.get(store);
      const value = map?.get(key);
      if (value !== undefined) {
        map!.delete(key);
        map!.set(key, value);
      }
      return value;
    },
    set(store, key, value) {
      const map = mapOf(store);
      map.delete(key);
      map.set(key, value);
      if (map.size > limit) map.delete(map.keys().next().value!);
    },
  };
}
