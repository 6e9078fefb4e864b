/**
 * examples/game-session/many-sessions.ts: several game sessions played at once, every round of
 * their blocks (first blocks, the 7 moves, the leftover withdrawals) in ONE shared advance — one
 * L1 transaction, one blob, one batched EXECUTE call — then each session settled and its
 * leftovers claimed. One run of 3 sessions for every case: they read its results.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { FINAL_BOARD, GAME_MOVES } from "../../examples/game-session/common.js";
import { runManySessions, type ManySessionsResult } from "../../examples/game-session/many-sessions.js";
import { shareOf } from "../../examples/game-session/shared-rounds.js";
import { nativeRollupInterface, parseBlockAdvanced } from "../../src/sdk/contracts.js";

const { ethers } = await network.create();
const SESSIONS = 3;
const STAKE = 10n ** 18n;

describe("examples/game-session: many sessions sharing advances", function () {
  let run: ManySessionsResult;

  before(async function () {
    run = await runManySessions({ ethers }, { sessions: SESSIONS, stake: STAKE });
  });

  it("every session's result was claimed on L1: the winner paid the pot, the rollup retired, the lobby settled", async function () {
    expect(run.sessions).to.have.length(SESSIONS);
    const lobbyAddresses = new Set<string>();
    for (const s of run.sessions) {
      expect(s.winner).to.equal(s.players[0], "X wins the scripted game");
      expect(s.winnerPaid).to.equal(2n * STAKE);
      expect(s.retired).to.equal(true);
      expect(s.board).to.deep.equal(FINAL_BOARD);
      const rollup = new ethers.Contract(s.rollupAddress, nativeRollupInterface(), ethers.provider);
      expect(await rollup.getFunction("claimed")(s.resultMessage.hash)).to.equal(true);
      lobbyAddresses.add(s.resultMessage.message.to.toLowerCase());
    }
    expect(lobbyAddresses.size).to.equal(1, "every result went to the one lobby");
    const sessionIds = new Set(run.sessions.map((s) => s.sessionId));
    expect(sessionIds.size).to.equal(SESSIONS);
  });

  it("every session's players got their leftover L2 ETH back on L1, and each illegal move reverted on L2", async function () {
    for (const s of run.sessions) {
      expect(s.withdrawals).to.have.length(2);
      for (const w of s.withdrawals) {
        expect(w.value).to.be.greaterThan(0n);
        expect(w.paid).to.equal(w.value);
      }
      expect(s.illegalMove).to.deep.equal({ l2Status: 0, error: "TicTacToe_CellTaken" });
    }
  });

  it("each round was ONE L1 transaction carrying every session's block, with one blob", async function () {
    expect(run.rounds.map((r) => r.round)).to.have.length(1 + GAME_MOVES.length + 1);
    expect(run.rounds.every((r) => r.transactions === 1)).to.equal(true);
    expect(run.shared).to.have.length(run.rounds.length);
    const heads = new Map<number, bigint>();
    for (const record of run.shared) {
      expect(record.sessions).to.deep.equal([0, 1, 2]);
      expect(record.blobs).to.equal(1);
      // The L1 receipt itself holds a BlockAdvanced for each session's rollup, at the next L2 block.
      const receipt = (await ethers.provider.getTransactionReceipt(record.l1Tx))!;
      for (const [k, i] of record.sessions.entries()) {
        const address = run.sessions[i]!.rollupAddress.toLowerCase();
        const events = parseBlockAdvanced(receipt.logs.filter((log) => log.address.toLowerCase() === address));
        expect(events, `session ${i} in ${record.round}`).to.have.length(1);
        expect(events[0]!.number).to.equal(record.l2Blocks[k]);
        expect(record.l2Blocks[k]).to.equal((heads.get(i) ?? 0n) + 1n);
        heads.set(i, record.l2Blocks[k]!);
      }
    }
    // One block per round per session: the first, 7 moves, the cash-out.
    for (let i = 0; i < SESSIONS; i++) expect(heads.get(i)).to.equal(BigInt(run.rounds.length));
  });

  it("measures each session by phase: shared gas divided among the legs, execute gas and blob gas beside it", async function () {
    for (const [i, s] of run.sessions.entries()) {
      const c = s.cost;
      expect(c.total).to.equal(c.spawn + c.fund + c.moves + c.cashOut + c.settle + c.claims);
      const mine = run.shared.filter((r) => r.sessions.includes(i));
      expect(mine).to.have.length(run.rounds.length);
      const shares = mine.reduce((sum, r) => sum + r.l1Gas / BigInt(r.sessions.length), 0n);
      const ownSteps = s.steps.reduce((sum, step) => sum + step.l1Gas, 0n);
      expect(c.total).to.equal(ownSteps + shares);
      expect(c.executeGas).to.equal(mine.reduce((sum, r) => sum + r.l2Gas[r.sessions.indexOf(i)]!, 0n));
      expect(c.executeGas).to.be.greaterThan(0n);
      expect(c.blobGas).to.equal((run.rounds.length * 131_072) / SESSIONS);
      // The players' L2 gas money rode in open and join (openFunded / joinFunded): no deposit transactions.
      expect(s.steps.map((step) => step.phase)).to.deep.equal(["spawn", "spawn", "settle", "claim", "claim"]);
      expect(c.fund).to.equal(shareOf(run.shared.filter((r) => r.phase === "fund"), i).l1Gas);
    }
    expect(run.l1Game.moves).to.have.length(GAME_MOVES.length);
    expect(run.ratio).to.equal(Number(run.average.total) / Number(run.l1Game.total));
  });

  it("without cash-out (players leave their leftover L2 gas money): 8 rounds, still every result claimed and paid, no claims", async function () {
    const lean = await runManySessions({ ethers }, { sessions: 2, stake: STAKE, cashOut: false });
    expect(lean.rounds.map((r) => r.phase)).to.deep.equal(["fund", ...GAME_MOVES.map(() => "move")]);
    expect(lean.rounds.every((r) => r.transactions === 1)).to.equal(true);
    for (const s of lean.sessions) {
      expect(s.winnerPaid).to.equal(2n * STAKE);
      expect(s.retired).to.equal(true);
      expect(s.withdrawals).to.deep.equal([]);
      expect(s.cost.cashOut + s.cost.claims).to.equal(0n);
      expect(s.steps.map((step) => step.phase)).to.deep.equal(["spawn", "spawn", "settle"]);
    }
  });
});
