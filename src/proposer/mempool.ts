import { RLP } from "@ethereumjs/rlp";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createAddressFromString, ValueEncoding, type DB } from "@ethereumjs/util";
import type { BlockHeader } from "@ethereumjs/block";
import { createL2Common } from "../engine/chain.js";
import { chainHead, type L2Chain } from "../engine/state.js";
import { decodeTransaction } from "../engine/transactions.js";
import { UltrasoundError } from "../shared/errors.js";
import { presetSender, recoverSenderOffThread } from "./senders-offthread.js";

/**
 * A transaction the mempool refused. `reason` is one line in geth's wording ("nonce too low: …",
 * "insufficient funds for gas * price + value: …", "replacement transaction underpriced", …), so
 * that ethers and viem, which classify node errors by those words, report the right error.
 */
export class TransactionRejectedError extends UltrasoundError {
  override name = "TransactionRejectedError";
  constructor(
    readonly reason: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(`L2 transaction rejected: ${reason}`, details, options);
  }
}

/** EIP-7825 (Osaka): no transaction may ask for more gas; the L2 follows the same rules. */
export const TRANSACTION_GAS_CAP = 16_777_216n;
/** EIP-3860: the largest init code a creation may carry. */
const MAX_INITCODE_SIZE = 49_152;

/** Options of {@link createMempool}; every one has a default. */
export interface MempoolOptions {
  /**
   * Accept pre-EIP-155 legacy transactions (no chain id in the signature: valid on every chain,
   * and the dev keys are the same on L1 and L2). Default false, as geth over RPC.
   */
  allowUnprotected?: boolean;
  /** Most transactions the pool holds, pending and queued. Default 8192. */
  maxTransactions?: number;
  /** Most transactions one sender may have in the pool. Default 1024. */
  maxPerSender?: number;
  /** Most gapped (queued) transactions one sender may have. Default 64 (geth's account queue). */
  maxQueuedPerSender?: number;
  /** How much both fee fields of a replacement must exceed the replaced one's, in percent. Default 10. */
  priceBumpPercent?: number;
  /** Largest signed transaction in bytes. Default 131,072 (geth: 4 × 32 KiB). */
  maxTransactionBytes?: number;
  /** How long a gapped transaction may wait for its gap to fill, in ms. Default 3 h (geth). */
  queueLifetimeMs?: number;
  /** How many dropped transactions are remembered for {@link Mempool.status}. Default 4096. */
  droppedHistory?: number;
}

/** Where a transaction stands, as far as this node knows. */
export type TransactionStatus =
  | { status: "pending"; tx: TypedTransaction }
  | { status: "queued"; tx: TypedTransaction }
  | { status: "included"; blockNumber: number; index: number }
  | { status: "dropped"; reason: string; sender: string; nonce: bigint }
  | { status: "unknown" };

/** A transaction taken out of the pool without being included, and why. */
export interface DroppedTransaction {
  hash: string;
  sender: string;
  nonce: bigint;
  reason: string;
}

/** The pool's transactions by sender and nonce (`txpool_content`'s shape). */
export interface MempoolContent {
  pending: Map<string, Map<bigint, TypedTransaction>>;
  queued: Map<string, Map<bigint, TypedTransaction>>;
}

/**
 * Pending L2 transactions, as geth's transaction pool keeps them:
 *
 * - every transaction is checked on the way in (size, type, replay protection, chain id,
 *   signature, gas within the intrinsic minimum, the block's limit and EIP-7825's cap, fee cap
 *   against the next block's base fee, nonce, funds for all of the sender's transactions);
 * - a transaction whose nonce leaves a gap waits in a queue, and is promoted when the gap fills:
 *   it is never offered to the builder early;
 * - a same-sender same-nonce transaction replaces the old one only with ≥ 10 % more on both fees;
 * - per-sender and global limits; when full, the cheapest transaction that leaves no gap goes.
 *
 * What leaves the pool without being included is remembered with the reason ({@link status}).
 */
