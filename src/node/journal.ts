/**
 * The node's transaction journal: what its mempool acknowledged and what it dropped, in the
 * store (see `TransactionJournal`). The mempool over it is journaled-mempool.ts.
 */
import { keccak256 } from "../engine/crypto.js";
import type { DroppedTransaction } from "../proposer/mempool.js";
import type { StoreWriteError } from "./errors.js";
import type { NodeStore } from "./store.js";

/** How many dropped transactions the journal remembers (the mempool's own default history). */
const DROPPED_HISTORY = 4096;

/**
 * How many entries one of `retain`'s commits removes (issue 14 item 8): a block's worth of
 * included transactions, ≈ 1,000 checksummed removes in one commit, held the thread that serves
 * the L2 JSON-RPC for tens of ms. An entry left in the table by a kill before its commit is only
 * a transaction whose fate is known: the restart's `restore` finds it included (or refused) and
 * forgets it then.
 */
export const RETAIN_SLICE = 128;

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
   * already journaled (or being journaled) is left as it is. `hash`: its keccak-256 (0x-hex,
   * lowercase) when the caller has it from these very bytes (the mempool's admission hashed them
   * on the sender-recovery worker): hashing again cost the RPC's thread ≈ 0.02–0.08 ms per send.
   */
  put(raw: Uint8Array, hash?: string): Promise<void>;
  /**
   * Journals transactions inside the caller's store transaction (an L1 reorg's unwind: its
   * unwound transactions are in the journal in the very commit that takes them out of the
   * chain, so a kill at any instant leaves them somewhere). Call only inside `store.transaction`.
   */
  keep(raws: Uint8Array[]): void;
  /**
   * Keeps only the transactions whose hash (0x-hex) is in `live` (or for which it returns true);
   * those that left because they were dropped (`droppedOf` says why) are remembered as dropped,
   * in the same commit. The journal's own view (`hashes`, `get`) is updated at once; of a long
   * list (a block's worth of included transactions) the first {@link RETAIN_SLICE} entries leave
   * the table in that commit and the rest in further ones, the event loop running between them
   * (see {@link settled}).
   */
  retain(live: Set<string> | ((hash: string) => boolean), droppedOf?: (hash: string) => DroppedTransaction | undefined): void;
  /** Resolves once every entry `retain` took out has left the table too. */
  settled(): Promise<void>;
  /** The hashes (0x-hex, lowercase) of the journaled transactions, in journal order. */
  hashes(): string[];
  /** A journaled transaction (raw) by hash. */
  get(hash: string): Uint8Array | undefined;
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
  // `retain`'s removals beyond its first slice, one after the other.
  let removing: Promise<void> = Promise.resolve();
  const removeInSlices = async (keysToRemove: Buffer[]) => {
    for (let i = 0; i < keysToRemove.length; i += RETAIN_SLICE) {
      await new Promise((resolve) => setImmediate(resolve));
      try {
        store.transaction(() => keysToRemove.slice(i, i + RETAIN_SLICE).forEach((key) => store.pending.removeSync(key)));
      } catch {
        // The store failed or closed: these entries stay, to be found included (or refused) and forgotten at a restart.
        return;
      }
    }
  };
  const journal: TransactionJournal = {
    list: () => [...store.pending.getRange({})].map(({ value }) => new Uint8Array(value)),
    put(raw, known) {
      const hash = known?.toLowerCase() ?? hashOf(raw);
      const queued = committing.get(hash);
      // Being journaled: that write stands — unless `retain` took the hash out meanwhile; that
      // write is then undone when it lands, and this one writes it again after it.
      if (queued !== undefined) return keys.has(hash) ? queued : queued.catch(() => undefined).then(() => journal.put(raw, hash));
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
    hashes: () => [...keys.keys()],
    get(hash) {
      const key = keys.get(hash.toLowerCase());
      const value = key === undefined ? undefined : store.pending.getBinary(key);
      return value === undefined ? undefined : new Uint8Array(value);
    },
    retain(live, droppedOf) {
      const keeps = typeof live === "function" ? live : (hash: string) => live.has(hash);
      const gone = [...keys].filter(([hash]) => !keeps(hash));
      if (gone.length === 0) return;
      const records = gone.map(([hash]) => droppedOf?.(hash)).filter((r): r is DroppedTransaction => r !== undefined);
      const added: { key: Buffer; record: DroppedTransaction }[] = [];
      // Beyond the first slice: removed later, in slices (the journal's view forgets them now).
      const later = gone.slice(RETAIN_SLICE).map(([, key]) => key);
      store.transaction(() => {
        gone.slice(0, RETAIN_SLICE).forEach(([, key]) => store.pending.removeSync(key));
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
      if (later.length > 0) removing = removing.then(() => removeInSlices(later));
    },
    settled: () => removing,
    dropped: (hash) => dropped.get(hash.toLowerCase())?.record,
    failure: () => store.failure(),
  };
  return journal;
}
