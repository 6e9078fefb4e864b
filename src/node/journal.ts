import { keccak256 } from "../engine/crypto.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { TransactionRejectedError, type DroppedTransaction, type Mempool, type TransactionStatus } from "../proposer/mempool.js";
import type { StoreWriteError } from "./errors.js";
import type { NodeStore } from "./store.js";

/** How many dropped transactions the journal remembers (the mempool's own default history). */
const DROPPED_HISTORY = 4096;

/**
 * The transactions a node's mempool acknowledged (returned a hash for) and has not yet seen
 * included or dropped, in the node's store: each `put` commits before the hash goes back to the
 * sender, so a node killed with SIGKILL at any instant still has them when it restarts. The
 * transactions it dropped are kept too, with the reason, so their status survives a restart.
 */
export interface TransactionJournal {
  /** Every journaled raw transaction, in the order they were acknowledged. */
  list(): Uint8Array[];
  /**
   * Journals an acknowledged transaction: committed when this resolves, off the calling thread
   * (`transactionAsync`: a burst of sends commits in groups, and the thread that serves them never
   * waits for the disk); rejects with `StoreWriteError` when the store cannot be written. One
   * already journaled (or being journaled) is left as it is.
   */
  put(raw: Uint8Array): Promise<void>;
  /**
   * Journals transactions inside the caller's store transaction (an L1 reorg's unwind: its
   * unwound transactions are in the journal in the very commit that takes them out of the
   * chain, so a kill at any instant leaves them somewhere). Call only inside `store.transaction`.
   */
  keep(raws: Uint8Array[]): void;
  /**
   * Keeps only the transactions whose hash (0x-hex) is in `live`; those that left because they
   * were dropped (`droppedOf` says why) are remembered as dropped, in the same commit.
   */
  retain(live: Set<string>, droppedOf?: (hash: string) => DroppedTransaction | undefined): void;
  /** A dropped transaction the journal remembers, with its reason. */
  dropped(hash: string): DroppedTransaction | undefined;
  /** The write failure that stopped the store, if one did (nothing can be journaled then). */
  failure(): StoreWriteError | undefined;
}

