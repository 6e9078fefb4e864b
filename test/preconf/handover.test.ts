import { expect } from "chai";
import type { Mempool } from "../../src/proposer/mempool.js";
import type { L2Chain } from "../../src/engine/state.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { preconfSetup, wallets } from "./helpers.js";

/** Signs a transfer from dev account `from` at `mempool`'s pending nonce and adds it; returns its hash. */
async function send(chain: L2Chain, mempool: Mempool, from: number): Promise<string> {
  const nonce = Number(await mempool.nextNonce(wallets[from]!.address));
  return mempool.add(await signL2Transaction(chain, wallets[from]!, { nonce, to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
}

describe("preconf: hand-over at a slot boundary (issue 19)", function () {
  this.timeout(180_000);

  it("the operator's slot ends mid-way: the next operator takes its last preconfirmed block, advances it and builds on it", async function () {
    // Two operators, four slots an epoch: A, B, open, open.
    const env = await preconfSetup({ epochSlots: 4n });
    try {
      const b = await env.addOperator(4);
      const a = { preconfer: env.preconfer, chain: env.chain, mempool: env.mempool, address: env.operator };
      // Mine until the next L1 block is A's slot.
      for (let i = 0; ; i++) {
        const next = BigInt((await env.provider.request({ method: "eth_blockNumber" })) as string) + 1n;
        if ((await env.registry.getFunction("operatorAt")(next)) === a.address) break;
        if (i > 8) throw new Error("no slot of A in 8 L1 blocks");
        await env.provider.request({ method: "evm_mine" });
      }
      const first = await send(a.chain, a.mempool, 2);
      await a.preconfer.preconfirmNext();
      // A advances block 1 in its slot (blocks preconfirmed by then would go in the same L1 transaction).
      expect((await a.preconfer.advancePending()).map((x) => x.number)).to.deep.equal([1n]);
      // Block 2 comes after: the next slot is B's, so it waits, A's turn is over.
      const second = await send(a.chain, a.mempool, 3);
      const two = (await a.preconfer.preconfirmNext())!;
      expect(two.number).to.equal(2n);
      expect((await a.preconfer.advancePending()).map((x) => x.number)).to.deep.equal([]);
      expect(env.lines.some((line) => /next slot is another operator's: block 2 waits/.test(line)), env.lines.join("\n")).to.equal(true);
      await env.node.sync();
      expect(env.node.status().l2.head).to.equal(1n);

      // B takes A's block 2 (re-executed, checked against A's signature), preconfirms its own block 3 on it, advances both.
      expect(await b.preconfer.adopt(a.preconfer.handOver(), a.address)).to.equal(1);
      const third = await send(b.chain, b.mempool, 5);
      const three = (await b.preconfer.preconfirmNext())!;
      expect(three.number).to.equal(3n);
      expect(three.signed.commitment.parentHash).to.equal(two.hash);
      expect((await b.preconfer.advancePending()).map((x) => x.number)).to.deep.equal([2n, 3n]);
      await env.node.sync();
      expect(env.node.getBlock(2n)!.hash, "A's promise for block 2 kept by B").to.equal(two.hash);
      expect(env.node.getBlock(3n)!.hash).to.equal(three.hash);
      for (const [hash, number] of [[first, 1n], [second, 2n], [third, 3n]] as const) expect(env.node.getTransaction(hash)?.blockNumber).to.equal(number);
      // A follows the node: nothing of its own contradicted, nothing dropped.
      expect(await a.preconfer.reconcile()).to.equal(0);
    } finally {
      await env.stop();
    }
  });

  it("refuses a handed-over block that is not the one signed", async function () {
    const env = await preconfSetup({ epochSlots: 4n });
    try {
      const b = await env.addOperator(4);
      await send(env.chain, env.mempool, 2);
      await env.preconfer.preconfirmNext();
      const [given] = env.preconfer.handOver();
      const tampered = { ...given!, transactions: [] };
      const failure = (work: Promise<unknown>) => work.then(() => undefined, (e: Error) => e);
      expect((await failure(b.preconfer.adopt([tampered], env.operator)))?.message).to.match(/re-executes to another block than the one signed/);
      // Signed by someone else than the operator named: refused too.
      expect((await failure(b.preconfer.adopt([given!], b.address)))?.message).to.match(/not signed by the operator/);
    } finally {
      await env.stop();
    }
  });
});
