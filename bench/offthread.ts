/**
 * Issue 14 item 8, "one thread does everything": how fast the devnet's L2 JSON-RPC accepts
 * transactions while blocks of hundreds of transactions are built, verified by EXECUTE on L1 and
 * re-derived by the node. A burst of signed transfers (ETH, and some ERC20) is sent at a steady
 * pace through `eth_sendRawTransaction` from a worker thread (its own clock and event loop, so a
 * blocked devnet thread cannot hide its own delay), each request timed; then every receipt is
 * awaited. Run twice: the devnet's default layout (L1 with EXECUTE in its own process) and the
 * old one-thread layout as the baseline. Also the event-loop delay of the RPC's thread.
 */
import hre from "hardhat";
import { Interface, keccak256, Wallet } from "ethers";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { Session } from "node:inspector/promises";
import { startDevnet, type DevnetLayout } from "../src/devnet/index.js";
import { devAccounts } from "../src/engine/index.js";
import { loadArtifact } from "../src/shared/artifacts.js";
import { freePort } from "../src/shared/ports.js";
import { offThreadBuildStats } from "../src/engine/build-offthread.js";
import type { createReport } from "./report.js";

type Report = ReturnType<typeof createReport>;

const FEES = { type: 2, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n } as const;

/** What one layout's run measured. */
interface Run {
  layout: DevnetLayout;
  sent: number;
  latencies: number[];
  refused: number;
  sendMs: number;
  /** From the first send until the node served the last receipt. */
  allReceiptsMs: number;
  blocks: number[];
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  load: number[];
}

/** Runs the offthread section: the burst on the split layout, with the one-thread layout as baseline. */
export async function benchOffthread(report: Report, quick: boolean): Promise<void> {
  // Paced so the proposer's blocks reach 500+ transactions (the target's condition): at 500/s
  // they stayed under 500 once a block cycle took ≈ 1 s. BENCH_OFFTHREAD_RATE sets another pace.
  const eth = quick ? 1_500 : 2_000;
  const erc20 = quick ? 150 : 200;
  const rate = Number(process.env.BENCH_OFFTHREAD_RATE ?? 750);
  console.log(
    `\noffthread: ${eth} ETH + ${erc20} ERC20 transfers sent at ${rate}/s through eth_sendRawTransaction (a worker thread times each) while the devnet builds and verifies blocks; every receipt awaited`,
  );
  const runs: Run[] = [];
  // BENCH_OFFTHREAD_LAYOUT=split (or single) runs one layout only, e.g. under --cpu-prof.
  const layouts = (["single", "split"] as const).filter((l) => [undefined, "", l].includes(process.env.BENCH_OFFTHREAD_LAYOUT));
  for (const layout of layouts) runs.push(await burst(layout, eth, erc20, rate));
  const split = runs.at(-1)!;
  const single = runs[0]!;
  for (const run of runs) {
    console.log(
      `  ${run.layout}: ${run.sent} sent in ${(run.sendMs / 1000).toFixed(1)} s (${run.refused} refused), all receipts after ${(run.allReceiptsMs / 1000).toFixed(1)} s, ` +
        `${run.blocks.length} blocks of ${run.blocks.join("/")} tx; load ${run.load.map((l) => l.toFixed(2)).join(" ")}`,
    );
  }
  // The verdict, with the machine's load beside it: the target is for a quiet machine, and other
  // work on these 2 cores stretches every figure (read the ratios to the same-run baseline then).
  const p = (run: Run, q: number) => percentile(run.latencies, q).toFixed(1);
  const p99 = percentile(split.latencies, 99);
  console.log(
    `  eth_sendRawTransaction p50/p99: ${split.layout} ${p(split, 50)}/${p(split, 99)} ms (load ${split.load[0]!.toFixed(2)}), ` +
      `baseline ${single.layout} ${p(single, 50)}/${p(single, 99)} ms (load ${single.load[0]!.toFixed(2)}); ` +
      `target p99 ≤ 50 ms on a quiet machine while blocks of 500+ transactions are built: ${verdict(p99, Math.max(0, ...split.blocks))}${split.load[0]! > 1.5 ? " — the machine was not quiet (2 cores)" : ""}`,
  );
  const label = `offthread: eth_sendRawTransaction under load (${eth + erc20} txs)`;
  for (const p of [50, 95, 99] as const) {
    report.add({ name: `${label} p${p}`, unit: "ms", value: percentile(split.latencies, p), baseline: percentile(single.latencies, p) });
  }
  report.add({ name: `${label} max`, unit: "ms", value: Math.max(...split.latencies), baseline: Math.max(...single.latencies) });
  report.add({
    name: `offthread: blocks/s until every receipt`,
    unit: "blocks/s",
    value: (split.blocks.length * 1000) / split.allReceiptsMs,
    baseline: (single.blocks.length * 1000) / single.allReceiptsMs,
  });
  report.add({ name: `offthread: largest block`, unit: "txs", value: Math.max(0, ...split.blocks), baseline: Math.max(0, ...single.blocks) });
  report.add({ name: `offthread: RPC thread event-loop delay p99`, unit: "ms", value: split.loopDelayP99Ms, baseline: single.loopDelayP99Ms });
  report.add({
    name: `offthread: RPC thread event-loop delay max`,
    unit: "ms",
    value: split.loopDelayMaxMs,
    baseline: single.loopDelayMaxMs,
    note: `baseline = the one-thread devnet (layout "single"); target p99 of eth_sendRawTransaction ≤ 50 ms; load average during the split run ${split.load.map((l) => l.toFixed(2)).join(" ")} (2-core machine)`,
  });
}