/** The journal over a node store's `pending` and `dropped` tables (keys: a sequence number, so order is kept). */
export function transactionJournal(store: NodeStore): TransactionJournal {
  const hashOf = (raw: Uint8Array) => "0x" + Buffer.from(keccak256(raw)).toString("hex");
  const seqKey = (n: bigint) => {
    const key = Buffer.alloc(8);
    key.writeBigUInt64BE(n);
    return key;
  };
  // Hash → key, loaded once: `retain` runs after every add and must not re-read the table.
  const keys = new Map<string, Buffer>();
  // Puts queued for an asynchronous commit: hash → its commit. A synchronous transaction (a
  // `retain`) may commit before them, so a put whose hash `retain` took out meanwhile is undone
  // once it lands (see `put`).
  const committing = new Map<string, Promise<void>>();
  let next = 0n;
  for (const { key, value } of store.pending.getRange({})) {
    const buffer = Buffer.from(key as Uint8Array);
    keys.set(hashOf(value), buffer);
    next = buffer.readBigUInt64BE() + 1n;
  }
  const dropped = new Map<string, { key: Buffer; record: DroppedTransaction }>();
  let nextDropped = 0n;
  for (const { key, value } of store.dropped.getRange({})) {
    const stored = JSON.parse(Buffer.from(value).toString("utf8")) as Omit<DroppedTransaction, "nonce"> & { nonce: string };
    dropped.set(stored.hash, { key: Buffer.from(key as Uint8Array), record: { ...stored, nonce: BigInt(stored.nonce) } });
    nextDropped = Buffer.from(key as Uint8Array).readBigUInt64BE() + 1n;
  }
  /** Writes one entry (inside a transaction) under the next sequence number. */
  const write = (raw: Uint8Array) => {
    const key = seqKey(next);
    store.pending.putSync(key, Buffer.from(raw));
    next++;
    keys.set(hashOf(raw), key);
  };
  /** Removes an entry whose asynchronous put landed after `retain` took it out (a store that failed keeps it; a restart's `restore` refuses it if it was included). */
  const removeLate = (key: Buffer) => {
    try {
      store.transaction(() => store.pending.removeSync(key));
    } catch {
      // The store failed: the node halts on it; the entry is refused or dropped again at a restart.
    }
  };
  const journal: TransactionJournal = {
    list: () => [...store.pending.getRange({})].map(({ value }) => new Uint8Array(value)),
    put(raw) {
      const hash = hashOf(raw);
      const queued = committing.get(hash);
      // Being journaled: that write stands — unless `retain` took the hash out meanwhile; that
      // write is then undone when it lands, and this one writes it again after it.
      if (queued !== undefined) return keys.has(hash) ? queued : queued.catch(() => undefined).then(() => journal.put(raw));
      if (keys.has(hash)) return Promise.resolve();
      const key = seqKey(next);
      next++;
      keys.set(hash, key);
      const commit = store.transactionAsync(() => store.pending.putSync(key, Buffer.from(raw))).then(
        () => {
          committing.delete(hash);
          // Retained out (included, dropped) while it was committing: out of the table too.
          if (keys.get(hash) !== key) removeLate(key);
        },
        (error: unknown) => {
          committing.delete(hash);
          if (keys.get(hash) === key) keys.delete(hash);
          throw error;
        },
      );
      committing.set(hash, commit);
      return commit;
    },
    keep(raws) {
      for (const raw of raws) if (!keys.has(hashOf(raw))) write(raw);
    },
    retain(live, droppedOf) {
      const gone = [...keys].filter(([hash]) => !live.has(hash));
      if (gone.length === 0) return;
      const records = gone.map(([hash]) => droppedOf?.(hash)).filter((r): r is DroppedTransaction => r !== undefined);
      const added: { key: Buffer; record: DroppedTransaction }[] = [];
      store.transaction(() => {
        gone.forEach(([, key]) => store.pending.removeSync(key));
        for (const record of records) {
          const key = seqKey(nextDropped + BigInt(added.length));
          store.dropped.putSync(key, Buffer.from(JSON.stringify({ ...record, nonce: record.nonce.toString() }), "utf8"));
          added.push({ key, record });
        }
        // The oldest beyond the history's size go.
        const excess = dropped.size + added.length - DROPPED_HISTORY;
        if (excess > 0) for (const { key } of [...dropped.values()].slice(0, excess)) store.dropped.removeSync(key);
      });
      nextDropped += BigInt(added.length);
      for (const [hash] of gone) keys.delete(hash);
      for (const entry of added) {
        dropped.delete(entry.record.hash);
        dropped.set(entry.record.hash, entry);
      }
      while (dropped.size > DROPPED_HISTORY) dropped.delete(dropped.keys().next().value!);
    },
    dropped: (hash) => dropped.get(hash.toLowerCase())?.record,
    failure: () => store.failure(),
  };
  return journal;
}

/** A {@link journaledMempool}. */
export interface JournaledMempool extends Mempool {
  /** Puts the journal back into the pool (at start-up); returns how many it took. */
  restore(): Promise<number>;
  /**
   * Forgets transactions (raw) an L1 reorg took out of the chain that are not handed back to the
   * pool (a devnet's `evm_revert` drops them, as Hardhat's does): no longer `pending` as taken by
   * a proposer, and out of the journal.
   */
  forget(raws: Uint8Array[]): void;
}

/** How many transactions a proposer took from the pool are remembered until the node derives them. */
const PROPOSED_MEMORY = 8192;

/**
 * A mempool whose acknowledged transactions are journaled in the node's store: `add` returns a
 * hash only once the transaction is on disk — when the journal write fails, the transaction
 * leaves the pool again and the sender gets a -32000 refusal saying why, never a hash the node
 * could lose; whatever leaves the pool (included, dropped, replaced) leaves the journal, a
 * dropped one with its reason. `restore` puts the journal back into the pool at start-up.
 *
 * `status` fills two gaps of the pool's: a transaction a proposer took (`remove`) stays
 * `pending` until the node derives the block that holds it, and a dropped one says so with its
 * reason after a restart too.
 */
