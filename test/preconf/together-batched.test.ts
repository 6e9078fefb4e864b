/**
 * A preconfer's consecutive blocks with ONE EXECUTE call (docs/preconf.md, "One EXECUTE call";
 * src/preconf/together.ts): with blobs, two blocks or more go by `PreconfRegistry.executeBatch`
 * by default, the node and a follower started afterwards derive them from L1 and the blobs, and
 * the L1 gas per block is measured against `bundle` (one EXECUTE call per block) at k = 2, 4, 8.
 */
import { expect } from "chai";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import type { TogetherExecute } from "../../src/preconf/index.js";
import { expectLateFollowerDerives, preconfSetup, wallets } from "./helpers.js";

type Env = Awaited<ReturnType<typeof preconfSetup>>;

/** Preconfirms `count` blocks of one transfer each (senders from `first` on); returns their hashes. `mine`: an L1 block before each (new anchors). */
async function preconfirm(env: Env, count: number, first = 2, mine = false): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    if (mine) await env.provider.request({ method: "hardhat_mine", params: ["0x1"] });
    const from = wallets[first + i]!;
    await env.mempool.add(await signL2Transaction(env.chain, from, { nonce: Number(await env.mempool.nextNonce(from.address)), to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
    hashes.push((await env.preconfer.preconfirmNext())!.hash);
  }
  return hashes;
}

const EXECUTE_BATCH_SELECTOR = "0xd0e2bbf0";
const BUNDLE_SELECTOR = "0x55b52334";

describe("preconf: consecutive blocks with one EXECUTE call (PreconfRegistry.executeBatch)", function () {
  this.timeout(300_000);

  it("advances three blobs-carried blocks with three different L1 anchors in one executeBatch transaction by default; the node and a follower started afterwards derive them", async function () {
    // l1ReadMs 0 and an L1 block before each: every block anchors to another L1 block (each claim carries its own).
    const env = await preconfSetup({ dataAvailability: "blobs", l1ReadMs: 0 });
    try {
      const hashes = await preconfirm(env, 3, 2, true);
      const anchors = new Set([1n, 2n, 3n].map((n) => env.preconfer.byNumber(n)!.fitted.anchor.number));
      expect(anchors.size, "three anchors").to.equal(3);
      const advanced = await env.preconfer.advancePending();
      expect(advanced.map((b) => b.number)).to.deep.equal([1n, 2n, 3n]);
      const transactions = new Set(advanced.map((b) => b.advanced!.l1Transaction));
      expect(transactions.size, "one L1 transaction").to.equal(1);
      const l1 = await env.ethers.provider.getTransaction([...transactions][0]!);
      expect(l1!.to).to.equal(env.registryAddress);
      expect(l1!.type, "blobs").to.equal(3);
      expect(l1!.data.slice(0, 10), "PreconfRegistry.executeBatch").to.equal(EXECUTE_BATCH_SELECTOR);
      expect(env.lines.some((line) => line.includes("one EXECUTE call)")), env.lines.join("\n")).to.equal(true);
      expect((await env.deployed.rollup.getFunction("head")()).number).to.equal(3n);

      await env.node.sync();
      expect([1n, 2n, 3n].map((n) => env.node.getBlock(n)?.hash)).to.deep.equal(hashes);

      // A follower that was not running: it finds the three advanceBatched calls inside the one
      // executeBatch and reads each block from its range of the shared blob.
      await expectLateFollowerDerives(env, hashes);
    } finally {
      await env.stop();
    }
  });

  it("L1 gas per block: executeBatch below bundle at k = 2, 4, 8 (one-transfer blocks, one shared blob)", async function () {
    /** The L1 gas per block of a run of k blocks, for k in `sizes`, after one block advanced alone (the rollup's first, whose fresh slots cost more). */
    const measure = async (execute: TogetherExecute, sizes: number[]): Promise<Map<number, bigint>> => {
      const env = await preconfSetup({ dataAvailability: "blobs", execute });
      const perBlock = new Map<number, bigint>();
      try {
        await preconfirm(env, 1);
        expect(await env.preconfer.advancePending()).to.have.length(1);
        for (const k of sizes) {
          await preconfirm(env, k);
          const advanced = await env.preconfer.advancePending();
          expect(advanced, `k = ${k}`).to.have.length(k);
          const hashes = new Set(advanced.map((b) => b.advanced!.l1Transaction));
          expect(hashes.size, `k = ${k}: one L1 transaction`).to.equal(1);
          const tx = await env.ethers.provider.getTransaction([...hashes][0]!);
          expect(tx!.data.slice(0, 10)).to.equal(execute === "batched" ? EXECUTE_BATCH_SELECTOR : BUNDLE_SELECTOR);
          const receipt = await env.ethers.provider.getTransactionReceipt(tx!.hash);
          perBlock.set(k, receipt!.gasUsed / BigInt(k));
        }
        // Every block derived by the node, whichever way it went.
        await env.node.sync();
        expect(env.node.status().l2.head).to.equal(BigInt(1 + sizes.reduce((a, b) => a + b, 0)));
      } finally {
        await env.stop();
      }
      return perBlock;
    };
    const sizes = [2, 4, 8];
    const bundle = await measure("per-block", sizes);
    const batched = await measure("batched", sizes);
    for (const k of sizes) {
      const saved = bundle.get(k)! - batched.get(k)!;
      console.log(`    preconf L1 gas per block, k = ${k}: bundle ${bundle.get(k)}, executeBatch ${batched.get(k)}, saved ${saved} (${((Number(saved) * 100) / Number(bundle.get(k)!)).toFixed(1)}%)`);
      expect(batched.get(k)!, `k = ${k}`).to.be.lessThan(bundle.get(k)!);
    }
  });
});
