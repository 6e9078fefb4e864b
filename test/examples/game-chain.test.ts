import { expect } from "chai";
import { network } from "hardhat";
import { runGameChain } from "../../examples/game-chain/chain.js";
import { GAME_MOVES } from "../../examples/game-session/session.js";

describe("examples/game-chain: sessions as L3s of a game L2 (issue 21 item 4)", function () {
  it("spawns, plays, settles and retires 3 concurrent session chains on the game L2; each round is one L2 block and one L1 advance", async function () {
    const stake = 10n ** 18n;
    const result = await runGameChain(await network.create(), { sessions: 3, stake });
    // open, join, fund, start, 7 moves, settle: one L2 block each, verified by one L1 advance.
    expect(result.rounds.map((r) => r.phase)).to.deep.equal(["spawn", "spawn", "fund", "start", ...GAME_MOVES.map(() => "move"), "settle"]);
    expect(result.rounds.every((r) => r.l1Gas > 0n && r.l2Transactions >= 3)).to.equal(true);
    expect(result.settled).to.have.length(3);
    for (const s of result.settled) {
      expect(s.retired, `session ${s.sessionId}'s L3 retired`).to.equal(true);
      expect(s.paid, `session ${s.sessionId}'s winner got the pot on the game chain`).to.equal(2n * stake);
      // Block 1 (start and deposits) and one block per move.
      expect(s.l3Blocks).to.equal(1 + GAME_MOVES.length);
    }
    expect(result.l1Gas.perSession).to.equal(result.l1Gas.total / 3n);
    // L1 pays per L2 block, whatever it carries: a round of 3 sessions' moves costs about one advance.
    const moves = result.rounds.filter((r) => r.phase === "move");
    expect(result.l1Gas.perMove * 3n).to.be.lessThan(moves[0]!.l1Gas + 1_000n);
  });
});
