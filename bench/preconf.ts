/**
 * Preconfirmations (issue 19, docs/preconf.md): on the devnet (`startDevnet`, L1 in its own
 * process, blobs), time from `eth_sendRawTransaction` to a receipt (ethers' `tx.wait()`,
 * unchanged) and to `safe` (L1 verified the block), p50 and p99 over transfers sent one at a time
 * on an otherwise idle devnet; and the L1 gas per L2 transaction of a burst — with `--preconf`
 * next to today's path (the proposer proposes and L1 verifies before there is a receipt),
 * measured in the same run; and the L1 gas per L2 transaction of a stream of transfers 100 ms
 * apart when the preconfirmed blocks of each advance round (1 s) share one L1 transaction, next
 * to one L1 transaction per block (`preconfTogether: 1`) and to today's path. The machine's load is printed with them.
 */
import hre from "hardhat";
import os from "node:os";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../src/engine/chain.js";
import { startDevnet } from "../src/devnet/index.js";
import { freePort } from "../src/shared/ports.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

interface Burst {
  transactions: number;
  l1Gas: bigint;
  l2Blocks: number;
  advances: number;
}

interface Run {
  receiptMs: number[];
  safeMs: number[];
  burst: Burst;
  /** Transfers sent 100 ms apart: several preconfirmed blocks per advance round. */
  stream: Burst;
}

