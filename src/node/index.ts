/**
 * The rollup node: derives every L2 block from L1 alone, keeps the chain on disk, and survives
 * kill -9 and L1 reorgs. A pipeline of stages (follow-l1 → derive → execute; see `stage.ts`)
 * over one LMDB store (see `store.ts`).
 *
 * ```ts
 * const node = await startNode({ l1Url: "http://127.0.0.1:8545", rollup, blobSource: "http://127.0.0.1:5052", dataDir: ".devnet/node" });
 * await node.sync();                       // caught up with L1's head
 * node.status().l2.head;                   // the L2 head, re-executed and checked against L1
 * await node.stop();
 * ```
 */
import { bytesToHex } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { defaultGenesis, writeGenesis } from "../engine/genesis.js";
import { DataDirMismatchError, GenesisMismatchError, NodeConfigError } from "./errors.js";
import { checkIdentity, describeBlobSource, findDeploymentBlock, initialize, blobReaderOf, readRollupGenesis } from "./identity.js";
import { connectL1, l1BlockHash } from "./l1.js";
import { runNode } from "./run.js";
import { executeCheckpoint, readBlockRecord } from "./stages/execute.js";
import { l1Checkpoint } from "./stages/follow-l1.js";
import type { NodeContext } from "./stage.js";
import { BlockWriteDB, MULTI_LAYOUT_KEY, openNodeStore, readMeta, STORE_SCHEMA_VERSION, type NodeStore } from "./store.js";
import type { NodeIdentity, NodeOptions, RollupNode } from "./types.js";

export * from "./errors.js";
export type { Eip1193Provider } from "./l1.js";
export type { Reorg } from "./pipeline.js";
export type { LogFilter, NodeBlock, NodeLog, NodeReceipt, NodeTransaction, StateView } from "./read.js";
export type { L1Origin } from "./records.js";
export type { StageId, UnwoundBlock } from "./stage.js";
export { openNodeStore, STORE_SCHEMA_VERSION, type NodeStore } from "./store.js";
export { transactionJournal, type TransactionJournal } from "./journal.js";
export { startMultiNode, ROLLUP_CREATED_EVENT, RETIRED_EVENT, type MultiNode, type MultiNodeOptions, type MultiNodeStatus, type MultiRollupInfo, type MultiRollupSpec, type UnwoundListener } from "./multi.js";
export type { BlockTag, FinalityViolation, NodeOptions, NodeStatus, RollupNode } from "./types.js";

/**
 * Starts a node: connects to L1, checks the data dir was written for this L1, rollup and genesis
 * (or starts it), and follows L1 in the background. Refuses a mismatched dir with
 * `DataDirMismatchError` unless `reset` is set.
 */
export async function startNode(options: NodeOptions): Promise<RollupNode> {
  const log = options.log ?? (() => {});
  if ((options.l1Url === undefined) === (options.l1Provider === undefined)) throw new NodeConfigError("Give exactly one of l1Url and l1Provider");
  if (!/^0x[0-9a-fA-F]{40}$/.test(options.rollup)) throw new NodeConfigError("rollup must be a 0x address", { rollup: options.rollup });
  const finalityDepth = BigInt(options.finalityDepth ?? 64);
  if (finalityDepth < 1n) throw new NodeConfigError("finalityDepth must be at least 1", { finalityDepth });
  const rollup = options.rollup.toLowerCase();
  const l1 = await connectL1(options.l1Url ?? options.l1Provider!);
  let store: NodeStore | undefined;
  try {
    const l1ChainId = BigInt(await l1.send<string>("eth_chainId", []));
    const deploymentBlock = options.deploymentBlock === undefined ? await findDeploymentBlock(l1, rollup) : BigInt(options.deploymentBlock);
    const onL1 = await readRollupGenesis(l1, rollup, deploymentBlock);
    const genesis = options.genesis ?? defaultGenesis({ chainId: onL1.chainId, gasLimit: onL1.gasLimit, timestamp: onL1.timestamp });
    const genesisDb = new BlockWriteDB();
    const { header: genesisHeader } = await writeGenesis(genesis, genesisDb);
    if (bytesToHex(genesisHeader.hash()) !== onL1.genesisHash) {
      throw new GenesisMismatchError("The L2 genesis given to the node is not the one the rollup was deployed with", {
        rollup,
        onL1: onL1.genesisHash,
        given: bytesToHex(genesisHeader.hash()),
      });
    }
    const identity: NodeIdentity = {
      schema: STORE_SCHEMA_VERSION,
      l1ChainId: l1ChainId.toString(),
      l1GenesisHash: (await l1BlockHash(l1, 0n))!,
      rollup,
      deploymentBlock: deploymentBlock.toString(),
      deploymentBlockHash: (await l1BlockHash(l1, deploymentBlock))!,
      l2ChainId: genesis.chainId.toString(),
      l2GenesisHash: onL1.genesisHash,
    };

    store = openNodeStore(options.dataDir, { reset: options.reset === true });
    if (store.meta.getBinary(MULTI_LAYOUT_KEY) !== undefined) {
      throw new DataDirMismatchError("The data dir holds many rollups (a multi-rollup node's): start it with startMultiNode, or give another dir", { dataDir: store.dir });
    }
    const ctx: NodeContext = {
      store,
      l1,
      rollup,
      genesis,
      common: createL2Common(genesis.chainId),
      blobs: blobReaderOf(options.blobSource),
      log,
      stopping: () => false,
    };
    const stored = readMeta<NodeIdentity>(store, "identity");
    if (stored === undefined) initialize(ctx, identity, genesisHeader, genesisDb, deploymentBlock);
    else checkIdentity(store.dir, stored, identity);
    // The head against its stored hash (and the file's checks at open): a damaged store fails here, at start.
    readBlockRecord(ctx, executeCheckpoint(ctx));

    log(`node: following rollup ${rollup} (L2 chain id ${genesis.chainId}, genesis ${onL1.genesisHash}) on L1 ${l1.description} (chain id ${l1ChainId}), deployed in L1 block ${deploymentBlock}`);
    log(`node: data dir ${store.dir}: ${stored === undefined ? "new" : `resuming at L2 block ${executeCheckpoint(ctx)}, L1 block ${l1Checkpoint(ctx).number}`}; blobs from ${describeBlobSource(options.blobSource)}`);
    return runNode(ctx, options, identity, finalityDepth, l1ChainId);
  } catch (error) {
    await store?.close();
    l1.close();
    throw error;
  }
}
