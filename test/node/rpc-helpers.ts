import { createMempool, createProposer, type Mempool } from "../../src/proposer/index.js";
import { startNode, type RollupNode } from "../../src/node/index.js";
import { serveNode, type NodeRpc } from "../../src/node/rpc.js";
import { l1WithRollup, tempDir } from "./helpers.js";

/** A rollup node serving its JSON-RPC on a free port, fed by an in-process proposer (a small devnet). */
export interface ServedNode {
  l1: Awaited<ReturnType<typeof l1WithRollup>>;
  node: RollupNode;
  rpc: NodeRpc;
  mempool: Mempool;
  /** Stops proposing (blocks stay where they are) until `resume`. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * The in-process Hardhat L1 with a rollup, a node deriving it from L1 alone (calldata blocks) and
 * serving the L2 JSON-RPC on HTTP and WebSocket, and a proposer that, every 50 ms, proposes what
 * the node's eth_sendRawTransaction put in the mempool, then lets the node derive it.
 */
export async function servedNode(): Promise<ServedNode> {
  const l1 = await l1WithRollup();
  const mempool = createMempool(l1.chain);
  const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), follow: false, finalityDepth: 2 });
  const rpc = await serveNode(node, { port: 0, mempool });
  const proposer = createProposer({
    chain: l1.chain,
    rollup: l1.rollup,
    provider: l1.ethersProvider as never,
    mempool,
    coinbase: await l1.signer.getAddress(),
    dataAvailability: "calldata",
  });
  let paused = false;
  let busy: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (busy !== undefined || paused) return;
    busy = (async () => {
      await proposer.proposeNext();
      await node.sync();
    })()
      .catch(() => undefined)
      .finally(() => (busy = undefined));
  }, 50);
  return {
    l1,
    node,
    rpc,
    mempool,
    pause: () => (paused = true),
    resume: () => (paused = false),
    async stop() {
      clearInterval(timer);
      await busy;
      await rpc.close();
      await node.stop();
    },
  };
}
