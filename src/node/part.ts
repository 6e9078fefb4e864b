/**
 * A rollup's node part in a many-rollup node: the single node's stages and reads (`runNode`)
 * over the rollup's prefixed store, its store initialized (genesis checked against L1) the
 * first time, its runs driven by the many-rollup node (derive + execute after the node's scan;
 * its own reorg walk when the node found a reorg it relied on).
 */
import { bytesToHex } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { defaultGenesis, writeGenesis, type GenesisConfig } from "../engine/genesis.js";
import type { BlobReader } from "../blobs/reader.js";
import { GenesisMismatchError, NodeConfigError } from "./errors.js";
import { checkIdentity, initialize, readRollupGenesis } from "./identity.js";
import { l1BlockHash, type L1Client } from "./l1.js";
import { unwindIfReorged, type Reorg, type RunResult, type Stages } from "./pipeline.js";
import { writeEntry, type Entry, type Part } from "./registry.js";
import { runNode } from "./run.js";
import type { NodeContext, UnwoundBlock } from "./stage.js";
import { DEFAULT_COMMIT_POLICY } from "./stages/execute.js";
import { l1Checkpoint, lastAdvance } from "./stages/follow-l1.js";
import { BlockWriteDB, readMeta, STORE_SCHEMA_VERSION, type MultiStore } from "./store.js";
import type { NodeIdentity, NodeOptions } from "./types.js";

/** What a part needs of the many-rollup node that makes it. */
export interface PartHost {
  env: MultiStore;
  /** The node's L1 connection (reads of genesis and identity). */
  l1: L1Client;
  /** The same connection for the part, whose stop must not close it. */
  partL1: L1Client;
  blobs: BlobReader | undefined;
  log: (line: string) => void;
  l1ChainId: bigint;
  finalityDepth: bigint;
  commitIntervalMs: number | undefined;
  /** The depth of rollups whose genesis does not say (`MultiNodeOptions.nestingDepth`). */
  nestingDepth?: number;
  stopped: () => boolean;
  /** The L1 head at the node's last poll. */
  l1Head: () => bigint;
  /** An L1 reorg unwound the rollup's blocks: their transactions to whoever keeps its mempool. */
  handBack: (chainId: bigint, transactions: Uint8Array[], reorg: Reorg) => Promise<void>;
}

