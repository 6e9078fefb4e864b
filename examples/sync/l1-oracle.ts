/**
 * A synchronous L2 → L1 call (docs/sync.md, "L2 → L1"), on an in-process L1 with one rollup:
 *
 *   npx hardhat run examples/sync/l1-oracle.ts
 *
 * An L2 contract reads a price from an L1 contract inside its L2 transaction and buys at or below
 * a limit; the L1 transaction that verifies the block makes the same L1 call (from the rollup,
 * naming the L2 contract) and would revert whole if the price had moved. Prints the L1 gas.
 */
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { deployOracle, syncBuy } from "./oracle.js";

const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const d = await deployOracle(l2, signer!);
console.log(`rollup ${l2.address}; L1OracleUser on L2 at ${d.user}; L1PriceFeed on L1 at ${d.feedAddress}\n`);
const first = await syncBuy(l2, d, 2n, 150n);
console.log(`bought ${first.bought} at L1 price ${first.price}; L1 recorded the reader ${first.l1Reader}; L1 gas ${first.l1Gas.toLocaleString("en-US")} in L1 block ${first.l1Block}; ${first.rounds} build rounds; ${first.ms} ms`);
const advance = await l2.advance();
console.log(`a plain advance of an empty block: L1 gas ${advance.l1Receipt.gasUsed.toLocaleString("en-US")}`);
