import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { startPreconfLoops } from "../../src/preconf/index.js";
import { preconfSetup, wallets } from "./helpers.js";

describe("preconf: unchanged clients on the preconfer's timer (issue 19 item 2)", function () {
  this.timeout(180_000);

  it("ethers' tx.wait() returns for each of 8 users' transfers on an otherwise idle chain (no block after theirs)", async function () {
    const env = await preconfSetup();
    const loops = startPreconfLoops({ preconfer: env.preconfer, node: env.node, intervalMs: 250, pending: () => env.mempool.counts().pending, advanceIntervalMs: 60_000, log: (line) => env.lines.push(line) });
    try {
      // ethers as a dApp uses it: a provider with its defaults (but a quick poll) per user, one
      // transfer each, on a chain that is idle before and after (no later block to wake a poller).
      const latencies: number[] = [];
      for (let i = 0; i < 8; i++) {
        const provider = new JsonRpcProvider(env.rpc.url, undefined, { staticNetwork: true, pollingInterval: 20 });
        const sentAt = Date.now();
        const tx = await wallets[2 + i]!.connect(provider).sendTransaction({ to: wallets[19]!.address, value: 1n });
        // A hang here is ethers' block poller waiting for a block after the preconfirmed one.
        const receipt = await tx.wait(1, 10_000);
        expect(receipt!.status).to.equal(1);
        latencies.push(Date.now() - sentAt);
        provider.destroy();
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect((await env.deployed.rollup.getFunction("head")()).number, "all served from preconfirmations").to.equal(0n);
      console.log(`      send → receipt (ethers, 250 ms timer, idle chain): ${latencies.join(", ")} ms`);
    } finally {
      await loops.stop();
      await env.stop();
    }
  });
});
