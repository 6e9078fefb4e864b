/**
 * Why a shared advance reverted (src/sdk/bundle.ts, explainBundleFailure): the reason must be the
 * one the transaction had on L1. EDR's eth_call drops blob hashes (hardhat#5182), so replaying a
 * blob bundle by eth_call reverts at its first leg with NativeRollup_BlobNotInTransaction,
 * whatever the real reason was (and EDR's traces do not run EXECUTE's hook, so they cannot say
 * either). The SDK says what L1 does show: the leg whose rollup moved on from its parent.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { BundleFailedError, deployBundler, sendBundle } from "../../src/sdk/bundle.js";
import { prepareSharedAdvance } from "../../src/sdk/shared-advance.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

describe("sdk shared advance: the reason a shared advance reverted", function () {
  it("names the leg that failed on L1 (a rival advanced rollup 1 first) and its rollup's new head, not the blob check an eth_call replay trips over", async function () {
    this.timeout(180_000);
    const { ethers } = await network.create();
    const rollups: RollupFixture[] = [];
    for (let i = 0; i < 2; i++) rollups.push(await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 169_000n + BigInt(i) }) }));
    const bundler = await deployBundler((await ethers.getSigners())[0]!);
    const transfer = (l2: RollupFixture, from: number, nonce: number) => signL2Transaction(l2.chain, l2.wallets[from]!, { nonce, to: l2.wallets[18]!.address, value: 1n });
    const legs = await Promise.all(rollups.map(async (l2, i) => ({ rollup: l2.rollup, chain: l2.chain, transactions: [await transfer(l2, i + 1, 0)] })));
    const prepared = await prepareSharedAdvance({ bundler, provider: ethers.provider as never, legs });
    // A rival advances rollup 1 on the same parent first: the bundle's second leg is now stale.
    await rollups[1]!.send({ from: 5, to: rollups[1]!.wallets[18]!.address, value: 2n });
    await rollups[1]!.advance();
    const error = await sendBundle({ bundler, provider: ethers.provider as never, legs }, prepared).then(
      () => expect.fail("the bundle landed"),
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(BundleFailedError);
    const failed = error as BundleFailedError;
    expect(failed.index, failed.message).to.equal(1);
    expect(failed.reason, failed.message).to.equal("ParentMoved");
    expect(failed.details).to.deep.include({ leg: 1, rollup: legs[1]!.rollup.target.toString().toLowerCase(), head: (await rollups[1]!.rollup.getFunction("head")()).blockHash });
    expect(failed.details.tx, "the transaction that reverted").to.match(/^0x[0-9a-f]{64}$/);
    // Nothing moved: rollup 0 is still at genesis.
    expect(rollups[0]!.chain.headers).to.have.length(1);
  });
});
