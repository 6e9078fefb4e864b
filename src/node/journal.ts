import { keccak_256 } from "@noble/hashes/sha3.js";
import type { Mempool } from "../proposer/mempool.js";
import type { NodeStore } from "./store.js";

/**
 * The transactions a node's mempool acknowledged (returned a hash for) and has not yet seen
 * included or dropped, in the node's store: each `put` commits before the hash goes back to the
 * sender, so a node killed with SIGKILL at any instant still has them when it restarts.
 */
export interface TransactionJournal {
  /** Every journaled raw transaction, in the order they were acknowledged. */
  list(): Uint8Array[];
  /** Journals an acknowledged transaction (committed when this returns); one already journaled is left as it is. */
  put(raw: Uint8Array): void;
  /**
   * Journals transactions inside the caller's store transaction (an L1 reorg's unwind: its
   * unwound transactions are in the journal in the very commit that takes them out of the
   * chain, so a kill at any instant leaves them somewhere). Call only inside `store.transaction`.
   */
  keep(raws: Uint8Array[]): void;
  /** Keeps only the transactions whose hash (0x-hex) is in `live`. */
  retain(live: Set<string>): void;
}

/** The journal over a node store's `pending` table (keys: a sequence number, so order is kept). */
export function transactionJournal(store: NodeStore): TransactionJournal {
  const hashOf = (raw: Uint8Array) => "0x" + Buffer.from(keccak_256(raw)).toString("hex");
  // Hash → key, loaded once: `retain` runs after every add and must not re-read the table.
  const keys = new Map<string, Buffer>();
  let next = 0n;
  for (const { key } of store.pending.getRange({})) {
    const buffer = Buffer.from(key as Uint8Array);
    keys.set(hashOf(store.pending.getBinary(buffer)!), buffer);
    next = buffer.readBigUInt64BE() + 1n;
  }
  /** Writes one entry (inside a transaction) under the next sequence number. */
  const write = (raw: Uint8Array) => {
    const key = Buffer.alloc(8);
    key.writeBigUInt64BE(next++);
    store.pending.putSync(key, Buffer.from(raw));
    keys.set(hashOf(raw), key);
  };
  return {
    list: () => [...store.pending.getRange({})].map(({ value }) => new Uint8Array(value)),
    put(raw) {
      if (keys.has(hashOf(raw))) return;
      store.transaction(() => write(raw));
    },
    keep(raws) {
      for (const raw of raws) if (!keys.has(hashOf(raw))) write(raw);
    },
    retain(live) {
      const gone = [...keys].filter(([hash]) => !live.has(hash));
      if (gone.length === 0) return;
      store.transaction(() => gone.forEach(([, key]) => store.pending.removeSync(key)));
      for (const [hash] of gone) keys.delete(hash);
    },
  };
}

/**
 * A mempool whose acknowledged transactions are journaled in the node's store: `add` returns a
 * hash only once the transaction is on disk; whatever leaves the pool (included, dropped,
 * replaced) leaves the journal. `restore` puts the journal back into the pool at start-up.
 */
export function journaledMempool(mempool: Mempool, journal: TransactionJournal): Mempool & { restore(): Promise<number> } {
  const live = () => new Set([...mempool.pending(), ...mempool.queued()].map((tx) => "0x" + Buffer.from(tx.hash()).toString("hex")));
  return {
    ...mempool,
    async add(raw) {
      const before = mempool.size();
      const hash = await mempool.add(raw);
      journal.put(typeof raw === "string" ? Buffer.from(raw.slice(2), "hex") : raw);
      // A replacement or an eviction pushed another transaction out of the pool (it did not grow
      // by one): out of the journal too. Only then is the pool listed — listing it on every add
      // made a burst of n transactions cost n² (it capped accepting at ~350 tx/s).
      if (mempool.size() !== before + 1) journal.retain(live());
      return hash;
    },
    remove(hashes) {
      mempool.remove(hashes);
      journal.retain(live());
    },
    drop(hash, reason) {
      const dropped = mempool.drop(hash, reason);
      journal.retain(live());
      return dropped;
    },
    async sync() {
      const dropped = await mempool.sync();
      journal.retain(live());
      return dropped;
    },
    async restore() {
      let restored = 0;
      for (const raw of journal.list()) {
        // Included or no longer valid while the node was down: the pool refuses it, the journal forgets it.
        if (await mempool.add(raw).then(() => true, () => false)) restored++;
      }
      journal.retain(live());
      return restored;
    },
  };
}
