import { RLP } from "@ethereumjs/rlp";
import { keccak256 } from "../engine/crypto.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToBigInt } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { decodeTransaction } from "../engine/transactions.js";
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
   * Keeps only the transactions whose hash (0x-hex) is in `live` (or for which it returns true);
   * those that left because they were dropped (`droppedOf` says why) are remembered as dropped,
   * in the same commit.
   */
  retain(live: Set<string> | ((hash: string) => boolean), droppedOf?: (hash: string) => DroppedTransaction | undefined): void;
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
  /**
   * Puts the journal back into the pool (at start-up, and whenever the journal holds what the pool
   * does not: see {@link journaledMempool}); returns how many it took.
   */
  restore(): Promise<number>;
  /**
   * Forgets transactions (raw) an L1 reorg took out of the chain that are not handed back to the
   * pool (a devnet's `evm_revert` drops them, as Hardhat's does): no longer `pending` as taken by
   * a proposer, and out of the journal.
   */
  forget(raws: Uint8Array[]): void;
}

/** Options of {@link journaledMempool}. */
export interface JournaledMempoolOptions {
  /**
   * Whether the node's chain includes a transaction: the authority the journal forgets by. Default:
   * the pool's own chain (right when that is the node's; a devnet's pool reads the proposer's chain,
   * which includes a block before the node derives it, and before L1 can still take it back).
   */
  included?: (hash: string) => boolean;
}

/** How many transactions a proposer took from the pool are remembered until the node derives them. */
const PROPOSED_MEMORY = 8192;

/**
 * Refusals that say a transaction can never apply as it is (its nonce was used by another, its
 * sender cannot pay, it is malformed): a journaled transaction the pool refuses for one of these
 * is dropped, with the reason. Anything else (the pool full, a fee below today's base fee) is a
 * wait: it stays journaled and is offered again later.
 */
const FOR_GOOD = /nonce too low|insufficient funds|does not decode|invalid (sender|chain id)|intrinsic gas too low|floor data gas|exceeds block gas limit|gas limit too high|initcode size|type not supported|replay-protected|oversized/;

/**
 * A mempool whose acknowledged transactions are journaled in the node's store: `add` returns a
 * hash only once the transaction is on disk — when the journal write fails, the transaction
 * leaves the pool again and the sender gets a -32000 refusal saying why, never a hash the node
 * could lose. The journal forgets a transaction only once its fate is known: included in the
 * node's chain, or dropped (with its reason: replaced, evicted, proven at fault) — never because
 * it is not in the pool at some instant. An L1 reorg's unwind journals the transactions it takes
 * out of the chain in its own commit; until they are back in the pool (the node's hand-back, a
 * restart, or the next `sync`, which puts back whatever the journal holds and the pool does not)
 * they are `pending` too. `restore` puts the journal back into the pool at start-up.
 *
 * `status` fills two gaps of the pool's: a transaction a proposer took (`remove`) stays
 * `pending` until the node derives the block that holds it, and a dropped one says so with its
 * reason after a restart too.
 */
