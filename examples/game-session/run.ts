/**
 * A rollup per game session, end to end (session.ts has the steps). Prints every step with its
 * L1 gas and latency, then a summary against the same game played on L1.
 *
 *   npx hardhat run examples/game-session/run.ts                       # in-process L1 with EXECUTE
 *   npx hardhat run --network localhost examples/game-session/run.ts   # the L1 of `npm run devnet`
 *   GAME_L1_URL=http://127.0.0.1:9545 npx hardhat run examples/game-session/run.ts   # any devnet L1
 *
 * The L1 must run EXECUTE (the ultrasound plugin's networks, or a devnet's L1); signers 0–2 are
 * Hardhat's default accounts (operator, player 1, player 2).
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
import { formatSummary, runGameSession, type SessionConnection } from "./session.js";

async function connect(): Promise<SessionConnection> {
  const url = process.env.GAME_L1_URL;
  if (url === undefined || url === "") return network.getOrCreate();
  // ethers caches the block number (PITFALLS): no cache, fast polling.
  const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const signers = devAccounts().slice(0, 3).map((a) => new Wallet(a.privateKey, provider));
  return { ethers: { provider, getSigners: async () => signers } };
}

const result = await runGameSession(await connect(), { log: (line) => console.log(line) });
console.log("");
for (const line of formatSummary(result)) console.log(line);
