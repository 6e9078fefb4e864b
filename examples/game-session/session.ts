/**
 * A rollup per game session, end to end (examples/game-session/README in the main README):
 *
 * 1. spawn: player 1 opens a session on the L1 `GameLobby` with a stake, player 2 joins with the
 *    same stake; `join` creates the session's rollup through the RollupFactory (the lobby is its
 *    retirer) and queues the game's `start` as the rollup's message 0;
 * 2. fund: both players deposit L2 gas money through the rollup's bridge (SDK `deposit`); the
 *    first L2 block delivers `start` and both deposits;
 * 3. play: every move is an L2 transaction proposed in its own L2 block (`buildFittingBlock` +
 *    `publishBlock`), verified on L1 by EXECUTE; one illegal move rides along and reverts on L2;
 * 4. the winning move sends `GameLobby.settle(sessionId, winner)` to L1 through the L2 messenger;
 *    the loser forges the same message from their own account (a block not counted), then both
 *    players withdraw their leftover L2 ETH in one more block;
 * 5. settle: the result is claimed on L1 (SDK `proveAndClaim`): the lobby pays the winner the pot
 *    and retires the rollup; the players' withdrawals are claimed after the retirement;
 * 6. the same game is played on L1 directly (the same TicTacToe deployed there) to compare costs.
 *
 * Every step is recorded with its L1 gas and latency (wall ms, L1 blocks from the L1 head when
 * the step began to the block that holds its L1 transaction).
 */
import { Contract, Wallet, ZeroAddress, type JsonRpcApiProvider, type TransactionReceipt } from "ethers";
import { bytesToHex } from "@ethereumjs/util";
import { devAccounts, PREDEPLOYS } from "../../src/engine/chain.js";
import { findTransaction, type L2Chain } from "../../src/engine/state.js";
import type { Mempool } from "../../src/proposer/mempool.js";
import { buildFittingBlock, latestL1Block, publishBlock, type DataAvailability, type ProposedBlock } from "../../src/proposer/propose.js";
import { dropSkipped } from "../../src/proposer/proposer.js";
import { deposit, l2MessengerInterface, proveAndClaim, type SentMessage } from "../../src/sdk/bridge.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import {
  deployLobby, fmtEth, GAME_MOVES, GameSessionError, ILLEGAL_MOVE, l1GameSummary, leftoverMessages, MOVE_GAS, playData, playOnL1, queueLeftoverWithdrawals,
  revertName, sentMessageOf, sessionL2, spawnSession, STEP_HEADER, stepRecorder, SYMBOL, WITHDRAW_GAS, type SessionConnection, type SessionStep, type StepPhase,
} from "./common.js";
import { GAME_ADDRESS } from "./genesis.js";

export { GAME_MOVES, GameSessionError, ILLEGAL_MOVE, type SessionConnection, type SessionStep, type StepPhase } from "./common.js";

/** Options of {@link runGameSession}; every one has a default. */
export interface GameSessionOptions {
  /** Each player's L1 stake (default 1 ETH); the winner gets both. */
  stake?: bigint;
  /** L2 gas money each player deposits (default 0.01 ETH); the leftover is withdrawn at the end. */
  l2Funding?: bigint;
  /** Where L2 blocks are published (default "blobs"). */
  dataAvailability?: DataAvailability;
  /** Where each step's line goes (default: nowhere). */
  log?: (line: string) => void;
}

/** The L1 gas figures of a session, and of the same game played on L1. */
export interface SessionSummary {
  spawn: bigint;
  fund: bigint;
  /** The advance that carried each move. */
  moves: bigint[];
  cashOut: bigint;
  settle: bigint;
  claims: bigint;
  total: bigint;
  l1Game: { deploy: bigint; start: bigint; moves: bigint[]; total: bigint };
  /** total / l1Game.total. */
  ratio: number;
  /** Σ moves / Σ l1Game.moves. */
  movesRatio: number;
  /** L1 blocks from the advance that verified the result to the claim that paid it (the forgery and cash-out blocks in between). */
  resultToPaidBlocks: number;
}