/** The rollup's node part: its store initialized (genesis checked against L1) the first time, or its identity checked. */
export async function makePart(host: PartHost, entry: Entry): Promise<Part> {
  const store = host.env.rollup(entry.chainId);
  const stored = readMeta<NodeIdentity>(store, "identity");
  let genesis: GenesisConfig;
  let identity: NodeIdentity;
  const ctxOf = (g: GenesisConfig): NodeContext => ({
    store,
    l1: host.partL1,
    rollup: entry.address,
    // An L3's blocks run at its depth (docs/nested.md); the depth is in no genesis hash.
    genesis: g.nestingDepth === undefined && (host.nestingDepth ?? 0) > 0 ? { ...g, nestingDepth: host.nestingDepth } : g,
    common: createL2Common(g.chainId),
    blobs: host.blobs,
    log: host.log,
    stopping: host.stopped,
  });
  let ctx: NodeContext;
  if (stored === undefined || (entry.genesis === undefined && entry.gasLimit === undefined)) {
    const onL1 = await readRollupGenesis(host.l1, entry.address, entry.deploymentBlock);
    if (onL1.chainId !== entry.chainId) throw new NodeConfigError("The rollup's CHAIN_ID is not the one it was registered with", { rollup: entry.address, registered: entry.chainId, onL1: onL1.chainId });
    genesis = entry.genesis ?? defaultGenesis({ chainId: onL1.chainId, gasLimit: onL1.gasLimit, timestamp: onL1.timestamp });
    const genesisDb = new BlockWriteDB();
    const { header } = await writeGenesis(genesis, genesisDb);
    if (bytesToHex(header.hash()) !== onL1.genesisHash) {
      throw new GenesisMismatchError("The L2 genesis for this rollup is not the one it was deployed with (give its genesis in `rollups`)", {
        rollup: entry.address,
        chainId: entry.chainId,
        onL1: onL1.genesisHash,
        given: bytesToHex(header.hash()),
      });
    }
    identity = {
      schema: STORE_SCHEMA_VERSION,
      l1ChainId: host.l1ChainId.toString(),
      l1GenesisHash: (await l1BlockHash(host.l1, 0n))!,
      rollup: entry.address,
      deploymentBlock: entry.deploymentBlock.toString(),
      deploymentBlockHash: (await l1BlockHash(host.l1, entry.deploymentBlock))!,
      l2ChainId: genesis.chainId.toString(),
      l2GenesisHash: onL1.genesisHash,
    };
    entry.gasLimit = onL1.gasLimit;
    entry.timestamp = onL1.timestamp;
    ctx = ctxOf(genesis);
    if (stored === undefined) {
      host.env.transaction(() => writeEntry(host.env.registry, entry));
      initialize(ctx, identity, header, genesisDb, entry.deploymentBlock);
    } else {
      checkIdentity(store.dir, stored, identity);
      host.env.transaction(() => writeEntry(host.env.registry, entry));
    }
  } else {
    genesis = entry.genesis ?? defaultGenesis({ chainId: entry.chainId, gasLimit: entry.gasLimit!, timestamp: entry.timestamp! });
    identity = stored;
    // The chain was derived from this L1's blocks: another L1 with the same genesis (a restarted
    // devnet) has another deployment block, and mixing the two would serve a wrong chain.
    checkIdentity(store.dir, stored, {
      ...stored,
      l1ChainId: host.l1ChainId.toString(),
      l1GenesisHash: (await l1BlockHash(host.l1, 0n)) ?? "none",
      rollup: entry.address,
      deploymentBlock: entry.deploymentBlock.toString(),
      deploymentBlockHash: (await l1BlockHash(host.l1, entry.deploymentBlock)) ?? "none",
    });
    if (entry.genesis !== undefined) {
      const { header } = await writeGenesis(genesis, new BlockWriteDB());
      if (bytesToHex(header.hash()) !== stored.l2GenesisHash) {
        throw new GenesisMismatchError("The L2 genesis given for this rollup is not the one its chain was derived from", { rollup: entry.address, stored: stored.l2GenesisHash, given: bytesToHex(header.hash()) });
      }
    }
    ctx = ctxOf(genesis);
  }

  const part: Part = { ctx, reorgCheck: false, node: undefined as never };
  const pipeline = async (c: NodeContext, stages: Stages, onReorg: (reorg: Reorg) => Promise<void> = async () => {}, inUnwind?: (unwound: UnwoundBlock[]) => void): Promise<RunResult> => {
    const reorgs: Reorg[] = [];
    if (part.reorgCheck) {
      const reorg = await unwindIfReorged(c, stages, inUnwind);
      part.reorgCheck = false;
      if (reorg !== undefined) {
        reorgs.push(reorg);
        await onReorg(reorg);
      }
    }
    await stages.derive.execute({ checkpoint: stages.derive.checkpoint(), target: lastAdvance(c)?.number ?? 0n });
    await stages.execute.execute({ checkpoint: stages.execute.checkpoint(), target: stages.derive.checkpoint() });
    return { l1Head: host.l1Head(), reorgs };
  };
  const nodeOptions: NodeOptions = {
    rollup: entry.address,
    dataDir: host.env.dir,
    follow: false,
    commitIntervalMs: host.commitIntervalMs ?? DEFAULT_COMMIT_POLICY.intervalMs,
    onUnwoundTransactions: (txs, reorg) => host.handBack(entry.chainId, txs, reorg),
    log: host.log,
  };
  part.node = runNode(ctx, nodeOptions, identity, host.finalityDepth, host.l1ChainId, { pipeline, followed: () => l1Checkpoint({ store: host.env.node }), l1Head: host.l1Head });
  entry.part = part;
  return part;
}
