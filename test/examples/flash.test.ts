/**
 * The flash-loan example (examples/sync/flash-loan.ts): an L1 flash loan repaid from an L2 swap,
 * in one L1 transaction, on the real EDR + EXECUTE + engine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { parseEther } from "ethers";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { SyncSimulationError } from "../../src/sdk/sync.js";
import { deployFlash, flashInterfaces, formatFlash, runFlash, POOLS } from "../../examples/sync/flash.js";

describe("examples/sync: an L1 flash loan repaid from an L2 swap in one L1 transaction", function () {
  it("borrows 2 ETH, buys TOK on L2, sells it on L1, repays with the fee and keeps the profit; TOK stays fully backed on L2", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const d = await deployFlash(l2, signer!);
    const lenderBefore = await ethers.provider.getBalance(await d.lender.getAddress());
    const headBefore = (await l2.rollup.getFunction("head")()).number as bigint;
    const run = await runFlash(l2, d, parseEther("2"));
    // One L1 transaction holds the loan, the L2 purchase (its block verified there), the sale and the repayment.
    expect(run.sent.event.number).to.equal(headBefore + 1n);
    expect(run.sent.prepared.calls).to.have.length(1);
    expect(run.sent.prepared.calls[0]!.value).to.equal(parseEther("2"));
    expect(run.borrowed).to.equal(parseEther("2"));
    expect(run.tokens).to.be.greaterThan(0n);
    expect(run.ethBack).to.equal(run.borrowed + run.fee + run.profit);
    expect(run.profit).to.be.greaterThan(0n);
    expect(await ethers.provider.getBalance(await d.lender.getAddress())).to.equal(lenderBefore + run.fee);
    // Every L1 TOK is backed by TOK escrowed for the token contract on L2 (the seed and this run).
    expect(run.escrowOnL2).to.equal(run.supplyOnL1);
    // The L2 pool took the 2 ETH (and the seed's 12).
    const reserve = BigInt(await l2.call({ to: d.l2Amm, data: flashInterfaces().l2Amm.encodeFunctionData("reserveEth") }));
    expect(reserve).to.equal(POOLS.l2Eth + POOLS.l1Seed + parseEther("2"));
    const table = formatFlash(run);
    console.log(table.replace(/^/gm, "      "));
    expect(table).to.match(/all of it: 1 L1 transaction/);
  });

  it("a loan the sale cannot repay: the whole transaction would revert (FlashArbitrageur_Unprofitable), so nothing is sent and neither chain moves", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const d = await deployFlash(l2, signer!);
    const head = await l2.rollup.getFunction("head")();
    const i = flashInterfaces();
    const refused = await runFlash(l2, d, parseEther("40")).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(SyncSimulationError);
    expect((refused as SyncSimulationError).details.errorName).to.equal("FlashArbitrageur_Unprofitable");
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    const reserve = BigInt(await l2.call({ to: d.l2Amm, data: i.l2Amm.encodeFunctionData("reserveEth") }));
    expect(reserve).to.equal(POOLS.l2Eth + POOLS.l1Seed);
  });
});
