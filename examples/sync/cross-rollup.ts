/**
 * A synchronous rollup A → rollup B call through L1 (docs/sync.md, "Rollup A → rollup B"), on an
 * in-process L1 with two rollups:
 *
 *   npx hardhat run examples/sync/cross-rollup.ts
 *
 * A contract on rollup A buys from a pool on rollup B and books the amount B's pool returned in
 * the same L2 transaction; ONE L1 transaction (B.syncExecute, whose L1 call is A.advanceWithL1Calls)
 * verifies both blocks. Prints what each side saw and the L1 gas.
 */
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { buyerInterface, crossBuy, deployCrossRollup, poolInterface, readView } from "./rollups.js";

const { ethers } = await network.create();
const a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
const d = await deployCrossRollup(a, b);
console.log(`rollup A ${a.address} (buyer ${d.buyer}); rollup B ${b.address} (pool ${d.pool}, its L1 proxy ${d.poolProxy})\n`);
for (const amountIn of [1000n, 1000n]) {
  const sent = await crossBuy(a, b, d, amountIn);
  const lastOut = await readView(a, buyerInterface(), d.buyer, "lastOut");
  const reserveOut = await readView(b, poolInterface(), d.pool, "reserveOut");
  console.log(
    `A's buyer paid ${amountIn} and booked ${lastOut} (B's pool now holds ${reserveOut}); A block ${sent.events.a.number} and B block ${sent.events.b.number} ` +
      `in L1 transaction ${sent.receipt.hash.slice(0, 10)}… (L1 block ${sent.receipt.blockNumber}): L1 gas ${sent.receipt.gasUsed.toLocaleString("en-US")}; ${sent.prepared.rounds} build rounds; ${sent.ms} ms`,
  );
}
const advance = await a.advance();
console.log(`a plain advance of an empty block: L1 gas ${advance.l1Receipt.gasUsed.toLocaleString("en-US")}`);
