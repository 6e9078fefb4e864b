/**
 * The single-rollup node's types: its options, its status, its API (`RollupNode`) and what its
 * data dir is written for. Apart from `run.ts` so the node, the many-rollup node and the RPC read
 * them without importing each other.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { DB } from "@ethereumjs/util";
import type { BlobReader, BlobReaderSource } from "../blobs/reader.js";
import type { GenesisConfig } from "../engine/genesis.js";
import type { TransactionJournal } from "./journal.js";
import type { Eip1193Provider } from "./l1.js";
import type { Reorg } from "./pipeline.js";
import type { HandedBlock } from "./stages/adopt.js";
import type { LogFilter, NodeBlock, NodeLog, NodeReceipt, NodeTransaction, StateView } from "./read.js";

/** Options of {@link startNode}. */
export interface NodeOptions {
  /** L1 JSON-RPC URL (or give `l1Provider`). */
  l1Url?: string;
  /** An EIP-1193 L1 provider instead of a URL (e.g. an in-process Hardhat network). */
  l1Provider?: Eip1193Provider;
  /** The NativeRollup's address. */
  rollup: string;
  /** Where blob data comes from: a beacon API URL (the devnet's blob archive, or a real beacon node), a reader source, or a reader. */
  blobSource?: string | BlobReaderSource | BlobReader;
  /** The store's directory (created if need be). */
  dataDir: string;
  /** The L2 genesis; default: the default genesis with the rollup's chain id, gas limit and genesis timestamp. Checked against L1. */
  genesis?: GenesisConfig;
  /** Discard a data dir written for another L1, rollup or genesis and start afresh (else it is refused). */
  reset?: boolean;
  /** The L1 block the rollup was deployed in (default: found by a binary search of `eth_getCode`). */
  deploymentBlock?: bigint | number;
  /** How often to poll L1, in ms (default 1,000). */
  pollIntervalMs?: number;
  /** Poll in the background (default true); false: the node moves only when `sync()` is called. */
  follow?: boolean;
  /**
   * Derived blocks are committed in groups of at most this much work, in ms (default 250): each
   * commit is one transaction ending at a block boundary, and its flush is paid once per group
   * during a catch-up. At L1's head every block commits as soon as it is derived.
   */
  commitIntervalMs?: number;
  /** An L2 block is `finalized` once its L1 block is this deep (the head is depth 1). Default 64 (two epochs). */
  finalityDepth?: number;
  /** 1 for an L3 (its rollup on an L2, `l1Url` the L2's JSON-RPC): its blocks run at that depth unless `genesis` says (docs/nested.md). Default 0. */
  nestingDepth?: number;
  /** Called after an L1 reorg unwound L2 blocks, with their transactions (raw, in chain order): put them back in a mempool. */
  onUnwoundTransactions?: (transactions: Uint8Array[], reorg: Reorg) => void | Promise<void>;
  /** Where the node says what it does (default: nowhere; the command line prints it). */
  log?: (line: string) => void;
}

/** Block tags, as JSON-RPC names them. */
export type BlockTag = "latest" | "safe" | "finalized" | "earliest" | bigint;

/** What the node follows and where it is. */
export interface NodeStatus {
  l1: {
    chainId: bigint;
    /** The L1 head at the last run. */
    head: bigint;
    /** The last L1 block scanned, and its hash. */
    followed: { number: bigint; hash: string };
  };
  l2: {
    chainId: bigint;
    head: bigint;
    headHash: string;
    /** Verified on L1: every derived block (each was re-executed and checked against L1). */
    safe: bigint;
    /** In an L1 block at least `finalityDepth` deep. */
    finalized: bigint;
  };
  /**
   * Set when derivation stopped for good (a mismatch, another L1, data that cannot be found, a
   * store that cannot be written or is corrupt).
   */
  halted?: Error;
  /** Finalized blocks an L1 reorg deeper than the finality depth took out: incidents, oldest first (kept in the store). */
  finalityViolations: FinalityViolation[];
  /**
   * Blocks committed since this start: re-executed, and adopted from a builder in this process
   * (`offerBuilt`); and the time the execute stage spent on them before their commits (ms).
   */
  committed: { executed: number; adopted: number; executeMs: number };
}