export function journaledMempool(mempool: Mempool, journal: TransactionJournal, options: JournaledMempoolOptions = {}): JournaledMempool {
  const hashOf = (tx: TypedTransaction) => "0x" + Buffer.from(tx.hash()).toString("hex");
  const hashOfRaw = (raw: Uint8Array) => "0x" + Buffer.from(keccak256(raw)).toString("hex");
  // Taken by a proposer, not yet in the node's chain: hash → the transaction.
  const proposed = new Map<string, TypedTransaction>();
  // Journaled transactions the pool refused for good while being put back: why (for `droppedOf`).
  const refused = new Map<string, DroppedTransaction>();
  const includedInChain = (hash: string) => options.included?.(hash) ?? mempool.status(hash).status === "included";
  // What the journal keeps: anything whose fate is not known yet (in the pool; taken by a proposer
  // and not in the node's chain; handed back by an unwind and not yet in the pool).
  const keeps = (hash: string): boolean => {
    const status = mempool.status(hash).status;
    if (status === "pending" || status === "queued") return true;
    if (refused.has(hash)) return false;
    if (status === "dropped") return false;
    if (proposed.has(hash)) {
      if (!includedInChain(hash)) return true;
      proposed.delete(hash);
      return false;
    }
    return !includedInChain(hash);
  };
  // The pool's size if nothing but adds changed it since the journal was last walked: a pool smaller
  // than this lost a transaction the journal still holds (a replacement, an eviction, an include).
  let expectedSize = mempool.size();
  const retain = () => {
    journal.retain(keeps, droppedOf);
    expectedSize = mempool.size();
  };
  const droppedOf = (hash: string): DroppedTransaction | undefined => {
    const gone = refused.get(hash);
    if (gone !== undefined) return gone;
    const status = mempool.status(hash);
    return status.status === "dropped" ? { hash, reason: status.reason, sender: status.sender, nonce: status.nonce } : undefined;
  };
  /** Journaled, and neither in the pool, taken by a proposer, nor in the node's chain: to put back. */
  const outside = () => journal.hashes().filter((hash) => !proposed.has(hash) && mempool.status(hash).status === "unknown" && !includedInChain(hash));
  const notJournaled = (error: StoreWriteError | Error) => `the node cannot journal it, so it did not accept it: ${error.message.split("\n")[0]}`;

  // One put-back at a time (sync, restore and the hand-back may ask at once).
  let putting: Promise<number> | undefined;
  const putBack = (): Promise<number> => {
    if (putting !== undefined) return putting;
    const run = putBackNow();
    putting = run;
    // Cleared once settled (not inside `putBackNow`: one that finds nothing settles before it is stored).
    void run.finally(() => {
      if (putting === run) putting = undefined;
    }).catch(() => undefined);
    return run;
  };
  async function putBackNow(): Promise<number> {
    const hashes = outside();
    if (hashes.length === 0) return 0;
    // The pool counted nonces a proposer took as used: read them from the state again, so a
    // transaction a reorg gave back is not "nonce too low" against a block that is gone.
    await mempool.sync({ fromState: true });
    // In nonce order: a sender's later ones would wait behind a gap (and the gap queue is bounded).
    const raws = hashes.map((hash) => journal.get(hash)).filter((raw): raw is Uint8Array => raw !== undefined);
    raws.sort((a, b) => (nonceOf(a) < nonceOf(b) ? -1 : nonceOf(a) > nonceOf(b) ? 1 : 0));
    let added = 0;
    for (const raw of raws) {
      try {
        await mempool.add(raw);
        added++;
      } catch (error) {
        const reason = error instanceof TransactionRejectedError ? error.reason : (error as Error).message;
        if (FOR_GOOD.test(reason)) refused.set(hashOfRaw(raw), droppedRecord(raw, reason));
        // "already known": in the chain after all (the journal forgets it); anything else: offered again at the next sync.
      }
    }
    retain();
    // The journal remembers them as dropped now (with the reason): nothing more to keep here.
    refused.clear();
    return added;
  }

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
      if (mempool.size() < expectedSize) retain();
      try {
        await journal.put(typeof raw === "string" ? Buffer.from(raw.slice(2), "hex") : raw);
      } catch (error) {
        // Acknowledged means journaled: the pool gives it back, and the sender hears why (a retry
        // then gets the same refusal, not "already known" for a transaction a kill would lose).
        mempool.drop(hash, notJournaled(error as Error));
        throw new TransactionRejectedError(notJournaled(error as Error), { hash }, { cause: error });
      }
      refused.delete(hash);
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
      retain();
    },
    drop(hash, reason) {
      const dropped = mempool.drop(hash, reason);
      retain();
      return dropped;
    },
    async sync(syncOptions) {
      const dropped = await mempool.sync(syncOptions);
      retain();
      // What the journal holds and the pool does not (an unwind's hand-back cut short, a refusal
      // that was only a wait) goes back now.
      await putBack();
      return dropped;
    },
    status(hash): TransactionStatus {
      const key = hash.toLowerCase();
      const status = mempool.status(key);
      if (status.status !== "unknown") {
        if (status.status === "included") {
          // In the proposer's chain (its advance landed) but not yet in the node's, which serves
          // receipts: still pending to a client. Else eth_getTransactionByHash answered null in
          // that window, and a client that reads null as "dropped" (a proposer of an L3 on this L2,
          // waitForL1Receipt) gave the transaction up.
          const tx = proposed.get(key);
          if (tx !== undefined && !includedInChain(key)) return { status: "pending", tx };
          proposed.delete(key);
        }
        return status;
      }
      const tx = proposed.get(key);
      if (tx !== undefined) return { status: "pending", tx };
      const gone = refused.get(key) ?? journal.dropped(key);
      if (gone !== undefined) return { status: "dropped", reason: gone.reason, sender: gone.sender, nonce: gone.nonce };
      // Journaled and not in the pool yet (an unwind gave it back): pending, it goes back at the next sync.
      const raw = journal.get(key);
      if (raw !== undefined && !includedInChain(key)) {
        const decoded = decodeJournaled(raw);
        if (decoded !== undefined) return { status: "pending", tx: decoded };
      }
      return status;
    },
    awaitingInclusion() {
      const before = proposed.size;
      for (const key of [...proposed.keys()]) if (includedInChain(key)) proposed.delete(key);
      // Included since: out of the journal too.
      if (proposed.size !== before) retain();
      // Journaled transactions outside the pool are work too: the proposer's next round (its sync) puts them back.
      return proposed.size + outside().length;
    },
    forget(raws) {
      const gone = new Set(raws.map(hashOfRaw));
      for (const hash of gone) proposed.delete(hash);
      journal.retain((hash) => !gone.has(hash) && keeps(hash), droppedOf);
    },
    restore: putBack,
  };
}

/** A raw transaction's nonce, read from its RLP (no signature recovery): the order journaled ones go back in. */
function nonceOf(raw: Uint8Array): bigint {
  try {
    const typed = raw.length > 0 && raw[0]! <= 0x7f;
    const fields = RLP.decode(typed ? raw.subarray(1) : raw) as Uint8Array[];
    const nonce = fields[typed ? 1 : 0];
    return nonce instanceof Uint8Array ? bytesToBigInt(nonce) : 0n;
  } catch {
    return 0n;
  }
}

/** A journaled transaction decoded (it was checked when acknowledged), for `status`; undefined if it does not decode. */
function decodeJournaled(raw: Uint8Array): TypedTransaction | undefined {
  try {
    const typed = raw.length > 0 && raw[0]! <= 0x7f;
    const fields = RLP.decode(typed ? raw.subarray(1) : raw) as Uint8Array[];
    const chainId = typed ? bytesToBigInt(fields[0]!) : (bytesToBigInt(fields[6]!) - 35n) / 2n;
    return decodeTransaction(raw, createL2Common(chainId));
  } catch {
    return undefined;
  }
}

/** The dropped record of a journaled transaction the pool refused for good. */
function droppedRecord(raw: Uint8Array, reason: string): DroppedTransaction {
  const hash = "0x" + Buffer.from(keccak256(raw)).toString("hex");
  const tx = decodeJournaled(raw);
  let sender = "0x" + "00".repeat(20);
  try {
    if (tx !== undefined) sender = tx.getSenderAddress().toString();
  } catch {
    // an unrecoverable signature: the hash says which
  }
  return { hash, sender, nonce: nonceOf(raw), reason: `dropped when put back into the pool: ${reason}` };
}
