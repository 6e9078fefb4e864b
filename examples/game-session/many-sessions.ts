/**
 * Many game sessions at once, their L2 blocks advanced together (examples/game-session, README
 * "A rollup per game session"): N pairs of players each spawn a session through the lobby, their
 * L2 gas money carried by `openFunded` / `joinFunded` (or, with `fundInJoin: false`, sent by a
 * deposit each, as run.ts does); then every round — the first block (the game's start and the deposits), each of
 * the 7 moves, the leftover withdrawals — is one block per session, all of a round's blocks in ONE
 * shared advance (one L1 transaction, one blob set, one batched EXECUTE call) while they fit
 * (shared-rounds.ts). Each session is then settled by claiming its game's result, and its players'
 * leftovers are claimed. Per session: L1 gas by phase, each shared transaction's gas divided
 * evenly among its legs; the L2 gas EXECUTE's market charged for its blocks; its share of blob gas
 * and bytes. Beside it, the same game played once on L1.
 */
import { keccak256, toUtf8Bytes, Wallet, type Contract, type JsonRpcApiProvider, type Provider } from "ethers";
import { findTransaction } from "../../src/engine/state.js";
import { deposit, proveAndClaim, type SentMessage } from "../../src/sdk/bridge.js";
import { deployBundler } from "../../src/sdk/bundle.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import {
  deployLobby, FINAL_BOARD, GAME_MOVES, GameSessionError, ILLEGAL_MOVE, l1GameSummary, leftoverMessages, MOVE_GAS, playData, playOnL1, queueLeftoverWithdrawals,
  revertName, sentMessageOf, sessionL2, spawnSession, stepRecorder, type L1GameSummary, type SessionConnection, type SessionL2, type SessionStep, type StepPhase,
} from "./common.js";
import { GAME_ADDRESS } from "./genesis.js";
import { advanceTogether, shareOf, type SharedAdvanceRecord } from "./shared-rounds.js";

/** Options of {@link runManySessions}; every one has a default. */
export interface ManySessionsOptions {
  /** How many sessions play at once (default 10). */
  sessions?: number;
  /** Each player's L1 stake (default 1 ETH). */
  stake?: bigint;
  /** L2 gas money each player deposits (default 0.01 ETH). */
  l2Funding?: bigint;
  /** Players send their L2 gas money with their stake, deposited by the lobby's `join` (default), or by a deposit transaction each. */
  fundInJoin?: boolean;
  /**
   * Players withdraw their leftover L2 gas money (a cash-out block each, then a claim each on L1;
   * default). `false`: they leave it on the retired rollup — worth it when it is less than the
   * withdrawal's L1 gas (≈ 360k a session: its share of the cash-out advance and 2 claims).
   */
  cashOut?: boolean;
  /** Most sessions' blocks in one shared advance (default 100, the batched EXECUTE's reach; fewer when they do not fit). */
  maxLegs?: number;
  /** Where progress lines go (default: nowhere). */
  log?: (line: string) => void;
}

/** A session's L1 gas by phase (shared advances: its even share), and what else it paid for. */
export interface SessionCost {
  spawn: bigint;
  /** Its 2 deposits (none with `fundInJoin`: `join` made them) and its share of the first round's shared advance. */
  fund: bigint;
  moves: bigint;
  cashOut: bigint;
  settle: bigint;
  claims: bigint;
  total: bigint;
  /** L2 gas of its blocks: what EXECUTE's market charges for (in ETH, `executeFee`, not in L1 gas). */
  executeGas: bigint;
  executeFee: bigint;
  blobGas: number;
  blobBytes: number;
}

/** One session of the run, and what it ended with. */
export interface ManySession {
  sessionId: bigint;
  rollupAddress: string;
  players: [string, string];
  winner: string;
  /** The winner's L1 balance change across the settle claim (sent by the operator): the pot. */
  winnerPaid: bigint;
  resultMessage: SentMessage;
  retired: boolean;
  withdrawals: { player: string; value: bigint; paid: bigint }[];
  illegalMove: { l2Status: number; error: string };
  board: number[];
  /** The session's own L1 transactions (spawn, deposits, settle, claims). */
  steps: SessionStep[];
  cost: SessionCost;
}