/**
 * A block the node had served as `finalized` that an L1 reorg unwound: the reorg was deeper than
 * `finalityDepth`. The node re-derives the new chain as for any reorg, and says so loudly.
 */
export interface FinalityViolation {
  /** The highest finalized L2 block before the reorg, its hash, and the L1 block that held it. */
  l2: { number: bigint; hash: string };
  l1: { number: bigint; hash: string };
  /** The L2 head the reorg went back to (below `l2.number`), and the L1 common ancestor. */
  unwoundTo: { l2: bigint; l1: bigint };
  finalityDepth: number;
  /** When the node saw it (ISO 8601). */
  at: string;
}

/** A running node. */
export interface RollupNode {
  /** The store's directory (absolute). */
  readonly dataDir: string;
  /** The transactions a mempool served by this node acknowledged, kept in the store (see `serveNode`). */
  readonly pendingJournal: TransactionJournal;
  /** The NativeRollup followed (lowercase). */
  readonly rollup: string;
  readonly genesis: GenesisConfig;
  /** L1 head and cursor, L2 head/safe/finalized, and the error that halted derivation if one did. */
  status(): NodeStatus;
  /** The number a tag stands for (default `latest`). */
  blockNumber(tag?: BlockTag): bigint;
  /** A block by tag or number; undefined above the head. */
  getBlock(tag: BlockTag): NodeBlock | undefined;
  /** A canonical block by hash. */
  getBlockByHash(hash: string): NodeBlock | undefined;
  /** A block's receipts, in transaction order. */
  getReceipts(tag: BlockTag): NodeReceipt[] | undefined;
  /** A transaction of the chain by hash, with its block and receipt. */
  getTransaction(hash: string): NodeTransaction | undefined;
  /** Where a transaction of the chain is, from the index alone (no block decoded): what a mempool asks after each block. */
  transactionPlace(hash: string): { blockNumber: bigint; index: number } | undefined;
  /** Logs by range or block hash, address and topics (throws `LogQueryTooLargeError` on a huge unfiltered range). */
  getLogs(filter: LogFilter): NodeLog[];
  /** The state after a block (any past block). */
  stateAt(tag: BlockTag): Promise<StateView | undefined>;
  /** A block's header by tag or number (no body read); undefined above the head. */
  header(tag: BlockTag): BlockHeader | undefined;
  /**
   * The state trie database, every version of the state in it (read from the store; what is
   * written to it stays in a throwaway layer: for calls and proofs).
   */
  stateDb(): DB<string, Uint8Array>;
  /**
   * Hands the node a block its builder in this process made (`buildBlock`'s result, with its trie
   * writes): once L1 has accepted a block with that hash at that height, the node commits this
   * result instead of re-executing the block (stages/adopt.ts). Any other block is re-executed.
   * False (nothing kept) when the block carries no trie writes.
   */
  offerBuilt(block: Omit<HandedBlock, "writes"> & { writes?: ReadonlyMap<string, Uint8Array> }): boolean;
  /** Runs the pipeline now (after a run in progress) until L1's current head; rejects with what stopped it. */
  sync(): Promise<NodeStatus>;
  /** Resolves when block `number` is derived; rejects if the node halts or the time runs out. */
  waitForBlock(number: bigint, timeoutMs?: number): Promise<NodeBlock>;
  /** Resolves with the error when derivation halts for good (never, while it runs). */
  whenHalted(): Promise<Error>;
  /** Stops polling, lets a run in progress commit or fail, and closes the store. */
  stop(): Promise<void>;
}

/** What the data dir was written for; a mismatch in any field refuses the dir. @internal */
export interface NodeIdentity {
  schema: number;
  l1ChainId: string;
  l1GenesisHash: string;
  rollup: string;
  deploymentBlock: string;
  deploymentBlockHash: string;
  l2ChainId: string;
  l2GenesisHash: string;
}
