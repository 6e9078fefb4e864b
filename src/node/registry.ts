/**
 * The many-rollup node's registry: an entry per rollup followed (all an idle rollup costs), what
 * the store keeps of it (JSON under its chain id, bigints as decimal strings), and what a
 * many-rollup data dir is written for.
 */
import type { GenesisConfig } from "../engine/genesis.js";
import type { NodeContext } from "./stage.js";
import { keyNumber, numberKey, type BinaryTable } from "./store.js";
import type { RollupNode } from "./types.js";

/** A registry entry: all that an idle rollup costs. */
export interface Entry {
  chainId: bigint;
  address: string;
  deploymentBlock: bigint;
  source: "factory" | "explicit";
  genesis?: GenesisConfig;
  /** Of its default genesis, once read from L1. */
  gasLimit?: bigint;
  timestamp?: bigint;
  retired?: { number: bigint; l1Block: bigint };
  /** `MessageQueued` events seen: the queue's length. */
  queued: bigint;
  part?: Part;
  opening?: Promise<Part>;
  /** Its part was handed out by `rollup()` (to the RPC, which keeps it): never dropped while open. */
  held?: boolean;
  /** When its part last ran (the node's run counter): the least recent are dropped first. */
  lastRun?: number;
  /** Why its node part cannot be made (a genesis that is not the one given, not a NativeRollup): it is left behind. */
  failed?: Error;
}

/** A rollup's node part in memory: its `RollupNode` over its prefixed store. */
export interface Part {
  node: RollupNode;
  ctx: NodeContext;
  /** Set after an L1 reorg: the next run walks this rollup's L1 blocks for the common ancestor first. */
  reorgCheck: boolean;
}

/** What the registry keeps on disk per rollup (JSON, bigints as decimal strings). */
export interface StoredEntry {
  address: string;
  deploymentBlock: string;
  source: "factory" | "explicit";
  gasLimit?: string;
  timestamp?: string;
  retired?: { number: string; l1Block: string };
  queued: string;
}

/** What a multi-rollup data dir was written for. */
export interface MultiIdentity {
  schema: number;
  l1ChainId: string;
  l1GenesisHash: string;
  factory: string | null;
}

/** Writes `entry`'s record in the registry (inside the caller's store transaction). */
export function writeEntry(registry: BinaryTable, entry: Entry): void {
  const stored: StoredEntry = {
    address: entry.address,
    deploymentBlock: entry.deploymentBlock.toString(),
    source: entry.source,
    ...(entry.gasLimit === undefined ? {} : { gasLimit: entry.gasLimit.toString(), timestamp: entry.timestamp!.toString() }),
    ...(entry.retired === undefined ? {} : { retired: { number: entry.retired.number.toString(), l1Block: entry.retired.l1Block.toString() } }),
    queued: entry.queued.toString(),
  };
  registry.putSync(numberKey(entry.chainId), Buffer.from(JSON.stringify(stored), "utf8"));
}

/** Every entry the registry holds, by chain id. */
export function readEntries(registry: BinaryTable): Entry[] {
  return [...registry.getRange({})].map(({ key, value }) => {
    const stored = JSON.parse(Buffer.from(value).toString("utf8")) as StoredEntry;
    return {
      chainId: keyNumber(key),
      address: stored.address,
      deploymentBlock: BigInt(stored.deploymentBlock),
      source: stored.source,
      gasLimit: stored.gasLimit === undefined ? undefined : BigInt(stored.gasLimit),
      timestamp: stored.timestamp === undefined ? undefined : BigInt(stored.timestamp),
      retired: stored.retired === undefined ? undefined : { number: BigInt(stored.retired.number), l1Block: BigInt(stored.retired.l1Block) },
      queued: BigInt(stored.queued),
    };
  });
}