/** What {@link runGameSession} did and saw. */
export interface GameSessionResult {
  lobby: Contract;
  lobbyAddress: string;
  factoryAddress: string;
  sessionId: bigint;
  rollup: Contract;
  rollupAddress: string;
  chainId: bigint;
  players: [string, string];
  stake: bigint;
  winner: string;
  /** The winner's L1 balance change across the settle claim (sent by the operator): the pot. */
  winnerPaid: bigint;
  /** The game's result message, claimed by settle. */
  resultMessage: SentMessage;
  /** The players' leftover-L2-ETH withdrawals, claimed after the retirement. */
  withdrawals: { player: string; message: SentMessage; value: bigint; paid: bigint; claimBlock: number }[];
  /** The L1 block of the settle claim, which retired the rollup. */
  retiredInBlock: number;
  /** The custom error `advance` reverts with after the retirement (on a claim built on the head). */
  advanceAfterRetire: string;
  /**
   * A forged result: player 2's own L2 message `settle(sessionId, player 2)` (not from the game),
   * verified on L1 like any message; its claim reverts with the lobby's error, named here.
   */
  forgedResult: { message: SentMessage; error: string };
  /** The illegal move O tried: its L2 receipt status (0: reverted) and the game's error. */
  illegalMove: { player: string; cell: number; l2Status: number; error: string; l2Block: number };
  /** The final board: 0 empty, 1 X, 2 O. */
  board: number[];
  steps: SessionStep[];
  summary: SessionSummary;
}

/**
 * Runs a whole game session on the L1 of `connection` (with EXECUTE: the in-process Hardhat
 * network or the devnet's L1), then the same game on L1, and returns every step measured.
 * Uses L1 signers 0 (operator: deploys the factory and lobby, proposes L2 blocks, sends the
 * claims), 1 and 2 (the players), whose keys must be Hardhat's default ones (they sign on L2 too).
 */
