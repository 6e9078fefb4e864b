import { expect } from "chai";
import { createL2Chain } from "../../src/engine/index.js";
import { followBlocks } from "../../src/proposer/index.js";
import { propose, transfers } from "../node/helpers.js";
import { multiWithRollup } from "../node/multi-keep-helpers.js";

const droppedIn = (outcomes: { kind: string; outcome?: { dropped?: unknown[] } }[]) => outcomes.flatMap((o) => o.outcome?.dropped ?? []);

describe("proposer: builds on the node's head, always (many-rollup path)", function () {
  this.timeout(180_000);

  it("after another proposer advanced the rollup with its own blocks, every pending transaction of ours still lands; and so after a restart whose chain is behind the node", async function () {
    const env = await multiWithRollup();
    try {
      const rival = { ethersProvider: env.ethers.provider, signer: env.signer, rollup: env.deployed.rollup, chain: env.deployed.chain };
      const proposer = env.proposerOn();
      // Our proposer has worked once (its chain adopted at the head then: genesis).
      const first = await env.send(1);
      expect((await env.drain(proposer)).map((o) => o.kind === "rollup" && o.outcome.kind)).to.deep.equal(["proposed"]);
      expect((await env.status(first)).status).to.equal("included");

      // A rival proposer (its own chain, followed up to the node) advances the rollup twice:
      // the second time with account #1's next transaction, taken from our pool, and its own.
      await followBlocks(rival.chain, await env.multi.rollup(env.chainId));
      const taken = await env.send(1);
      await propose(rival, [...env.rpc.mempool(env.chainId)!.pending(), ...(await transfers(rival.chain, 2, 3, 5))]);
      await propose(rival, await transfers(rival.chain, 1, 4, 7));
      await env.multi.sync();
      expect((await env.status(taken)).status).to.equal("included");

      // Pending now: account #1's next nonce (valid on the node's head, not on our stale chain) and others.
      const ours = [await env.send(1), await env.send(2), await env.send(3), await env.send(1)];
      for (const hash of ours) expect((await env.status(hash)).status).to.equal("pending");
      const outcomes = await env.drain(proposer);
      expect(droppedIn(outcomes as never), env.lines.join("\n")).to.deep.equal([]);
      for (const hash of ours) expect((await env.status(hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      expect(env.lines.some((l) => /built on the node's head: 0 block\(s\) rewound, 2 followed/.test(l)), env.lines.join("\n")).to.equal(true);

      // Restarted: a new proposer whose chain is at genesis, behind its node by every block.
      const restarted = env.proposerOn(await createL2Chain(env.deployed.chain.genesis));
      const after = [await env.send(1), await env.send(4)];
      const again = await env.drain(restarted);
      expect(droppedIn(again as never), env.lines.join("\n")).to.deep.equal([]);
      for (const hash of after) expect((await env.status(hash)).status, hash).to.equal("included");
      expect((await env.multi.rollup(env.chainId)).status().l2.head).to.equal(5n);
    } finally {
      await env.stop();
    }
  });
});
