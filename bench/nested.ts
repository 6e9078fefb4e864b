/**
 * Session chains as L3s of a game L2 (issue 21, docs/nested.md): examples/game-chain with N
 * sessions at once, next to one session rollup settled on L1 directly (examples/game-session), run
 * in the same process as the baseline. Figures: sessions spawned and settled per minute, L1 gas per
 * session and per move, the L2 gas and bytes of one L3 block, the heap of a node following the L3s
 * from the L2's JSON-RPC per session chain, and a projection of how many session chains one game
 * L2 sustains within L1's limits. In-process Hardhat L1 with EXECUTE (its market), the L2 in blobs.
 */
import v8 from "node:v8";
import vm from "node:vm";
import os from "node:os";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { network } from "hardhat";
import { MAX_BYTES_PER_BLOB } from "../src/blobs/codec.js";
import { compressBatch } from "../src/blobs/compression.js";
import { encodeTransactions } from "../src/engine/index.js";
import { startMultiNode } from "../src/node/index.js";
import { EXECUTE_CUMULATIVE_GAS_LIMIT, EXECUTE_CUMULATIVE_GAS_TARGET } from "../src/precompile/market.js";
import { MAX_BLOBS_PER_TRANSACTION } from "../src/blobs/send.js";
import { runGameChain, type GameChainRound } from "../examples/game-chain/chain.js";
import { GAME_MOVES, runGameSession } from "../examples/game-session/session.js";
import { CHAIN_ID_BASE, sessionGenesis } from "../examples/game-session/genesis.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

