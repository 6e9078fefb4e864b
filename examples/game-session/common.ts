/**
 * What a game session script needs whatever proposes its L2 blocks (session.ts: one session, its
 * own advances; many-sessions.ts: many sessions sharing advances): the scripted game, the lobby's
 * deployment, a session's spawn and its L2 kept in process, the leftover withdrawals, the same
 * game played on L1 for comparison, and the step recorder every L1 transaction goes through.
 */
import { bytesToHex } from "@ethereumjs/util";
import {
  BrowserProvider, Contract, ContractFactory, type Eip1193Provider, type Signer, type TransactionReceipt, type Wallet,
} from "ethers";
import { hashL2Message } from "../../src/bridge/messages.js";
import { PREDEPLOYS } from "../../src/engine/chain.js";
import { chainHead, createL2Chain, type L2Chain } from "../../src/engine/state.js";
import { createMempool, type Mempool } from "../../src/proposer/mempool.js";
import { chainViewOf, createRpcHandler } from "../../src/rpc/index.js";
import { l2MessengerInterface, parseSentMessages, type SentMessage } from "../../src/sdk/bridge.js";
import { deployFactory } from "../../src/sdk/factory.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { UltrasoundError } from "../../src/shared/errors.js";
import { CHAIN_ID_BASE, GAME_ADDRESS, gameArtifact, lobbyArtifact, sessionGenesis, sessionGenesisCommitments, stubArtifact } from "./genesis.js";

/** What the session needs of a Hardhat network connection (`network.connect()` / `network.create()`). */
export interface SessionConnection {
  ethers: {
    provider: { send(method: string, params: unknown[]): Promise<unknown> };
    getSigners(): Promise<Signer[]>;
  };
}

/** What a step belongs to; the summary adds up by phase ("forgery", a soundness check, is not counted). */
export type StepPhase = "spawn" | "fund" | "move" | "forgery" | "cash-out" | "settle" | "claim" | "l1-game";

/** One L1 transaction of the session, measured. */
export interface SessionStep {
  phase: StepPhase;
  name: string;
  l1Gas: bigint;
  /** From the step's start (signing included) to its L1 receipt. */
  wallMs: number;
  /** L1 blocks from the head when the step began to the block holding its transaction. */
  l1Blocks: number;
  l1Block: number;
}

/** A game session step did not go as the protocol says it must. */
export class GameSessionError extends UltrasoundError {
  override name = "GameSessionError";
}

/** The game played: X (player 1) wins on the diagonal 2-4-6 after a fork. Cells row-major, 0..8. */
export const GAME_MOVES: readonly { player: 0 | 1; cell: number }[] = [
  { player: 0, cell: 4 },
  { player: 1, cell: 1 },
  { player: 0, cell: 0 },
  { player: 1, cell: 8 },
  { player: 0, cell: 6 },
  { player: 1, cell: 3 },
  { player: 0, cell: 2 },
];
/** O's illegal try (X's cell 4), sent in the block of O's first move, just before it. */
export const ILLEGAL_MOVE = { beforeMove: 1, player: 1 as const, cell: 4 };
/** The scripted game's final board (0 empty, 1 X, 2 O). */
export const FINAL_BOARD: readonly number[] = [1, 2, 1, 2, 1, 0, 1, 0, 2];

/** L2 gas limit of a move (the winning one sends the L2→L1 message: ≈ 100k). */
export const MOVE_GAS = 250_000n;
/** L2 gas limit of a leftover withdrawal. */
export const WITHDRAW_GAS = 100_000n;
const TIP = 1_000_000_000n;
export const SYMBOL = ["X", "O"] as const;

/** Runs an L1 step and records it: `timed(phase, name, run)` returns `run`'s receipt. */
export type Timed = (phase: StepPhase, name: string, run: () => Promise<TransactionReceipt>) => Promise<TransactionReceipt>;

