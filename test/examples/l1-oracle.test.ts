/**
 * The L2 → L1 sync example (examples/sync/l1-oracle.ts): an L2 contract reads an L1 price inside
 * its L2 transaction and buys with it, on the real EDR + EXECUTE + engine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { deployOracle, syncBuy } from "../../examples/sync/oracle.js";

describe("examples/sync: an L2 contract buys at an L1 price read synchronously", function () {
  it("buys 2 at 100, then at the new L1 price 120, each in one L2 block verified by one L1 transaction", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const d = await deployOracle(l2, signer!);
    const first = await syncBuy(l2, d, 2n, 150n);
    expect([first.price, first.bought, first.l1Reader]).to.deep.equal([100n, 2n, d.user]);
    await (await d.feed.getFunction("setPrice")(120n)).wait();
    const second = await syncBuy(l2, d, 1n, 150n);
    expect([second.price, second.bought]).to.deep.equal([120n, 3n]);
    console.log(`      L1 gas ${first.l1Gas} and ${second.l1Gas}; ${first.ms} ms and ${second.ms} ms; ${first.rounds} build rounds`);
  });
});
