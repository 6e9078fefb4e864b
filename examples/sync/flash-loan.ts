/**
 * An L1 flash loan repaid from an L2 swap, in ONE L1 transaction (docs/sync.md), on an in-process
 * L1 with one rollup:
 *
 *   npx hardhat run examples/sync/flash-loan.ts
 *
 * Borrow ETH on L1 → buy TOK with it on an L2 pool (a synchronous L1 → L2 call) → the TOK minted
 * on L1 from the L2 answer → sell it on an L1 pool where TOK is dearer → repay → profit. Prints one table.
 */
import { network } from "hardhat";
import { parseEther } from "ethers";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { deployFlash, formatFlash, runFlash } from "./flash.js";

const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const d = await deployFlash(l2, signer!);
console.log(`rollup ${l2.address}; L2TokenAmm on L2 at ${d.l2Amm} (L2Proxy ${d.proxy}); SyncBridgedToken, L1TokenAmm, FlashLender, FlashArbitrageur on L1\n`);
console.log(formatFlash(await runFlash(l2, d, parseEther("2"))));