export async function runGameSession(connection: SessionConnection, options: GameSessionOptions = {}): Promise<GameSessionResult> {
  const log = options.log ?? (() => {});
  const stake = options.stake ?? 10n ** 18n;
  const l2Funding = options.l2Funding ?? 10n ** 16n;
  const dataAvailability = options.dataAvailability ?? "blobs";
  const { ethers } = connection;
  const provider = ethers.provider;
  const l1Balance = async (address: string) => BigInt((await provider.send("eth_getBalance", [address, "latest"])) as string);

  const [operator, signer1, signer2] = await ethers.getSigners();
  if (operator === undefined || signer1 === undefined || signer2 === undefined) throw new GameSessionError("Three L1 signers are needed (operator, player 1, player 2)", {});
  const l1Players = [signer1, signer2] as const;
  const wallets = [new Wallet(devAccounts()[1]!.privateKey), new Wallet(devAccounts()[2]!.privateKey)] as const;
  const players = [await signer1.getAddress(), await signer2.getAddress()] as [string, string];
  for (const i of [0, 1]) {
    if (players[i]!.toLowerCase() !== wallets[i]!.address.toLowerCase()) {
      throw new GameSessionError("L1 signer is not Hardhat's default account: its L2 key is unknown", { signer: i + 1, l1: players[i]!, expected: wallets[i]!.address });
    }
  }
  const operatorAddress = await operator.getAddress();
  const { steps, timed } = stepRecorder(provider, log);

  // Infrastructure, deployed once for every session (not counted): the factory and the lobby.
  const { lobby, lobbyAddress, factoryAddress, genesisHash } = await deployLobby(operator);
  log(`lobby ${lobbyAddress} (factory ${factoryAddress}); every session's genesis ${genesisHash}, game at ${GAME_ADDRESS} on L2`);
  log(`players: X ${players[0]}, O ${players[1]}; stake ${fmtEth(stake)} ETH each`);
  log("");
  log(STEP_HEADER);

  // 1. spawn.
  const { sessionId, rollupAddress, chainId } = await spawnSession(lobby, l1Players, stake, timed);
  const rollup = nativeRollupAt(rollupAddress, operator);

  // The session's L2, kept by this process (the proposer's view), and its JSON-RPC in process.
  const session = await sessionL2(chainId, genesisHash);
  const { chain, mempool, l2, game, sendL2 } = session;
  const propose = (): Promise<ProposedBlock> => proposeAll({ chain, mempool, rollup, provider: provider as never, coinbase: operatorAddress, dataAvailability });

  // 2. fund.
  for (const i of [0, 1] as const) {
    await timed("fund", `deposit: player ${i + 1} → L2 (${fmtEth(l2Funding)} ETH for gas)`, async () =>
      (await deposit(l1Players[i], rollupAddress, { value: l2Funding })).receipt);
  }
  await timed("fund", "advance L2 #1: delivers the game's start + both deposits", async () => (await propose()).l1Receipt);
  if (Number(await game.getFunction("status")()) !== 1) throw new GameSessionError("The game did not start on L2", { status: await game.getFunction("status")() });

  // 3. play.
  let illegalMove: GameSessionResult["illegalMove"] | undefined;
  let lastMoveHash = "";
  let lastMoveAdvance: TransactionReceipt | undefined;
  for (const [i, move] of GAME_MOVES.entries()) {
    const illegal = ILLEGAL_MOVE.beforeMove === i ? ILLEGAL_MOVE : undefined;
    const name = `move ${i + 1}: ${SYMBOL[move.player]} → cell ${move.cell}` + (illegal ? ` (+ ${SYMBOL[illegal.player]}'s illegal try at cell ${illegal.cell})` : "");
    let illegalHash: string | undefined;
    let illegalError = "";
    lastMoveAdvance = await timed("move", name, async () => {
      if (illegal !== undefined) {
        const data = playData(game, illegal.cell);
        illegalError = await l2.call({ from: wallets[illegal.player].address, to: GAME_ADDRESS, data }).then(() => "none", (error: unknown) => revertName(game, error));
        illegalHash = await sendL2(wallets[illegal.player], { to: GAME_ADDRESS, data, gasLimit: MOVE_GAS });
      }
      lastMoveHash = await sendL2(wallets[move.player], { to: GAME_ADDRESS, data: playData(game, move.cell), gasLimit: MOVE_GAS });
      return (await propose()).l1Receipt;
    });
    const included = findTransaction(chain, lastMoveHash);
    if (included?.status !== 1) throw new GameSessionError("A legal move failed on L2", { move: i + 1, status: included?.status ?? "not included" });
    if (illegalHash !== undefined) {
      const found = findTransaction(chain, illegalHash)!;
      illegalMove = { player: wallets[ILLEGAL_MOVE.player].address, cell: ILLEGAL_MOVE.cell, l2Status: found.status, error: illegalError, l2Block: Number(found.block.header.number) };
      log(`${"".padEnd(9)}  ↳ illegal move: L2 receipt status ${found.status} (${illegalError}), in L2 block ${illegalMove.l2Block}`);
    }
  }
  const status = Number(await game.getFunction("status")());
  const winner = status === 2 ? players[0] : status === 3 ? players[1] : ZeroAddress;
  const resultMessage = await sentMessageOf(l2, lastMoveHash);
  if (resultMessage === undefined) throw new GameSessionError("The last move sent no result to L1", { status });
  log(`${"".padEnd(9)}  ↳ game over: ${status === 4 ? "draw" : `${SYMBOL[status - 2]} wins`}; result message ${resultMessage.hash.slice(0, 18)}… sent in L2 block ${resultMessage.l2BlockNumber}`);

  // 4. A forgery, not part of the session's cost (phase "forgery"): the loser sends the same
  //    settle call as the game would, from their own L2 account. L1 verifies its block like any.
  let forgedHash = "";
  await timed("forgery", "advance: O's own message settle(session, O) (not counted)", async () => {
    const forged = lobby.interface.encodeFunctionData("settle", [sessionId, players[1]]);
    forgedHash = await sendL2(wallets[1], { to: PREDEPLOYS.messenger, data: l2MessengerInterface().encodeFunctionData("sendMessageToL1", [lobbyAddress, forged]), gasLimit: WITHDRAW_GAS });
    return (await propose()).l1Receipt;
  });
  const forgedMessage = await sentMessageOf(l2, forgedHash);
  if (forgedMessage === undefined) throw new GameSessionError("The forged result was not sent on L2", { hash: forgedHash });
  const forgedError = await proveAndClaim(operator, rollup, l2, forgedMessage).then(
    () => "nothing (the forged result was accepted)",
    (error: unknown) => revertName(rollup, error, lobby),
  );
  log(`${"".padEnd(9)}  ↳ forged result (O's own message settle(${sessionId}, O)): its claim reverts ${forgedError}`);

  // 5. cash-out: both players withdraw what gas left them, before the rollup retires.
  let queued: Awaited<ReturnType<typeof queueLeftoverWithdrawals>> = [];
  await timed("cash-out", "advance: both players withdraw their leftover L2 ETH", async () => {
    queued = await queueLeftoverWithdrawals(session, wallets);
    return (await propose()).l1Receipt;
  });
  const sentWithdrawals = await leftoverMessages(session, queued);

  // 6. settle, then the withdrawals after the retirement.
  const winnerBefore = winner === ZeroAddress ? 0n : await l1Balance(winner);
  const settled = await timed("settle", "settle: claim the result; lobby pays the pot, retires the rollup", () => proveAndClaim(operator, rollup, l2, resultMessage));
  const winnerPaid = winner === ZeroAddress ? 0n : (await l1Balance(winner)) - winnerBefore;
  if (!((await rollup.getFunction("retired")()) as boolean)) throw new GameSessionError("The settle claim did not retire the session rollup", { rollup: rollupAddress });
  const advanceAfterRetire = await advanceRevert(rollup, provider);
  log(`${"".padEnd(9)}  ↳ winner ${winner} paid ${fmtEth(winnerPaid)} ETH; rollup retired; advance now reverts ${advanceAfterRetire}`);
  const withdrawals: GameSessionResult["withdrawals"] = [];
  for (const [i, w] of sentWithdrawals.entries()) {
    const before = await l1Balance(w.player);
    const receipt = await timed("claim", `claim player ${i + 1}'s leftover ${fmtEth(w.value)} ETH (rollup retired)`, () => proveAndClaim(operator, rollup, l2, w.message));
    withdrawals.push({ player: w.player, message: w.message, value: w.value, paid: (await l1Balance(w.player)) - before, claimBlock: receipt.blockNumber });
  }
  const board = ((await game.getFunction("board")()) as bigint[]).map(Number);

  // 7. The same game on L1: the same contract, its messenger a stub the "lobby" relays through.
  log("");
  const l1Status = await playOnL1(operator, l1Players, sessionId, timed);
  if (l1Status !== status) throw new GameSessionError("The L1 game ended otherwise than the L2 one", { l1: l1Status, l2: status });

  const summary = summarise(steps, settled.blockNumber - lastMoveAdvance!.blockNumber);
  if (illegalMove === undefined) throw new GameSessionError("The illegal move was never tried", {});
  return {
    lobby, lobbyAddress, factoryAddress, sessionId, rollup, rollupAddress, chainId, players, stake, winner, winnerPaid, resultMessage, withdrawals,
    retiredInBlock: settled.blockNumber, advanceAfterRetire, forgedResult: { message: forgedMessage, error: forgedError }, illegalMove, board, steps, summary,
  };
}

