/**
 * A preconfirming rollup on an L1 given in process (a Hardhat network): a PreconfRegistry, a
 * PreconfGatedRollup, a bonded operator, a node following L1, the operator's preconfer and the
 * node's JSON-RPC serving the preconfirming view. The tests and the slashing demo start it;
 * `startPreconfLoops` (loops.ts) drives it on timers.
 */
import type { JsonRpcApiProvider, Signer } from "ethers";
import { rmSync } from "node:fs";
import { devGenesis, type GenesisConfig } from "../engine/genesis.js";
import { createL2Chain } from "../engine/state.js";
import { startNode, type Eip1193Provider, type NodeOptions } from "../node/index.js";
import { nodeChainView, serveNode } from "../node/rpc.js";
import { createMempool } from "../proposer/mempool.js";
import { createPreconfer, type PreconferOptions } from "./preconfer.js";
import { deployGatedRollup, deployPreconfRegistry } from "./registry.js";
import { preconfMethods } from "./rpc.js";
import { preconfChainView } from "./view.js";

/** Options of {@link startLocalPreconf}. */
export interface LocalPreconfOptions {
  /** The L1 as EIP-1193 (the node reads it) and as ethers (the preconfer sends on it). */
  l1: Eip1193Provider;
  provider: JsonRpcApiProvider;
  /** Funded L1 accounts: [0] deploys, [1] is the operator (bonded). */
  signers: Signer[];
  /** Where the node keeps its store (removed by `stop`). */
  dataDir: string;
  genesis?: GenesisConfig;
  /** Lookahead epoch (default 4: operator, then open slots). */
  epochSlots?: bigint;
  /** Bond (default 1 ETH). */
  bond?: bigint;
  misbehave?: PreconferOptions["misbehave"];
  /** The preconfer's reuse of L1 reads, in ms (its default: 1,000). */
  l1ReadMs?: number;
  /** Most preconfirmed blocks per L1 transaction (the preconfer's default: 8). */
  together?: number;
  /** Where the node reads blobs (needed with blob data availability; default none). */
  blobSource?: NodeOptions["blobSource"];
  /** The preconfer's data availability (default "calldata"). */
  dataAvailability?: PreconferOptions["dataAvailability"];
  /** How blocks sent together are verified (the preconfer's default: batched with blobs). */
  execute?: PreconferOptions["execute"];
  /** The L2 JSON-RPC port (default 0: a free one). */
  port?: number;
  /** The node polls L1 by itself (default false: `node.sync()` moves it). */
  follow?: boolean;
  log?: (line: string) => void;
}

/** Starts {@link LocalPreconfOptions}' rollup; `addOperator(signer)` bonds another operator with its own preconfer. */
export async function startLocalPreconf(options: LocalPreconfOptions) {
  const { signers, provider } = options;
  const log = options.log ?? (() => {});
  const deployer = signers[0]!;
  const operatorSigner = signers[1]!;
  const bond = options.bond ?? 10n ** 18n;
  const { registry, address: registryAddress } = await deployPreconfRegistry(deployer, { minBond: bond, withdrawDelay: 5n, epochSlots: options.epochSlots ?? 4n });
  const genesis = options.genesis ?? devGenesis({ chainId: 190_019n });
  const deployed = await deployGatedRollup(deployer, registryAddress, genesis);
  const l1ChainId = (await provider.getNetwork()).chainId;
  const node = await startNode({ l1Provider: options.l1, rollup: deployed.address, genesis, deploymentBlock: deployed.deploymentBlock, dataDir: options.dataDir, blobSource: options.blobSource, follow: options.follow ?? false, pollIntervalMs: 100, log });
  await node.sync();

  /** Bonds `signer` and gives it a chain, a mempool and a preconfer on the node. */
  const addOperator = async (signer: Signer, misbehave?: PreconferOptions["misbehave"]) => {
    await (await registry.connect(signer).getFunction("register")({ value: bond })).wait();
    const chain = await createL2Chain(genesis);
    const mempool = createMempool(chain);
    const address = await signer.getAddress();
    const preconfer = createPreconfer({
      chain,
      rollup: deployed.rollup.connect(signer) as typeof deployed.rollup,
      provider,
      mempool,
      operator: signer,
      registry: registryAddress,
      l1ChainId,
      coinbase: address,
      node: () => node,
      dataAvailability: options.dataAvailability ?? "calldata",
      misbehave,
      l1ReadMs: options.l1ReadMs,
      together: options.together,
      execute: options.execute,
      log,
    });
    return { preconfer, chain, mempool, address, signer };
  };
  const first = await addOperator(operatorSigner, options.misbehave);
  const view = preconfChainView(nodeChainView(node), first.chain);
  const rpc = await serveNode(node, { port: options.port ?? 0, mempool: first.mempool, view: () => view, extra: preconfMethods({ preconfer: first.preconfer, view, operator: first.address, registry, mempool: first.mempool }) });
  return {
    registry,
    registryAddress,
    deployed,
    genesis,
    node,
    l1ChainId,
    rpc,
    view,
    ...first,
    operator: first.address,
    addOperator,
    async stop() {
      await rpc.close();
      await node.stop();
      rmSync(options.dataDir, { recursive: true, force: true });
    },
  };
}
