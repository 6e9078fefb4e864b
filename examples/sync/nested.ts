/**
 * L1 → L2 → L1 in one rollup and one L1 transaction (docs/sync.md, "Nesting"), on an in-process L1:
 *
 *   npx hardhat run examples/sync/nested.ts
 *
 * An L1 call buys on L2 through the L2 contract's L2Proxy; that L2 contract reads the price from
 * an L1 contract (`L2Messenger.callL1`) and buys at or below a limit; the L1 caller gets the price
 * back. L1 makes the price read inside the proxy call, from the rollup naming the L2 contract.
 */
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { deployOracle, nestedBuy } from "./oracle.js";

const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const d = await deployOracle(l2, signer!);
console.log(`rollup ${l2.address}; L1OracleUser on L2 at ${d.user}; L1PriceFeed on L1 at ${d.feedAddress}\n`);
const buy = await nestedBuy(l2, d, 2n, 150n);
console.log("| what | value |\n| --- | --- |");
console.log(`| price the L1 caller got back | ${buy.returned} |`);
console.log(`| bought on L2 | ${buy.bought} |`);
console.log(`| L1 feed's recorded L2 reader | ${buy.l1Reader} |`);
console.log(`| L1 gas (one transaction) | ${buy.l1Gas.toLocaleString("en-US")} |`);
console.log(`| build rounds / wall time | ${buy.rounds} / ${buy.ms} ms |`);
