import { expect } from "chai";
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { DEFAULT_EXECUTE_MARKET, updateFractionFor } from "../../src/precompile/index.js";
import { buildFittingBlock, createProposer, executeGasRoom, L1_TRANSACTION_GAS_CAP, type ProposalOutcome } from "../../src/proposer/index.js";
import { readExecuteMarket } from "../../src/sdk/execute-market.js";

/**
 * Issue 17, item 2: under EXECUTE's market an L2 block is bounded by the rollup's gas limit (a
 * genesis parameter) and the market's cumulative limit, not by one L1 transaction's 2^24 gas;
 * under 1:1 pricing the L1 cap still bounds it.
 */

/** Burns gas until 10,000 is left: `EXP(3, 2^256−1)` (1,610 gas a step) in a loop, then STOP. */
const BURNER_CODE = "0x5b" + "7f" + "ff".repeat(32) + "6003" + "0a" + "50" + "612710" + "5a" + "11" + "6000" + "57" + "00";
const BURNER = "0x00000000000000000000000000000000000b0b0b";

describe("proposer: blocks bounded by the L2's gas limit under EXECUTE's market", function () {
  it("executeGasRoom: what the market's cumulative limit leaves in the L1 block; its full limit when that cannot hold the first transaction; none under 1:1 pricing", function () {
    const market = { pricing: 1n, baseFee: 1n, usedInBlock: 0n, limit: 60_000_000n, target: 30_000_000n, excess: 0n };
    expect(executeGasRoom(market, 21_000n)).to.equal(60_000_000n);
    expect(executeGasRoom({ ...market, usedInBlock: 59_000_000n }, 21_000n)).to.equal(1_000_000n);
    expect(executeGasRoom({ ...market, usedInBlock: 59_990_000n }, 21_000n)).to.equal(60_000_000n);
    expect(executeGasRoom({ ...market, usedInBlock: 61_000_000n }, 21_000n)).to.equal(60_000_000n);
    expect(executeGasRoom({ ...market, pricing: 0n, limit: 0n, target: 0n }, 21_000n)).to.equal(undefined);
  });

  it("the market's cumulative limit cuts the block by gas used (not by gas limits): 10.5M leaves 500 of 1,001 transfers, and that advance lands", async function () {
    this.timeout(300_000);
    const { ethers } = await network.create();
    const limit = 10_500_000n;
    const target = 5_250_000n;
    const market = { ...DEFAULT_EXECUTE_MARKET, limit, target, updateFraction: updateFractionFor(limit, target) };
    const l2 = await loadRollupFixture({ ethers }, { executePricing: { pricing: "market", market } });
    // Each asks 50,000 gas and uses 21,000: by gas limits only 210 would fit 10.5M.
    for (let i = 0; i < 1001; i++) await l2.send({ from: i % 10, to: l2.wallets[19]!.address, value: 1n, gasLimit: 50_000n });
    const proposed = await l2.advance();
    expect(proposed.l1Receipt.status).to.equal(1);
    expect(proposed.block.transactions).to.have.length(500);
    expect(proposed.block.header.gasUsed).to.equal(500n * 21_000n);
    expect(l2.mempool.pending()).to.have.length(501);
  });

  it("a transaction that alone uses more L2 gas than the market's cumulative limit is dropped by the proposer, with the gas and the limit in its reason", async function () {
    this.timeout(120_000);
    const { ethers } = await network.create();
    const limit = 1_000_000n;
    const market = { ...DEFAULT_EXECUTE_MARKET, limit, target: limit / 2n, updateFraction: updateFractionFor(limit, limit / 2n) };
    const l2 = await loadRollupFixture({ ethers }, { executePricing: { pricing: "market", market }, genesis: { alloc: { [BURNER]: { balance: 0n, code: BURNER_CODE } } } });
    const hash = await l2.send({ to: BURNER, gasLimit: 2_000_000n });
    const [signer] = await ethers.getSigners();
    const lines: string[] = [];
    const proposer = createProposer({ chain: l2.chain, rollup: l2.rollup, provider: ethers.provider as never, mempool: l2.mempool, coinbase: await signer!.getAddress(), log: (line) => lines.push(line) });
    const l1Before = await ethers.provider.send("eth_blockNumber", []);
    const outcome = await proposer.proposeNext();
    expect(outcome.kind, lines.join("\n")).to.equal("dropped");
    const { dropped } = outcome as Extract<ProposalOutcome, { kind: "dropped" }>;
    expect(dropped.map((d) => d.hash)).to.deep.equal([hash]);
    expect(dropped[0]!.reason).to.match(/use 19\d{5} L2 gas, above the 1000000 EXECUTE's cumulative limit/);
    expect(await ethers.provider.send("eth_blockNumber", []), "no L1 transaction was sent").to.equal(l1Before);
  });

  it("1,001 transfers: one block under the market; under 1:1 pricing the L1 cap cuts the block short", async function () {
    this.timeout(300_000);
    const counts: Record<string, number> = {};
    for (const pricing of ["market", "l1-gas"] as const) {
      const { ethers } = await network.create();
      const l2 = await loadRollupFixture({ ethers }, { executePricing: { pricing } });
      for (let i = 0; i < 1001; i++) await l2.send({ from: i % 10, to: l2.wallets[19]!.address, value: 1n });
      const [signer] = await ethers.getSigners();
      const fitted = await buildFittingBlock({
        chain: l2.chain,
        rollup: l2.rollup,
        provider: ethers.provider as never,
        coinbase: await signer!.getAddress(),
        transactions: l2.mempool.pending(),
      });
      expect(fitted.l1GasBound).to.be.at.most(L1_TRANSACTION_GAS_CAP);
      counts[pricing] = fitted.block.transactions.length;
      expect(fitted.block.transactions.length + fitted.deferred.length).to.equal(1001);
    }
    console.log(`      (1,001 transfers in one block: market ${counts.market}, 1:1 pricing ${counts["l1-gas"]})`);
    expect(counts.market).to.equal(1001);
    // 2^24 L1 gas at 21,000 a transfer, less advance's own: fewer than 800.
    expect(counts["l1-gas"]).to.be.below(800);
  });

  it("a genesis with a 120M gas limit: one L2 block of ≥ 100M gas verified in one L1 transaction on the Hardhat L1", async function () {
    this.timeout(600_000);
    const { ethers } = await network.create();
    const limit = 240_000_000n;
    const target = 120_000_000n;
    const market = { ...DEFAULT_EXECUTE_MARKET, limit, target, updateFraction: updateFractionFor(limit, target) };
    const l2 = await loadRollupFixture(
      { ethers },
      { executePricing: { pricing: "market", market }, genesis: { gasLimit: 120_000_000n, alloc: { [BURNER]: { balance: 0n, code: BURNER_CODE } } } },
    );
    // Seven transactions of 16M gas each (the L2 keeps EIP-7825's per-transaction cap): 112M.
    for (let i = 0; i < 7; i++) await l2.send({ from: i, to: BURNER, gasLimit: 16_000_000n });
    expect((await readExecuteMarket(ethers.provider)).limit).to.equal(limit);
    const started = performance.now();
    const proposed = await l2.advance();
    const seconds = (performance.now() - started) / 1000;
    const { gasUsed } = proposed.block.header;
    const l1Tx = await ethers.provider.getTransaction(proposed.l1Receipt.hash);
    console.log(`      (L2 block of ${gasUsed} gas, ${proposed.block.transactions.length} transactions: L1 gas used ${proposed.l1Receipt.gasUsed}, limit ${l1Tx!.gasLimit}; built and verified in ${seconds.toFixed(1)} s)`);
    expect(proposed.l1Receipt.status).to.equal(1);
    expect(proposed.block.transactions).to.have.length(7);
    expect(gasUsed).to.be.at.least(100_000_000n);
    expect(l1Tx!.gasLimit).to.be.at.most(L1_TRANSACTION_GAS_CAP);
    expect(proposed.event.number).to.equal(1n);
    expect(proposed.event.gasUsed).to.equal(gasUsed);
    // Each burner call ran to its STOP (no out-of-gas): status 1.
    for (const receipt of proposed.block.receipts) expect((receipt as { status?: number }).status).to.equal(1);
  });
});
