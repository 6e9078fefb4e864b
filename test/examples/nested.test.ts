/**
 * The nesting example (examples/sync/nested.ts): L1 → L2 → L1 in one L1 transaction, on the real
 * EDR + EXECUTE + engine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { deployOracle } from "../../examples/sync/oracle.js";
import { nestedBuy } from "../../examples/sync/oracle.js";

describe("examples/sync: L1 buys on L2 at a price L2 reads on L1, in one L1 transaction", function () {
  it("returns the L1 price to the L1 caller, buys on L2, and L1 records the L2 contract as the reader", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const d = await deployOracle(l2, signer!);
    const first = await nestedBuy(l2, d, 2n, 150n);
    expect([first.returned, first.bought, first.l1Reader]).to.deep.equal([100n, 2n, d.user]);
    await (await d.feed.getFunction("setPrice")(120n)).wait();
    const second = await nestedBuy(l2, d, 1n, 150n);
    expect([second.returned, second.bought]).to.deep.equal([120n, 3n]);
    console.log(`      L1 gas ${first.l1Gas} and ${second.l1Gas}; ${first.ms} ms and ${second.ms} ms; ${first.rounds} build rounds`);
  });
});