/** A step recorder on `provider`: every step's L1 gas, wall time and L1 blocks, logged as it lands. */
export function stepRecorder(provider: SessionConnection["ethers"]["provider"], log: (line: string) => void): { steps: SessionStep[]; timed: Timed } {
  const steps: SessionStep[] = [];
  const l1Number = async () => Number(BigInt((await provider.send("eth_blockNumber", [])) as string));
  const timed: Timed = async (phase, name, run) => {
    const t0 = performance.now();
    const b0 = await l1Number();
    const receipt = await run();
    const step: SessionStep = { phase, name, l1Gas: receipt.gasUsed, wallMs: performance.now() - t0, l1Blocks: receipt.blockNumber - b0, l1Block: receipt.blockNumber };
    steps.push(step);
    log(formatStep(step));
    return receipt;
  };
  return { steps, timed };
}

/** The lobby and the factory it spawns rollups from: infrastructure deployed once for every session (not counted). */
export interface LobbyDeployment {
  lobby: Contract;
  lobbyAddress: string;
  factoryAddress: string;
  genesisHash: string;
}

/** Deploys a RollupFactory and a GameLobby on it, with the sessions' genesis commitments. */
export async function deployLobby(operator: Signer): Promise<LobbyDeployment> {
  const factory = await deployFactory(operator);
  const factoryAddress = await factory.getAddress();
  const c = await sessionGenesisCommitments();
  const deployment = await new ContractFactory(lobbyArtifact().abi as never, lobbyArtifact().bytecode, operator).deploy(
    factoryAddress, GAME_ADDRESS, c.genesisHash, c.genesisStateRoot, c.genesisTimestamp, c.gasLimit, CHAIN_ID_BASE,
  );
  await deployment.waitForDeployment();
  const lobbyAddress = await deployment.getAddress();
  return { lobby: new Contract(lobbyAddress, lobbyArtifact().abi as never, operator), lobbyAddress, factoryAddress, genesisHash: c.genesisHash };
}

/**
 * Spawn: player 1 opens with `stake` naming player 2, player 2 joins; the lobby creates the rollup
 * and queues the game's start. With `l2Funding`, each player also sends that much L2 gas money
 * (`openFunded` / `joinFunded`), which `join` deposits to them after the start message.
 */
export async function spawnSession(
  lobby: Contract, l1Players: readonly [Signer, Signer], stake: bigint, timed: Timed, l2Funding?: bigint,
): Promise<{ sessionId: bigint; rollupAddress: string; chainId: bigint }> {
  const opponent = await l1Players[1].getAddress();
  const as = (i: 0 | 1) => lobby.connect(l1Players[i]) as Contract;
  const funded = l2Funding === undefined ? "" : " and L2 gas money";
  const opened = await timed("spawn", `open: player 1 stakes${funded} and names player 2`, async () =>
    (await (l2Funding === undefined
      ? await as(0).getFunction("open")(opponent, { value: stake })
      : await as(0).getFunction("openFunded")(opponent, l2Funding, { value: stake + l2Funding })).wait())!);
  const sessionId = eventArgs(lobby, opened, "SessionOpened").sessionId as bigint;
  const joined = await timed("spawn", `join: player 2 stakes${funded}; createRollup + game start${l2Funding === undefined ? "" : " + 2 deposits"} queued`, async () =>
    (await (l2Funding === undefined
      ? await as(1).getFunction("join")(sessionId, { value: stake })
      : await as(1).getFunction("joinFunded")(sessionId, l2Funding, { value: stake + l2Funding })).wait())!);
  const started = eventArgs(lobby, joined, "SessionStarted");
  return { sessionId, rollupAddress: started.rollup as string, chainId: started.chainId as bigint };
}

/** A session's L2 as its proposer keeps it in process: the chain, a mempool, a JSON-RPC provider on them, the game. */
export interface SessionL2 {
  chain: L2Chain;
  mempool: Mempool;
  l2: BrowserProvider;
  game: Contract;
  /** Signs `request` with `wallet` at its next nonce and adds it to the mempool; returns its hash. */
  sendL2(wallet: Wallet, request: { to: string; data: string; gasLimit: bigint; value?: bigint; maxFeePerGas?: bigint }): Promise<string>;
}

