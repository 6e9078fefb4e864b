/**
 * CPU profile of the engine on the 1,000-ERC20 block (the bench's workload):
 *
 *   node_modules/.bin/node --import tsx bench/profile.ts [execute|build|runBlock] [count] [--time N] [--workload erc20|eth|storage]
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
import { buildBench, erc20Workload, ethWorkload, storageWorkload } from "./workloads.js";

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}
const timedRuns = Number(option("--time") ?? 0);
const workloadName = option("--workload") ?? "erc20";
const workload = { erc20: erc20Workload, eth: ethWorkload, storage: storageWorkload }[workloadName];
if (workload === undefined) throw new Error(`unknown workload ${workloadName}: erc20, eth or storage`);
const args = process.argv.slice(2).filter((arg, i, all) => !arg.startsWith("--") && !all[i - 1]?.startsWith("--"));
const step = args[0] ?? "execute";
const count = Number(args[1] ?? 1000);
if (!["execute", "build", "runBlock"].includes(step)) throw new Error(`unknown step ${step}: execute, build or runBlock`);

const chain = await workload.chain();
const txs = await workload.transactions(chain, count);
const block = await buildBench(chain, txs);
const run = async () => {
  const started = performance.now();
  if (step === "execute") await execute(block.input);
  else if (step === "build") await buildBench(chain, txs);
  else await timeRunBlock(chain, block);
  return performance.now() - started;
};
console.log(`${step} of ${count} ${workload.label}: warm-up ${(await run()).toFixed(0)} ms`);
if (timedRuns > 0) {
  // Wall time and this process's CPU time (user + system): on a shared machine the CPU time
  // moves less with other processes' load.
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < timedRuns; i++) {
    const before = process.cpuUsage();
    times.push(await run());
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  const list = (values: number[]) => values.map((t) => t.toFixed(0)).join(", ");
  console.log(`${step} of ${count} ${workload.label}: best of ${timedRuns}: wall ${Math.min(...times).toFixed(0)} ms, CPU ${Math.min(...cpu).toFixed(0)} ms (wall: ${list(times)}; CPU: ${list(cpu)})`);
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
console.log(`${step} of ${count} ${workload.label}: profiled run ${ms.toFixed(0)} ms`);

const dir = fileURLToPath(new URL("./results/", import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}${step}${workloadName === "erc20" ? "" : `-${workloadName}`}.cpuprofile`;
writeFileSync(file, JSON.stringify(profile));
console.log(`wrote ${file}`);
