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
import { bytesToHex } from "@ethereumjs/util";
import {
  BrowserProvider, Contract, ContractFactory, Wallet, ZeroAddress, type Eip1193Provider, type JsonRpcApiProvider, type Signer,
  type TransactionReceipt,
} from "ethers";
import { hashL2Message } from "../../src/bridge/messages.js";
import { devAccounts, PREDEPLOYS } from "../../src/engine/chain.js";
import { chainHead, createL2Chain, findTransaction, type L2Chain } from "../../src/engine/state.js";
import { createMempool, type Mempool } from "../../src/proposer/mempool.js";
import { buildFittingBlock, latestL1Block, publishBlock, type DataAvailability, type ProposedBlock } from "../../src/proposer/propose.js";
import { dropSkipped } from "../../src/proposer/proposer.js";
import { chainViewOf, createRpcHandler } from "../../src/rpc/index.js";
import { deposit, l2MessengerInterface, parseSentMessages, proveAndClaim, type SentMessage } from "../../src/sdk/bridge.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
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

/** L2 gas limit of a move (the winning one sends the L2→L1 message: ≈ 100k). */
const MOVE_GAS = 250_000n;
/** L2 gas limit of a leftover withdrawal. */
const WITHDRAW_GAS = 100_000n;
const TIP = 1_000_000_000n;
const SYMBOL = ["X", "O"] as const;

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
  const l1Number = async () => Number(BigInt((await provider.send("eth_blockNumber", [])) as string));
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

  const steps: SessionStep[] = [];
  async function timed(phase: StepPhase, name: string, run: () => Promise<TransactionReceipt>): Promise<TransactionReceipt> {
    const t0 = performance.now();
    const b0 = await l1Number();
    const receipt = await run();
    const step: SessionStep = { phase, name, l1Gas: receipt.gasUsed, wallMs: performance.now() - t0, l1Blocks: receipt.blockNumber - b0, l1Block: receipt.blockNumber };
    steps.push(step);
    log(formatStep(step));
    return receipt;
  }

  // Infrastructure, deployed once for every session (not counted): the factory and the lobby.
  const factory = await deployFactory(operator);
  const factoryAddress = await factory.getAddress();
  const commitments = await sessionGenesisCommitments();
  const lobbyDeployment = await new ContractFactory(lobbyArtifact().abi as never, lobbyArtifact().bytecode, operator).deploy(
    factoryAddress, GAME_ADDRESS, commitments.genesisHash, commitments.genesisStateRoot, commitments.genesisTimestamp, commitments.gasLimit, CHAIN_ID_BASE,
  );
  await lobbyDeployment.waitForDeployment();
  const lobbyAddress = await lobbyDeployment.getAddress();
  const lobby = new Contract(lobbyAddress, lobbyArtifact().abi as never, operator);
  log(`lobby ${lobbyAddress} (factory ${factoryAddress}); every session's genesis ${commitments.genesisHash}, game at ${GAME_ADDRESS} on L2`);
  log(`players: X ${players[0]}, O ${players[1]}; stake ${fmtEth(stake)} ETH each`);
  log("");
  log(`${"phase".padEnd(9)}${"step".padEnd(66)}${"L1 gas".padStart(11)}${"wall ms".padStart(9)}  L1 blocks (block)`);

  // 1. spawn.
  const opened = await timed("spawn", "open: player 1 stakes and names player 2", async () =>
    (await (await (lobby.connect(signer1) as Contract).getFunction("open")(players[1], { value: stake })).wait())!);
  const sessionId = eventArgs(lobby, opened, "SessionOpened").sessionId as bigint;
  const joined = await timed("spawn", "join: player 2 stakes; createRollup + game start queued", async () =>
    (await (await (lobby.connect(signer2) as Contract).getFunction("join")(sessionId, { value: stake })).wait())!);
  const started = eventArgs(lobby, joined, "SessionStarted");
  const rollupAddress = started.rollup as string;
  const chainId = started.chainId as bigint;
  const rollup = nativeRollupAt(rollupAddress, operator);

  // The session's L2, kept by this process (the proposer's view), and its JSON-RPC in process.
  const chain = await createL2Chain(sessionGenesis(chainId));
  if (bytesToHex(chain.headers[0]!.hash()) !== commitments.genesisHash) {
    throw new GameSessionError("The session genesis differs from the lobby's", { chainId, expected: commitments.genesisHash, got: bytesToHex(chain.headers[0]!.hash()) });
  }
  const mempool = createMempool(chain);
  const rpc = createRpcHandler({ view: chainViewOf(chain), mempool });
  const l2 = new BrowserProvider({ request: (args) => rpc.request(args) } as Eip1193Provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const game = new Contract(GAME_ADDRESS, gameArtifact().abi as never, l2);
  const propose = (): Promise<ProposedBlock> => proposeAll({ chain, mempool, rollup, provider: provider as never, coinbase: operatorAddress, dataAvailability });
  const sendL2 = async (wallet: Wallet, request: { to: string; data: string; gasLimit: bigint; value?: bigint; maxFeePerGas?: bigint }): Promise<string> => {
    const nonce = Number(await mempool.nextNonce(wallet.address));
    return mempool.add(await signL2Transaction(chain, wallet, { nonce, ...request }));
  };

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
        const data = game.interface.encodeFunctionData("play", [illegal.cell]);
        illegalError = await l2.call({ from: wallets[illegal.player].address, to: GAME_ADDRESS, data }).then(() => "none", (error: unknown) => revertName(game, error));
        illegalHash = await sendL2(wallets[illegal.player], { to: GAME_ADDRESS, data, gasLimit: MOVE_GAS });
      }
      lastMoveHash = await sendL2(wallets[move.player], { to: GAME_ADDRESS, data: game.interface.encodeFunctionData("play", [move.cell]), gasLimit: MOVE_GAS });
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
  const finalReceipt = (await l2.getTransactionReceipt(lastMoveHash))!;
  const [resultL2Message] = parseSentMessages(finalReceipt.logs);
  if (resultL2Message === undefined) throw new GameSessionError("The last move sent no result to L1", { status });
  const resultMessage: SentMessage = { message: resultL2Message, hash: hashL2Message(resultL2Message), receipt: finalReceipt, l2BlockNumber: BigInt(finalReceipt.blockNumber) };
  log(`${"".padEnd(9)}  ↳ game over: ${status === 4 ? "draw" : `${SYMBOL[status - 2]} wins`}; result message ${resultMessage.hash.slice(0, 18)}… sent in L2 block ${resultMessage.l2BlockNumber}`);

  // 4. A forgery, not part of the session's cost (phase "forgery"): the loser sends the same
  //    settle call as the game would, from their own L2 account. L1 verifies its block like any.
  let forgedHash = "";
  await timed("forgery", "advance: O's own message settle(session, O) (not counted)", async () => {
    const forged = lobby.interface.encodeFunctionData("settle", [sessionId, players[1]]);
    forgedHash = await sendL2(wallets[1], { to: PREDEPLOYS.messenger, data: l2MessengerInterface().encodeFunctionData("sendMessageToL1", [lobbyAddress, forged]), gasLimit: WITHDRAW_GAS });
    return (await propose()).l1Receipt;
  });
  const forgedReceipt = (await l2.getTransactionReceipt(forgedHash))!;
  const [forgedL2Message] = parseSentMessages(forgedReceipt.logs);
  if (forgedL2Message === undefined) throw new GameSessionError("The forged result was not sent on L2", { status: forgedReceipt.status });
  const forgedMessage: SentMessage = { message: forgedL2Message, hash: hashL2Message(forgedL2Message), receipt: forgedReceipt, l2BlockNumber: BigInt(forgedReceipt.blockNumber) };
  const forgedError = await proveAndClaim(operator, rollup, l2, forgedMessage).then(
    () => "nothing (the forged result was accepted)",
    (error: unknown) => revertName(rollup, error, lobby),
  );
  log(`${"".padEnd(9)}  ↳ forged result (O's own message settle(${sessionId}, O)): its claim reverts ${forgedError}`);

  // 5. cash-out: both players withdraw what gas left them, before the rollup retires.
  const pendingWithdrawals: { player: string; hash: string; value: bigint }[] = [];
  await timed("cash-out", "advance: both players withdraw their leftover L2 ETH", async () => {
    const maxFeePerGas = chainHead(chain).calcNextBaseFee() * 2n + TIP;
    for (const wallet of wallets) {
      const value = (await l2.getBalance(wallet.address)) - WITHDRAW_GAS * maxFeePerGas;
      const data = l2MessengerInterface().encodeFunctionData("sendMessageToL1", [wallet.address, "0x"]);
      pendingWithdrawals.push({ player: wallet.address, value, hash: await sendL2(wallet, { to: PREDEPLOYS.messenger, data, value, gasLimit: WITHDRAW_GAS, maxFeePerGas }) });
    }
    return (await propose()).l1Receipt;
  });
  const sentWithdrawals = await Promise.all(pendingWithdrawals.map(async (w) => {
    const receipt = (await l2.getTransactionReceipt(w.hash))!;
    const [message] = parseSentMessages(receipt.logs);
    if (receipt.status !== 1 || message === undefined) throw new GameSessionError("A leftover withdrawal failed on L2", { player: w.player, status: receipt.status });
    return { ...w, message: { message, hash: hashL2Message(message), receipt, l2BlockNumber: BigInt(receipt.blockNumber) } satisfies SentMessage };
  }));

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
  const stub = await new ContractFactory(stubArtifact().abi as never, stubArtifact().bytecode, operator).deploy();
  await stub.waitForDeployment();
  let l1GameAddress = "";
  await timed("l1-game", "L1 game: deploy TicTacToe", async () => {
    const deployed = await new ContractFactory(gameArtifact().abi as never, gameArtifact().bytecode, signer1).deploy(await stub.getAddress());
    l1GameAddress = await deployed.getAddress();
    return (await deployed.deploymentTransaction()!.wait())!;
  });
  const l1Game = new Contract(l1GameAddress, gameArtifact().abi as never, operator);
  await timed("l1-game", "L1 game: start (relayed as the lobby's message)", async () =>
    (await (await (stub as Contract).getFunction("relay")(l1GameAddress, l1Game.interface.encodeFunctionData("start", [sessionId, players[0], players[1]]))).wait())!);
  for (const [i, move] of GAME_MOVES.entries()) {
    await timed("l1-game", `L1 game: move ${i + 1}: ${SYMBOL[move.player]} → cell ${move.cell}`, async () =>
      (await (await (l1Game.connect(l1Players[move.player]) as Contract).getFunction("play")(move.cell)).wait())!);
  }
  if (Number(await l1Game.getFunction("status")()) !== status) throw new GameSessionError("The L1 game ended otherwise than the L2 one", { l1: await l1Game.getFunction("status")(), l2: status });

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
  const l1Steps = steps.filter((s) => s.phase === "l1-game");
  const l1Moves = l1Steps.filter((s) => s.name.includes("move")).map((s) => s.l1Gas);
  const l1Game = { deploy: l1Steps.find((s) => s.name.includes("deploy"))!.l1Gas, start: l1Steps.find((s) => s.name.includes("start"))!.l1Gas, moves: l1Moves, total: sum(l1Steps.map((s) => s.l1Gas)) };
  const moves = gas("move");
  const summary = {
    spawn: sum(gas("spawn")), fund: sum(gas("fund")), moves, cashOut: sum(gas("cash-out")), settle: sum(gas("settle")), claims: sum(gas("claim")),
  };
  const total = summary.spawn + summary.fund + sum(moves) + summary.cashOut + summary.settle + summary.claims;
  return { ...summary, total, l1Game, ratio: Number(total) / Number(l1Game.total), movesRatio: Number(sum(moves)) / Number(sum(l1Moves)), resultToPaidBlocks };
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

function formatStep(step: SessionStep): string {
  return `${step.phase.padEnd(9)}${step.name.padEnd(66)}${step.l1Gas.toLocaleString("en-US").padStart(11)}${step.wallMs.toFixed(0).padStart(9)}  ${step.l1Blocks} (#${step.l1Block})`;
}

function eventArgs(contract: Contract, receipt: TransactionReceipt, name: string): Record<string, unknown> {
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
function revertName(contract: Contract, error: unknown, inner?: Contract): string {
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

function fmtEth(wei: bigint): string {
  const whole = wei / 10n ** 18n;
  const frac = (wei % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "").slice(0, 6);
  return frac === "" ? whole.toString() : `${whole}.${frac}`;
}