/** The L2 of session chain `chainId`, checked against the lobby's genesis hash. */
export async function sessionL2(chainId: bigint, genesisHash: string): Promise<SessionL2> {
  const chain = await createL2Chain(sessionGenesis(chainId));
  if (bytesToHex(chain.headers[0]!.hash()) !== genesisHash) {
    throw new GameSessionError("The session genesis differs from the lobby's", { chainId, expected: genesisHash, got: bytesToHex(chain.headers[0]!.hash()) });
  }
  const mempool = createMempool(chain);
  const rpc = createRpcHandler({ view: chainViewOf(chain), mempool });
  const l2 = new BrowserProvider({ request: (args) => rpc.request(args) } as Eip1193Provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const game = new Contract(GAME_ADDRESS, gameArtifact().abi as never, l2);
  const sendL2: SessionL2["sendL2"] = async (wallet, request) => {
    const nonce = Number(await mempool.nextNonce(wallet.address));
    return mempool.add(await signL2Transaction(chain, wallet, { nonce, ...request }));
  };
  return { chain, mempool, l2, game, sendL2 };
}

/** The move's L2 calldata. */
export function playData(game: Contract, cell: number): string {
  return game.interface.encodeFunctionData("play", [cell]);
}

/** The first L2→L1 message L2 transaction `hash` sent, with its proof coordinates; undefined if it sent none. */
export async function sentMessageOf(l2: BrowserProvider, hash: string): Promise<SentMessage | undefined> {
  const receipt = await l2.getTransactionReceipt(hash);
  if (receipt === null) return undefined;
  const [message] = parseSentMessages(receipt.logs);
  return message === undefined ? undefined : { message, hash: hashL2Message(message), receipt, l2BlockNumber: BigInt(receipt.blockNumber) };
}

/** Queues each wallet's withdrawal of all its L2 ETH but the withdrawal's own gas (the cash-out block's transactions). */
export async function queueLeftoverWithdrawals(session: SessionL2, wallets: readonly Wallet[]): Promise<{ player: string; hash: string; value: bigint }[]> {
  const maxFeePerGas = chainHead(session.chain).calcNextBaseFee() * 2n + TIP;
  const queued: { player: string; hash: string; value: bigint }[] = [];
  for (const wallet of wallets) {
    const value = (await session.l2.getBalance(wallet.address)) - WITHDRAW_GAS * maxFeePerGas;
    const data = l2MessengerInterface().encodeFunctionData("sendMessageToL1", [wallet.address, "0x"]);
    queued.push({ player: wallet.address, value, hash: await session.sendL2(wallet, { to: PREDEPLOYS.messenger, data, value, gasLimit: WITHDRAW_GAS, maxFeePerGas }) });
  }
  return queued;
}

/** The withdrawals of {@link queueLeftoverWithdrawals}, once included: each one's message (throws if one failed). */
export async function leftoverMessages(session: SessionL2, queued: { player: string; hash: string; value: bigint }[]): Promise<{ player: string; hash: string; value: bigint; message: SentMessage }[]> {
  return Promise.all(queued.map(async (w) => {
    const message = await sentMessageOf(session.l2, w.hash);
    if (message === undefined || message.receipt.status !== 1) throw new GameSessionError("A leftover withdrawal failed on L2", { player: w.player, status: message?.receipt.status ?? "no message" });
    return { ...w, message };
  }));
}

/** The same game played on L1, measured. */
export interface L1GameSummary {
  deploy: bigint;
  start: bigint;
  moves: bigint[];
  total: bigint;
}

/**
 * Plays the scripted game on L1 (phase "l1-game"): the same TicTacToe deployed there by player 1,
 * its messenger a stub the "lobby" (the operator) relays `start` through, then the 7 moves.
 * Returns the game's final status (2 X won, 3 O won, 4 draw).
 */
export async function playOnL1(operator: Signer, l1Players: readonly [Signer, Signer], sessionId: bigint, timed: Timed): Promise<number> {
  const stub = await new ContractFactory(stubArtifact().abi as never, stubArtifact().bytecode, operator).deploy();
  await stub.waitForDeployment();
  let address = "";
  await timed("l1-game", "L1 game: deploy TicTacToe", async () => {
    const deployed = await new ContractFactory(gameArtifact().abi as never, gameArtifact().bytecode, l1Players[0]).deploy(await stub.getAddress());
    address = await deployed.getAddress();
    return (await deployed.deploymentTransaction()!.wait())!;
  });
  const game = new Contract(address, gameArtifact().abi as never, operator);
  const players = await Promise.all(l1Players.map((p) => p.getAddress()));
  await timed("l1-game", "L1 game: start (relayed as the lobby's message)", async () =>
    (await (await (stub as Contract).getFunction("relay")(address, game.interface.encodeFunctionData("start", [sessionId, players[0], players[1]]))).wait())!);
  for (const [i, move] of GAME_MOVES.entries()) {
    await timed("l1-game", `L1 game: move ${i + 1}: ${SYMBOL[move.player]} → cell ${move.cell}`, async () =>
      (await (await (game.connect(l1Players[move.player]) as Contract).getFunction("play")(move.cell)).wait())!);
  }
  return Number(await game.getFunction("status")());
}

/** The L1 game's figures from the steps {@link playOnL1} recorded. */
export function l1GameSummary(steps: SessionStep[]): L1GameSummary {
  const l1Steps = steps.filter((s) => s.phase === "l1-game");
  const moves = l1Steps.filter((s) => s.name.includes("move")).map((s) => s.l1Gas);
  return {
    deploy: l1Steps.find((s) => s.name.includes("deploy"))!.l1Gas,
    start: l1Steps.find((s) => s.name.includes("start"))!.l1Gas,
    moves,
    total: l1Steps.reduce((sum, s) => sum + s.l1Gas, 0n),
  };
}

/** The steps' table header (see {@link formatStep}). */
export const STEP_HEADER = `${"phase".padEnd(9)}${"step".padEnd(66)}${"L1 gas".padStart(11)}${"wall ms".padStart(9)}  L1 blocks (block)`;

/** One step as a table line. */
export function formatStep(step: SessionStep): string {
  return `${step.phase.padEnd(9)}${step.name.padEnd(66)}${step.l1Gas.toLocaleString("en-US").padStart(11)}${step.wallMs.toFixed(0).padStart(9)}  ${step.l1Blocks} (#${step.l1Block})`;
}

/** The arguments of the first `name` event `contract` emitted in `receipt`. */
export function eventArgs(contract: Contract, receipt: TransactionReceipt, name: string): Record<string, unknown> {
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return contract.interface.parseLog(log);
      } catch {
        return null;
      }
    })();
    if (parsed?.name === name) return parsed.args.toObject();
  }
  throw new GameSessionError(`The transaction emitted no ${name}`, { tx: receipt.hash });
}