/** Proposes everything pending in one L2 block (as the devnet's proposer would) and waits for L1 to verify it. */
async function proposeAll(options: { chain: L2Chain; mempool: Mempool; rollup: Contract; provider: JsonRpcApiProvider; coinbase: string; dataAvailability: DataAvailability }): Promise<ProposedBlock> {
  const { mempool } = options;
  await mempool.sync();
  const fitted = await buildFittingBlock({ ...options, transactions: mempool.pending() });
  dropSkipped(mempool, fitted.block.skipped);
  const proposed = await publishBlock({ ...options, fitted });
  mempool.remove(proposed.block.transactions.map((tx) => bytesToHex(tx.hash())));
  if (proposed.block.skipped.length > 0 || fitted.deferred.length > 0) {
    throw new GameSessionError("An L2 transaction was left out of its block", { skipped: proposed.block.skipped.map((s) => s.reason).join("; "), deferred: fitted.deferred.length });
  }
  return proposed;
}

/** The custom error `advance` reverts with on `rollup` for a block on its head (a retired rollup: NativeRollup_Retired). */
export async function advanceRevert(rollup: Contract, provider: { send(method: string, params: unknown[]): Promise<unknown> }): Promise<string> {
  const head = (await rollup.getFunction("head")()) as { blockHash: string; messageCount: bigint };
  const anchor = await latestL1Block(provider);
  const claim = {
    parentHash: head.blockHash, blockHash: head.blockHash, stateRoot: head.blockHash, receiptsRoot: head.blockHash, gasUsed: 0n,
    coinbase: ZeroAddress, timestamp: anchor.timestamp, anchorBlockNumber: anchor.number, messageCount: head.messageCount,
  };
  return rollup.getFunction("advance").staticCall(claim, "0x", "0x", "0x").then(() => "nothing (it did not revert)", (error: unknown) => revertName(rollup, error));
}