const gc = (() => {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();
const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const SLOT_SECONDS = 12;

export async function benchNested(report: Report, quick: boolean): Promise<void> {
  const n = quick ? 3 : 8;
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\nnested: ${n} tic-tac-toe sessions as L3s of a game L2 vs one session rollup on L1 (same run; Hardhat L1 with EXECUTE, L2 in blobs; load ${load}, ${os.cpus().length} cores)`);
  const note = `load ${load}; ${os.cpus().length} cores`;

  const chain = await runGameChain(await network.create(), { sessions: n });
  const played = chain.rounds.reduce((a, r) => a + r.wallMs, 0);
  const direct = await runGameSession(await network.create());
  const counted = new Set(["spawn", "fund", "move", "settle"]);
  const directSteps = direct.steps.filter((s) => counted.has(s.phase));
  const directMs = directSteps.reduce((a, s) => a + s.wallMs, 0);
  const directGas = direct.summary.spawn + direct.summary.fund + sum(direct.summary.moves) + direct.summary.settle;

  report.add({ name: `nested: sessions spawned, played and settled per minute (${n} L3s at once)`, unit: "sessions/min", value: n / (played / 60_000), baseline: 1 / (directMs / 60_000), note: `baseline: one session rollup on L1 (spawn, fund, 7 moves, settle: its own steps' wall time); ${note}` });
  report.add({ name: "nested: L1 gas per session (L3 of the game L2)", unit: "gas", value: Number(chain.l1Gas.perSession), baseline: Number(directGas), note: "baseline: a session rollup settled on L1 (spawn + fund + moves + settle; no leftover withdrawals)" });
  report.add({ name: "nested: L1 gas per move (L3 of the game L2)", unit: "gas", value: Number(chain.l1Gas.perMove), baseline: Number(sum(direct.summary.moves) / BigInt(direct.summary.moves.length)) });
  report.add({ name: "nested: L1 gas per move of the same game played on L1", unit: "gas", value: Number(sum(direct.summary.l1Game.moves) / BigInt(direct.summary.l1Game.moves.length)) });
  const perRound = chain.rounds.map((r) => Number(r.l1Gas));
  report.add({ name: "nested: L1 gas of one game-L2 advance (a round of every session)", unit: "gas", value: perRound.reduce((a, b) => a + b, 0) / perRound.length });

  // One L3 block with a move, as the L2 carries it: its advance's L2 gas and its bytes (compressed as the L2's blobs carry them).
  const moves = chain.rounds.filter((r): r is GameChainRound & { l3Advances: NonNullable<GameChainRound["l3Advances"]> } => r.phase === "move" && r.l3Advances !== undefined);
  const advances = moves.flatMap((r) => r.l3Advances);
  const l2GasPerL3Block = Number(sum(advances.map((a) => a.l2Gas))) / advances.length;
  const rawBytes = advances.reduce((a, b) => a + b.bytes, 0) / advances.length;
  const block = chain.l2.chain.blocks[Number(moves.at(-1)!.l2Block)]!;
  const compressedPerL3Block = compressBatch(encodeTransactions(block.transactions)).length / block.transactions.length;
  report.add({ name: "nested: L2 gas of one L3 block's advance (a move)", unit: "gas", value: l2GasPerL3Block });
  report.add({ name: "nested: bytes of one L3 block's advance on the L2", unit: "bytes", value: rawBytes, baseline: compressedPerL3Block, note: "baseline: compressed (brotli) as the L2's blobs carry it" });

  // A node following every L3 from the game L2's JSON-RPC: its heap per session chain.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ultrasound-bench-nested-"));
  const before = heap();
  const started = performance.now();
  // The sessions' genesis is the lobby's (the game in it), not the default: given, with the depth.
  const rollups = chain.settled.map((s) => ({ address: s.rollup, genesis: { ...sessionGenesis(CHAIN_ID_BASE + s.sessionId), nestingDepth: 1 } }));
  const node = await startMultiNode({ l1Provider: chain.l2.provider, rollups, dataDir, follow: false });
  await node.sync();
  const syncMs = performance.now() - started;
  const after = heap();
  const derived = await Promise.all(node.list().map(async (r) => (await node.rollup(r.chainId)).blockNumber("latest")));
  await node.stop();
  await rm(dataDir, { recursive: true, force: true });
  const expected = BigInt(1 + GAME_MOVES.length);
  if (derived.length !== n || derived.some((h) => h !== expected)) throw new Error(`the L3 node derived ${derived.join(", ")} blocks of ${n} L3s, expected ${expected} each`);
  report.add({ name: "nested: L3 node heap per session chain (each derived to its last block)", unit: "KB", value: (after - before) / n / 1024 });
  report.add({ name: "nested: L3 node catch-up, blocks per second (from the L2's JSON-RPC)", unit: "blocks/s", value: (n * Number(expected)) / (syncMs / 1000) });

  // Projection: L3 blocks one game L2 verifies per L1 slot, bound by EXECUTE's market on L1 (the
  // L2's gas per L1 block: target and limit) and by blobs (6 a transaction, the L2's witness aside).
  const byTarget = Math.floor(Number(EXECUTE_CUMULATIVE_GAS_TARGET) / l2GasPerL3Block);
  const byLimit = Math.floor(Number(EXECUTE_CUMULATIVE_GAS_LIMIT < chain.l2.chain.genesis.gasLimit ? EXECUTE_CUMULATIVE_GAS_LIMIT : chain.l2.chain.genesis.gasLimit) / l2GasPerL3Block);
  const byBlobs = Math.floor((MAX_BLOBS_PER_TRANSACTION * MAX_BYTES_PER_BLOB) / compressedPerL3Block);
  const sustained = Math.min(byTarget, byBlobs);
  report.add({ name: "nested: projection: L3 blocks per L1 slot, one game L2 at EXECUTE's target (30M L2 gas)", unit: "blocks", value: byTarget });
  report.add({ name: "nested: projection: L3 blocks per L1 slot, one game L2 at EXECUTE's limit (60M L2 gas)", unit: "blocks", value: byLimit });
  report.add({ name: "nested: projection: L3 blocks per game-L2 advance by its 6 blobs (L2 witness aside)", unit: "blocks", value: byBlobs });
  report.add({
    name: "nested: projection: session chains one game L2 sustains, one move each per L1 slot",
    unit: "sessions",
    value: sustained,
    note: `min(gas at target ${byTarget}, blobs ${byBlobs}); at one move per session a minute: ${sustained * (60 / SLOT_SECONDS)} sessions. The L2 costs L1 one advance (≈ ${Math.round(perRound.reduce((a, b) => a + b, 0) / perRound.length).toLocaleString("en-US")} gas) per L1 block whatever it carries`,
  });
}