/** What {@link runManySessions} did and measured. */
export interface ManySessionsResult {
  sessions: ManySession[];
  /** Every shared advance, in order (a round is one when its blocks fit one transaction). */
  shared: SharedAdvanceRecord[];
  /** The rounds, in order: their names and how many L1 transactions each took. */
  rounds: { phase: StepPhase; round: string; transactions: number }[];
  /** The mean of the sessions' costs. */
  average: SessionCost;
  l1Game: L1GameSummary;
  /** average.total / l1Game.total. */
  ratio: number;
  wallSeconds: number;
  /** Whether the players' L2 gas money came with open and join (else by deposits). */
  fundInJoin: boolean;
  /** Whether the players withdrew their leftover L2 gas money (else it stays on the retired rollup). */
  cashOut: boolean;
}

/** Player `i`'s key: derived from a fixed label, so runs are repeatable (these are not Hardhat's accounts). */
function playerKey(i: number): string {
  return keccak256(toUtf8Bytes(`ultrasound game-session many player ${i}`));
}

/**
 * Plays `sessions` game sessions on the L1 of `connection` (with EXECUTE), their blocks in shared
 * advances round by round, and returns every session's outcome and costs. L1 signer 0 is the
 * operator (deploys, funds the players, proposes, claims); the players are fresh wallets it funds.
 */
