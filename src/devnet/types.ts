/** The devnet's options and what a running devnet exposes (src/devnet/start.ts starts one). */
import type { Contract } from "ethers";
import type { GenesisConfig } from "../engine/genesis.js";
import type { L2Chain } from "../engine/state.js";
import type { RollupNode } from "../node/index.js";
import type { ExecuteVerdict } from "../precompile/run.js";
import type { Mempool, MempoolOptions } from "../proposer/mempool.js";
import type { DataAvailability, ProposedBlock } from "../proposer/propose.js";
import type { Relay } from "../relay/index.js";
import type { Preconfer } from "../preconf/index.js";
import type { Funding } from "./fund.js";

/** Options of {@link startDevnet}. */
export interface DevnetOptions {
  /** The interface L1, L2 and the blob archive listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** L1 JSON-RPC port (Hardhat node). Default 8545. */
  l1Port?: number;
  /** L2 JSON-RPC port. Default 8546. */
  l2Port?: number;
  genesis?: GenesisConfig;
  /** Beacon-API blob archive port. Default 5052. */
  blobPort?: number;
  /**
   * Serve the L1 JSON-RPC with the sync builder in front (docs/sync.md, "The user path") on this
   * port (0: a free one), one rollup only. Default: not served.
   */
  syncPort?: number;
  /** The explorer's port (src/explorer). Default 0: a free port (`npm run devnet` uses 8547). */
  explorerPort?: number;
  /** Where the blob archive keeps its database, and the devnet's node its store (`<dataDir>/node`; with `rollups` > 1 `<dataDir>/multi-node`). Default `.devnet/blobs`. */
  dataDir?: string;
  /** Where blocks publish their transactions. Default "blobs". */
  dataAvailability?: DataAvailability;
  /** How often the proposer looks for pending L2 transactions, in ms. Default 250. */
  proposeIntervalMs?: number;
  /**
   * Based preconfirmations (issue 19, src/devnet/preconf.ts): the rollup is gated by a
   * PreconfRegistry with account #0 bonded as its operator, whose preconfer builds and signs a
   * block at most every `preconfIntervalMs` and serves it at `latest`; `safe` stays verified on L1.
   * One rollup only. Default false.
   */
  preconf?: boolean;
  /** With `preconf`: the least time between preconfirmed blocks, in ms. Default 250. */
  preconfIntervalMs?: number;
  /** With `preconf`: between advance rounds, in ms (default 250); the blocks preconfirmed meanwhile share one L1 transaction. */
  preconfAdvanceMs?: number;
  /** With `preconf`: most preconfirmed blocks per L1 transaction (default 8; 1 = one `advance` transaction per block). */
  preconfTogether?: number;
  /** The L2 mempool's rules (e.g. `allowUnprotected` for pre-EIP-155 transactions). */
  mempool?: MempoolOptions;
  /** Most gas one L2 eth_call may use. Default 2^24 (see `startL2Rpc`). */
  rpcGasCap?: bigint;
  /** Wall-time budget of one L2 eth_call, in ms. Default 5000. */
  rpcCallTimeoutMs?: number;
  /** L1 depth at which the node calls an L2 block finalized. Default 64 (the node's). */
  finalityDepth?: number;
  /**
   * The L1's slot time in seconds: the L1 mines a block at least this often even when idle, so
   * `safe`/`finalized` and L1 time move on their own. Default 12 (Ethereum's); 0 mines only for
   * transactions. Transactions are still mined at once (automine stays on: EDR takes blob
   * transactions only then, hardhat#5024).
   */
  blockTimeSeconds?: number;
  /**
   * What each of Hardhat's 20 accounts deposits to L2 at start (their L1 balance is topped up
   * first, so it stays as Hardhat made it). Default 10,000 ETH; 0 for none.
   */
  fundL2?: bigint;
  /**
   * How many rollups: 1 (default) is deployed from `genesis`. More: a RollupFactory creates them
   * (chain ids 167001, 167002, …). Either way one node serves them all and one proposer advances
   * them (src/devnet/start.ts).
   */
  rollups?: number;
  /**
   * Where the parts run. "split" (default): the L1 (with EXECUTE's verification) and the blob
   * archive in a child process, so the L2 JSON-RPC's thread never waits for L1 work. "single":
   * everything on this thread, as before (kept to measure against: `npm run bench`, `offthread`).
   */
  layout?: DevnetLayout;
  /** Whether the devnet claims L2→L1 messages and forwards rollup→rollup ones once verified (src/devnet/relay.ts). Default true. */
  relay?: boolean;
  /**
   * Whether the node adopts the proposer's own blocks once L1 accepted their hash instead of
   * re-executing them (src/node/stages/adopt.ts). Default true; false re-executes every block
   * (kept to measure against: `npm run bench`, section `adoption`).
   */
  adoptOwnBlocks?: boolean;
  /**
   * Whether the proposer builds the next block while the last one's advance is on its way to L1
   * (src/proposer/ahead.ts). Default true; false builds each block after the last one landed
   * (kept to measure against: `npm run bench`, section `adoption`).
   */
  overlapBuilds?: boolean;
  /** Start afresh: forget the L1 journal and the stores of a previous run in `dataDir`. Default false. */
  reset?: boolean;
  log?: (line: string) => void;
  /** Called with each L2 block verified on L1 (the devnet's `--log-level debug` prints its transactions: src/devnet/log.ts). */
  onProposed?: (proposed: ProposedBlock) => void;
}