/** The target's verdict: p99 ≤ 50 ms counts only if a block of 500+ transactions was built meanwhile. */
function verdict(p99: number, largestBlock: number): string {
  if (largestBlock < 500) return `not tested: the largest block had ${largestBlock} transactions (raise BENCH_OFFTHREAD_RATE)`;
  return p99 <= 50 ? "met" : `missed by ${(p99 - 50).toFixed(1)} ms`;
}

async function burst(layout: DevnetLayout, eth: number, erc20: number, rate: number): Promise<Run> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `ultrasound-bench-offthread-${layout}-`));
  const blocks: { number: number; txs: number }[] = [];
  const devnet = await startDevnet(hre, {
    layout,
    l1Port: await freePort(),
    l2Port: await freePort(),
    blobPort: await freePort(),
    dataDir,
    proposeIntervalMs: 50,
    mempool: { maxTransactions: 20_000, maxPerSender: 5_000 },
    log: (line) => {
      const match = /^L2 block (\d+) verified on L1 block \d+: (\d+) tx/.exec(line);
      if (match) blocks.push({ number: Number(match[1]), txs: Number(match[2]) });
    },
  });
  try {
    const senders = devAccounts().map((a) => new Wallet(a.privateKey));
    const nonces = new Map<string, number>();
    for (const sender of senders) nonces.set(sender.address, Number(await call(devnet.l2Url, "eth_getTransactionCount", [sender.address, "pending"])));
    const sign = async (wallet: Wallet, request: { to?: string; data?: string; value?: bigint; gasLimit: bigint }) => {
      const nonce = nonces.get(wallet.address)!;
      nonces.set(wallet.address, nonce + 1);
      return wallet.signTransaction({ ...FEES, chainId: devnet.chainId, nonce, ...request });
    };
    const recipient = (i: number) => "0x" + (0x3000000n + BigInt(i)).toString(16).padStart(40, "0");
    // The token, and a balance of it for every sender: before the measured burst.
    const token = loadArtifact("test/TestToken.sol", "TestToken");
    const tokenInterface = new Interface(token.abi as never);
    const deploy = await sign(senders[0]!, { data: token.bytecode + tokenInterface.encodeDeploy([10n ** 30n]).slice(2), gasLimit: 2_000_000n });
    await call(devnet.l2Url, "eth_sendRawTransaction", [deploy]);
    const tokenAddress = ((await receipts(devnet.l2Url, [keccak256(deploy)], 120_000))[0] as { contractAddress: string }).contractAddress;
    const fund: string[] = [];
    for (const s of senders.slice(1)) fund.push(await sign(senders[0]!, { to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [s.address, 10n ** 27n]), gasLimit: 80_000n }));
    for (const raw of fund) await call(devnet.l2Url, "eth_sendRawTransaction", [raw]);
    await receipts(devnet.l2Url, fund.map((raw) => keccak256(raw)), 120_000);

    const raws: string[] = [];
    // Each sender's last transaction, noted when signed (recovering 2,000 senders afterwards
    // would hold the devnet's thread, the one being measured, for seconds).
    const last = new Map<string, string>();
    const every = Math.max(1, Math.floor(eth / erc20));
    for (let i = 0, t = 0; i < eth; i++) {
      const wallet = senders[i % senders.length]!;
      raws.push(await sign(wallet, { to: recipient(i), value: 1n, gasLimit: 21_000n }));
      last.set(wallet.address, raws.at(-1)!);
      if (i % every === every - 1 && t < erc20) {
        const from = senders[(i + 7) % senders.length]!;
        raws.push(await sign(from, { to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [recipient(i), 1n]), gasLimit: 80_000n }));
        last.set(from.address, raws.at(-1)!);
        t++;
      }
    }
    const firstBlock = blocks.length;
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    // BENCH_OFFTHREAD_PROFILE=<dir>: a CPU profile of the RPC thread during the burst
    // (bench/long-tasks.ts lists what held it).
    const profiler = await startProfile();
    const lags = recordLags();
    const started = performance.now();
    const sent = await sendFromWorker(devnet.l2Url, raws, rate);
    const load = loadavg();
    // Poll the last transaction of each sender, then check every one once.
    await receipts(devnet.l2Url, [...last.values()].map((raw) => keccak256(raw)), 600_000);
    const allReceiptsMs = performance.now() - started;
    await receipts(devnet.l2Url, raws.map((raw) => keccak256(raw)), 600_000);
    delay.disable();
    const longTasks = lags.stop();
    await profiler?.(`offthread-${layout}.cpuprofile`, longTasks);
    const built = offThreadBuildStats();
    console.log(`  ${layout}: blocks built on the builder thread (${built.workerThreadId ?? "none"}) so far: ${built.offThread}; on the RPC's thread (${built.callerThreadId}): ${built.here}`);
    const worst = [...longTasks].sort((a, b) => b.ms - a.ms).slice(0, 5);
    console.log(`  ${layout}: ${longTasks.length} stalls of the RPC thread > ${STALL_MS} ms; the longest: ${worst.map((w) => `${w.ms.toFixed(0)} ms at ${((w.end - started) / 1000).toFixed(1)} s`).join(", ") || "none"}`);
    // The proposer logs a block once the node derived it: the last line may come just after.
    for (let waited = 0; blocks.reduce((n, b) => n + b.txs, 0) < raws.length + fund.length + 1 && waited < 5_000; waited += 50) await sleep(50);
    return {
      layout,
      sent: raws.length,
      latencies: sent.latencies,
      refused: sent.refused,
      sendMs: sent.wallMs,
      allReceiptsMs,
      blocks: blocks.slice(firstBlock).map((b) => b.txs),
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      loopDelayMaxMs: delay.max / 1e6,
      load,
    };
  } finally {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A stall of the thread: a 5 ms timer that fired `ms` late, at `end` (performance.now()). */
interface Stall {
  end: number;
  ms: number;
}
/** Stalls longer than this are listed (and, with a profile, attributed by bench/long-tasks.ts). */
const STALL_MS = 20;

/** Records the thread's stalls above {@link STALL_MS} until `stop()`. */
function recordLags(): { stop(): Stall[] } {
  const stalls: Stall[] = [];
  let expected = performance.now() + 5;
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - expected > STALL_MS) stalls.push({ end: now, ms: now - expected });
    expected = now + 5;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return stalls;
    },
  };
}

