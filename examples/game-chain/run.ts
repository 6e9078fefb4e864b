/**
 * A game chain with a chain per session (chain.ts has the steps): N tic-tac-toe sessions as L3s
 * of a game L2 that settles on L1. Prints every round with its L1 gas, then L1 gas per session
 * and per move next to a session rollup settled on L1 directly (examples/game-session, run here
 * too) and the same game played on L1.
 *
 *   npx hardhat run examples/game-chain/run.ts                    # 4 sessions, in-process L1
 *   GAME_CHAIN_SESSIONS=8 npx hardhat run examples/game-chain/run.ts
 */
import { network } from "hardhat";
import { formatComparison, runGameChain } from "./chain.js";
import { runGameSession } from "../game-session/session.js";

const sessions = Number(process.env.GAME_CHAIN_SESSIONS ?? 4);
const chain = await runGameChain(await network.create(), { sessions, log: (line) => console.log(line) });
console.log("");
console.log("the same game as a session rollup settled on L1 directly (examples/game-session), for comparison:");
const direct = await runGameSession(await network.create());
console.log("");
for (const line of formatComparison(chain, direct)) console.log(line);
