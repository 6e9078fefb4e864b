import { expect } from "chai";
import type { Signer } from "ethers";
import { createL2Chain } from "../../src/engine/state.js";
import { proposeBlock } from "../../src/proposer/propose.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { preconfSetup, wallets } from "./helpers.js";

const ZERO = "0x0000000000000000000000000000000000000000";

type Env = Awaited<ReturnType<typeof preconfSetup>>;

/** Signs a transfer from dev account `from` at the preconfer's pending nonce and puts it in its mempool; returns its hash. */
async function send(env: Env, from: number): Promise<string> {
  const nonce = Number(await env.mempool.nextNonce(wallets[from]!.address));
  return env.mempool.add(await signL2Transaction(env.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
}

/** Mines L1 blocks until the next one is an open slot (no operator: anyone may advance). */
async function mineToOpenSlot(env: Env): Promise<void> {
  for (let i = 0; i < 64; i++) {
    const next = BigInt(await env.provider.request({ method: "eth_blockNumber" }) as string) + 1n;
    if ((await env.registry.getFunction("operatorAt")(next)) === ZERO) return;
    await env.provider.request({ method: "evm_mine" });
  }
  throw new Error("no open slot in 64 L1 blocks");
}

describe("preconf: failure and hand-back (issue 19)", function () {
  this.timeout(180_000);

  it("an operator gone silent: another proposer takes an open slot, the preconfirmed block is dropped and its transaction is pending again, then included", async function () {
    const env = await preconfSetup();
    try {
      const hash = await send(env, 2);
      const promised = (await env.preconfer.preconfirmNext())!;
      expect(promised.transactions).to.deep.equal([hash]);
      expect(env.mempool.pending(), "taken by the preconfirmed block").to.have.length(0);

      // The operator never advances it; in an open slot another proposer advances its own block 1.
      await mineToOpenSlot(env);
      const other = env.signers[5]! as Signer;
      const fallback = await proposeBlock({
        chain: await createL2Chain(env.genesis),
        rollup: env.deployed.rollup.connect(other) as typeof env.deployed.rollup,
        provider: env.ethers.provider as never,
        coinbase: await other.getAddress(),
        transactions: [],
        dataAvailability: "calldata",
      });
      await env.node.sync();
      expect(env.node.getBlock(1n)!.hash).to.equal(`0x${Buffer.from(fallback.block.header.hash()).toString("hex")}`);

      expect(await env.preconfer.reconcile(), "the promised block 1 is contradicted by L1").to.equal(1);
      expect(env.mempool.pending().map((tx) => `0x${Buffer.from(tx.hash()).toString("hex")}`)).to.deep.equal([hash]);
      expect(env.preconfer.byTransaction(hash)).to.equal(undefined);
      expect(env.lines.some((line) => /contradicts 1 preconfirmed block.*1 transaction\(s\) pending again/.test(line)), env.lines.join("\n")).to.equal(true);

      // It goes into the next preconfirmed block, on the fallback's block, and L1 takes it.
      const again = (await env.preconfer.preconfirmNext())!;
      expect(again.number).to.equal(2n);
      expect(again.signed.commitment.parentHash).to.equal(env.node.getBlock(1n)!.hash);
      expect((await env.preconfer.advancePending()).map((b) => b.number)).to.deep.equal([2n]);
      await env.node.sync();
      expect(env.node.getTransaction(hash)?.blockNumber).to.equal(2n);
    } finally {
      await env.stop();
    }
  });

  it("an L1 reorg under preconfirmed blocks: one whose anchor survives is advanced again as promised; one whose anchor is gone is dropped, its transaction pending again", async function () {
    // L1 read for every block: block 2 anchors to the L1 block mined just before it.
    const env = await preconfSetup({ l1ReadMs: 0 });
    try {
      const snapshot = await env.provider.request({ method: "evm_snapshot" });
      const first = await send(env, 2);
      const one = (await env.preconfer.preconfirmNext())!;
      expect((await env.preconfer.advancePending()).map((b) => b.number)).to.deep.equal([1n]);
      await env.node.sync();
      expect(env.node.status().l2.head).to.equal(1n);
      // Block 2 is anchored to an L1 block the reorg takes out.
      await env.provider.request({ method: "evm_mine" });
      const second = await send(env, 3);
      const two = (await env.preconfer.preconfirmNext())!;
      expect(two.number).to.equal(2n);

      await env.provider.request({ method: "evm_revert", params: [snapshot] });
      await env.node.sync();
      expect(env.node.status().l2.head, "the node unwound block 1").to.equal(0n);

      expect(await env.preconfer.reconcile(), "block 2 lost its anchor").to.equal(1);
      expect(env.mempool.pending().map((tx) => `0x${Buffer.from(tx.hash()).toString("hex")}`)).to.deep.equal([second]);
      expect(env.preconfer.byNumber(1n)?.hash, "block 1 is still promised").to.equal(one.hash);

      // Block 1 goes to L1 again, the same block; the dropped transaction goes in a new block 2.
      expect((await env.preconfer.advancePending()).map((b) => b.number)).to.deep.equal([1n]);
      const rebuilt = (await env.preconfer.preconfirmNext())!;
      expect(rebuilt.transactions).to.deep.equal([second]);
      expect((await env.preconfer.advancePending()).map((b) => b.number)).to.deep.equal([2n]);
      await env.node.sync();
      expect(env.node.getBlock(1n)!.hash, "the promise of block 1 kept through the reorg").to.equal(one.hash);
      expect(env.node.getTransaction(first)?.blockNumber).to.equal(1n);
      expect(env.node.getTransaction(second)?.blockNumber).to.equal(2n);
    } finally {
      await env.stop();
    }
  });

  it("discardUnverified (a devnet's evm_revert): the preconfirmed blocks above the node's head are gone, their transactions neither served nor pending", async function () {
    const env = await preconfSetup();
    try {
      const kept = await send(env, 2);
      await env.preconfer.preconfirmNext();
      await env.preconfer.advancePending();
      await env.node.sync();
      const gone = await send(env, 3);
      await env.preconfer.preconfirmNext();
      expect(env.view.heads().latest).to.equal(2n);
      expect(await env.preconfer.discardUnverified()).to.equal(1);
      expect(env.view.heads().latest).to.equal(1n);
      expect(env.view.transaction(gone), "no longer served").to.equal(undefined);
      expect(env.mempool.pending(), "not pending again").to.have.length(0);
      expect(env.view.transaction(kept)?.blockNumber, "what L1 has stays").to.equal(1n);
    } finally {
      await env.stop();
    }
  });
});