export function journaledMempool(mempool: Mempool, journal: TransactionJournal): JournaledMempool {
  const hashOf = (tx: TypedTransaction) => "0x" + Buffer.from(tx.hash()).toString("hex");
  // Taken by a proposer, not yet in the node's chain: hash → the transaction.
  const proposed = new Map<string, TypedTransaction>();
  // What the journal keeps: the pool, and what a proposer took until the node's chain includes it
  // (an L1 reorg may take the proposer's block back before the node derived it; the proposer
  // then hands its transactions back, and a kill in between finds them here).
  const live = () => {
    for (const key of [...proposed.keys()]) if (mempool.status(key).status === "included") proposed.delete(key);
    return new Set([...[...mempool.pending(), ...mempool.queued()].map(hashOf), ...proposed.keys()]);
  };
  const droppedOf = (hash: string): DroppedTransaction | undefined => {
    const status = mempool.status(hash);
    return status.status === "dropped" ? { hash, reason: status.reason, sender: status.sender, nonce: status.nonce } : undefined;
  };
  const notJournaled = (error: StoreWriteError | Error) => `the node cannot journal it, so it did not accept it: ${error.message.split("\n")[0]}`;
  // The pool's size if nothing but adds changed it since the journal last listed it: a pool smaller
  // than this lost a transaction the journal still holds (a replacement, an eviction, an include).
  let expectedSize = mempool.size();
  const retainLive = () => {
    journal.retain(live(), droppedOf);
    expectedSize = mempool.size();
  };
  return {
    ...mempool,
    async add(raw) {
      const failure = journal.failure();
      if (failure !== undefined) throw new TransactionRejectedError(notJournaled(failure));
      const hash = await mempool.add(raw);
      // Counted now, before any await: adds run concurrently (their senders are recovered on
      // another thread), so the pool's size before this one's own `add` says nothing.
      expectedSize++;
      // Only when the pool lost one is it listed — listing it on every add made a burst of n
      // transactions cost n² (it capped accepting at ~350 tx/s; with concurrent adds a comparison
      // of sizes around the await listed it on almost every add again).
      if (mempool.size() < expectedSize) retainLive();
      try {
        await journal.put(typeof raw === "string" ? Buffer.from(raw.slice(2), "hex") : raw);
      } catch (error) {
        // Acknowledged means journaled: the pool gives it back, and the sender hears why (a retry
        // then gets the same refusal, not "already known" for a transaction a kill would lose).
        mempool.drop(hash, notJournaled(error as Error));
        throw new TransactionRejectedError(notJournaled(error as Error), { hash }, { cause: error });
      }
      return hash;
    },
    remove(hashes) {
      const list = [...hashes];
      for (const hash of list) {
        const status = mempool.status(hash);
        if (status.status === "pending" || status.status === "queued") proposed.set(hash.toLowerCase(), status.tx);
      }
      while (proposed.size > PROPOSED_MEMORY) proposed.delete(proposed.keys().next().value!);
      mempool.remove(list);
      retainLive();
    },
    drop(hash, reason) {
      const dropped = mempool.drop(hash, reason);
      retainLive();
      return dropped;
    },
    async sync(options) {
      const dropped = await mempool.sync(options);
      retainLive();
      return dropped;
    },
    status(hash): TransactionStatus {
      const key = hash.toLowerCase();
      const status = mempool.status(key);
      if (status.status !== "unknown") {
        if (status.status === "included") proposed.delete(key);
        return status;
      }
      const tx = proposed.get(key);
      if (tx !== undefined) return { status: "pending", tx };
      const dropped = journal.dropped(key);
      return dropped === undefined ? status : { status: "dropped", reason: dropped.reason, sender: dropped.sender, nonce: dropped.nonce };
    },
    awaitingInclusion() {
      const before = proposed.size;
      const journaled = live(); // forgets what the node's chain includes now
      // Included since: out of the journal too.
      if (proposed.size !== before) journal.retain(journaled, droppedOf);
      return proposed.size;
    },
    forget(raws) {
      for (const raw of raws) proposed.delete("0x" + Buffer.from(keccak256(raw)).toString("hex"));
      retainLive();
    },
    async restore() {
      let restored = 0;
      for (const raw of journal.list()) {
        // Included or no longer valid while the node was down: the pool refuses it, the journal forgets it.
        if (await mempool.add(raw).then(() => true, () => false)) restored++;
      }
      retainLive();
      return restored;
    },
  };
}
