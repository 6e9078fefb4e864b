/**
 * prepareBundle (src/sdk/bundle.ts) under EXECUTE's market (issue 17, item 2): the legs share one
 * L1 block's cumulative L2 gas limit, and an advance's L1 gas no longer includes its L2 gas.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { DEFAULT_EXECUTE_MARKET, updateFractionFor } from "../../src/precompile/index.js";
import { BundleBuildError, deployBundler, prepareBundle, sendBundle, type BundleLeg } from "../../src/sdk/bundle.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

const limit = 4_000_000n;
const target = 2_000_000n;
const executePricing = { pricing: "market" as const, market: { ...DEFAULT_EXECUTE_MARKET, limit, target, updateFraction: updateFractionFor(limit, target) } };

describe("sdk bundle under EXECUTE's market", function () {
  const transfers = async (l2: RollupFixture, count: number) => {
    const signed: string[] = [];
    for (let i = 0; i < count; i++) signed.push(await signL2Transaction(l2.chain, l2.wallets[i % 10]!, { nonce: Math.floor(i / 10), to: l2.wallets[18]!.address, value: 1n }));
    return signed;
  };
  /** Two rollups on one fresh L1 under the small market, a bundler, and a leg of `count` transfers on each. */
  const twoRollups = async (count: number) => {
    const { ethers } = await network.create();
    const a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata", executePricing });
    const b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_003n }), dataAvailability: "calldata", executePricing });
    const bundler = await deployBundler((await ethers.getSigners())[0]!);
    const legs: BundleLeg[] = [
      { rollup: a.rollup, chain: a.chain, transactions: await transfers(a, count) },
      { rollup: b.rollup, chain: b.chain, transactions: await transfers(b, count) },
    ];
    return { ethers, a, b, bundler, legs };
  };

  it("two legs of 80 transfers (3.36M L2 gas, under the 4M limit) land in one bundle whose L1 gas limit does not count their L2 gas", async function () {
    this.timeout(120_000);
    const { ethers, a, b, bundler, legs } = await twoRollups(80);
    const options = { bundler, provider: ethers.provider as never, legs };
    const prepared = await prepareBundle(options);
    const l2Gas = prepared.legs.reduce((sum, leg) => sum + leg.fitted.block.header.gasUsed, 0n);
    expect(l2Gas).to.equal(160n * 21_000n);
    // 1:1 pricing's bound would ask for the L2 gas on top of the advances' own work.
    expect(prepared.gasLimit).to.be.below(l2Gas);
    const sent = await sendBundle(options, prepared);
    expect(sent.l1Receipt.status).to.equal(1);
    expect(a.chain.headers).to.have.length(2);
    expect(b.chain.headers).to.have.length(2);
  });

  it("two legs of 100 transfers (4.2M L2 gas): the second leg is built in the 1.9M the first leaves and the bundle is refused before it is sent (BundleBuildError: 10 deferred)", async function () {
    this.timeout(120_000);
    const { ethers, bundler, legs } = await twoRollups(100);
    const l1Block = await ethers.provider.send("eth_blockNumber", []);
    const error = await prepareBundle({ bundler, provider: ethers.provider as never, legs }).then(
      () => expect.fail("a bundle over the market's limit was prepared"),
      (e: unknown) => e as BundleBuildError,
    );
    expect(error).to.be.instanceOf(BundleBuildError);
    expect(error.details).to.deep.include({ leg: 1, deferred: 10 });
    expect(await ethers.provider.send("eth_blockNumber", []), "nothing was sent").to.equal(l1Block);
  });
});
