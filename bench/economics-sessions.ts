/**
 * Issue 17 bench rows for the game-session example (bench/economics.ts calls this): one session
 * proposing its own advances (examples/game-session/session.ts), then N sessions played at once
 * whose every round of blocks goes to L1 in shared advances (examples/game-session/many-sessions.ts),
 * measured: L1 gas per session by phase (each shared transaction's gas divided among its legs),
 * execute gas and blob gas per session, and the ratio to the same game played on L1.
 * N = 10 in quick mode, 10 and 100 in full mode (≈ 80 s for 100 here), and once more without
 * cash-out (the players leave their leftover L2 gas money). The players fund their L2 gas through
 * the lobby's `openFunded` / `joinFunded` (many-sessions.ts' default).
 */
import { network } from "hardhat";
import { runGameSession } from "../examples/game-session/session.js";
import { runManySessions } from "../examples/game-session/many-sessions.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

/** The game session alone and N sessions sharing advances, each against the same game on L1. */
export async function benchGameSessions(report: Report, quick: boolean): Promise<void> {
  const single = await runGameSession(await network.create());
  const s = single.summary;
  console.log(`  game session alone (its own advances): ${s.total} L1 gas vs ${s.l1Game.total} for the game on L1 (ratio ${s.ratio.toFixed(2)})`);
  report.add({ name: "economics: game session alone, L1 gas (baseline: the same game on L1)", unit: "gas", value: Number(s.total), baseline: Number(s.l1Game.total) });
  for (const n of quick ? [10] : [10, 100]) {
    const run = await runManySessions(await network.create(), { sessions: n });
    const a = run.average;
    const perRound = run.rounds.map((r) => r.transactions).join("/");
    console.log(
      `  ${n} game sessions sharing advances (L1 transactions per round ${perRound}; ${run.wallSeconds.toFixed(0)} s): ${a.total} L1 gas a session vs ${run.l1Game.total} on L1 (ratio ${run.ratio.toFixed(2)}) — ` +
        `spawn ${a.spawn}, fund ${a.fund}, moves ${a.moves}, cash-out ${a.cashOut}, settle ${a.settle}, claims ${a.claims}; ${a.executeGas} execute gas, ${a.blobGas.toFixed(0)} blob gas (${a.blobBytes.toFixed(0)} B)`,
    );
    report.add({ name: `economics: ${n} game sessions sharing advances, L1 gas a session (baseline: the same game on L1)`, unit: "gas", value: Number(a.total), baseline: Number(run.l1Game.total) });
    report.add({ name: `economics: ${n} game sessions sharing advances, a session's 7 moves' L1 gas (baseline: the 7 moves on L1)`, unit: "gas", value: Number(a.moves), baseline: Number(run.l1Game.moves.reduce((x, y) => x + y, 0n)) });
    report.add({ name: `economics: ${n} game sessions sharing advances, execute gas a session`, unit: "gas", value: Number(a.executeGas) });
    report.add({ name: `economics: ${n} game sessions sharing advances, blob gas a session`, unit: "blobgas", value: a.blobGas });
  }
  // The players leave their leftover L2 gas money on L2: no cash-out block, no claims.
  const n = quick ? 10 : 100;
  const lean = await runManySessions(await network.create(), { sessions: n, cashOut: false });
  console.log(`  ${n} game sessions sharing advances, leftovers left on L2: ${lean.average.total} L1 gas a session (ratio ${lean.ratio.toFixed(2)})`);
  report.add({ name: `economics: ${n} game sessions sharing advances, no cash-out, L1 gas a session (baseline: the same game on L1)`, unit: "gas", value: Number(lean.average.total), baseline: Number(lean.l1Game.total) });
}
