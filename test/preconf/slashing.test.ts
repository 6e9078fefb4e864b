import { expect } from "chai";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { createSlasher } from "../../src/preconf/index.js";
import { preconfSetup, wallets } from "./helpers.js";

type Env = Awaited<ReturnType<typeof preconfSetup>>;

async function send(env: Env, from: number): Promise<string> {
  const nonce = Number(await env.mempool.nextNonce(wallets[from]!.address));
  return env.mempool.add(await signL2Transaction(env.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
}

/** A slasher paid to dev account #6 watching the env's node. */
function slasherOf(env: Env) {
  const prover = env.signers[6]!;
  return { prover, slasher: createSlasher({ l2Url: env.rpc.url, registry: env.registry.connect(prover) as typeof env.registry, l1ChainId: env.l1ChainId, log: (line) => env.lines.push(line) }) };
}

describe("preconf: a misbehaving operator is slashed by a slasher watching its commitments (issue 19 item 4)", function () {
  this.timeout(180_000);

  it("an honest operator's commitments give the slasher nothing, before and after L1 has the blocks", async function () {
    const env = await preconfSetup();
    try {
      const { slasher } = slasherOf(env);
      await send(env, 2);
      await env.preconfer.preconfirmNext();
      expect(await slasher.poll()).to.deep.equal([]);
      await env.preconfer.advancePending();
      expect(await slasher.poll()).to.deep.equal([]);
      expect((await env.registry.getFunction("operatorOf")(env.operator)).slashed).to.equal(false);
    } finally {
      await env.stop();
    }
  });

  it("equivocation: two signed blocks at one height take the bond, half to the prover", async function () {
    const env = await preconfSetup({ misbehave: "equivocate" });
    try {
      const { prover, slasher } = slasherOf(env);
      await send(env, 2);
      await env.preconfer.preconfirmNext();
      const before = await env.ethers.provider.getBalance(prover);
      const slashes = await slasher.poll();
      expect(slashes.map((s) => [s.kind, s.operator, s.number])).to.deep.equal([["equivocation", env.operator, 1n]]);
      expect(slashes[0]!.reward).to.equal(10n ** 18n / 2n);
      const after = await env.ethers.provider.getBalance(prover);
      expect(after > before + 10n ** 18n / 2n - 10n ** 16n, `${before} → ${after}`).to.equal(true);
      expect((await env.registry.getFunction("operatorOf")(env.operator)).slashed).to.equal(true);
      expect(await slasher.poll(), "once").to.deep.equal([]);
    } finally {
      await env.stop();
    }
  });

  it("divergence: the operator advances another block than the one it signed; the slasher proves it against L1's state root", async function () {
    const env = await preconfSetup({ misbehave: "diverge" });
    try {
      const { slasher } = slasherOf(env);
      await send(env, 2);
      const promised = (await env.preconfer.preconfirmNext())!;
      expect(await slasher.poll(), "nothing on L1 yet").to.deep.equal([]);
      await env.preconfer.advancePending();
      const onL1 = (await env.deployed.rollup.getFunction("head")()) as { number: bigint; blockHash: string };
      expect(onL1.number).to.equal(1n);
      expect(onL1.blockHash.toLowerCase()).to.not.equal(promised.hash);
      const slashes = await slasher.poll();
      expect(slashes.map((s) => [s.kind, s.operator, s.number])).to.deep.equal([["divergence", env.operator, 1n]]);
      // The node serves L1's block; the preconfer drops the broken promise and hands its transaction back.
      await env.node.sync();
      expect(await env.preconfer.reconcile()).to.equal(1);
      expect(env.mempool.pending()).to.have.length(1);
    } finally {
      await env.stop();
    }
  });
});