/** Where a devnet's parts run: see {@link DevnetOptions.layout}. */
export type DevnetLayout = "split" | "single";

/** A process and thread a part of the devnet runs on. */
export interface DevnetThread {
  pid: number;
  threadId: number;
}

/** A running devnet. */
export interface Devnet {
  l1Url: string;
  l2Url: string;
  /** The L2 JSON-RPC over WebSocket (subscriptions): the same port. */
  l2WsUrl: string;
  /** The blob archive's beacon-API base URL. */
  blobUrl: string;
  /** The explorer's page (src/explorer). */
  explorerUrl: string;
  /** The L1 JSON-RPC with the sync builder in front (with `syncPort`). */
  syncUrl?: string;
  rollupAddress: string;
  chainId: bigint;
  /** The L1 chain id (Hardhat's network). */
  l1ChainId: bigint;
  /** The L1's slot time in seconds (0: blocks only for transactions). */
  blockTimeSeconds: number;
  /** L1 depth at which the node calls an L2 block finalized. */
  finalityDepth: number;
  /**
   * The proposer's chain (what it builds on; the RPC serves the node's). Blocks more than 4
   * below the node's head keep their headers only: their transactions and receipts are the node's.
   */
  chain: L2Chain;
  mempool: Mempool;
  /** The rollup node that derives the L2 from L1 and serves the L2 JSON-RPC. */
  node: RollupNode;
  /** The deposits that funded the dev accounts on L2 at start (undefined with `fundL2: 0`). */
  funding?: Funding;
  rollup: Contract;
  /** EXECUTE's recent verdicts on the devnet's L1 (which may run in another process), newest last. */
  executeVerdicts?: () => Promise<readonly ExecuteVerdict[]>;
  /** Where the L2 JSON-RPC (with the node and mempool), the L1 (with EXECUTE) and the proposer's builder run. */
  threads?: { rpc: DevnetThread; l1: DevnetThread; proposer: DevnetThread };
  /** The relayer that claims withdrawals and forwards rollup→rollup messages (undefined with `relay: false`). */
  relay?: Relay;
  /** With `rollups` > 1: the RollupFactory that created them (a devnet of one deploys its rollup directly). */
  factoryAddress?: string;
  /** Every rollup (the first is the one above), in chain id order. */
  rollups?: DevnetRollup[];
  /** With `preconf`: the registry, the operator, the interval, and the preconfer itself. */
  preconf?: { registryAddress: string; operator: string; intervalMs: number; preconfer: Preconfer };
  stop(): Promise<void>;
}

/** One rollup of the devnet. */
export interface DevnetRollup {
  chainId: bigint;
  /** Its NativeRollup (a clone made by the factory). */
  address: string;
  /** Its L2 JSON-RPC: `/rollup/<chainId>` on the devnet's L2 port (HTTP and WebSocket). */
  url: string;
  wsUrl: string;
  /** The proposer's chain of this rollup. */
  chain: L2Chain;
  rollup: Contract;
}
