import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { startMultiNode, startNode } from "../../src/node/index.js";
import { serveMultiNode } from "../../src/node/rpc.js";
import { openMultiStore } from "../../src/node/store.js";
import { deposit } from "../../src/sdk/bridge.js";
import { DataDirMismatchError } from "../../src/node/errors.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";
import { startLegacyLayoutNode } from "./legacy-store.js";

// A data dir `startNode` wrote before issue 20 (one rollup, its tables unprefixed) is the many-rollup node's too
// once moved into its layout (issue 20: one store layout for one rollup or many): the chain as
// derived, the journal, the L1 checkpoint and the L1→L2 queue carry over; nothing is derived again.
describe("node: a single rollup's data dir opened by the many-rollup node", function () {
  it("is moved into the many-rollup layout with a message, keeps its chain, journal and queue, and goes on deriving", async function () {
    const l1 = await l1WithRollup();
    for (let b = 0; b < 2; b++) await propose(l1, await transfers(l1.chain, 2, b + 1));
    const dataDir = tempDir();
    // Written in the single node's layout (the code before one store layout): blocks 1–2, a
    // journaled transaction, and a deposit queued on L1 and not delivered.
    await deposit(l1.signer, l1.rollup, { value: 5n });
    const single = await startLegacyLayoutNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir });
    await single.sync();
    const before = single.getBlock(2n)!;
    const [pendingTx] = await transfers(l1.chain, 1, 9, 3); // another sender than the blocks proposed later
    single.pendingJournal.put(pendingTx!.serialize());
    await single.stop();

    // A many-rollup store opened plainly still refuses it, naming what it is.
    expect(() => openMultiStore(dataDir)).to.throw(DataDirMismatchError, /single rollup's chain/);

    const lines: string[] = [];
    const chainId = l1.chain.genesis.chainId;
    const multi = await startMultiNode({ l1Provider: l1.provider, rollups: [{ address: l1.address, genesis: l1.chain.genesis }], dataDir, follow: false, log: (line) => lines.push(line) });
    try {
      const moved = lines.find((line) => line.includes("moved into the many-rollup layout"));
      expect(moved, lines.join("\n")).to.match(new RegExp(`held a single rollup's chain \\(startNode's layout\\): moved into the many-rollup layout as rollup ${chainId} \\(${l1.address.toLowerCase()}\\)`));
      expect(multi.list().map((r) => r.chainId)).to.deep.equal([chainId]);
      const rollup = await multi.rollup(chainId);
      // The chain as the single node derived it, before any poll.
      expect(rollup.status().l2.head).to.equal(2n);
      expect(rollup.getBlock(2n)!.hash).to.equal(before.hash);
      expect(rollup.getTransaction(bytesToHex(before.transactions()[0]!.hash()))?.blockNumber).to.equal(2n);
      expect(multi.hasQueuedMessages(chainId), "the deposit queued on L1 is known").to.equal(true);
      expect(multi.journaled()).to.deep.equal([chainId]);

      // It goes on from there: a new block is derived on top of the moved chain.
      await propose(l1, await transfers(l1.chain, 1, 5));
      await multi.sync();
      expect(rollup.status().l2.head).to.equal(3n);
      expect(rollup.getBlock(3n)!.hash).to.equal(chainHeadOf(l1.chain).hash);
      expect(lines.filter((line) => /^L2 block [12] /.test(line)), "blocks 1–2 derived again").to.deep.equal([]);

      // The journaled transaction is pending again in the rollup's mempool.
      const rpc = await serveMultiNode(multi, { port: 0 });
      try {
        const pending = rpc.mempool(chainId)!.pending();
        expect(pending.map((tx) => bytesToHex(tx.hash()))).to.deep.equal([bytesToHex(pendingTx!.hash())]);
      } finally {
        await rpc.close();
      }
    } finally {
      await multi.stop();
    }

    // Moved once: a restart opens it as a many-rollup store, with no message.
    const again = await startMultiNode({ l1Provider: l1.provider, rollups: [{ address: l1.address, genesis: l1.chain.genesis }], dataDir, follow: false, log: (line) => lines.push(`again: ${line}`) });
    try {
      expect(lines.filter((line) => line.startsWith("again:") && line.includes("moved"))).to.deep.equal([]);
      expect((await again.rollup(chainId)).status().l2.head).to.equal(3n);
    } finally {
      await again.stop();
    }
  });

  it("startNode opens it the same way: moved with a message, resumed at its head, nothing derived again", async function () {
    const l1 = await l1WithRollup();
    for (let b = 0; b < 2; b++) await propose(l1, await transfers(l1.chain, 2, b + 1));
    const dataDir = tempDir();
    const old = await startLegacyLayoutNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir });
    await old.sync();
    const head = old.status().l2.headHash;
    await old.stop();

    const lines: string[] = [];
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false, log: (line) => lines.push(line) });
    try {
      expect(lines.some((line) => line.includes("held a single rollup's chain (startNode's layout): moved into the many-rollup layout")), lines.join("\n")).to.equal(true);
      expect(lines.some((line) => line.includes("resuming at L2 block 2")), lines.join("\n")).to.equal(true);
      expect(node.status().l2.headHash).to.equal(head);
      await propose(l1, await transfers(l1.chain, 1, 7));
      expect((await node.sync()).l2.headHash).to.equal(chainHeadOf(l1.chain).hash);
      expect(lines.filter((line) => /^L2 block [12] /.test(line)), "blocks 1–2 derived again").to.deep.equal([]);
    } finally {
      await node.stop();
    }
  });
});
