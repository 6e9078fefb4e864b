import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { rmSync } from "node:fs";
import { devAccounts } from "../../src/engine/chain.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain, type L2Chain } from "../../src/engine/state.js";
import { startNode } from "../../src/node/index.js";
import { nodeChainView, serveNode, type NodeRpc } from "../../src/node/rpc.js";
import { createMempool } from "../../src/proposer/mempool.js";
import { createPreconfer, deployGatedRollup, deployPreconfRegistry, preconfChainView, preconfMethods, type Preconfer } from "../../src/preconf/index.js";
import { tempDir } from "../node/helpers.js";

/** Hardhat's dev keys as wallets (the L2 accounts are funded in the dev genesis). */
export const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/**
 * An in-process L1 with a PreconfRegistry (`epochSlots`, operator = account #1, bonded) and a
 * PreconfGatedRollup, a node following it (moved by `sync()` only), and the operator's preconfer
 * serving the preconfirming view on a free port. Calldata DA (the test's L1 is in process).
 */
export async function preconfSetup(options: { epochSlots?: bigint; misbehave?: "equivocate" | "diverge" } = {}) {
  const { ethers, provider } = await network.create();
  const signers = await ethers.getSigners();
  const deployer = signers[0]! as Signer;
  const operatorSigner = signers[1]! as Signer;
  const { registry, address: registryAddress } = await deployPreconfRegistry(deployer, { minBond: 10n ** 18n, withdrawDelay: 5n, epochSlots: options.epochSlots ?? 4n });
  await (await registry.connect(operatorSigner).getFunction("register")({ value: 10n ** 18n })).wait();
  const genesis = devGenesis({ chainId: 190_019n });
  const deployed = await deployGatedRollup(deployer, registryAddress, genesis);
  const rollup = deployed.rollup.connect(operatorSigner) as typeof deployed.rollup;
  const dataDir = tempDir("ultrasound-preconf-");
  const lines: string[] = [];
  const node = await startNode({ l1Provider: provider, rollup: deployed.address, genesis, deploymentBlock: deployed.deploymentBlock, dataDir, follow: false, log: (line) => lines.push(line) });
  await node.sync();
  const chain: L2Chain = await createL2Chain(genesis);
  const mempool = createMempool(chain);
  const operator = await operatorSigner.getAddress();
  const l1ChainId = (await ethers.provider.getNetwork()).chainId;
  const preconfer: Preconfer = createPreconfer({
    chain,
    rollup,
    provider: ethers.provider as never,
    mempool,
    operator: operatorSigner,
    registry: registryAddress,
    l1ChainId,
    coinbase: operator,
    node: () => node,
    dataAvailability: "calldata",
    misbehave: options.misbehave,
    log: (line) => lines.push(line),
  });
  const view = preconfChainView(nodeChainView(node), chain);
  const rpc: NodeRpc = await serveNode(node, { port: 0, mempool, view: () => view, extra: preconfMethods({ preconfer, view, operator, registry }) });
  /** Another bonded operator (dev account `index`) with its own chain, mempool and preconfer on the same node. */
  const addOperator = async (index: number) => {
    const signer = signers[index]! as Signer;
    await (await registry.connect(signer).getFunction("register")({ value: 10n ** 18n })).wait();
    const ownChain = await createL2Chain(genesis);
    const ownPool = createMempool(ownChain);
    const address = await signer.getAddress();
    const own = createPreconfer({
      chain: ownChain,
      rollup: deployed.rollup.connect(signer) as typeof deployed.rollup,
      provider: ethers.provider as never,
      mempool: ownPool,
      operator: signer,
      registry: registryAddress,
      l1ChainId,
      coinbase: address,
      node: () => node,
      dataAvailability: "calldata",
      log: (line) => lines.push(line),
    });
    return { preconfer: own, chain: ownChain, mempool: ownPool, address };
  };
  return { ethers, provider, addOperator, signers, registry, registryAddress, deployed, rollup, genesis, node, chain, mempool, preconfer, operator, l1ChainId, rpc, lines, dataDir,
    async stop() {
      await rpc.close();
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
