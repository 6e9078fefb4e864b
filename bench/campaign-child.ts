/**
 * The process bench/campaign.ts kills: a rollup node with its L2 JSON-RPC and a proposer over
 * its mempool, on a rollup of the L1 at `--l1`. `--path single` composes them as `npm run node`
 * and the devnet do (startNode + serveNode + createProposer); `--path multi` as `npm run devnet --
 * --rollups N` does (startMultiNode + serveMultiNode + createMultiProposer). An L1 reorg's
 * unwound transactions go back to the mempool (`onUnwoundTransactions`).
 *
 *   node --import tsx bench/campaign-child.ts --path single|multi --l1 <url> --rollup <address> --chain-id <n> --data-dir <dir>
 *
 * Prints `child: rpc <url>` once it serves. Runs only when started as a script.
 */
import { JsonRpcProvider } from "ethers";
import { devGenesis } from "../src/engine/index.js";
import { createL2Chain } from "../src/engine/state.js";
import { startMultiNode, startNode, type RollupNode } from "../src/node/index.js";
import { serveMultiNode, serveNode, type NodeRpc } from "../src/node/rpc.js";
import { createMultiProposer, createProposer } from "../src/proposer/index.js";
import { nativeRollupAt } from "../src/sdk/index.js";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => argv[argv.indexOf(name) + 1]!;
  const chainId = BigInt(arg("--chain-id"));
  const genesis = devGenesis({ chainId });
  const l1Url = arg("--l1");
  const address = arg("--rollup");
  const dataDir = arg("--data-dir");
  const log = (line: string) => console.log(line);
  const l1 = new JsonRpcProvider(l1Url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const signer = await l1.getSigner(0);
  const coinbase = await signer.getAddress();
  const chain = createL2Chain(genesis);
  let proposeNext: () => Promise<boolean>;
  let sync: () => Promise<unknown>;

  if (arg("--path") === "multi") {
    const multi = await startMultiNode({ l1Url, rollups: [{ address, genesis }], dataDir, pollIntervalMs: 50, log });
    const rpc = await serveMultiNode(multi, { port: 0 });
    const proposer = createMultiProposer({
      rollups: () => [
        { chainId, address, mempool: () => rpc.mempool(chainId), hasQueuedMessages: () => multi.hasQueuedMessages(chainId), chain: () => chain, node: () => multi.rollup(chainId) },
      ],
      signer,
      provider: l1,
      coinbase,
      dataAvailability: "calldata",
      retryMs: { first: 50, max: 500 },
      log,
    });
    proposeNext = async () => {
      const outcome = await proposer.proposeNext();
      return outcome.kind === "rollup" && outcome.outcome.kind === "proposed";
    };
    sync = () => multi.sync();
    console.log(`child: rpc ${rpc.urlOf(chainId)}`);
  } else {
    let rpc: NodeRpc | undefined;
    const node: RollupNode = await startNode({
      l1Url,
      rollup: address,
      genesis,
      dataDir,
      pollIntervalMs: 50,
      log,
      onUnwoundTransactions: async (txs) => {
        for (const tx of txs) await rpc?.mempool.add(tx).catch(() => undefined);
      },
    });
    rpc = await serveNode(node, { port: 0 });
    const proposer = createProposer({
      chain: await chain,
      rollup: nativeRollupAt(address, signer),
      provider: l1,
      mempool: rpc.mempool,
      coinbase,
      dataAvailability: "calldata",
      node: () => node,
      retryMs: { first: 50, max: 500 },
      log,
    });
    proposeNext = async () => (await proposer.proposeNext()).kind === "proposed";
    sync = () => node.sync();
    console.log(`child: rpc ${rpc.url}`);
  }

  let busy = false;
  let since = 0;
  setInterval(() => {
    if (busy) {
      // A proposer stuck in one call is a finding: say so (once every 10 s).
      if (Date.now() - since > 10_000) {
        console.log(`child: proposeNext busy for ${Math.round((Date.now() - since) / 1000)} s`);
        since += 10_000;
      }
      return;
    }
    busy = true;
    since = Date.now();
    proposeNext()
      .then(async (proposed) => {
        if (proposed) await sync();
      })
      .catch((error: Error) => console.log(`child: ${error.message.split("\n")[0]}`))
      .finally(() => (busy = false));
  }, 50);
}

if (process.argv[1]?.endsWith("campaign-child.ts")) await main();
