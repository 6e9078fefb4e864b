/**
 * The mempool's types: what it refuses (`TransactionRejectedError`), its options, a
 * transaction's status, the `Mempool` API, and the chain it reads (`MempoolChain`). The pool
 * itself is mempool.ts.
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import type { DB } from "@ethereumjs/util";
import type { BlockHeader } from "@ethereumjs/block";
import { chainHead, type L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";

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
export const MAX_INITCODE_SIZE = 49_152;

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

export interface Entry {
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

export interface Sender {
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
