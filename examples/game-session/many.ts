/**
 * Many game sessions at once, their blocks in shared advances (many-sessions.ts has the steps).
 * Prints each round's shared advance(s), then the average session's L1 gas by phase, execute gas
 * and blob gas, against the same game played on L1.
 *
 *   npx hardhat run examples/game-session/many.ts                    # 10 sessions, in-process L1
 *   GAME_SESSIONS=100 npx hardhat run examples/game-session/many.ts   # 100 sessions
 *   GAME_DEPOSITS=1 npx hardhat run examples/game-session/many.ts     # players fund by deposits, not through join
 *   GAME_NO_CASH_OUT=1 npx hardhat run examples/game-session/many.ts  # players leave their leftover L2 gas money
 *   GAME_L1_URL=http://127.0.0.1:9545 npx hardhat run examples/game-session/many.ts   # a devnet's L1
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
import { GameSessionError, type SessionConnection } from "./common.js";
import { formatManySummary, runManySessions } from "./many-sessions.js";

async function connect(): Promise<SessionConnection> {
  const url = process.env.GAME_L1_URL;
  if (url === undefined || url === "") return network.getOrCreate();
  // ethers caches the block number (PITFALLS): no cache, fast polling.
  const provider = new JsonRpcProvider(url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const operator = new Wallet(devAccounts()[0]!.privateKey, provider);
  return { ethers: { provider, getSigners: async () => [operator] } };
}

const sessions = Number(process.env.GAME_SESSIONS ?? "10");
if (!Number.isInteger(sessions) || sessions < 1) throw new GameSessionError("GAME_SESSIONS must be a positive integer", { got: process.env.GAME_SESSIONS ?? "" });
const flag = (name: string) => (process.env[name] ?? "") !== "" && process.env[name] !== "0";
const result = await runManySessions(await connect(), { sessions, fundInJoin: !flag("GAME_DEPOSITS"), cashOut: !flag("GAME_NO_CASH_OUT"), log: (line) => console.log(line) });
console.log("");
for (const line of formatManySummary(result)) console.log(line);
