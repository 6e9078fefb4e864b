import { expect } from "chai";
import { multiWithRollup } from "./multi-keep-helpers.js";

describe("node: many rollups, L1 reorgs keep every acknowledged transaction", function () {
  this.timeout(300_000);

  it("reorgs of depth 1 to 10 under a multi-rollup node and a proposer: every acknowledged transaction ends included or pending again, none unknown; then all land", async function () {
    const env = await multiWithRollup();
    const l1 = (method: string, params: unknown[] = []) => env.connection.provider.request({ method, params });
    const proposer = env.proposerOn();
    const acknowledged: string[] = [];
    try {
      for (let depth = 1; depth <= 10; depth++) {
        const snapshot = await l1("evm_snapshot");
        // The fork L1 abandons: `depth` L1 blocks, each verifying an L2 block of acknowledged transactions.
        const abandoned: string[] = [];
        for (let i = 0; i < depth; i++) {
          abandoned.push(await env.send((depth + i) % 10, BigInt(depth * 100 + i)));
          const outcomes = await env.drain(proposer);
          expect(outcomes.some((o) => o.kind === "rollup" && o.outcome.kind === "proposed"), env.lines.slice(-5).join("\n")).to.equal(true);
        }
        for (const hash of abandoned) expect((await env.status(hash)).status).to.equal("included");
        acknowledged.push(...abandoned);

        // L1 replaces it with a fork of other blocks (one more than it had, so the node sees it as the longer chain).
        expect(await l1("evm_revert", [snapshot])).to.equal(true);
        for (let i = 0; i <= depth; i++) await l1("evm_mine");
        await env.multi.sync();
        expect(env.lines.filter((l) => l.startsWith("L1 reorg:")).length, env.lines.slice(-5).join("\n")).to.be.at.least(depth);

        // None is lost: each is in the chain, or pending again in the rollup's mempool.
        for (const hash of acknowledged) {
          const { status } = await env.status(hash);
          expect(["included", "pending"], `depth ${depth}: ${hash} is ${status}`).to.include(status);
        }
        for (const hash of abandoned) expect((await env.status(hash)).status, `depth ${depth}: ${hash}`).to.equal("pending");

        // The proposer (its chain on the abandoned fork) builds on the node's head again: they all land.
        await env.drain(proposer);
        for (const hash of acknowledged) expect((await env.status(hash)).status, `depth ${depth}: ${hash}\n${env.lines.slice(-8).join("\n")}`).to.equal("included");
      }
      expect(acknowledged).to.have.length(55);
    } finally {
      await env.stop();
    }
  });
});
