/**
 * proposeBundle (src/sdk/bundle.ts) against single-rollup proposers on the same rollups: whoever
 * lands second reverts cleanly and nothing is half-applied, on L1 or in the chains.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { buildFittingBlock, LostRaceError, publishBlock } from "../../src/proposer/propose.js";
import { BundleFailedError, deployBundler, prepareBundle, sendBundle, type BundleLeg } from "../../src/sdk/bundle.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { createL2Common } from "../../src/engine/chain.js";

const { ethers } = await network.create();

describe("sdk bundle: racing a single-rollup proposer", function () {
  let a: RollupFixture;
  let b: RollupFixture;
  let bundler: Contract;

  beforeEach(async function () {
    a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_003n }), dataAvailability: "calldata" });
    bundler = await deployBundler((await ethers.getSigners())[0]!);
  });

  const transfer = async (l2: RollupFixture, from: number, nonceOffset = 0) =>
    signL2Transaction(l2.chain, l2.wallets[from]!, { nonce: Number((await l2.account(l2.wallets[from]!.address)).nonce) + nonceOffset, to: l2.wallets[18]!.address, value: 1n });
  const legs = async (): Promise<BundleLeg[]> => [
    { rollup: a.rollup, chain: a.chain, transactions: [await transfer(a, 1)] },
    { rollup: b.rollup, chain: b.chain, transactions: [await transfer(b, 1)] },
  ];
  const onL1 = async () => ({ a: (await a.rollup.getFunction("head")()).blockHash as string, b: (await b.rollup.getFunction("head")()).blockHash as string });
  const options = () => ({ bundler, provider: ethers.provider as never, legs: [] as BundleLeg[] });

  it("the single proposer's advance on B lands first: the bundle reverts at B's advance with NativeRollup_ParentMismatch, and A's block is undone with it", async function () {
    const bundleLegs = await legs();
    const prepared = await prepareBundle({ ...options(), legs: bundleLegs });
    await b.send({ from: 2, to: b.wallets[17]!.address, value: 5n });
    const single = await b.advance(); // the single proposer on B wins
    const before = await onL1();
    const lengths = { a: a.chain.headers.length, b: b.chain.headers.length };

    const failed = (await sendBundle({ ...options(), legs: bundleLegs }, prepared).catch((e: unknown) => e)) as BundleFailedError;
    expect(failed).to.be.instanceOf(BundleFailedError);
    expect(failed.index).to.equal(1);
    expect(failed.reason).to.equal("NativeRollup_ParentMismatch");
    expect(failed.lostRace).to.equal(true);
    expect(String(failed.details.call)).to.match(/^advance 0x[0-9a-f]{40} to L2 block 1$/);
    expect(await onL1()).to.deep.equal(before);
    expect(before.b).to.equal(single.event.blockHash);
    expect((await a.rollup.getFunction("head")()).number).to.equal(0n, "A's advance in the same bundle was undone");
    expect({ a: a.chain.headers.length, b: b.chain.headers.length }).to.deep.equal(lengths, "no chain appended");

    // Rebuilt on the new heads, the bundle lands.
    const retried = await sendBundle({ ...options(), legs: await legs() }, await prepareBundle({ ...options(), legs: await legs() }));
    expect(retried.events.map((e) => e.number)).to.deep.equal([1n, 2n]);
  });

  it("the bundle lands first: the single proposer's prepared advance on A reverts as a lost race (LostRaceError) and its block is not appended", async function () {
    const common = createL2Common(a.chain.genesis.chainId);
    const coinbase = await (await ethers.getSigners())[0]!.getAddress();
    const proposerOptions = { chain: a.chain, rollup: a.rollup, provider: ethers.provider as never, coinbase, dataAvailability: "calldata" as const };
    const fitted = await buildFittingBlock({ ...proposerOptions, transactions: [createTxFromRLP(hexToBytes((await transfer(a, 3)) as `0x${string}`), { common })] });
    const bundled = await sendBundle({ ...options(), legs: await legs() }, await prepareBundle({ ...options(), legs: await legs() }));
    expect(bundled.l1Receipt.status).to.equal(1);

    const lost = await publishBlock({ ...proposerOptions, fitted }).catch((e: unknown) => e);
    expect(lost).to.be.instanceOf(LostRaceError);
    expect((await onL1()).a).to.equal(bundled.events[0]!.blockHash);
    expect(a.chain.headers.length).to.equal(2);
    expect((await a.rollup.getFunction("head")()).number).to.equal(1n);
  });
});
