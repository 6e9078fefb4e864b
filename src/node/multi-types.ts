/**
 * The many-rollup node's public types: its options, the rollups it is given, what it knows of
 * each, its API (`MultiNode`) and status. Apart from multi.ts so the RPC server reads them
 * without the node's implementation.
 */
import type { BlobReader, BlobReaderSource } from "../blobs/reader.js";
import type { GenesisConfig } from "../engine/genesis.js";
import type { Eip1193Provider } from "./l1.js";
import type { Reorg } from "./pipeline.js";
import type { RollupNode } from "./types.js";

/** A rollup given explicitly. */
export interface MultiRollupSpec {
  address: string;
  /** Its L2 genesis; default: the default genesis for its chain id, gas limit and genesis timestamp (checked against L1). */
  genesis?: GenesisConfig;
  /** The L1 block it was deployed in (default: found by a binary search of `eth_getCode`). */
  deploymentBlock?: bigint | number;
}

/** Options of {@link startMultiNode}. */
export interface MultiNodeOptions {
  l1Url?: string;
  l1Provider?: Eip1193Provider;
  /** A RollupFactory: every rollup its `RollupCreated` events name is followed (with the default genesis). */
  factory?: string;
  /** The L1 block the factory was deployed in (default: searched). */
  factoryDeploymentBlock?: bigint | number;
  /** Rollups followed besides the factory's. */
  rollups?: MultiRollupSpec[];
  dataDir: string;
  /** Discard the data dir's contents and start afresh. */
  reset?: boolean;
  blobSource?: string | BlobReaderSource | BlobReader;
  /** An L2 block is `finalized` once its L1 block is this deep. Default 64. */
  finalityDepth?: number;
  /** How often to poll L1, in ms (default 1,000). */
  pollIntervalMs?: number;
  /** Poll in the background (default true); false: only `sync()` moves the node. */
  follow?: boolean;
  /** See `NodeOptions.commitIntervalMs`. */
  commitIntervalMs?: number;
  /**
   * At most this many rollups' node parts stay in memory between runs (default 1,024): after a
   * run, the parts least recently run that nobody asked for by `rollup()` (the RPC's rollups,
   * which keep theirs) are dropped, and made again from the store at their next block. A part
   * is ≈ 75 KB of heap; a million rollups' would not fit, while their registry entries do.
   */
  maxOpenParts?: number;
  /**
   * Where the rollups followed are verified (docs/nested.md): 1 when the "L1" is an L2 and the
   * rollups are its L3s, so every block runs as the L2's EXECUTE runs it. Applies to every rollup
   * whose given genesis does not say (`GenesisConfig.nestingDepth`), the factory's included. Default 0.
   */
  nestingDepth?: number;
  /**
   * Refuse a data dir that holds rollups besides the given ones (`DataDirMismatchError`, before
   * anything is written): a single node's promise (`startNode`). Default false: they are followed too.
   */
  exclusive?: boolean;
  /** Called after an L1 reorg unwound a rollup's blocks, with their transactions. */
  onUnwoundTransactions?: UnwoundListener;
  log?: (line: string) => void;
}

/** Receives the transactions an L1 reorg took out of a rollup's chain. */
export type UnwoundListener = (chainId: bigint, transactions: Uint8Array[], reorg: Reorg) => void | Promise<void>;

/** What the node knows of a rollup. */
export interface MultiRollupInfo {
  chainId: bigint;
  /** The NativeRollup (lowercase). */
  address: string;
  deploymentBlock: bigint;
  /** Found through the factory, or given. */
  source: "factory" | "explicit";
  /** Set once it emitted `Retired`: its last L2 block and the L1 block of the event. */
  retired?: { number: bigint; l1Block: bigint };
  /** Whether its node part is in memory. */
  open: boolean;
}

/** A running node of many rollups. */
export interface MultiNode {
  readonly dataDir: string;
  readonly l1ChainId: bigint;
  /** Every rollup followed, by registration order (factory rollups in creation order). */
  list(): MultiRollupInfo[];
  info(chainId: bigint): MultiRollupInfo | undefined;
  /** The rollup's node (its chain's reads, status), opened if need be; rejects for an unknown chain id. */
  rollup(chainId: bigint): Promise<RollupNode>;
  /** The rollup's node if it is in memory now (no work otherwise). */
  opened(chainId: bigint): RollupNode | undefined;
  /** Whether L1 holds messages for it (its `MessageQueued` events) that its head has not delivered. */
  hasQueuedMessages(chainId: bigint): boolean;
  status(): MultiNodeStatus;
  /** Runs a poll now (after one in progress) until L1's current head and every rollup's blocks are derived. */
  sync(): Promise<MultiNodeStatus>;
  /** The rollup served at `/` too: the first one given, else the first the factory created (by chain id after a restart). */
  primary(): bigint | undefined;
  /** The chain ids of the rollups whose mempool journal holds transactions (to restore after a restart). */
  journaled(): bigint[];
  /** Called when a rollup retires, once its last block is derived (its part is dropped). */
  onRetired(listener: (chainId: bigint) => void): () => void;
  /**
   * Called after an L1 reorg unwound a rollup's blocks, with their transactions (raw, in chain
   * order), like `onUnwoundTransactions`: whoever keeps the rollup's mempool puts them back.
   * Returns the unsubscribe function.
   */
  onUnwound(listener: UnwoundListener): () => void;
  /** Resolves with the error if the node halts (another L1). */
  whenHalted(): Promise<Error>;
  stop(): Promise<void>;
}

/** Where the node is. */
export interface MultiNodeStatus {
  l1: { chainId: bigint; head: bigint; followed: { number: bigint; hash: string } };
  rollups: number;
  open: number;
  retired: number;
  halted?: Error;
}