export interface Mempool {
  /** Checks and adds a signed raw transaction (0x-hex or bytes); returns its hash. Throws `TransactionRejectedError`. */
  add(raw: string | Uint8Array): Promise<string>;
  /**
   * The transactions a block may take now, in block order: nonce order per sender, the senders
   * by effective tip at the next base fee (then arrival). Gapped ones, and those whose fee cap
   * is below the next base fee (with their successors), are left out.
   */
  pending(): TypedTransaction[];
  /** Transactions waiting for a nonce gap to fill. */
  queued(): TypedTransaction[];
  /** The nonce a new transaction of `address` needs: its account nonce plus its gapless pending run. */
  nextNonce(address: string): Promise<bigint>;
  /** Removes included transactions (their senders' nonces move past them). */
  remove(hashes: Iterable<string>): void;
  /**
   * How many transactions a proposer took (`remove`) that the node's chain does not include yet
   * (a pool that tracks them: the node's journaled one). While some are, the proposer has work:
   * L1 may take its block back before the node derived it, and it must then hand them back.
   */
  awaitingInclusion?(): number;
  /**
   * Forgets transactions (raw) taken out of the chain on purpose (a devnet's `evm_revert`): no
   * longer awaiting inclusion, and out of the journal of a pool that keeps one.
   */
  forget?(raws: Uint8Array[]): void;
  /** Drops a transaction for good, remembering why; its sender's later ones wait for the gap. */
  drop(hash: string, reason: string): DroppedTransaction | undefined;
  /**
   * Catches up with the chain's head: forgets what was included, drops what can no longer apply
   * (nonce taken, unaffordable) or waited in the queue too long. Returns what it dropped.
   * `fromState`: senders' nonces are read from the state again even on the same head (after
   * the proposer's own blocks were rewound before the node had them).
   */
  sync(options?: { fromState?: boolean }): Promise<DroppedTransaction[]>;
  /** Where a transaction stands (pending, queued, included, dropped with its reason, unknown). */
  status(hash: string): TransactionStatus;
  content(): MempoolContent;
  /** Number of pending and queued transactions. */
  counts(): { pending: number; queued: number };
  /** Every transaction in the pool, pending and queued. */
  size(): number;
}

interface Entry {
  tx: TypedTransaction;
  hash: string;
  sender: string;
  nonce: bigint;
  /** gasLimit × fee cap + value: what the sender must be able to pay. */
  cost: bigint;
  feeCap: bigint;
  tipCap: bigint;
  /** Arrival order: ties in price go to the earlier transaction. */
  sequence: number;
  /** When it entered the pool (ms): the queue lifetime counts from here. */
  addedAt: number;
}

interface Sender {
  /** Account nonce and balance at the head the pool last synced with. */
  nonce: bigint;
  balance: bigint;
  txs: Map<bigint, Entry>;
}

/**
 * What the pool reads of the chain it feeds: the in-memory chain a proposer keeps
 * ({@link mempoolChainOf}) or a rollup node's.
 */
export interface MempoolChain {
  readonly chainId: bigint;
  /** The head header: its state, gas limit and next base fee are what transactions are checked against. */
  head(): BlockHeader;
  /** The state trie database (read only here). */
  readonly db: DB<string, Uint8Array>;
  /** Where an included transaction (0x-hex hash, lowercase) is, or undefined. */
  includedAt(hash: string): { blockNumber: number; index: number } | undefined;
}

/** The {@link MempoolChain} of an in-memory L2 chain. */
export function mempoolChainOf(chain: L2Chain): MempoolChain {
  return {
    chainId: chain.genesis.chainId,
    head: () => chainHead(chain),
    db: chain.db,
    includedAt: (hash) => chain.transactionIndex.get(hash),
  };
}

