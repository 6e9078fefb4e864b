/**
 * Sustained end-to-end throughput of the devnet (issue 6 item 7): the whole devnet in this
 * process (`startDevnet`: Hardhat L1 with EXECUTE, blob archive, rollup node serving the L2
 * JSON-RPC, proposer), N signed L2 transactions sent through the node's HTTP JSON-RPC
 * (`eth_sendRawTransaction`, 20 senders, nonces precomputed), each timed from its send until the
 * node serves its receipt — the node serves only blocks it derived from L1, i.e. verified by
 * EXECUTE ("safe"). Then the process's memory once the node has derived many L2 transactions.
 */
import hre from "hardhat";
import { Interface, keccak256, Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { startDevnet } from "../src/devnet/index.js";
import { devAccounts } from "../src/engine/index.js";
import { loadArtifact } from "../src/shared/artifacts.js";
import type { createReport } from "./report.js";
import { freePort } from "../src/shared/ports.js";

type Report = ReturnType<typeof createReport>;

const token = loadArtifact("test/TestToken.sol", "TestToken");
const tokenInterface = new Interface(token.abi as never);
/** Fee cap far above the L2 base fee; 100k transactions cost a sender ≈ 10 ETH of its 10,000. */
export const FEES = { type: 2, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n } as const;
/** Requests in flight while sending (each its own HTTP request, keep-alive). */
const SEND_CONCURRENCY = 16;

/** Runs the throughput section. */
export async function benchThroughput(report: Report, quick: boolean): Promise<void> {
  const count = quick ? 200 : 1_000;
  const memoryTarget = quick ? 10_000 : 100_000;
  // ≈ 230 tx/s sustained on this 2-core machine: 100,000 take ≈ 7 min.
  const memoryBudgetMs = quick ? 150_000 : 480_000;
  const memoryMarks = quick ? [2_000, 5_000, 10_000] : [10_000, 50_000, 100_000];
  console.log(`\nthroughput: ${count} L2 transfers (ETH, then ERC20) sent through the devnet's L2 JSON-RPC, timed until the node serves each receipt (derived from L1 = verified by EXECUTE)`);
  const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-bench-throughput-"));
  const blocks: BlockLine[] = [];
  let lastDerive = NaN;
  const devnet = await startDevnet(hre, {
    l1Port: await freePort(),
    l2Port: await freePort(),
    blobPort: await freePort(),
    dataDir,
    proposeIntervalMs: 50,
    // The memory run keeps up to a few thousand transactions pending across 20 senders.
    mempool: { maxTransactions: 20_000, maxPerSender: 5_000 },
    log: (line) => {
      const match = /^L2 block (\d+) verified on L1 block \d+: (\d+) tx, (\d+) L2 gas, advance\(\) (\d+) L1 gas/.exec(line);
      if (match) blocks.push({ at: performance.now(), deriveMs: lastDerive, number: Number(match[1]), txs: Number(match[2]), l2Gas: Number(match[3]), l1Gas: Number(match[4]) });
      else console.log(`  ${line}`);
    },
  });
  // The proposer's tick calls node.sync() right after L1 verified its block, then logs the block:
  // time it (the node's derivation of that block: fetch its data, re-execute on its store, check
  // and commit; less when the node's own 500 ms poll got there first).
  const sync = devnet.node.sync.bind(devnet.node);
  devnet.node.sync = async () => {
    const started = performance.now();
    try {
      return await sync();
    } finally {
      lastDerive = performance.now() - started;
    }
  };
  try {
    const client = rpcClient(devnet.l2Url);
    const senders = devAccounts().map((a) => new Wallet(a.privateKey));
    const nonces = new Map<string, number>();
    for (const sender of senders) nonces.set(sender.address, Number(await client.call("eth_getTransactionCount", [sender.address, "pending"])));
    const sign = async (i: number, request: { to?: string; data?: string; value?: bigint; gasLimit: bigint }, from?: Wallet) => {
      const wallet = from ?? senders[i % senders.length]!;
      const nonce = nonces.get(wallet.address)!;
      nonces.set(wallet.address, nonce + 1);
      return wallet.signTransaction({ ...FEES, chainId: devnet.chainId, nonce, ...request });
    };
    const recipient = (i: number) => "0x" + (0x2000000n + BigInt(i)).toString(16).padStart(40, "0");

    // Warm-up: one block of each kind through the whole path (JIT, the node's first derivation);
    // the token is deployed and every sender gets a balance of it.
    const deploy = await sign(0, { data: token.bytecode + tokenInterface.encodeDeploy([10n ** 30n]).slice(2), gasLimit: 2_000_000n }, senders[0]);
    await timedRun(client, [deploy]);
    const tokenAddress = (await client.call("eth_getTransactionReceipt", [txHash(deploy)]) as { contractAddress: string }).contractAddress;
    const fund: string[] = [];
    for (let i = 1; i < senders.length; i++) {
      fund.push(await sign(0, { to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [senders[i]!.address, 10n ** 27n]), gasLimit: 80_000n }, senders[0]));
    }
    for (let i = 0; i < 40; i++) fund.push(await sign(i, { to: recipient(900_000 + i), value: 1n, gasLimit: 21_000n }));
    await timedRun(client, fund);

    const ethTx = (i: number) => sign(i, { to: recipient(i), value: 1n, gasLimit: 21_000n });
    const erc20Tx = (i: number) =>
      sign(i, { to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [recipient(i), 1n]), gasLimit: 80_000n });
    for (const [label, make] of [["ETH transfers", ethTx], ["ERC20 transfers", erc20Tx]] as const) {
      const raws: string[] = [];
      for (let i = 0; i < count; i++) raws.push(await make(i));
      const run = await timedRun(client, raws);
      // The proposer logs a block after the node derived it: wait for the run's last block's line.
      for (let waited = 0; (blocks.at(-1)?.number ?? 0) < run.lastBlock && waited < 10_000; waited += 20) await sleep(20);
      const runBlocks = blocks.filter((b) => b.number >= run.firstBlock && b.number <= run.lastBlock);
      const runDerive = runBlocks.map((b) => b.deriveMs).filter((ms) => !Number.isNaN(ms));
      const tps = (count * 1000) / run.wallMs;
      console.log(
        `  ${label}: ${count} in ${(run.wallMs / 1000).toFixed(2)} s (sending took ${(run.sendMs / 1000).toFixed(2)} s), ` +
          `${runBlocks.length} L2 blocks of ${runBlocks.map((b) => b.txs).join("/")} tx`,
      );
      console.log(`    bound: ${bounds(runBlocks, run)}`);
      report.add({ name: `throughput: ${count} ${label} end to end (target ≥ 500)`, unit: "tx/s", value: tps });
      report.add({ name: `throughput: ${count} ${label} latency p50`, unit: "ms", value: percentile(run.latencies, 50) });
      report.add({ name: `throughput: ${count} ${label} latency p95`, unit: "ms", value: percentile(run.latencies, 95) });
      report.add({ name: `throughput: ${count} ${label} L2 blocks`, unit: "blocks", value: runBlocks.length });
      if (runDerive.length > 0) report.add({ name: `throughput: ${count} ${label} node derivation per block`, unit: "ms", value: mean(runDerive) });
    }

    // 2. Memory after many L2 transactions: ETH transfers sent in batches, at most a few
    //    thousand pending, until the node derived `memoryTarget` of them (or the time budget ran out).
    const derivedBefore = blocks.reduce((sum, b) => sum + b.txs, 0);
    const memoryFirstBlock = blocks.length;
    const derived = () => blocks.reduce((sum, b) => sum + b.txs, 0) - derivedBefore;
    console.log(`\nthroughput: node memory after ${memoryTarget.toLocaleString("en-US")} L2 transactions (ETH transfers, JSON-RPC batches of 500; at most ${(memoryBudgetMs / 60_000).toFixed(1)} min)`);
    const started = performance.now();
    let sent = 0;
    let next = count;
    const gc = exposeGc();
    const marks = [...memoryMarks];
    // Memory as the chain grows: rss and heap once the node derived 10k, 50k and 100k of them.
    const measure = (at: number) => {
      gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      console.log(`  after ${at.toLocaleString("en-US")} derived L2 txs: rss ${(rss / 2 ** 20).toFixed(0)} MiB, heap ${(heapUsed / 2 ** 20).toFixed(0)} MiB`);
      report.add({ name: `throughput: process rss after ${at} L2 txs${gc ? " (after gc)" : " (no gc)"}`, unit: "MiB", value: rss / 2 ** 20 });
      report.add({ name: `throughput: process heapUsed after ${at} L2 txs${gc ? " (after gc)" : " (no gc)"}`, unit: "MiB", value: heapUsed / 2 ** 20 });
    };
    while (derived() < memoryTarget && performance.now() - started < memoryBudgetMs) {
      while (marks.length > 0 && derived() >= marks[0]!) measure(marks.shift()!);
      if (sent < memoryTarget && sent - derived() < 3_000) {
        const batch: string[] = [];
        for (let i = 0; i < 500 && sent + batch.length < memoryTarget; i++) batch.push(await ethTx(next++));
        const answers = (await client.batch(batch.map((raw) => ["eth_sendRawTransaction", [raw]]))) as { error?: { message: string } }[];
        const refused = answers.find((a) => a.error !== undefined);
        if (refused) throw new Error(`the L2 refused a transaction: ${refused.error!.message}`);
        sent += batch.length;
      } else {
        await sleep(50);
      }
    }
    const elapsed = performance.now() - started;
    // Every sent transaction derived before measuring (or the budget is spent: measure as is).
    while (derived() < sent && performance.now() - started < memoryBudgetMs + 60_000) await sleep(50);
    const total = derived();
    const { l2 } = (await client.call("rollup_status", [])) as { l2: { head: string; safe: string } };
    while (marks.length > 0 && total >= marks[0]!) measure(marks.shift()!);
    gc?.();
    const memory = process.memoryUsage();
    console.log(
      `  the node derived ${total.toLocaleString("en-US")} L2 transactions in ${(elapsed / 1000).toFixed(0)} s ` +
        `(${((total * 1000) / elapsed).toFixed(0)} tx/s sustained, L2 head ${Number(l2.head)}, safe ${Number(l2.safe)})` +
        (total < memoryTarget ? `; fewer than the ${memoryTarget.toLocaleString("en-US")} asked (the time budget ran out)` : ""),
    );
    const memoryBlocks = blocks.slice(memoryFirstBlock);
    const cycles = memoryBlocks.slice(1).map((b, i) => b.at - memoryBlocks[i]!.at);
    const derives = memoryBlocks.map((b) => b.deriveMs).filter((ms) => !Number.isNaN(ms));
    if (memoryBlocks.length > 1) {
      console.log(
        `  bound: ${memoryBlocks.length} blocks, mean ${mean(memoryBlocks.map((b) => b.txs)).toFixed(0)} tx/block (largest ${Math.max(...memoryBlocks.map((b) => b.txs))}), ` +
          `one every ${mean(cycles).toFixed(0)} ms, of which node derivation ${mean(derives).toFixed(0)} ms; advance() ${mean(memoryBlocks.map((b) => b.l1Gas)).toFixed(0)} L1 gas/block`,
      );
    }
    console.log(
      `  memory of the whole process (L1, proposer, node, this client): ${gc ? "after global.gc()" : "without a forced GC (run with --expose-gc for one)"}`,
    );
    report.add({ name: `throughput: L2 txs derived for the memory figures`, unit: "txs", value: total });
    report.add({ name: `throughput: sustained rate over the memory run`, unit: "tx/s", value: (total * 1000) / elapsed });
    report.add({ name: `throughput: process rss after ${total} L2 txs${gc ? " (after gc)" : " (no gc)"}`, unit: "MiB", value: memory.rss / 2 ** 20 });
    report.add({ name: `throughput: process heapUsed after ${total} L2 txs${gc ? " (after gc)" : " (no gc)"}`, unit: "MiB", value: memory.heapUsed / 2 ** 20 });
  } finally {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `global.gc`, or one made available at run time (V8's flag + a new context), or undefined. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString("--expose-gc");
    return vm.runInNewContext("gc") as () => void;
  } catch {
    return undefined;
  }
}

