/**
 * A rollup per game session (examples/game-session): the whole session — spawned by the L1
 * GameLobby through the RollupFactory, played move by move on its own L2 (each move an L2 block
 * verified on L1 by the real EXECUTE), settled by claiming the game's L2→L1 result — then its
 * aftermath checked on L1: the pot paid, the rollup retired, claims still working, an illegal
 * move and a forged result refused. One session for every case (≈ 10 s): they read its results.
 */
import { expect } from "chai";
import { Contract, ContractFactory, ZeroAddress, type Signer, type TransactionReceipt } from "ethers";
import { network } from "hardhat";
import { latestL1Block } from "../../src/proposer/propose.js";
import { createL2Chain } from "../../src/engine/state.js";
import { bytesToHex } from "@ethereumjs/util";
import { runGameSession, type GameSessionResult } from "../../examples/game-session/session.js";
import { GAME_ADDRESS, gameArtifact, sessionGenesis, stubArtifact } from "../../examples/game-session/genesis.js";

const { ethers } = await network.create();
const STAKE = 10n ** 18n;

describe("examples/game-session: a rollup per game session", function () {
  let session: GameSessionResult;
  const l1Balance = async (address: string) => BigInt((await ethers.provider.send("eth_getBalance", [address, "latest"])) as string);

  before(async function () {
    session = await runGameSession({ ethers }, { stake: STAKE });
  });

  it("pays the winner the pot on L1 from the game's L2→L1 result, and the lobby keeps nothing", async function () {
    expect(session.winner).to.equal(session.players[0], "X wins the scripted game");
    expect(session.winnerPaid).to.equal(2n * STAKE);
    const s = await session.lobby.getFunction("sessions")(session.sessionId);
    expect(s.status).to.equal(3n, "Settled");
    expect(await l1Balance(session.lobbyAddress)).to.equal(0n);
    expect(await session.rollup.getFunction("claimed")(session.resultMessage.hash)).to.equal(true);
    const events = await session.lobby.queryFilter(session.lobby.filters.SessionSettled!(session.sessionId));
    expect(events).to.have.length(1);
    expect((events[0] as unknown as { args: { winner: string; pot: bigint } }).args.pot).to.equal(2n * STAKE);
  });

  it("retires the session rollup in the settle claim: advance reverts NativeRollup_Retired, deposits too", async function () {
    expect(await session.rollup.getFunction("retired")()).to.equal(true);
    expect(session.advanceAfterRetire).to.equal("NativeRollup_Retired");
    const head = await session.rollup.getFunction("head")();
    const anchor = await latestL1Block(ethers.provider as never);
    const claim = {
      parentHash: head.blockHash, blockHash: head.blockHash, stateRoot: head.blockHash, receiptsRoot: head.blockHash, gasUsed: 0n,
      coinbase: ZeroAddress, timestamp: anchor.timestamp, anchorBlockNumber: anchor.number, messageCount: head.messageCount,
    };
    await expect(session.rollup.getFunction("advance")(claim, "0x", "0x", "0x")).to.be.revertedWithCustomError(session.rollup, "NativeRollup_Retired");
    await expect(session.rollup.getFunction("deposit")(session.players[0], { value: 1n })).to.be.revertedWithCustomError(session.rollup, "NativeRollup_Retired");
  });

  it("claims still work after the retirement: both players' leftover L2 ETH is paid on L1", async function () {
    expect(session.withdrawals).to.have.length(2);
    for (const w of session.withdrawals) {
      expect(w.claimBlock).to.be.greaterThan(session.retiredInBlock);
      expect(w.value).to.be.greaterThan(0n);
      expect(w.paid).to.equal(w.value);
      expect(await session.rollup.getFunction("claimed")(w.message.hash)).to.equal(true);
    }
  });

  it("the game on L2 rejected an illegal move (a taken cell): reverted in its block, the board unchanged", async function () {
    expect(session.illegalMove.l2Status).to.equal(0);
    expect(session.illegalMove.error).to.equal("TicTacToe_CellTaken");
    expect(session.illegalMove.player).to.equal(session.players[1]);
    expect(session.board[session.illegalMove.cell]).to.equal(1, "X's cell stayed X's");
    expect(session.board).to.deep.equal([1, 2, 1, 2, 1, 0, 1, 0, 2]);
  });

  it("refuses a result not sent by the game: a player's own settle message fails in the lobby (GameLobby_NotGame)", async function () {
    expect(session.forgedResult.error).to.equal(`NativeRollup_CallFailed(GameLobby_NotGame(${session.players[1]}))`);
    expect(await session.rollup.getFunction("claimed")(session.forgedResult.message.hash)).to.equal(false);
    await expect(session.lobby.getFunction("settle")(session.sessionId, session.players[0]))
      .to.be.revertedWithCustomError(session.lobby, "GameLobby_NotSessionRollup");
  });

  it("every session's genesis is the lobby's: the same hash and state root whatever the chain id", async function () {
    const [a, b] = await Promise.all([createL2Chain(sessionGenesis(1n)), createL2Chain(sessionGenesis(session.chainId))]);
    expect(bytesToHex(a.headers[0]!.hash())).to.equal(await session.lobby.getFunction("GENESIS_HASH")());
    expect(bytesToHex(b.headers[0]!.stateRoot)).to.equal(await session.lobby.getFunction("GENESIS_STATE_ROOT")());
    expect(((await session.lobby.getFunction("GAME")()) as string).toLowerCase()).to.equal(GAME_ADDRESS);
  });

  it("measures every step, and the same game on L1 for the ratio", async function () {
    const s = session.summary;
    expect(s.moves).to.have.length(7);
    expect(s.l1Game.moves).to.have.length(7);
    expect(s.total).to.equal(s.spawn + s.fund + s.moves.reduce((a, b) => a + b, 0n) + s.cashOut + s.settle + s.claims);
    expect(s.ratio).to.be.greaterThan(0);
    for (const step of session.steps) expect(step.l1Blocks, step.name).to.equal(1);
  });

  describe("the rules, on L1 (the same game deployed there; the session's lobby)", function () {
    let signers: Signer[];
    let game: Contract;
    let stub: Contract;
    const as = (c: Contract, i: number) => c.connect(signers[i]!) as Contract;

    beforeEach(async function () {
      signers = await ethers.getSigners();
      const s = await new ContractFactory(stubArtifact().abi as never, stubArtifact().bytecode, signers[0]!).deploy();
      stub = new Contract(await s.getAddress(), stubArtifact().abi as never, signers[0]!);
      const g = await new ContractFactory(gameArtifact().abi as never, gameArtifact().bytecode, signers[0]!).deploy(await stub.getAddress());
      game = new Contract(await g.getAddress(), gameArtifact().abi as never, signers[0]!);
      await (await stub.getFunction("relay")(await game.getAddress(), game.interface.encodeFunctionData("start", [9n, session.players[0], session.players[1]]))).wait();
    });

    it("start: only through the messenger, once", async function () {
      await expect(game.getFunction("start")(9n, session.players[0], session.players[1])).to.be.revertedWithCustomError(game, "TicTacToe_NotMessenger");
      await expect(stub.getFunction("relay")(await game.getAddress(), game.interface.encodeFunctionData("start", [9n, session.players[0], session.players[1]])))
        .to.be.revertedWithCustomError(stub, "L1MessengerStub_CallFailed");
      expect((await game.getFunction("lobby")()).toLowerCase()).to.equal((await signers[0]!.getAddress()).toLowerCase());
    });

    it("moves: out of turn, out of range and taken cells revert", async function () {
      await expect(as(game, 2).getFunction("play")(0)).to.be.revertedWithCustomError(game, "TicTacToe_NotYourTurn");
      await expect(as(game, 1).getFunction("play")(9)).to.be.revertedWithCustomError(game, "TicTacToe_CellOutOfRange").withArgs(9);
      await (await as(game, 1).getFunction("play")(4)).wait();
      await expect(as(game, 2).getFunction("play")(4)).to.be.revertedWithCustomError(game, "TicTacToe_CellTaken").withArgs(4);
    });

    it("claimTimeout: the waiting player wins once the player on turn let an hour pass; the result goes out", async function () {
      await (await as(game, 1).getFunction("play")(4)).wait();
      await expect(game.getFunction("claimTimeout")()).to.be.revertedWithCustomError(game, "TicTacToe_NotTimedOut");
      await ethers.provider.send("evm_increaseTime", [3601]);
      await expect(game.getFunction("claimTimeout")()).to.emit(stub, "ResultSent");
      expect(await game.getFunction("status")()).to.equal(2n, "XWon: O timed out");
      await expect(as(game, 2).getFunction("play")(0)).to.be.revertedWithCustomError(game, "TicTacToe_WrongStatus");
    });

    it("lobby: join only by the named player with the same stake; cancel refunds an unjoined session", async function () {
      const lobby = session.lobby;
      const receipt = await (await as(lobby, 1).getFunction("open")(session.players[1], { value: 5n })).wait();
      const id = lobby.interface.parseLog(receipt!.logs[0]!)!.args.sessionId as bigint;
      await expect(as(lobby, 3).getFunction("join")(id, { value: 5n })).to.be.revertedWithCustomError(lobby, "GameLobby_NotAllowed");
      await expect(as(lobby, 2).getFunction("join")(id, { value: 4n })).to.be.revertedWithCustomError(lobby, "GameLobby_WrongStake").withArgs(4n, 5n);
      await expect(as(lobby, 2).getFunction("cancel")(id)).to.be.revertedWithCustomError(lobby, "GameLobby_NotAllowed");
      await expect(as(lobby, 1).getFunction("cancel")(id)).to.emit(lobby, "SessionCancelled").withArgs(id);
      await expect(as(lobby, 2).getFunction("join")(id, { value: 5n })).to.be.revertedWithCustomError(lobby, "GameLobby_WrongStatus");
      expect(await l1Balance(session.lobbyAddress)).to.equal(0n);
      await expect(as(lobby, 1).getFunction("open")(session.players[0])).to.be.revertedWithCustomError(lobby, "GameLobby_InvalidOpponent");
    });

    it("lobby, funded: openFunded/joinFunded carry each player's L2 gas money, deposited to them after the start; cancel refunds it", async function () {
      const lobby = session.lobby;
      await expect(as(lobby, 1).getFunction("openFunded")(session.players[1], 7n, { value: 6n })).to.be.revertedWithCustomError(lobby, "GameLobby_FundingAboveValue").withArgs(7n, 6n);
      // A cancelled funded session refunds stake + funding.
      const cancelled = lobby.interface.parseLog((await (await as(lobby, 1).getFunction("openFunded")(session.players[1], 3n, { value: 8n })).wait())!.logs[0]!)!;
      expect(cancelled.args.stake).to.equal(5n);
      await expect(as(lobby, 1).getFunction("cancel")(cancelled.args.sessionId)).to.changeEtherBalance(ethers, signers[1]!, 8n);
      // A joined one: the stakes stay in the lobby, the fundings go to the new rollup as deposits 1 and 2 (message 0 is the start).
      const opened = lobby.interface.parseLog((await (await as(lobby, 1).getFunction("openFunded")(session.players[1], 3n, { value: 8n })).wait())!.logs[0]!)!;
      const id = opened.args.sessionId as bigint;
      await expect(as(lobby, 2).getFunction("joinFunded")(id, 4n, { value: 8n })).to.be.revertedWithCustomError(lobby, "GameLobby_WrongStake").withArgs(8n, 9n);
      const before = await l1Balance(session.lobbyAddress);
      const receipt = (await (await as(lobby, 2).getFunction("joinFunded")(id, 4n, { value: 9n })).wait()) as TransactionReceipt;
      const rollup = ((await lobby.getFunction("sessions")(id)) as { rollup: string }).rollup;
      expect(await l1Balance(session.lobbyAddress)).to.equal(before + 9n - 7n, "join's 9 wei in, both fundings out: the lobby keeps the two stakes");
      expect(await l1Balance(rollup)).to.equal(7n, "both fundings");
      const queued = receipt.logs.filter((log) => log.address.toLowerCase() === rollup.toLowerCase()).map((log) => session.rollup.interface.parseLog(log)).filter((e) => e?.name === "MessageQueued");
      expect(queued.map((e) => e!.args.index)).to.deep.equal([0n, 1n, 2n]);
      expect(queued.slice(1).map((e) => [e!.args.message.to, e!.args.message.value])).to.deep.equal([[session.players[0], 3n], [session.players[1], 4n]]);
    });
  });
});
