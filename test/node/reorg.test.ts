import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { rmSync } from "node:fs";
import { rewindTo } from "../../src/engine/index.js";
import { startNode, type Reorg } from "../../src/node/index.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

describe("node: L1 reorgs", function () {
  this.timeout(180_000);

  it("reorgs of depth 1 to 10 while the node follows: each time its head equals a fresh re-derivation, and the unwound transactions are handed back", async function () {
    const l1 = await l1WithRollup();
    const send = (method: string, params: unknown[] = []) => l1.provider.request({ method, params });
    const dirs = [tempDir()];
    const handedBack: { transactions: string[]; reorg: Reorg }[] = [];
    const lines: string[] = [];
    const node = await startNode({
      l1Provider: l1.provider,
      rollup: l1.address,
      genesis: l1.chain.genesis,
      dataDir: dirs[0]!,
      pollIntervalMs: 10, // follows in the background, racing the test's L1 changes
      onUnwoundTransactions: (transactions, reorg) => void handedBack.push({ transactions: transactions.map((t) => bytesToHex(keccak256(t))), reorg }),
      log: (line) => lines.push(line),
    });
    /** Waits until the node's head is the proposer's. */
    const followed = async () => {
      const head = chainHeadOf(l1.chain);
      for (let i = 0; i < 2_000 && node.status().l2.headHash !== head.hash; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(node.status().l2.headHash, lines.slice(-5).join("\n")).to.equal(head.hash);
      return node.status();
    };
    try {
      for (let b = 0; b < 2; b++) await propose(l1, await transfers(l1.chain, 2, b));
      await followed();

      for (let depth = 1; depth <= 10; depth++) {
        const snapshot = await send("evm_snapshot");
        const forkPoint = chainHeadOf(l1.chain).number;
        // The fork the node follows first: `depth` L1 blocks, each verifying one L2 block.
        const abandoned: string[] = [];
        for (let i = 0; i < depth; i++) {
          const { block } = await propose(l1, await transfers(l1.chain, 1 + (i % 2), depth * 100 + i, i));
          abandoned.push(...block.transactions.map((tx) => bytesToHex(tx.hash())));
        }
        await followed();
        // Read (and so cache) the abandoned fork's receipts: the cache must not serve them after the reorg.
        for (let n = forkPoint + 1n; n <= forkPoint + BigInt(depth); n++) expect(node.getReceipts(n)).to.have.length.above(0);
        for (const hash of abandoned) expect(node.getTransaction(hash)?.receipt.transactionHash).to.equal(hash);

        // L1 replaces those `depth` blocks with others: longer (odd depths) or shorter (even
        // depths, so the node's last L1 block no longer exists at all), other L2 transactions.
        expect(await send("evm_revert", [snapshot])).to.equal(true);
        rewindTo(l1.chain, forkPoint);
        const replacement = depth % 2 === 1 ? depth + 1 : Math.max(1, depth - 1);
        for (let i = 0; i < replacement; i++) await propose(l1, await transfers(l1.chain, 1, depth * 100 + 50 + i, 5 + i));

        const status = await followed();
        const head = chainHeadOf(l1.chain);
        expect(status.l2.head).to.equal(head.number);
        expect(bytesToHex(node.getBlock("latest")!.header.stateRoot)).to.equal(head.stateRoot);

        // Handed back: exactly the abandoned fork's transactions, in chain order.
        expect(handedBack.length, `depth ${depth}: one hand-back per reorg`).to.equal(depth);
        const { transactions, reorg } = handedBack.at(-1)!;
        expect(transactions).to.deep.equal(abandoned);
        expect(reorg.l2Head).to.equal(forkPoint);
        expect(reorg.unwound.map((b) => b.number)).to.deep.equal(Array.from({ length: depth }, (_, i) => forkPoint + 1n + BigInt(i)));
        // Unwound transactions are gone from the index; the new fork's are there.
        for (const hash of abandoned) expect(node.getTransaction(hash), `depth ${depth}: ${hash} unwound`).to.equal(undefined);
        // The new fork's receipts are its own transactions' (the receipt cache is keyed by block hash).
        for (let n = forkPoint + 1n; n <= head.number; n++) {
          const block = node.getBlock(n)!;
          const hashes = block.transactions().map((tx) => bytesToHex(tx.hash()));
          expect(node.getReceipts(n)!.map((r) => [r.transactionHash, r.blockHash]), `depth ${depth}, block ${n}`).to.deep.equal(hashes.map((h) => [h, block.hash]));
          for (const hash of hashes) expect(node.getTransaction(hash)!.blockHash).to.equal(block.hash);
        }

        // A fresh node derives the same head from L1 alone.
        const freshDir = tempDir();
        dirs.push(freshDir);
        const fresh = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: freshDir, follow: false });
        const freshStatus = await fresh.sync();
        expect(freshStatus.l2.headHash, `depth ${depth}`).to.equal(status.l2.headHash);
        expect(bytesToHex(fresh.getBlock("latest")!.header.stateRoot)).to.equal(head.stateRoot);
        await fresh.stop();
      }
      expect(lines.filter((l) => l.startsWith("L1 reorg:"))).to.have.length(10);
    } finally {
      await node.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});
