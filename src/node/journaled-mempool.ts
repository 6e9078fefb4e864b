/**
 * A mempool over the node's transaction journal (journal.ts): what it acknowledges is on disk
 * before the hash goes out, and forgotten only once its fate is known (see `journaledMempool`).
 */
import { RLP } from "@ethereumjs/rlp";
import { keccak256 } from "../engine/crypto.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToBigInt } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { decodeTransaction } from "../engine/transactions.js";
import { TransactionRejectedError, type DroppedTransaction, type Mempool, type TransactionStatus } from "../proposer/mempool.js";
import type { StoreWriteError } from "./errors.js";
import type { TransactionJournal } from "./journal.js";

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
        await journal.put(typeof raw === "string" ? Buffer.from(raw.slice(2), "hex") : raw, hash);
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
