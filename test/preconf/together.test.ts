import { expect } from "chai";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { expectLateFollowerDerives, preconfSetup, wallets } from "./helpers.js";

type Env = Awaited<ReturnType<typeof preconfSetup>>;

async function send(env: Env, from: number): Promise<string> {
  const nonce = Number(await env.mempool.nextNonce(wallets[from]!.address));
  return env.mempool.add(await signL2Transaction(env.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
}

/** Preconfirms `count` blocks of one transfer each; returns their hashes. */
async function preconfirm(env: Env, count: number): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < count; i++) {
    await send(env, 2 + i);
    hashes.push((await env.preconfer.preconfirmNext())!.hash);
  }
  return hashes;
}

describe("preconf: several preconfirmed blocks in one L1 transaction (issue 19 item 2)", function () {
  this.timeout(180_000);

  it("advances consecutive preconfirmed blocks in one PreconfRegistry.bundle transaction; the node and a follower started afterwards derive them", async function () {
    const env = await preconfSetup();
    try {
      const hashes = await preconfirm(env, 3);
      const advanced = await env.preconfer.advancePending();
      expect(advanced.map((b) => b.number)).to.deep.equal([1n, 2n, 3n]);
      const transactions = new Set(advanced.map((b) => b.advanced!.l1Transaction));
      expect(transactions.size, "one L1 transaction").to.equal(1);
      expect(advanced.every((b) => b.advanced!.together === 3)).to.equal(true);
      const l1 = await env.ethers.provider.getTransaction([...transactions][0]!);
      expect(l1!.to).to.equal(env.registryAddress);
      const receipt = await env.ethers.provider.getTransactionReceipt(l1!.hash);
      expect(advanced.reduce((sum, b) => sum + b.advanced!.l1Gas, 0n), "the shares add up to the transaction's gas").to.equal(receipt!.gasUsed);
      expect((await env.deployed.rollup.getFunction("head")()).number).to.equal(3n);

      await env.node.sync();
      expect([1n, 2n, 3n].map((n) => env.node.getBlock(n)?.hash)).to.deep.equal(hashes);

      // A follower that was not running: it derives the three blocks from the one transaction.
      await expectLateFollowerDerives(env, hashes);
    } finally {
      await env.stop();
    }
  });

  it("costs less L1 gas than one transaction per block (together = 1, the old path)", async function () {
    const gasOf = async (together: number) => {
      const env = await preconfSetup({ together });
      try {
        await preconfirm(env, 3);
        const advanced = await env.preconfer.advancePending();
        expect(advanced.map((b) => b.number)).to.deep.equal([1n, 2n, 3n]);
        return { transactions: new Set(advanced.map((b) => b.advanced!.l1Transaction)).size, gas: advanced.reduce((sum, b) => sum + b.advanced!.l1Gas, 0n) };
      } finally {
        await env.stop();
      }
    };
    const single = await gasOf(1);
    const together = await gasOf(8);
    expect(single.transactions).to.equal(3);
    expect(together.transactions).to.equal(1);
    expect(together.gas < single.gas, `together ${together.gas} < single ${single.gas}`).to.equal(true);
  });

  it("an L1 reorg under such a transaction: the node unwinds both blocks, and the preconfer advances them again together, as promised", async function () {
    const env = await preconfSetup();
    try {
      const snapshot = await env.provider.request({ method: "evm_snapshot" });
      const hashes = await preconfirm(env, 2);
      expect((await env.preconfer.advancePending()).map((b) => b.number)).to.deep.equal([1n, 2n]);
      await env.node.sync();
      expect(env.node.status().l2.head).to.equal(2n);

      await env.provider.request({ method: "evm_revert", params: [snapshot] });
      await env.node.sync();
      expect(env.node.status().l2.head, "the node unwound both blocks").to.equal(0n);
      expect(await env.preconfer.reconcile(), "their anchors survive: nothing dropped").to.equal(0);

      const again = await env.preconfer.advancePending();
      expect(again.map((b) => b.number)).to.deep.equal([1n, 2n]);
      expect(new Set(again.map((b) => b.advanced!.l1Transaction)).size).to.equal(1);
      await env.node.sync();
      expect([1n, 2n].map((n) => env.node.getBlock(n)?.hash), "the promises kept through the reorg").to.deep.equal(hashes);
    } finally {
      await env.stop();
    }
  });
});