/**
 * The name of the custom error in a revert (searched through the error's nested data), or its
 * message. A claim's `NativeRollup_CallFailed(hash, returnData)` is followed into `inner`'s error.
 */
export function revertName(contract: Contract, error: unknown, inner?: Contract): string {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): string | undefined => {
    if (value === null || typeof value !== "object" || seen.has(value) || depth > 4) return undefined;
    seen.add(value);
    const data = (value as { data?: unknown }).data;
    if (typeof data === "string" && data.length >= 10) {
      const parsed = contract.interface.parseError(data);
      if (parsed?.name === "NativeRollup_CallFailed" && inner !== undefined) {
        const cause = inner.interface.parseError(parsed.args.returnData as string);
        return `${parsed.name}(${cause === null ? parsed.args.returnData : cause.name + "(" + cause.args.join(", ") + ")"})`;
      }
      if (parsed !== null) return parsed.name;
    }
    for (const key of ["error", "info", "cause", "data"]) {
      const found = visit((value as Record<string, unknown>)[key], depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return visit(error, 0) ?? (error instanceof Error ? error.message.split("\n")[0]! : String(error));
}

/** Wei as ETH with at most 6 decimals. */
export function fmtEth(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const frac = (wei % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "").slice(0, 6);
  return frac === "" ? whole.toString() : `${whole}.${frac}`;
}