interface BlockLine {
  at: number;
  deriveMs: number;
  number: number;
  txs: number;
  l2Gas: number;
  l1Gas: number;
}

export interface Run {
  wallMs: number;
  sendMs: number;
  latencies: number[];
  /** The first and last L2 block that held one of the run's transactions. */
  firstBlock: number;
  lastBlock: number;
}

/**
 * Sends `raws` (SEND_CONCURRENCY requests in flight) and watches the node's head: each new block's
 * receipts (eth_getBlockReceipts) stamp the transactions they hold. Returns when all have one.
 */
export async function timedRun(client: ReturnType<typeof rpcClient>, raws: string[]): Promise<Run> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let head = BigInt((await client.call("eth_blockNumber", [])) as string);
  const started = performance.now();
  let lastReceipt = started;
  let firstBlock = 0;
  let lastBlock = 0;
  let failure: Error | undefined;
  let next = 0;
  const sender = async () => {
    while (next < raws.length) {
      const raw = raws[next++]!;
      sentAt.set(txHash(raw), performance.now());
      await client.call("eth_sendRawTransaction", [raw]).catch((error: Error) => (failure ??= error));
    }
  };
  const sending = Promise.all(Array.from({ length: SEND_CONCURRENCY }, sender)).then(() => performance.now() - started);
  const deadline = Date.now() + 600_000;
  while (latencies.length < raws.length) {
    if (failure) throw new Error(`the L2 refused a transaction: ${failure.message}`);
    if (Date.now() > deadline) throw new Error(`only ${latencies.length} of ${raws.length} receipts within 10 min`);
    const now = BigInt((await client.call("eth_blockNumber", [])) as string);
    for (let b = head + 1n; b <= now; b++) {
      const receipts = (await client.call("eth_getBlockReceipts", ["0x" + b.toString(16)])) as { transactionHash: string; status: string }[];
      const at = performance.now();
      for (const receipt of receipts) {
        const sent = sentAt.get(receipt.transactionHash);
        if (sent === undefined) continue;
        if (receipt.status !== "0x1") throw new Error(`transaction ${receipt.transactionHash} reverted`);
        latencies.push(at - sent);
        lastReceipt = at;
        if (firstBlock === 0) firstBlock = Number(b);
        lastBlock = Number(b);
      }
    }
    head = now;
    if (latencies.length < raws.length) await sleep(10);
  }
  return { wallMs: lastReceipt - started, sendMs: await sending, latencies, firstBlock, lastBlock };
}