/** A mempool for one L2 chain (see {@link Mempool}): an in-memory chain or a node's view of one. */
export function createMempool(l2: L2Chain | MempoolChain, options: MempoolOptions = {}): Mempool {
  const chain = "headers" in l2 ? mempoolChainOf(l2) : l2;
  const common = createL2Common(chain.chainId);
  const chainId = chain.chainId;
  const limits = {
    total: options.maxTransactions ?? 8192,
    perSender: options.maxPerSender ?? 1024,
    queuedPerSender: options.maxQueuedPerSender ?? 64,
    bump: BigInt(options.priceBumpPercent ?? 10),
    bytes: options.maxTransactionBytes ?? 131_072,
    queueLifetimeMs: options.queueLifetimeMs ?? 3 * 60 * 60 * 1000,
    droppedHistory: options.droppedHistory ?? 4096,
  };
  const senders = new Map<string, Sender>();
  const byHash = new Map<string, Entry>();
  const dropped = new Map<string, DroppedTransaction>();
  let sequence = 0;
  let syncedHead = bytesToHex(chain.head().hash());
  // When the first entry may expire (ms since the epoch): the expiry sweep waits until then.
  let nextExpiry = Infinity;
  // add() and sync() read state and then write the pool: one at a time.
  let lock: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = lock.then(work);
    lock = run.catch(() => undefined);
    return run;
  };

  const nextBaseFee = () => chain.head().calcNextBaseFee();
  const readAccount = createAccountReader(chain);

  async function senderState(address: string): Promise<Sender> {
    let sender = senders.get(address);
    if (sender === undefined) {
      const account = await readAccount(address);
      sender = { nonce: account.nonce, balance: account.balance, txs: new Map() };
    }
    return sender;
  }

  /** The end of `sender`'s gapless run: the first nonce it has no transaction for. */
  function runEnd(sender: Sender): bigint {
    let nonce = sender.nonce;
    while (sender.txs.has(nonce)) nonce++;
    return nonce;
  }

  function remember(entry: Entry, reason: string): DroppedTransaction {
    const record: DroppedTransaction = { hash: entry.hash, sender: entry.sender, nonce: entry.nonce, reason };
    dropped.delete(entry.hash);
    dropped.set(entry.hash, record);
    while (dropped.size > limits.droppedHistory) dropped.delete(dropped.keys().next().value!);
    return record;
  }

  function unlink(entry: Entry): void {
    byHash.delete(entry.hash);
    const sender = senders.get(entry.sender);
    if (sender === undefined) return;
    if (sender.txs.get(entry.nonce) === entry) sender.txs.delete(entry.nonce);
    if (sender.txs.size === 0) senders.delete(entry.sender);
  }

  function evict(entry: Entry, reason: string): DroppedTransaction {
    unlink(entry);
    return remember(entry, reason);
  }

  async function syncLocked(fromState = false): Promise<DroppedTransaction[]> {
    const head = bytesToHex(chain.head().hash());
    const out: DroppedTransaction[] = [];
    const now = Date.now();
    // `remove` moves a sender's nonce past what a proposer took; `fromState` takes it back from
    // the chain's state even on the same head (the proposer's block never reached the node).
    if (head !== syncedHead || fromState) {
      syncedHead = head;
      // A fee cap below the new base fee is no reason to drop: the transaction waits (pending()).
      for (const [address, sender] of [...senders]) {
        const account = await readAccount(address);
        sender.nonce = account.nonce;
        sender.balance = account.balance;
        for (const entry of [...sender.txs.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
          if (entry.nonce < sender.nonce) {
            // Included, or its nonce was used by another transaction: either way it is over.
            if (chain.includedAt(entry.hash) !== undefined) unlink(entry);
            else out.push(evict(entry, `nonce too low: nonce ${entry.nonce} was used by another transaction`));
          } else if (entry.cost > sender.balance) {
            out.push(evict(entry, `insufficient funds for gas * price + value: balance ${sender.balance}, tx cost ${entry.cost}`));
          }
        }
      }
    }
    // The expiry sweep visits every entry: only when one may have expired (it ran on every add,
    // quadratic in the pool's size — ≈ 0.2 ms per add with a thousand pending).
    if (now > nextExpiry) {
      nextExpiry = Infinity;
      for (const sender of [...senders.values()]) {
        const end = runEnd(sender);
        for (const entry of [...sender.txs.values()]) {
          if (entry.nonce > end && now - entry.addedAt > limits.queueLifetimeMs) {
            out.push(evict(entry, `expired: waited ${Math.round((now - entry.addedAt) / 1000)} s for nonce ${end}`));
          } else nextExpiry = Math.min(nextExpiry, entry.addedAt + limits.queueLifetimeMs);
        }
      }
    }
    return out;
  }

  async function addLocked(raw: string | Uint8Array, senderKey: Promise<Uint8Array | undefined>): Promise<string> {
    await syncLocked();
    const bytes = typeof raw === "string" ? parseHex(raw) : raw;
    const entry = admit(bytes, await senderKey);
    if (byHash.has(entry.hash)) throw new TransactionRejectedError("already known", { hash: entry.hash });
    if (chain.includedAt(entry.hash) !== undefined) throw new TransactionRejectedError("already known", { hash: entry.hash });

    const sender = await senderState(entry.sender);
    if (entry.nonce < sender.nonce) {
      throw new TransactionRejectedError(`nonce too low: next nonce ${sender.nonce}, tx nonce ${entry.nonce}`, { sender: entry.sender });
    }
    const replaced = sender.txs.get(entry.nonce);
    if (replaced !== undefined) {
      const enough = (next: bigint, old: bigint) => next * 100n >= old * (100n + limits.bump);
      if (!enough(entry.feeCap, replaced.feeCap) || !enough(entry.tipCap, replaced.tipCap)) {
        throw new TransactionRejectedError("replacement transaction underpriced", {
          replaces: replaced.hash,
          needs: `max fee ≥ ${ceilPercent(replaced.feeCap, limits.bump)} and tip ≥ ${ceilPercent(replaced.tipCap, limits.bump)}`,
        });
      }
    }
    if (sender.balance < entry.cost) {
      throw new TransactionRejectedError(
        `insufficient funds for gas * price + value: balance ${sender.balance}, tx cost ${entry.cost}, overshot ${entry.cost - sender.balance}`,
        { sender: entry.sender },
      );
    }
    let queuedCost = 0n;
    for (const other of sender.txs.values()) if (other !== replaced) queuedCost += other.cost;
    if (sender.balance < queuedCost + entry.cost) {
      throw new TransactionRejectedError(
        `insufficient funds for gas * price + value: balance ${sender.balance}, queued cost ${queuedCost}, tx cost ${entry.cost}, ` +
          `overshot ${queuedCost + entry.cost - sender.balance}`,
        { sender: entry.sender },
      );
    }
    if (replaced === undefined) {
      if (sender.txs.size >= limits.perSender) {
        throw new TransactionRejectedError(`account limit exceeded: ${sender.txs.size} transactions pending, limit ${limits.perSender}`, {
          sender: entry.sender,
        });
      }
      const end = runEnd(sender);
      if (entry.nonce > end) {
        let queued = 0;
        for (const nonce of sender.txs.keys()) if (nonce > end) queued++;
        if (queued >= limits.queuedPerSender) {
          throw new TransactionRejectedError(
            `account limit exceeded: ${queued} transactions already wait for nonce ${end}, limit ${limits.queuedPerSender}`,
            { sender: entry.sender },
          );
        }
      }
      if (byHash.size >= limits.total) makeRoomFor(entry);
    }
    if (replaced !== undefined) evict(replaced, `replaced by ${entry.hash}`);
    senders.set(entry.sender, sender);
    sender.txs.set(entry.nonce, entry);
    byHash.set(entry.hash, entry);
    nextExpiry = Math.min(nextExpiry, entry.addedAt + limits.queueLifetimeMs);
    dropped.delete(entry.hash);
    return entry.hash;
  }

  /**
   * The pool is full: evict the cheapest transaction that leaves no gap behind — the last one of
   * some other sender, gapped ones first — if `incoming` pays more; otherwise refuse it.
   */
  function makeRoomFor(incoming: Entry): void {
    let cheapest: { entry: Entry; queued: boolean } | undefined;
    for (const [address, sender] of senders) {
      if (address === incoming.sender) continue;
      let last: Entry | undefined;
      for (const entry of sender.txs.values()) if (last === undefined || entry.nonce > last.nonce) last = entry;
      if (last === undefined) continue;
      const queued = last.nonce > runEnd(sender);
      if (cheapest === undefined || (queued && !cheapest.queued) || (queued === cheapest.queued && cheaper(last, cheapest.entry))) {
        cheapest = { entry: last, queued };
      }
    }
    if (cheapest === undefined || !cheaper(cheapest.entry, incoming)) {
      throw new TransactionRejectedError(`transaction underpriced: the pool is full (${limits.total}) and this pays no more than what it holds`);
    }
    evict(cheapest.entry, `evicted: the pool was full and ${incoming.hash} paid more`);
  }

  /**
   * Decodes and checks what needs no state: everything but nonce, balance and duplicates.
   * `senderKey`: the sender's public key the worker recovered from these bytes, if it did.
   */
  function admit(bytes: Uint8Array, senderKey: Uint8Array | undefined): Entry {
    if (bytes.length > limits.bytes) {
      throw new TransactionRejectedError(`oversized data: transaction size ${bytes.length}, limit ${limits.bytes}`);
    }
    if (bytes.length === 0) throw new TransactionRejectedError("transaction does not decode: empty");
    const type = bytes[0]! >= 0xc0 ? 0 : bytes[0]!;
    if (type !== 0 && type !== 1 && type !== 2 && type !== 4) {
      throw new TransactionRejectedError("transaction type not supported", { type });
    }
    const peeked = peekFields(bytes, type);
    if (peeked === undefined) throw new TransactionRejectedError("transaction does not decode: not an RLP list of transaction fields");
    if (peeked.chainId === "unprotected") {
      if (options.allowUnprotected !== true) {
        throw new TransactionRejectedError("only replay-protected (EIP-155) transactions allowed over RPC");
      }
    } else if (peeked.chainId !== chainId) {
      throw new TransactionRejectedError(`invalid chain id for signer: have ${peeked.chainId} want ${chainId}`);
    }
    const gasLimit = peeked.gasLimit;
    const blockGasLimit = chain.head().gasLimit;
    if (gasLimit > blockGasLimit) throw new TransactionRejectedError("exceeds block gas limit", { gasLimit, blockGasLimit });
    if (gasLimit > TRANSACTION_GAS_CAP) {
      throw new TransactionRejectedError(`transaction gas limit too high (cap: ${TRANSACTION_GAS_CAP}, tx: ${gasLimit})`);
    }
    if (peeked.initCodeSize !== undefined && peeked.initCodeSize > MAX_INITCODE_SIZE) {
      throw new TransactionRejectedError(`max initcode size exceeded: code size ${peeked.initCodeSize}, limit ${MAX_INITCODE_SIZE}`);
    }
    let tx: TypedTransaction;
    try {
      tx = decodeTransaction(bytes, common);
    } catch (error) {
      throw new TransactionRejectedError(`transaction does not decode: ${oneLine(reasonOf(error))}`, {}, { cause: error });
    }
    if (senderKey !== undefined) presetSender(tx, senderKey);
    let sender: string;
    try {
      sender = tx.getSenderAddress().toString();
    } catch (error) {
      throw new TransactionRejectedError("invalid sender", { reason: oneLine(reasonOf(error)) }, { cause: error });
    }
    const hash = bytesToHex(tx.hash());
    // A tip above the fee cap does not decode (ethereumjs refuses it): nothing to check here.
    const { feeCap, tipCap } = feesOf(tx);
    const intrinsic = tx.getIntrinsicGas();
    if (gasLimit < intrinsic) throw new TransactionRejectedError(`intrinsic gas too low: gas ${gasLimit}, minimum needed ${intrinsic}`);
    const floor = tx.getMinimumGasLimit();
    if (gasLimit < floor) {
      throw new TransactionRejectedError(`insufficient gas for floor data gas cost: gas ${gasLimit}, minimum needed ${floor}`);
    }
    const baseFee = nextBaseFee();
    if (feeCap < baseFee) {
      throw new TransactionRejectedError(`max fee per gas less than block base fee: address ${sender}, maxFeePerGas: ${feeCap}, baseFee: ${baseFee}`);
    }
    return {
      tx,
      hash,
      sender,
      nonce: tx.nonce,
      cost: gasLimit * feeCap + tx.value,
      feeCap,
      tipCap,
      sequence: sequence++,
      addedAt: Date.now(),
    };
  }

  function pending(): TypedTransaction[] {
    const baseFee = nextBaseFee();
    // One executable run per sender, each in nonce order; included ones never come back.
    const runs: Entry[][] = [];
    for (const sender of senders.values()) {
      const run: Entry[] = [];
      for (let nonce = sender.nonce; ; nonce++) {
        const entry = sender.txs.get(nonce);
        // Below the base fee, it and what follows wait for the fee to come down.
        if (entry === undefined || entry.feeCap < baseFee) break;
        // Included by a block the pool has not synced with yet: not offered again (its successors are).
        if (chain.includedAt(entry.hash) === undefined) run.push(entry);
      }
      if (run.length > 0) runs.push(run);
    }
    // Merge the runs: always the best-paying head next (geth's price-and-nonce order).
    const tip = (e: Entry) => (e.feeCap - baseFee < e.tipCap ? e.feeCap - baseFee : e.tipCap);
    const better = (a: Entry[], b: Entry[]) => {
      const ta = tip(a[0]!);
      const tb = tip(b[0]!);
      return ta !== tb ? ta > tb : a[0]!.sequence < b[0]!.sequence;
    };
    const heap = new Heap<Entry[]>(better);
    for (const run of runs) heap.push(run);
    const out: TypedTransaction[] = [];
    for (let run = heap.pop(); run !== undefined; run = heap.pop()) {
      out.push(run.shift()!.tx);
      if (run.length > 0) heap.push(run);
    }
    return out;
  }

  return {
    add(raw) {
      // The sender is recovered on a worker thread while earlier adds run; adds still take the
      // lock in call order, each waiting for its own key there.
      const bytes = typeof raw === "string" ? (/^0x([0-9a-fA-F]{2})*$/.test(raw) ? hexToBytes(raw as `0x${string}`) : undefined) : raw;
      const senderKey = bytes === undefined || bytes.length === 0 || bytes.length > limits.bytes ? Promise.resolve(undefined) : recoverSenderOffThread(bytes, chainId);
      return serialized(() => addLocked(raw, senderKey));
    },
    pending,
    queued() {
      const out: TypedTransaction[] = [];
      for (const sender of senders.values()) {
        const end = runEnd(sender);
        for (const entry of sender.txs.values()) if (entry.nonce > end) out.push(entry.tx);
      }
      return out;
    },
    nextNonce: (address) =>
      serialized(async () => {
        await syncLocked();
        const sender = senders.get(address.toLowerCase());
        if (sender !== undefined) return runEnd(sender);
        return (await readAccount(address.toLowerCase())).nonce;
      }),
    remove(hashes) {
      for (const hash of hashes) {
        const entry = byHash.get(hash.toLowerCase());
        if (entry === undefined) continue;
        const sender = senders.get(entry.sender);
        if (sender !== undefined && sender.nonce <= entry.nonce) sender.nonce = entry.nonce + 1n;
        unlink(entry);
      }
    },
    drop(hash, reason) {
      const entry = byHash.get(hash.toLowerCase());
      return entry === undefined ? undefined : evict(entry, oneLine(reason));
    },
    sync: (options) => serialized(() => syncLocked(options?.fromState === true)),
    status(hash) {
      const key = hash.toLowerCase();
      const entry = byHash.get(key);
      if (entry !== undefined) {
        const sender = senders.get(entry.sender)!;
        return entry.nonce < runEnd(sender) ? { status: "pending", tx: entry.tx } : { status: "queued", tx: entry.tx };
      }
      const at = chain.includedAt(key);
      if (at !== undefined) return { status: "included", ...at };
      const record = dropped.get(key);
      if (record !== undefined) return { status: "dropped", reason: record.reason, sender: record.sender, nonce: record.nonce };
      return { status: "unknown" };
    },
    content() {
      const content: MempoolContent = { pending: new Map(), queued: new Map() };
      for (const [address, sender] of senders) {
        const end = runEnd(sender);
        for (const entry of sender.txs.values()) {
          const side = entry.nonce < end ? content.pending : content.queued;
          let byNonce = side.get(address);
          if (byNonce === undefined) side.set(address, (byNonce = new Map()));
          byNonce.set(entry.nonce, entry.tx);
        }
      }
      return content;
    },
    counts() {
      let pendingCount = 0;
      for (const sender of senders.values()) pendingCount += Number(runEnd(sender) - sender.nonce);
      return { pending: pendingCount, queued: byHash.size - pendingCount };
    },
    size: () => byHash.size,
  };
}

