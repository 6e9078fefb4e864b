import { expect } from "chai";
import type { Signer } from "ethers";
import { createCommitmentFollower, CommitmentRefusedError, preconfDomain, signCommitment, type SignedCommitment } from "../../src/preconf/index.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { preconfSetup, wallets } from "./helpers.js";

type Env = Awaited<ReturnType<typeof preconfSetup>>;
const ZERO = "0x0000000000000000000000000000000000000000";

async function send(env: Env, from: number): Promise<string> {
  const nonce = Number(await env.mempool.nextNonce(wallets[from]!.address));
  return env.mempool.add(await signL2Transaction(env.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
}

/** Mines L1 blocks until `check(current slot's operator, next slot's operator)` holds. */
async function mineUntil(env: Env, check: (current: string, next: string) => boolean): Promise<void> {
  for (let i = 0; i < 16; i++) {
    const slot = BigInt((await env.provider.request({ method: "eth_blockNumber" })) as string);
    const [current, next] = await Promise.all([slot, slot + 1n].map((s) => env.registry.getFunction("operatorAt")(s) as Promise<string>));
    if (check(current, next)) return;
    await env.provider.request({ method: "evm_mine" });
  }
  throw new Error("no such slots in 16 L1 blocks");
}

/** The refusal `work` ends in (fails the test if it is accepted). */
async function refusal(work: Promise<unknown>): Promise<CommitmentRefusedError> {
  const error = await work.then(() => undefined, (e: Error) => e);
  expect(error, "refused").to.be.instanceOf(CommitmentRefusedError);
  return error as CommitmentRefusedError;
}

describe("preconf: a follower verifies the commitments it is fed (issue 19)", function () {
  this.timeout(180_000);

  it("accepts the slot operator's commitments from its node and refuses a wrong signer, a tampered one, another domain's, another rollup's and an equivocation, with the values", async function () {
    const env = await preconfSetup({ epochSlots: 4n });
    try {
      const b = await env.addOperator(4);
      const follower = createCommitmentFollower({ registry: env.registry, l1ChainId: env.l1ChainId, rollup: env.deployed.address, chainId: env.genesis.chainId, l2Url: env.rpc.url });
      await send(env, 2);
      const one = (await env.preconfer.preconfirmNext())!;

      // A's slot now: A's commitment is accepted (read from A's node).
      await mineUntil(env, (current) => current === env.operator);
      const polled = await follower.poll();
      expect(polled.accepted.map((a: { signed: SignedCommitment }) => a.signed.commitment.number)).to.deep.equal([1n]);
      expect(polled.refused).to.deep.equal([]);
      expect(follower.at(1n)?.signer).to.equal(env.operator);

      // B is bonded but holds neither this slot nor the next: its signature on the same block is refused.
      await mineUntil(env, (current, next) => current === ZERO && next === env.operator);
      const byB = await signCommitment(b.signer as Signer, env.preconfer.domain, { ...one.signed.commitment, number: 2n, parentHash: one.hash });
      const wrong = await refusal(follower.accept(byB));
      expect(wrong.message).to.match(/not signed by the lookahead's operator of the current or next L1 slot/);
      expect(wrong.details).to.include({ signer: b.address, operator: ZERO, nextOperator: env.operator });

      // Tampered after signing: it recovers to someone else.
      const tampered: SignedCommitment = { ...one.signed, commitment: { ...one.signed.commitment, stateRoot: "0x" + "11".repeat(32) } };
      expect((await refusal(follower.accept(tampered))).details?.signer).to.not.equal(env.operator);
      // Signed by the operator, but for another registry's domain.
      const elsewhere = await signCommitment(env.signers[1]!, preconfDomain(b.address, env.l1ChainId), one.signed.commitment);
      expect((await refusal(follower.accept(elsewhere))).details?.signer).to.not.equal(env.operator);
      // Another rollup.
      const foreign = await signCommitment(env.signers[1]!, env.preconfer.domain, { ...one.signed.commitment, rollup: b.address });
      expect((await refusal(follower.accept(foreign))).message).to.match(/another rollup or chain id/);
      // A second block at height 1, signed by the operator: an equivocation.
      const second = await signCommitment(env.signers[1]!, env.preconfer.domain, { ...one.signed.commitment, blockHash: "0x" + "22".repeat(32) });
      expect((await refusal(follower.accept(second))).message).to.match(/contradicts one accepted before/);

      // Both slots open: an unbonded signer is refused, the bonded operator accepted.
      await mineUntil(env, (current, next) => current === ZERO && next === ZERO);
      const unbonded = await signCommitment(env.signers[7]!, env.preconfer.domain, { ...one.signed.commitment, number: 3n });
      expect((await refusal(follower.accept(unbonded))).message).to.match(/not a bonded operator/);

      // The promise kept: the follower compares it with what L1 gave its node.
      expect(follower.check(1n, undefined)).to.equal("unknown");
      await mineUntil(env, (_, next) => next === env.operator || next === ZERO);
      await env.preconfer.advancePending();
      await env.node.sync();
      expect(follower.check(1n, env.node.getBlock(1n))).to.equal("kept");
      expect(follower.check(1n, { hash: "0x" + "33".repeat(32) })).to.equal("broken");
    } finally {
      await env.stop();
    }
  });
});
