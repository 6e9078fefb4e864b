import { expect } from "chai";
import { rmSync } from "node:fs";
import { rewindTo } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { serveNode } from "../../src/node/rpc.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

describe("node: a finalized block that an L1 reorg takes out is an incident", function () {
  this.timeout(120_000);

  it("a reorg 4 L1 blocks deep with finality depth 2: logged, in status and rollup_status (L2/L1 numbers and hashes), and still there after a restart", async function () {
    const l1 = await l1WithRollup();
    const send = (method: string, params: unknown[] = []) => l1.provider.request({ method, params });
    const dataDir = tempDir();
    const lines: string[] = [];
    const options = { l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false, finalityDepth: 2, log: (line: string) => lines.push(line) };
    let node = await startNode(options);
    try {
      await propose(l1, await transfers(l1.chain, 1, 0));
      await node.sync();
      const snapshot = await send("evm_snapshot");
      const forkPoint = chainHeadOf(l1.chain).number;
      // Four L1 blocks, each verifying an L2 block: with depth 2, the first three are finalized.
      for (let i = 0; i < 4; i++) await propose(l1, await transfers(l1.chain, 1, 10 + i, i));
      const before = await node.sync();
      expect(before.l2.finalized).to.equal(forkPoint + 3n);
      const finalized = node.getBlock("finalized")!;
      expect(before.finalityViolations).to.deep.equal([]);

      // L1 replaces those 4 blocks (deeper than the finality depth) with 5 others.
      expect(await send("evm_revert", [snapshot])).to.equal(true);
      rewindTo(l1.chain, forkPoint);
      for (let i = 0; i < 5; i++) await propose(l1, await transfers(l1.chain, 1, 50 + i, 5 + i));
      const after = await node.sync();
      expect(after.l2.headHash).to.equal(chainHeadOf(l1.chain).hash);

      expect(after.finalityViolations).to.have.length(1);
      const [violation] = after.finalityViolations;
      expect(violation!.l2).to.deep.equal({ number: finalized.number, hash: finalized.hash });
      expect(violation!.l1).to.deep.equal({ number: finalized.l1.number, hash: finalized.l1.hash });
      expect(violation!.unwoundTo.l2).to.equal(forkPoint);
      expect(violation!.finalityDepth).to.equal(2);
      const logged = lines.filter((line) => line.includes("FINALITY VIOLATED"));
      expect(logged, lines.join("\n")).to.have.length(1);
      expect(logged[0]).to.contain(`finalized L2 block ${finalized.number} ${finalized.hash}`).and.contain(`L1 block ${finalized.l1.number} ${finalized.l1.hash}`);

      const rpc = await serveNode(node, { port: 0 });
      try {
        const response = await fetch(rpc.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "rollup_status", params: [] }) });
        const { result } = (await response.json()) as { result: { finalityViolations: { l2: { number: string; hash: string }; l1: { number: string; hash: string } }[] } };
        expect(result.finalityViolations).to.have.length(1);
        expect(result.finalityViolations[0]!.l2).to.deep.equal({ number: `0x${finalized.number.toString(16)}`, hash: finalized.hash });
        expect(result.finalityViolations[0]!.l1.hash).to.equal(finalized.l1.hash);
      } finally {
        await rpc.close();
      }

      // An incident stays on record: a restarted node still reports it.
      await node.stop();
      node = await startNode(options);
      expect(node.status().finalityViolations.map((v) => v.l2)).to.deep.equal([{ number: finalized.number, hash: finalized.hash }]);
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a reorg no deeper than the finality depth is no violation", async function () {
    const l1 = await l1WithRollup();
    const send = (method: string, params: unknown[] = []) => l1.provider.request({ method, params });
    const dataDir = tempDir();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false, finalityDepth: 3 });
    try {
      await propose(l1, await transfers(l1.chain, 1, 0));
      await node.sync();
      const snapshot = await send("evm_snapshot");
      const forkPoint = chainHeadOf(l1.chain).number;
      for (let i = 0; i < 2; i++) await propose(l1, await transfers(l1.chain, 1, 10 + i, i));
      await node.sync();
      expect(await send("evm_revert", [snapshot])).to.equal(true);
      rewindTo(l1.chain, forkPoint);
      for (let i = 0; i < 3; i++) await propose(l1, await transfers(l1.chain, 1, 50 + i, 5 + i));
      const after = await node.sync();
      expect(after.l2.headHash).to.equal(chainHeadOf(l1.chain).hash);
      expect(after.finalityViolations).to.deep.equal([]);
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
