/**
 * CPU profile of the engine on the 1,000-ERC20 block (the bench's workload):
 *
 *   node_modules/.bin/node --import tsx bench/profile.ts [execute|build|runBlock] [count] [--time N]
 *   node_modules/.bin/node --import tsx bench/summarise-profile.ts bench/results/execute.cpuprofile
 *
 * Builds the block first (not profiled), runs the chosen step once to warm up, then records a
 * V8 CPU profile of one more run through the inspector (the same profiler as `node --cpu-prof`,
 * limited to the step itself) and writes `bench/results/<step>.cpuprofile` (opens in Chrome
 * DevTools or speedscope). `--time N` profiles nothing: it prints the best of N timed runs.
 * Needs the contracts compiled (`npm run build`).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { execute } from "../src/engine/index.js";
import { timeRunBlock } from "./engine.js";
import { buildBench, erc20Chain, erc20Transfers } from "./workloads.js";

const timeAt = process.argv.indexOf("--time");
const timedRuns = timeAt > 0 ? Number(process.argv[timeAt + 1]) : 0;
const args = timeAt > 0 ? process.argv.slice(2, timeAt) : process.argv.slice(2);
const step = args[0] ?? "execute";
const count = Number(args[1] ?? 1000);
if (!["execute", "build", "runBlock"].includes(step)) throw new Error(`unknown step ${step}: execute, build or runBlock`);

const chain = await erc20Chain();
const txs = await erc20Transfers(chain, count);
const block = await buildBench(chain, txs);
const run = async () => {
  const started = performance.now();
  if (step === "execute") await execute(block.input);
  else if (step === "build") await buildBench(chain, txs);
  else await timeRunBlock(chain, block);
  return performance.now() - started;
};
console.log(`${step} of ${count} ERC20 transfers: warm-up ${(await run()).toFixed(0)} ms`);
if (timedRuns > 0) {
  const times: number[] = [];
  for (let i = 0; i < timedRuns; i++) times.push(await run());
  console.log(`${step} of ${count} ERC20 transfers: best of ${timedRuns} ${Math.min(...times).toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(", ")})`);
  process.exit(0);
}

const session = new Session();
session.connect();
await session.post("Profiler.enable");
await session.post("Profiler.setSamplingInterval", { interval: 200 });
await session.post("Profiler.start");
const ms = await run();
const { profile } = await session.post("Profiler.stop");
session.disconnect();
console.log(`${step} of ${count} ERC20 transfers: profiled run ${ms.toFixed(0)} ms`);

const dir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}${step}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));
console.log(`wrote ${file}`);
