import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { deliveredCount, deliveredCountByCall, QueueInconsistentError } from "../../src/bridge/queue.js";
import { readL2Slot } from "../../src/engine/query.js";
import { PREDEPLOYS } from "../../src/engine/chain.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { createMempool, createProposer } from "../../src/proposer/index.js";
import { deposit } from "../../src/sdk/bridge.js";
import { deliveryOf, latestAnchor } from "./helpers.js";

describe("bridge: the proposer's view of the L1→L2 queue (nextDelivery)", function () {
  this.timeout(60_000);

  it("a chain that delivered messages L1 no longer holds (an L1 reorg) gets QueueInconsistentError, and the proposer waits without dropping anything", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const [signer] = await ethers.getSigners();
    const beforeDeposit = await ethers.provider.send("evm_snapshot", []);
    await deposit(signer!, l2.rollup, { value: 1n, to: Wallet.createRandom().address });
    await l2.advance(); // the chain delivers message 0

    // L1 loses the deposit and the advance: the chain's messenger has delivered 1, L1 queues 0.
    await ethers.provider.send("evm_revert", [beforeDeposit]);
    const error = await deliveryOf(ethers, l2, await latestAnchor(ethers), 16n).then(
      () => expect.fail("built a delivery on a queue L1 no longer holds"),
      (e: unknown) => e as QueueInconsistentError,
    );
    expect(error).to.be.instanceOf(QueueInconsistentError);
    expect(error.details).to.deep.equal({ delivered: 1n, queued: 0n });

    const mempool = createMempool(l2.chain);
    await mempool.add(await l2.wallets[0]!.signTransaction({ type: 2, chainId: l2.chain.genesis.chainId, nonce: 0, to: l2.wallets[1]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n }));
    const proposer = createProposer({ chain: l2.chain, rollup: l2.rollup, provider: ethers.provider as never, mempool, coinbase: await signer!.getAddress(), dataAvailability: "calldata" });
    const outcome = await proposer.proposeNext();
    expect(outcome.kind).to.equal("unavailable");
    expect((outcome as { error: Error }).error).to.be.instanceOf(QueueInconsistentError);
    expect(mempool.pending()).to.have.length(1);
  });

  it("deliveredCount read from the messenger's storage slot is what its deliveredCount() getter answers: at genesis, after one delivery and after a block delivering two; an absent account or slot reads 0", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const [signer] = await ethers.getSigners();
    const both = async () => [await deliveredCount(l2.chain), await deliveredCountByCall(l2.chain)];
    expect(await both()).to.deep.equal([0n, 0n]);
    await deposit(signer!, l2.rollup, { value: 1n, to: Wallet.createRandom().address });
    await l2.advance();
    expect(await both()).to.deep.equal([1n, 1n]);
    for (let i = 0; i < 2; i++) await deposit(signer!, l2.rollup, { value: 2n, to: Wallet.createRandom().address });
    await l2.advance();
    expect(await both()).to.deep.equal([3n, 3n]);
    expect(await readL2Slot(l2.chain, Wallet.createRandom().address, 0n), "an absent account").to.equal(0n);
    expect(await readL2Slot(l2.chain, PREDEPLOYS.messenger, 12345n), "an unwritten slot").to.equal(0n);
  });
});
