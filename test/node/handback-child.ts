/**
 * A child process for test/node/handback.test.ts: a many-rollup node with its JSON-RPC and a
 * proposer (as `npm run devnet -- --rollups N` composes them) on one rollup of an L1 at `--l1`.
 * With `--hang`, the hand-back of an L1 reorg's unwound transactions stops where it starts (after
 * the unwind committed): it prints `child: hand-back window` and waits there to be killed.
 *
 *   node --import tsx test/node/handback-child.ts --l1 <url> --rollup <address> --chain-id <n> --data-dir <dir> --port 0 [--hang]
 *
 * Runs only when started as a script (mocha loads every file under test/: then it does nothing).
 */
import { JsonRpcProvider } from "ethers";
import { devGenesis } from "../../src/engine/index.js";
import { startMultiNode } from "../../src/node/index.js";
import { serveMultiNode } from "../../src/node/rpc.js";
import { createMultiProposer } from "../../src/proposer/index.js";
import { createL2Chain } from "../../src/engine/state.js";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => argv[argv.indexOf(name) + 1]!;
  const chainId = BigInt(arg("--chain-id"));
  const genesis = devGenesis({ chainId });
  const hang = argv.includes("--hang");
  const multi = await startMultiNode({
    l1Url: arg("--l1"),
    rollups: [{ address: arg("--rollup"), genesis }],
    dataDir: arg("--data-dir"),
    pollIntervalMs: 50,
    log: (line) => console.log(line),
    onUnwoundTransactions: hang
      ? (_chainId, transactions) => {
          console.log(`child: hand-back window (${transactions.length} transactions)`);
          return new Promise<void>(() => {});
        }
      : undefined,
  });
  const rpc = await serveMultiNode(multi, { port: Number(arg("--port")) });
  const l1 = new JsonRpcProvider(arg("--l1"), undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const signer = await l1.getSigner(0);
  const chain = createL2Chain(genesis);
  const proposer = createMultiProposer({
    rollups: () => [
      {
        chainId,
        address: arg("--rollup"),
        mempool: () => rpc.mempool(chainId),
        hasQueuedMessages: () => multi.hasQueuedMessages(chainId),
        chain: () => chain,
        node: () => multi.rollup(chainId),
      },
    ],
    signer,
    provider: l1,
    coinbase: await signer.getAddress(),
    dataAvailability: "calldata",
    retryMs: { first: 50, max: 500 },
    log: (line) => console.log(line),
  });
  let busy = false;
  setInterval(() => {
    if (busy) return;
    busy = true;
    proposer
      .proposeNext()
      .then(async (outcome) => {
        if (outcome.kind === "rollup" && outcome.outcome.kind === "proposed") await multi.sync();
      })
      .catch((error: Error) => console.log(`child: ${error.message.split("\n")[0]}`))
      .finally(() => (busy = false));
  }, 50);
  console.log(`child: rpc ${rpc.urlOf(chainId)}`);
}

if (process.argv[1]?.endsWith("handback-child.ts")) await main();