function summarise(steps: SessionStep[], resultToPaidBlocks: number): SessionSummary {
  const gas = (phase: StepPhase) => steps.filter((s) => s.phase === phase).map((s) => s.l1Gas);
  const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
  const l1Game = l1GameSummary(steps);
  const moves = gas("move");
  const summary = {
    spawn: sum(gas("spawn")), fund: sum(gas("fund")), moves, cashOut: sum(gas("cash-out")), settle: sum(gas("settle")), claims: sum(gas("claim")),
  };
  const total = summary.spawn + summary.fund + sum(moves) + summary.cashOut + summary.settle + summary.claims;
  return { ...summary, total, l1Game, ratio: Number(total) / Number(l1Game.total), movesRatio: Number(sum(moves)) / Number(sum(l1Game.moves)), resultToPaidBlocks };
}

/** The summary as printed lines. */
export function formatSummary(result: GameSessionResult): string[] {
  const s = result.summary;
  const n = (v: bigint) => v.toLocaleString("en-US");
  const sum = (values: bigint[]) => values.reduce((a, b) => a + b, 0n);
  const avg = (values: bigint[]) => values.length === 0 ? 0n : sum(values) / BigInt(values.length);
  const rows: [string, string, string][] = [
    ["spawn: open + join (escrow, createRollup, start queued)", n(s.spawn), ""],
    ["fund: 2 deposits + the advance delivering them and start", n(s.fund), ""],
    [`moves: ${s.moves.length} advances, one move each`, n(sum(s.moves)), `avg ${n(avg(s.moves))}: ${s.moves.map(n).join(" / ")}`],
    ["cash-out: the advance with both leftover withdrawals", n(s.cashOut), ""],
    ["settle: claim the result (proof, pot to the winner, retire)", n(s.settle), `result verified → paid: ${s.resultToPaidBlocks} L1 blocks (forgery, cash-out between)`],
    ["claims of the 2 leftovers after retirement", n(s.claims), ""],
    ["session total", n(s.total), ""],
    ["the same game on L1: deploy + start + moves", n(s.l1Game.total), `${n(s.l1Game.deploy)} + ${n(s.l1Game.start)} + ${n(sum(s.l1Game.moves))} (avg ${n(avg(s.l1Game.moves))} a move)`],
  ];
  return [
    "summary (L1 gas of whole transactions)",
    ...rows.map(([label, value, note]) => `  ${label.padEnd(62)}${value.padStart(11)}  ${note}`.trimEnd()),
    `  ratio session / L1 game: ${s.ratio.toFixed(2)}×; per move (its advance / the L1 move): ${s.movesRatio.toFixed(2)}×`,
  ];
}