/**
 * Reads accounts (nonce, balance) at the chain's head through one state view per head: the pool
 * reads every sender after each block, and a VM per read (`getL2Account`, ≈ 1.8 ms) would make
 * that seconds for a few thousand senders.
 */
function createAccountReader(chain: MempoolChain): (address: string) => Promise<{ nonce: bigint; balance: bigint }> {
  const common = createL2Common(chain.chainId);
  let view: { head: string; state: MerkleStateManager } | undefined;
  return async (address) => {
    const header = chain.head();
    const head = bytesToHex(header.hash());
    if (view === undefined || view.head !== head) {
      const trie = new MerklePatriciaTrie({ db: chain.db, root: header.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
      view = { head, state: new MerkleStateManager({ trie, common }) };
    }
    const account = await view.state.getAccount(createAddressFromString(address));
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  };
}

/** Fee cap and tip cap: EIP-1559 fields, or the gas price twice for legacy and access-list txs. */
export function feesOf(tx: TypedTransaction): { feeCap: bigint; tipCap: bigint } {
  const t = tx as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
  if (t.maxFeePerGas !== undefined && t.maxPriorityFeePerGas !== undefined) return { feeCap: t.maxFeePerGas, tipCap: t.maxPriorityFeePerGas };
  return { feeCap: t.gasPrice ?? 0n, tipCap: t.gasPrice ?? 0n };
}

/** Where the gas limit sits in each type's field list (legacy, EIP-2930, EIP-1559, EIP-7702); `to` and data follow it. */
const GAS_LIMIT_FIELD: Record<number, number> = { 0: 2, 1: 3, 2: 4, 4: 4 };

/**
 * Fields read from a raw transaction's RLP before the full decode, so the answers use geth's
 * words (the library's decoder refuses these with its own): the chain id it is signed for —
 * typed transactions carry it first, a legacy one in `v` (EIP-155: v = 2·id + 35/36) or not at
 * all (v = 27/28: unprotected) — its gas limit, and the init code size of a creation.
 */
function peekFields(bytes: Uint8Array, type: number): { chainId: bigint | "unprotected"; gasLimit: bigint; initCodeSize?: number } | undefined {
  try {
    const fields = RLP.decode(type === 0 ? bytes : bytes.subarray(1)) as unknown;
    if (!Array.isArray(fields) || fields.length < 9) return undefined;
    const gasField = fields[GAS_LIMIT_FIELD[type]!];
    if (!(gasField instanceof Uint8Array)) return undefined;
    const gasLimit = bytesToBigInt(gasField);
    const to = fields[GAS_LIMIT_FIELD[type]! + 1];
    const data = fields[GAS_LIMIT_FIELD[type]! + 3];
    const initCodeSize = to instanceof Uint8Array && to.length === 0 && data instanceof Uint8Array ? data.length : undefined;
    if (type !== 0) return fields[0] instanceof Uint8Array ? { chainId: bytesToBigInt(fields[0]), gasLimit, initCodeSize } : undefined;
    const v = fields[6];
    if (fields.length !== 9 || !(v instanceof Uint8Array)) return undefined;
    const value = bytesToBigInt(v);
    if (value === 27n || value === 28n) return { chainId: "unprotected", gasLimit, initCodeSize };
    return value >= 35n ? { chainId: (value - 35n) / 2n, gasLimit, initCodeSize } : undefined;
  } catch {
    return undefined;
  }
}

function parseHex(raw: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(raw)) throw new TransactionRejectedError("transaction does not decode: not 0x-prefixed hex bytes");
  return hexToBytes(raw as `0x${string}`);
}

/** `a` pays less than `b` (fee cap, then tip): the one to evict. */
function cheaper(a: Entry, b: Entry): boolean {
  return a.feeCap !== b.feeCap ? a.feeCap < b.feeCap : a.tipCap < b.tipCap;
}

function ceilPercent(value: bigint, percent: bigint): bigint {
  return (value * (100n + percent) + 99n) / 100n;
}

function reasonOf(error: unknown): string {
  const details = (error as { details?: { reason?: unknown } }).details;
  return typeof details?.reason === "string" ? details.reason : (error as Error).message;
}

/**
 * One line, no library context: ethereumjs appends "(tx type=… hash=… …)" to its messages,
 * which says nothing a client can act on.
 */
export function oneLine(text: string): string {
  const first = text.split("\n")[0]!.replace(/\s*\((vm hf|tx type|block number)=.*$/, "").trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

/** A binary heap: `before(a, b)` says whether `a` comes out first. */
class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}
  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < items.length && this.before(items[left]!, items[best]!)) best = left;
        if (right < items.length && this.before(items[right]!, items[best]!)) best = right;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
