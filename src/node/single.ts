/**
 * One rollup's node: the many-rollup node (multi.ts) over a set of one. Same L1 follower, same
 * reorg walk, same store layout as for many rollups; this file only checks what a single node
 * promises at start (the genesis before anything is written, a data dir of this rollup only)
 * and presents the set's one rollup as a `RollupNode` whose `sync` and `stop` are the whole node's.
 */
import { bytesToHex } from "@ethereumjs/util";
import { defaultGenesis, writeGenesis } from "../engine/genesis.js";
import { GenesisMismatchError, NodeConfigError } from "./errors.js";
import { describeBlobSource, findDeploymentBlock, readRollupGenesis } from "./identity.js";
import { connectL1 } from "./l1.js";
import { startMultiNode } from "./multi.js";
import type { MultiNode } from "./multi-types.js";
import { BlockWriteDB } from "./store.js";
import type { NodeOptions, NodeStatus, RollupNode } from "./types.js";

/**
 * Starts a node of one rollup: connects to L1, checks the genesis against L1 (before anything is
 * written), checks the data dir was written for this L1, rollup and genesis (or starts it; a dir
 * an older single node wrote is moved into the one layout, said in the log), and follows L1 in
 * the background. Refuses a mismatched dir, or one holding other rollups, with
 * `DataDirMismatchError` unless `reset` is set.
 */
export async function startNode(options: NodeOptions): Promise<RollupNode> {
  const given = options.log ?? (() => {});
  let saidStopped = false;
  const log = (line: string) => {
    if (line.startsWith("node: derivation stopped:")) saidStopped = true;
    given(line);
  };
  if ((options.l1Url === undefined) === (options.l1Provider === undefined)) throw new NodeConfigError("Give exactly one of l1Url and l1Provider");
  if (!/^0x[0-9a-fA-F]{40}$/.test(options.rollup)) throw new NodeConfigError("rollup must be a 0x address", { rollup: options.rollup });
  const finalityDepth = options.finalityDepth ?? 64;
  if (finalityDepth < 1) throw new NodeConfigError("finalityDepth must be at least 1", { finalityDepth: BigInt(finalityDepth) });
  const rollup = options.rollup.toLowerCase();

  // What L1 says of the rollup, checked before the store is opened: a wrong genesis writes nothing.
  const l1 = await connectL1(options.l1Url ?? options.l1Provider!);
  let deploymentBlock: bigint;
  let genesis;
  let onL1;
  try {
    deploymentBlock = options.deploymentBlock === undefined ? await findDeploymentBlock(l1, rollup) : BigInt(options.deploymentBlock);
    onL1 = await readRollupGenesis(l1, rollup, deploymentBlock);
    genesis = options.genesis ?? defaultGenesis({ chainId: onL1.chainId, gasLimit: onL1.gasLimit, timestamp: onL1.timestamp });
    const { header } = await writeGenesis(genesis, new BlockWriteDB());
    if (bytesToHex(header.hash()) !== onL1.genesisHash) {
      throw new GenesisMismatchError("The L2 genesis given to the node is not the one the rollup was deployed with", { rollup, onL1: onL1.genesisHash, given: bytesToHex(header.hash()) });
    }
  } finally {
    l1.close();
  }
  const chainId = genesis.chainId;

  const multi = await startMultiNode({
    ...(options.l1Url === undefined ? { l1Provider: options.l1Provider } : { l1Url: options.l1Url }),
    rollups: [{ address: rollup, genesis, deploymentBlock }],
    exclusive: true,
    dataDir: options.dataDir,
    reset: options.reset,
    blobSource: options.blobSource,
    finalityDepth,
    pollIntervalMs: options.pollIntervalMs,
    follow: options.follow,
    commitIntervalMs: options.commitIntervalMs,
    onUnwoundTransactions: options.onUnwoundTransactions === undefined ? undefined : (_chainId, transactions, reorg) => options.onUnwoundTransactions!(transactions, reorg),
    log,
  });
  let node: RollupNode;
  try {
    // The rollup's part, opened now: its identity checked against this L1, rollup and genesis, and
    // its head read back against its stored hash (a damaged store fails here, at start).
    node = await multi.rollup(chainId);
    const head = node.status().l2.head;
    node.header(head);
    const broken = node.status().halted;
    if (broken !== undefined) throw broken;
    log(`node: following rollup ${rollup} (L2 chain id ${chainId}, genesis ${onL1.genesisHash}) on L1 ${l1.description} (chain id ${multi.l1ChainId}), deployed in L1 block ${deploymentBlock}`);
    const followed = multi.status().l1.followed.number;
    log(`node: data dir ${multi.dataDir}: ${head === 0n && followed <= deploymentBlock ? "new" : `resuming at L2 block ${head}, L1 block ${followed}`}; blobs from ${describeBlobSource(options.blobSource)}`);
  } catch (error) {
    await multi.stop();
    throw error;
  }
  // A halt of the whole node (its store cannot be written, another L1) is this rollup's too: said as a single node says it.
  void multi.whenHalted().then((error) => {
    if (!saidStopped) log(`node: derivation stopped: ${error.message}`);
  });
  return wholeNodeView(multi, node);
}

/**
 * One rollup of a node as a single node: its reads, with `sync`, `whenHalted` and `stop` of the
 * whole node (`startNode`'s result; the devnet's `node`, its first rollup).
 */
export function wholeNodeView(multi: MultiNode, node: RollupNode): RollupNode {
  const status = (): NodeStatus => {
    const own = node.status();
    const halted = own.halted ?? multi.status().halted;
    return { ...own, ...(halted === undefined ? {} : { halted }) };
  };
  return {
    ...node,
    dataDir: node.dataDir,
    pendingJournal: node.pendingJournal,
    rollup: node.rollup,
    genesis: node.genesis,
    status,
    async sync() {
      await multi.sync();
      // The rollup's own run, after the node's: what stopped it (a halt, data not there yet) is this call's error.
      await node.sync();
      return status();
    },
    whenHalted: () => Promise.race([node.whenHalted(), multi.whenHalted()]),
    stop: () => multi.stop(),
  };
}
