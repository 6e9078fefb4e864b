/**
 * `npx tsx examples/uniswap/run.ts` (with `npm run devnet` running; `ULTRASOUND_L2_URL` for another
 * L2 port): Uniswap V2's published contracts on the rollup with plain ethers and default gas —
 * deploy, liquidity with ETH, six swaps, a burst, removal — then viem's createAccessList and a
 * callTracer trace, and a wait until L1 verified every block. Prints a line per step.
 */
import { devAccounts } from "../../src/engine/chain.js";
import { runUniswap } from "./uniswap.js";

const l2Url = process.env.ULTRASOUND_L2_URL ?? "http://127.0.0.1:8546";
const report = await runUniswap({ l2Url, keys: devAccounts().slice(0, 8).map((a) => a.privateKey), log: (line) => console.log(line) });
console.log(`${report.steps.length} transactions, all status 1; every one verified on L1 (safe L2 block ${report.verifiedThrough})`);
