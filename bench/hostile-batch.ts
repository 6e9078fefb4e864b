/**
 * EXECUTE over k blocks against its bound (docs/execute.md, "Batches", 600 ns per gas charged):
 * the worst per-block fixed work — an anchor predeploy that loops for the system call's 250,000
 * gas — and an honest empty block, alone (k = 1) and 20 to a batch, with the CPU time per block and
 * per gas the batch formula charges (25,000 + 35,000 × k + 8 × len). Best of 3 runs.
 *
 *   node_modules/.bin/node --import tsx bench/hostile-batch.ts
 */
import { buildBlock, createL2Chain, devGenesis } from "../src/engine/index.js";
import { PREDEPLOYS } from "../src/engine/chain.js";
import { encodeExecuteInput } from "../src/precompile/codec.js";
import { encodeExecuteBatch, decodeBatchOutput } from "../src/precompile/batch.js";
import { executeGas } from "../src/precompile/gas.js";
import { runExecute } from "../src/precompile/run.js";
const env = (n: number) => ({ timestamp: 1_700_000_000n + BigInt(n) * 12n, coinbase: new Uint8Array(20).fill(0xc0), prevRandao: new Uint8Array(32).fill(n), anchor: new Uint8Array(32) });
const anchorLoop = "0x60043515600b575b6007565b00";
const anchorChain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code: anchorLoop } } }));
const anchorBlock = await buildBlock(anchorChain, { ...env(1), transactions: [] });
const looping = encodeExecuteInput({ ...anchorBlock.input, anchor: new Uint8Array(32).fill(1) });
const honestChain = await createL2Chain(devGenesis());
const honest = encodeExecuteInput((await buildBlock(honestChain, { ...env(1), transactions: [] })).input);
for (const [name, entry] of [["looping anchor", looping], ["empty honest block", honest]] as const) {
  for (const k of [1, 20]) {
    const batch = encodeExecuteBatch(Array.from({ length: k }, () => entry));
    let best = Infinity, bestCpu = Infinity, verdicts: (boolean)[] = [];
    for (let r = 0; r < 3; r++) {
      const cpu = process.cpuUsage(); const t = performance.now();
      const out = await runExecute(batch);
      const c = process.cpuUsage(cpu); bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000); best = Math.min(best, performance.now() - t);
      verdicts = out.ok ? decodeBatchOutput(out.output).map((v) => v !== undefined) : [];
    }
    const gas = executeGas(batch.length, 0n, 0, k);
    console.log(`${name} k=${k}: ${(bestCpu / k).toFixed(2)} ms CPU per block, ${(best / k).toFixed(2)} ms wall; gas ${gas} → ${(bestCpu * 1e6 / Number(gas)).toFixed(0)} CPU ns/gas; accepted ${verdicts.filter(Boolean).length}/${k}`);
  }
}
process.exit(0);
