/**
 * The rollup A → rollup B sync example (examples/sync/cross-rollup.ts): a contract on A buys from
 * a pool on B and books B's answer in its L2 transaction, on the real EDR + EXECUTE + engine.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { buyerInterface, crossBuy, deployCrossRollup, poolInterface, readView } from "../../examples/sync/rollups.js";

describe("examples/sync: a contract on rollup A buys from a pool on rollup B synchronously", function () {
  it("buys twice at B's moving price (1000 → 999, then 997), each pair of blocks in one L1 transaction", async function () {
    const { ethers } = await network.create();
    const a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
    const d = await deployCrossRollup(a, b);
    const first = await crossBuy(a, b, d, 1000n);
    expect(await readView(a, buyerInterface(), d.buyer, "lastOut")).to.equal(999n); // 1e6 · 1000 / 1,001,000
    const second = await crossBuy(a, b, d, 1000n);
    expect(await readView(a, buyerInterface(), d.buyer, "lastOut")).to.equal(997n); // 999,001 · 1000 / 1,002,000
    expect(await readView(a, buyerInterface(), d.buyer, "totalBought")).to.equal(1996n);
    expect(await readView(b, poolInterface(), d.pool, "reserveOut")).to.equal(1_000_000n - 1996n);
    for (const sent of [first, second]) expect(sent.receipt.logs.length).to.be.greaterThan(1);
    console.log(`      L1 gas ${first.receipt.gasUsed} and ${second.receipt.gasUsed}; ${first.ms} ms and ${second.ms} ms; ${first.prepared.rounds} build rounds`);
  });
});