export async function runManySessions(connection: SessionConnection, options: ManySessionsOptions = {}): Promise<ManySessionsResult> {
  const log = options.log ?? (() => {});
  const n = options.sessions ?? 10;
  const stake = options.stake ?? 10n ** 18n;
  const l2Funding = options.l2Funding ?? 10n ** 16n;
  const maxLegs = options.maxLegs ?? 100;
  const fundInJoin = options.fundInJoin ?? true;
  const cashOut = options.cashOut ?? true;
  if (!Number.isInteger(n) || n < 1) throw new GameSessionError("The number of sessions must be a positive integer", { sessions: n });
  if (!Number.isInteger(maxLegs) || maxLegs < 1) throw new GameSessionError("maxLegs must be a positive integer", { maxLegs });
  const started = performance.now();
  const provider = connection.ethers.provider as unknown as JsonRpcApiProvider & Provider;
  const l1Balance = async (address: string) => BigInt((await provider.send("eth_getBalance", [address, "latest"])) as string);
  const [operator] = await connection.ethers.getSigners();
  if (operator === undefined) throw new GameSessionError("An L1 signer is needed (the operator)", {});
  const quiet = () => {};

  const { lobby, lobbyAddress, genesisHash } = await deployLobby(operator);
  const bundler = await deployBundler(operator);
  log(`lobby ${lobbyAddress}; bundler ${await bundler.getAddress()}; ${n} sessions, stake ${stake} wei each; L2 gas money ${fundInJoin ? "carried by open and join" : "by a deposit each"}${cashOut ? ", its leftover withdrawn" : ", its leftover left on L2"}`);

  // The players: fresh wallets funded by the operator (not counted).
  const wallets = Array.from({ length: 2 * n }, (_, i) => new Wallet(playerKey(i), provider));
  for (const w of wallets) await (await operator.sendTransaction({ to: w.address, value: stake + l2Funding + 10n ** 17n })).wait();

  // Spawn and fund: each session's own L1 transactions.
  interface Live { l2: SessionL2; rollup: Contract; sessionId: bigint; rollupAddress: string; pair: [Wallet, Wallet]; steps: SessionStep[]; timed: ReturnType<typeof stepRecorder>["timed"] }
  const live: Live[] = [];
  for (let i = 0; i < n; i++) {
    const pair: [Wallet, Wallet] = [wallets[2 * i]!, wallets[2 * i + 1]!];
    const { steps, timed } = stepRecorder(provider, quiet);
    const { sessionId, rollupAddress, chainId } = await spawnSession(lobby, pair, stake, timed, fundInJoin ? l2Funding : undefined);
    if (!fundInJoin) for (const p of pair) await timed("fund", "deposit → L2", async () => (await deposit(p, rollupAddress, { value: l2Funding })).receipt);
    live.push({ l2: await sessionL2(chainId, genesisHash), rollup: nativeRollupAt(rollupAddress, operator), sessionId, rollupAddress, pair, steps, timed });
  }
  log(`spawned and funded ${n} session(s) (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  const shared: SharedAdvanceRecord[] = [];
  const rounds: ManySessionsResult["rounds"] = [];
  const round = async (phase: StepPhase, name: string): Promise<void> => {
    const records = await advanceTogether({ bundler, provider, maxLegs, phase, round: name }, live.map(({ l2, rollup }) => ({ l2, rollup })));
    shared.push(...records);
    rounds.push({ phase, round: name, transactions: records.length });
    const gas = records.reduce((sum, r) => sum + r.l1Gas, 0n);
    log(`${phase.padEnd(9)}${name.padEnd(58)} ${records.length} L1 tx, ${gas.toLocaleString("en-US")} L1 gas (${(gas / BigInt(n)).toLocaleString("en-US")} a session), ${records.reduce((s, r) => s + r.blobs, 0)} blob(s), ${records.reduce((s, r) => s + r.wallMs, 0).toFixed(0)} ms`);
  };

  await round("fund", "first blocks: each game's start + both deposits");
  for (const s of live) {
    const status = Number(await s.l2.game.getFunction("status")());
    if (status !== 1) throw new GameSessionError("A game did not start on L2", { session: s.sessionId, status });
  }

  const illegal = new Map<bigint, { hash: string; error: string }>();
  const lastMove = new Map<bigint, string>();
  for (const [r, move] of GAME_MOVES.entries()) {
    for (const s of live) {
      if (ILLEGAL_MOVE.beforeMove === r) {
        const data = playData(s.l2.game, ILLEGAL_MOVE.cell);
        const from = s.pair[ILLEGAL_MOVE.player];
        const error = await s.l2.l2.call({ from: from.address, to: GAME_ADDRESS, data }).then(() => "none", (e: unknown) => revertName(s.l2.game, e));
        illegal.set(s.sessionId, { hash: await s.l2.sendL2(from, { to: GAME_ADDRESS, data, gasLimit: MOVE_GAS }), error });
      }
      lastMove.set(s.sessionId, await s.l2.sendL2(s.pair[move.player], { to: GAME_ADDRESS, data: playData(s.l2.game, move.cell), gasLimit: MOVE_GAS }));
    }
    await round("move", `move ${r + 1}: every session's move`);
    for (const s of live) {
      const included = findTransaction(s.l2.chain, lastMove.get(s.sessionId)!);
      if (included?.status !== 1) throw new GameSessionError("A legal move failed on L2", { session: s.sessionId, move: r + 1, status: included?.status ?? "not included" });
    }
  }

  const results = new Map<bigint, SentMessage>();
  const queued = new Map<bigint, Awaited<ReturnType<typeof queueLeftoverWithdrawals>>>();
  for (const s of live) {
    const result = await sentMessageOf(s.l2.l2, lastMove.get(s.sessionId)!);
    if (result === undefined) throw new GameSessionError("A last move sent no result to L1", { session: s.sessionId });
    results.set(s.sessionId, result);
    if (cashOut) queued.set(s.sessionId, await queueLeftoverWithdrawals(s.l2, s.pair));
  }
  if (cashOut) await round("cash-out", "every session's 2 leftover withdrawals");

  // Settle and claim: each session's own L1 transactions.
  const sessions: ManySession[] = [];
  for (const [i, s] of live.entries()) {
    const players = [s.pair[0].address, s.pair[1].address] as [string, string];
    const status = Number(await s.l2.game.getFunction("status")());
    const winner = status === 2 ? players[0] : status === 3 ? players[1] : "";
    if (winner === "") throw new GameSessionError("A game ended without a winner", { session: s.sessionId, status });
    const withdrawalMessages = cashOut ? await leftoverMessages(s.l2, queued.get(s.sessionId)!) : [];
    const before = await l1Balance(winner);
    await s.timed("settle", "settle", () => proveAndClaim(operator, s.rollup, s.l2.l2, results.get(s.sessionId)!));
    const winnerPaid = (await l1Balance(winner)) - before;
    const withdrawals: ManySession["withdrawals"] = [];
    for (const w of withdrawalMessages) {
      const b = await l1Balance(w.player);
      await s.timed("claim", "claim a leftover", () => proveAndClaim(operator, s.rollup, s.l2.l2, w.message));
      withdrawals.push({ player: w.player, value: w.value, paid: (await l1Balance(w.player)) - b });
    }
    const illegalTry = illegal.get(s.sessionId)!;
    const own = (phase: StepPhase) => s.steps.filter((step) => step.phase === phase).reduce((sum, step) => sum + step.l1Gas, 0n);
    const phaseShare = (phase: StepPhase) => shareOf(shared.filter((r) => r.phase === phase), i).l1Gas;
    const all = shareOf(shared, i);
    const cost = {
      spawn: own("spawn"), fund: own("fund") + phaseShare("fund"), moves: phaseShare("move"), cashOut: phaseShare("cash-out"), settle: own("settle"), claims: own("claim"),
      executeGas: all.executeGas, executeFee: all.executeFee, blobGas: all.blobGas, blobBytes: all.blobBytes,
    };
    sessions.push({
      sessionId: s.sessionId, rollupAddress: s.rollupAddress, players, winner, winnerPaid, resultMessage: results.get(s.sessionId)!,
      retired: (await s.rollup.getFunction("retired")()) as boolean, withdrawals,
      illegalMove: { l2Status: findTransaction(s.l2.chain, illegalTry.hash)?.status ?? -1, error: illegalTry.error },
      board: ((await s.l2.game.getFunction("board")()) as bigint[]).map(Number), steps: s.steps,
      cost: { ...cost, total: cost.spawn + cost.fund + cost.moves + cost.cashOut + cost.settle + cost.claims },
    });
  }
  log(`settled ${n} session(s) and claimed their leftovers (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  for (const s of sessions) {
    if (s.winnerPaid !== 2n * stake || !s.retired) throw new GameSessionError("A session's settle did not pay the pot and retire its rollup", { session: s.sessionId, paid: s.winnerPaid, retired: s.retired });
    if (s.board.join() !== FINAL_BOARD.join()) throw new GameSessionError("A session's board differs from the scripted game's", { session: s.sessionId, board: s.board.join() });
  }

  // The same game on L1, once (it costs the same for every pair).
  const l1 = stepRecorder(provider, quiet);
  await playOnL1(operator, live[0]!.pair, live[0]!.sessionId, l1.timed);
  const l1Game = l1GameSummary(l1.steps);
  const average = averageCost(sessions.map((s) => s.cost));
  return { sessions, shared, rounds, average, l1Game, ratio: Number(average.total) / Number(l1Game.total), wallSeconds: (performance.now() - started) / 1000, fundInJoin, cashOut };
}

function averageCost(costs: SessionCost[]): SessionCost {
  const k = BigInt(costs.length);
  const big = (key: "spawn" | "fund" | "moves" | "cashOut" | "settle" | "claims" | "total" | "executeGas" | "executeFee") => costs.reduce((sum, c) => sum + c[key], 0n) / k;
  const num = (key: "blobGas" | "blobBytes") => costs.reduce((sum, c) => sum + c[key], 0) / costs.length;
  return {
    spawn: big("spawn"), fund: big("fund"), moves: big("moves"), cashOut: big("cashOut"), settle: big("settle"), claims: big("claims"), total: big("total"),
    executeGas: big("executeGas"), executeFee: big("executeFee"), blobGas: num("blobGas"), blobBytes: num("blobBytes"),
  };
}

/** The average session's figures as printed lines, beside the same game on L1. */
export function formatManySummary(result: ManySessionsResult): string[] {
  const a = result.average;
  const g = (v: bigint) => v.toLocaleString("en-US");
  const n = result.sessions.length;
  const perRound = result.rounds.map((r) => r.transactions).join("/");
  const rows: [string, bigint, string][] = [
    [`spawn: open + join${result.fundInJoin ? " (the 2 deposits inside)" : ""}`, a.spawn, "its own L1 transactions"],
    [`fund: ${result.fundInJoin ? "" : "2 deposits + "}its share of the first round's shared advance`, a.fund, ""],
    ["moves: its share of 7 shared advances", a.moves, `${g(a.moves / 7n)} a move`],
    [result.cashOut ? "cash-out: its share of the withdrawals' shared advance" : "cash-out: none (the leftover L2 gas money stays on L2)", a.cashOut, ""],
    ["settle: claim the result (pot paid, rollup retired)", a.settle, ""],
    [result.cashOut ? "claims of the 2 leftovers" : "claims: none", a.claims, ""],
    ["session total (L1 gas)", a.total, ""],
    ["the same game on L1: deploy + start + moves", result.l1Game.total, `${g(result.l1Game.deploy)} + ${g(result.l1Game.start)} + ${g(result.l1Game.moves.reduce((x, y) => x + y, 0n))}`],
  ];
  return [
    `summary: ${n} session${n === 1 ? "" : "s"} sharing advances (L1 transactions per round: ${perRound}); the average session`,
    ...rows.map(([label, value, note]) => `  ${label.padEnd(66)}${g(value).padStart(11)}  ${note}`.trimEnd()),
    `  ratio session / L1 game: ${result.ratio.toFixed(2)}×`,
    `  beside the L1 gas: ${g(a.executeGas)} execute gas (L2 gas, fee ${a.executeFee} wei), ${a.blobGas.toFixed(0)} blob gas (${a.blobBytes.toFixed(0)} bytes of compressed blob data) per session`,
    `  ${result.wallSeconds.toFixed(1)} s in all`,
  ];
}