/** Starts the inspector's CPU profiler on this thread when BENCH_OFFTHREAD_PROFILE names a folder; the returned function writes the profile there (and the stalls beside it). */
async function startProfile(): Promise<((name: string, stalls: Stall[]) => Promise<void>) | undefined> {
  const dir = process.env.BENCH_OFFTHREAD_PROFILE;
  if (dir === undefined || dir === "") return undefined;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 1000 });
  await session.post("Profiler.start");
  const profileStarted = performance.now();
  return async (name, stalls) => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    const file = path.join(dir, name);
    writeFileSync(file, JSON.stringify(profile));
    // The stalls in the profile's clock (ms since it started): bench/long-tasks.ts reads them.
    writeFileSync(`${file}.stalls.json`, JSON.stringify(stalls.map((s) => ({ endMs: s.end - profileStarted, ms: s.ms }))));
    console.log(`  CPU profile of the RPC thread: ${file}`);
  };
}

/**
 * Sends `raws` at `rate` per second (at most 32 in flight) from a worker thread and times each
 * request there: the devnet's thread being busy cannot delay the clock or the sending.
 */
async function sendFromWorker(url: string, raws: string[], rate: number): Promise<{ latencies: number[]; refused: number; wallMs: number }> {
  const source = `
    const { parentPort, workerData } = require("node:worker_threads");
    const { url, raws, rate } = workerData;
    const latencies = []; let refused = 0; let inFlight = 0; let next = 0; let firstRefusal;
    const started = performance.now();
    const sendOne = async (raw, i) => {
      inFlight++;
      const t0 = performance.now();
      try {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "eth_sendRawTransaction", params: [raw] }) });
        const body = await response.json();
        if (body.error) { refused++; firstRefusal ??= body.error.message; }
      } catch (error) { refused++; firstRefusal ??= String(error); }
      latencies.push(performance.now() - t0);
      inFlight--;
    };
    const pending = [];
    const tick = () => {
      const due = Math.min(raws.length, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
      while (next < due && inFlight < 32) { pending.push(sendOne(raws[next], next)); next++; }
      if (next < raws.length) setTimeout(tick, 2);
      else Promise.all(pending).then(() => parentPort.postMessage({ latencies, refused, firstRefusal, wallMs: performance.now() - started }));
    };
    tick();
  `;
  const worker = new Worker(source, { eval: true, workerData: { url, raws, rate } });
  try {
    const result = await new Promise<{ latencies: number[]; refused: number; firstRefusal?: string; wallMs: number }>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    if (result.firstRefusal !== undefined) console.log(`  ${result.refused} refused; the first: ${result.firstRefusal}`);
    return result;
  } finally {
    await worker.terminate();
  }
}

/** Waits until the node serves every receipt (batches of 500), or throws after `timeoutMs`. */
async function receipts(url: string, hashes: string[], timeoutMs: number): Promise<unknown[]> {
  const deadline = Date.now() + timeoutMs;
  const found = new Map<string, unknown>();
  while (found.size < hashes.length) {
    if (Date.now() > deadline) throw new Error(`${hashes.length - found.size} of ${hashes.length} receipts missing after ${timeoutMs / 1000} s`);
    const missing = hashes.filter((h) => !found.has(h)).slice(0, 500);
    const answers = (await post(url, missing.map((h, i) => ({ jsonrpc: "2.0", id: i, method: "eth_getTransactionReceipt", params: [h] })))) as { id: number; result?: unknown }[];
    for (const answer of answers) if (answer.result) found.set(missing[answer.id]!, answer.result);
    if (found.size < hashes.length) await sleep(200);
  }
  return hashes.map((h) => found.get(h));
}

async function call(url: string, method: string, params: unknown[]): Promise<unknown> {
  const answer = (await post(url, { jsonrpc: "2.0", id: 1, method, params })) as { result?: unknown; error?: { message: string } };
  if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return response.json();
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