/** How a run's devnet is started: today's path, or --preconf with these settings. */
interface Mode {
  preconf: boolean;
  advanceMs?: number;
  together?: number;
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function call(url: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

async function run(mode: Mode, sends: number, burst: number, stream: number): Promise<Run> {
  const { preconf } = mode;
  const dataDir = mkdtempSync(path.join(tmpdir(), `ultrasound-bench-preconf-${preconf}-`));
  const devnet = await startDevnet(hre, { preconf, preconfAdvanceMs: mode.advanceMs, preconfTogether: mode.together, l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort(), dataDir, reset: true, blockTimeSeconds: 0, fundL2: 10n ** 20n, relay: false, log: () => {} });
  try {
    const url = devnet.l2Url;
    const safeNumber = async () => BigInt((await call(url, "eth_getBlockByNumber", ["safe", false])).number);
    const receiptMs: number[] = [];
    const safeMs: number[] = [];
    for (let i = -1; i < sends; i++) {
      const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
      const wallet = new Wallet(devAccounts()[1 + ((i + 1) % 9)]!.privateKey, provider);
      const sentAt = performance.now();
      const tx = await wallet.sendTransaction({ to: devAccounts()[19]!.address, value: 1n });
      const receipt = (await tx.wait(1, 60_000))!;
      const atReceipt = performance.now();
      while ((await safeNumber()) < BigInt(receipt.blockNumber)) await new Promise((resolve) => setTimeout(resolve, 20));
      const atSafe = performance.now();
      provider.destroy();
      if (i >= 0) {
        // The first is a warm-up (engine, JIT, caches).
        receiptMs.push(atReceipt - sentAt);
        safeMs.push(atSafe - sentAt);
      }
      await new Promise((resolve) => setTimeout(resolve, 300)); // idle between users
    }
    const l1 = new JsonRpcProvider(devnet.l1Url, undefined, { staticNetwork: true });
    const senders = devAccounts().slice(1, 11).map((a) => new Wallet(a.privateKey));
    /** Sends `count` transfers, `gapMs` apart (0: at once); L1 gas and transactions until all are safe. */
    const measure = async (count: number, gapMs: number): Promise<Burst> => {
      if (count === 0) return { transactions: 0, l1Gas: 0n, l2Blocks: 0, advances: 0 };
      const from = BigInt(await l1.send("eth_blockNumber", []));
      const l2From = await safeNumber();
      const nonces = await Promise.all(senders.map(async (s) => Number(BigInt(await call(url, "eth_getTransactionCount", [s.address, "pending"])))));
      const raws: string[] = [];
      for (let i = 0; i < count; i++) {
        const s = i % senders.length;
        raws.push(await senders[s]!.signTransaction({ type: 2, chainId: devnet.chainId, nonce: nonces[s]!++, to: devAccounts()[19]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n }));
      }
      const hashes: string[] = [];
      if (gapMs === 0) hashes.push(...(await Promise.all(raws.map((raw) => call(url, "eth_sendRawTransaction", [raw])))));
      else {
        for (const raw of raws) {
          hashes.push(await call(url, "eth_sendRawTransaction", [raw]));
          await new Promise((resolve) => setTimeout(resolve, gapMs));
        }
      }
      const last = hashes[hashes.length - 1]!;
      let lastBlock: bigint | undefined;
      for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
        const r = await call(url, "eth_getTransactionReceipt", [last]);
        if (r !== null) lastBlock = BigInt(r.blockNumber);
        if (lastBlock !== undefined && (await safeNumber()) >= lastBlock) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const to = BigInt(await l1.send("eth_blockNumber", []));
      let l1Gas = 0n;
      let advances = 0;
      for (let n = from + 1n; n <= to; n++) {
        const block = await l1.send("eth_getBlockByNumber", ["0x" + n.toString(16), false]);
        l1Gas += BigInt(block.gasUsed);
        advances += block.transactions.length;
      }
      return { transactions: count, l1Gas, l2Blocks: Number((lastBlock ?? l2From) - l2From), advances };
    };
    // A burst: `burst` transfers from 10 senders at once; then a stream, 100 ms apart.
    const burstRun = await measure(burst, 0);
    const streamRun = await measure(stream, 100);
    l1.destroy();
    return { receiptMs, safeMs, burst: burstRun, stream: streamRun };
  } finally {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The `preconf` section (`BENCH_ONLY=preconf npm run bench`). */
export async function benchPreconf(report: Report, quick: boolean): Promise<void> {
  const sends = quick ? 8 : 20;
  const burst = quick ? 40 : 100;
  const load = () => os.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\npreconf: send → receipt and → safe (ethers tx.wait, ${sends} transfers one at a time, 300 ms apart), L1 gas of a ${burst}-transfer burst; --preconf vs today's path, devnet (L1 in its own process, blobs); load ${load()}`);
  const stream = quick ? 16 : 40;
  const today = await run({ preconf: false }, sends, burst, stream);
  const pre = await run({ preconf: true }, sends, burst, 0);
  // Several preconfirmed blocks per advance round (one a second): together in one L1 transaction, vs one transaction per block.
  const shared = await run({ preconf: true, advanceMs: 1_000 }, 0, 0, stream);
  const single = await run({ preconf: true, advanceMs: 1_000, together: 1 }, 0, 0, stream);
  const note = `load ${load()}; ${os.cpus().length} cores`;
  for (const [label, key] of [["send → receipt", "receiptMs"], ["send → safe (verified on L1)", "safeMs"]] as const) {
    for (const p of [50, 99]) {
      report.add({ name: `preconf: ${label} p${p}, --preconf vs today`, unit: "ms", value: percentile(pre[key], p), baseline: percentile(today[key], p), note });
    }
  }
  const perTx = (r: Run) => Number(r.burst.l1Gas) / r.burst.transactions;
  report.add({ name: `preconf: L1 gas per L2 transaction, ${burst}-transfer burst, --preconf vs today`, unit: "gas", value: perTx(pre), baseline: perTx(today), note: `--preconf: ${pre.burst.l2Blocks} L2 blocks in ${pre.burst.advances} L1 transactions; today: ${today.burst.l2Blocks} L2 blocks in ${today.burst.advances}` });
  report.add({ name: `preconf: L2 blocks for the ${burst}-transfer burst, --preconf vs today`, unit: "blocks", value: pre.burst.l2Blocks, baseline: today.burst.l2Blocks });
  const perStreamTx = (r: Run) => Number(r.stream.l1Gas) / r.stream.transactions;
  const blocksIn = (r: Run) => `${r.stream.l2Blocks} L2 blocks in ${r.stream.advances} L1 transactions`;
  report.add({ name: `preconf: L1 gas per L2 transaction, ${stream} transfers 100 ms apart, advance every 1 s: blocks together vs one L1 transaction per block`, unit: "gas", value: perStreamTx(shared), baseline: perStreamTx(single), note: `together: ${blocksIn(shared)}; one per block: ${blocksIn(single)}` });
  // Per L2 block as well: the two runs may cut the stream into different numbers of blocks.
  const perBlock = (r: Run) => Number(r.stream.l1Gas) / Math.max(1, r.stream.l2Blocks);
  report.add({ name: `preconf: L1 gas per L2 block, ${stream} transfers 100 ms apart, advance every 1 s: blocks together vs one L1 transaction per block`, unit: "gas", value: perBlock(shared), baseline: perBlock(single), note: `together: ${blocksIn(shared)}; one per block: ${blocksIn(single)}` });
  report.add({ name: `preconf: L1 gas per L2 transaction, ${stream} transfers 100 ms apart, --preconf together (advance 1 s) vs today`, unit: "gas", value: perStreamTx(shared), baseline: perStreamTx(today), note: `today: ${blocksIn(today)}` });
}
