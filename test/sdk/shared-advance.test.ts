/**
 * proposeSharedAdvance (src/sdk/shared-advance.ts; docs/execute.md, "Shared advances"): several
 * rollups' next blocks in one L1 transaction whose ONE blob carries all their data, each leg an
 * `advanceWithBlobRange` over its range; real EDR, real EXECUTE, real KZG.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { decodeBlobRange } from "../../src/engine/blob-range.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { BundleBuildError, BundleTooLargeError, deployBundler } from "../../src/sdk/bundle.js";
import { prepareSharedAdvance, proposeSharedAdvance } from "../../src/sdk/shared-advance.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

describe("sdk shared advance: many rollups, one transaction, one blob", function () {
  const transfer = (l2: RollupFixture, from: number) => signL2Transaction(l2.chain, l2.wallets[from]!, { nonce: 0, to: l2.wallets[18]!.address, value: 1n });

  it("four rollups advance from one blob; each leg's range is its own block data; the chains move with L1", async function () {
    this.timeout(120_000);
    const { ethers } = await network.create();
    const rollups: RollupFixture[] = [];
    for (let i = 0; i < 4; i++) rollups.push(await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 168_000n + BigInt(i) }) }));
    const bundler = await deployBundler((await ethers.getSigners())[0]!);
    const legs = await Promise.all(rollups.map(async (l2, i) => ({ rollup: l2.rollup, chain: l2.chain, transactions: [await transfer(l2, i + 1)] })));
    const sent = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs });
    expect(sent.l1Receipt.status).to.equal(1);
    expect(sent.prepared.sidecar!.blobs).to.have.length(1);
    // The ranges tile the payload in leg order, and each leg's EXECUTE input names its own.
    let next = 0n;
    for (const [i, leg] of sent.prepared.legs.entries()) {
      const range = sent.prepared.ranges[i]!;
      expect(range.offset).to.equal(next);
      next += range.length;
      expect(decodeBlobRange(leg.input.transactions)).to.deep.equal(range);
    }
    expect(next).to.equal(BigInt(sent.prepared.payloadBytes));
    for (const l2 of rollups) {
      expect(l2.chain.headers).to.have.length(2);
      expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(sent.events[rollups.indexOf(l2)]!.blockHash);
    }
    console.log(`      4 legs: ${sent.l1Receipt.gasUsed} L1 gas, payload ${sent.prepared.payloadBytes} B → ${sent.prepared.compressedBytes} B compressed in 1 blob`);
  });

  it("refuses legs whose shared payload inflates past a leg's EXECUTE bound (BundleTooLargeError, nothing sent); each alone advances", async function () {
    this.timeout(120_000);
    // A 1-transfer block may read ≈ 1 MiB of a one-blob payload (its own bound, 512 KiB of witness
    // and 512 KiB of others' data); the other leg's 1.1 MB of zero calldata compresses into the one
    // blob but inflates past that: EXECUTE would reject the small leg (RollupBundler_EntryRejected).
    const { ethers } = await network.create();
    const [small, large] = [await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 168_100n }) }), await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 168_101n }) })];
    const bundler = await deployBundler((await ethers.getSigners())[0]!);
    const bulky = await signL2Transaction(large!.chain, large!.wallets[2]!, { nonce: 0, to: large!.wallets[18]!.address, data: "0x" + "00".repeat(1_100_000), gasLimit: 14_000_000n });
    const legs = [{ rollup: small!.rollup, chain: small!.chain, transactions: [await transfer(small!, 1)] }, { rollup: large!.rollup, chain: large!.chain, transactions: [bulky] }];
    const l1Before = await ethers.provider.getBlockNumber();
    const error = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs }).then(
      () => expect.fail("the shared advance was sent"),
      (e: unknown) => e as BundleTooLargeError,
    );
    expect(error).to.be.instanceOf(BundleTooLargeError);
    const { payloadBytes, maxBytes } = error.details as { payloadBytes: number; maxBytes: number };
    expect(payloadBytes).to.be.greaterThan(maxBytes);
    expect(await ethers.provider.send("eth_blockNumber", [])).to.equal(`0x${l1Before.toString(16)}`, "nothing sent");
    for (const leg of legs) {
      const sent = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs: [leg] });
      expect(sent.l1Receipt.status).to.equal(1);
      expect(leg.chain.headers).to.have.length(2);
    }
  });

  it("refuses a leg with forwards or assertions (BundleBuildError) before building anything", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers });
    const bundler = await deployBundler((await ethers.getSigners())[0]!);
    const error = await prepareSharedAdvance({ bundler, provider: ethers.provider as never, legs: [{ rollup: l2.rollup, chain: l2.chain, forward: true }] }).then(
      () => expect.fail("prepared"),
      (e: unknown) => e as BundleBuildError,
    );
    expect(error).to.be.instanceOf(BundleBuildError);
    expect(error.details).to.deep.include({ leg: 0 });
  });
});