/** What bounds a run: the proposal cycle per block, the node's share of it, L1 gas per advance. */
function bounds(blocks: BlockLine[], run: Run): string {
  const derive = blocks.map((b) => b.deriveMs).filter((ms) => !Number.isNaN(ms));
  if (blocks.length === 0) return "no block seen";
  const gaps = blocks.slice(1).map((b, i) => b.at - blocks[i]!.at);
  const cycle = gaps.length > 0 ? mean(gaps) : NaN;
  const parts = [
    `${blocks.length} block(s), mean ${mean(blocks.map((b) => b.txs)).toFixed(0)} tx/block`,
    gaps.length > 0 ? `one block every ${cycle.toFixed(0)} ms (proposal cycle)` : undefined,
    derive.length > 0 ? `of which node derivation ${mean(derive).toFixed(0)} ms (the rest: mempool → build + witness → blobs/KZG → advance() on L1 with EXECUTE)` : undefined,
    `advance() ${mean(blocks.map((b) => b.l1Gas)).toFixed(0)} L1 gas/block`,
    `sending alone ${((run.latencies.length * 1000) / run.sendMs).toFixed(0)} tx/s over JSON-RPC`,
  ];
  return parts.filter((p) => p !== undefined).join("; ");
}

/** A minimal JSON-RPC client over HTTP (fetch keeps the connections alive). */
export function rpcClient(url: string) {
  let id = 0;
  const post = async (body: unknown) => {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    return response.json() as Promise<unknown>;
  };
  return {
    async call(method: string, params: unknown[]): Promise<unknown> {
      const answer = (await post({ jsonrpc: "2.0", id: ++id, method, params })) as { result?: unknown; error?: { message: string } };
      if (answer.error !== undefined) throw new Error(`${method}: ${answer.error.message}`);
      return answer.result;
    },
    async batch(calls: [string, unknown[]][]): Promise<unknown[]> {
      return (await post(calls.map(([method, params]) => ({ jsonrpc: "2.0", id: ++id, method, params })))) as unknown[];
    },
  };
}

/** A signed transaction's hash. */
export function txHash(raw: string): string {
  return keccak256(raw);
}

/** The `p`th percentile of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** The arithmetic mean. */
export function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

