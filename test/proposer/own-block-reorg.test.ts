import { expect } from "chai";
import { multiWithRollup } from "../node/multi-keep-helpers.js";

describe("proposer: a reorg takes its own block back before the node derived it (issue 22 item 2)", function () {
  this.timeout(180_000);

  it("the block's transactions are pending again, stay journaled meanwhile, and land in the next block", async function () {
    const env = await multiWithRollup();
    try {
      const proposer = env.proposerOn();
      // The proposer has worked once: its chain is the node's.
      await env.send(1);
      await env.drain(proposer);

      const snapshot = await env.ethers.provider.send("evm_snapshot", []);
      const ours = [await env.send(1), await env.send(2), await env.send(3)];
      const first = await proposer.proposeNext();
      expect(first.kind === "rollup" && first.outcome.kind, env.lines.join("\n")).to.equal("proposed");
      const mempool = env.rpc.mempool(env.chainId)!;
      expect(mempool.pending(), "the proposer took them from the pool").to.have.length(0);
      // Still journaled: a kill now must not lose them (the node has not derived their block).
      const journaled = (await env.multi.rollup(env.chainId)).pendingJournal.list().length;
      expect(journaled, "journaled until the node's chain includes them").to.equal(3);

      // L1 takes the proposer's block back before the node derived it.
      await env.ethers.provider.send("evm_revert", [snapshot]);
      await env.multi.sync();
      expect((await env.multi.rollup(env.chainId)).status().l2.head).to.equal(1n);

      // The proposer follows the node, hands the rewound block's transactions back, and proposes them again.
      await env.drain(proposer);
      for (const hash of ours) expect((await env.status(hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      expect(env.lines.some((line) => /1 block\(s\) rewound.*3 transaction\(s\) of rewound blocks pending again/.test(line)), env.lines.join("\n")).to.equal(true);
      expect((await env.multi.rollup(env.chainId)).pendingJournal.list(), "nothing left in the journal once included").to.have.length(0);
    } finally {
      await env.stop();
    }
  });

  it("a block built ahead on the block the reorg took back is discarded, not sent: every transaction of both lands after (issue 17 item 4)", async function () {
    // Four transfers a block: six make a block and one built ahead on it.
    const env = await multiWithRollup({ gasLimit: 4n * 21_000n });
    try {
      const proposer = env.proposerOn();
      await env.send(1);
      await env.drain(proposer);

      const snapshot = await env.ethers.provider.send("evm_snapshot", []);
      const ours: string[] = [];
      for (let i = 0; i < 6; i++) ours.push(await env.send(1 + (i % 3), BigInt(i + 1)));
      const first = await proposer.proposeNext();
      expect(first.kind === "rollup" && first.outcome.kind, env.lines.join("\n")).to.equal("proposed");
      expect(env.rpc.mempool(env.chainId)!.pending(), "the two the block built ahead holds").to.have.length(2);

      await env.ethers.provider.send("evm_revert", [snapshot]);
      await env.multi.sync();
      await env.drain(proposer);
      expect(env.lines.some((line) => /discarded the block built ahead of L2 block 1: it was built on 0x[0-9a-f]{64}, the head is/.test(line)), env.lines.join("\n")).to.equal(true);
      for (const hash of ours) expect((await env.status(hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      expect(env.lines.filter((line) => /block failed|dropped/.test(line)), env.lines.join("\n")).to.deep.equal([]);
    } finally {
      await env.stop();
    }
  });
});
