/**
 * The node adopting its proposer's own blocks (issue 17 item 4, src/node/stages/adopt.ts) against
 * re-executing them, and the proposer building each block while the last one is mined
 * (src/proposer/ahead.ts) against after it landed, in one run: three devnets in turn
 * (`adoptOwnBlocks: false`, then the default, then `overlapBuilds: false`), each sent the same ETH transfers through its L2 JSON-RPC, each timed from its send
 * until the node serves its receipt (one rollup, the L1 in its own process). Also the node's
 * derivation per block — `node.sync()` after each proposed block: scan L1, fetch the data, execute
 * or adopt, commit — and its share of the block cycle (the time between two blocks).
 */
import hre from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet } from "../src/devnet/index.js";
import { defaultGenesis } from "../src/engine/index.js";
import { freePort } from "../src/shared/ports.js";
import type { createReport } from "./report.js";
import { devSenders, FEES, mean, percentile, rpcClient, sleep, timedRun, timeNodeSyncs } from "./throughput.js";

type Report = ReturnType<typeof createReport>;

/** What one devnet's run measured. */
interface AdoptionRun {
  tps: number;
  p50: number;
  blocks: number;
  cycleMs: number;
  deriveMs: number;
  adopted: number;
  /** The node's execute stage (execute or adopt, before the commit) per block, ms. */
  executeMs: number;
  /** Blocks the proposer built while the one before was on its way to L1 and sent as built. */
  ahead: number;
}

/** Runs the adoption section: re-executing (baseline) vs adopting, `count` ETH transfers each. */
export async function benchAdoption(report: Report, quick: boolean): Promise<void> {
  const count = quick ? 600 : 2_000;
  console.log(`\nadoption: ${count} L2 ETH transfers end to end (send → receipt served by the node), the node re-executing the proposer's blocks, then adopting them`);
  const off = await runOnce(count, false, true);
  const on = await runOnce(count, true, true);
  // Building the next block while the last is mined (issue 17 item 4) against after it landed:
  // it builds ahead only on a full block, so with blocks of ≤ 200 transfers (a backlog).
  const small = 200n * 21_000n;
  const sequential = await runOnce(count, true, false, small);
  const overlapped = await runOnce(count, true, true, small);
  const label = `adoption: ${count} ETH transfers`;
  const full = `blocks of ≤ ${small / 21_000n} transfers`;
  report.add({ name: `${label} end to end, ${full}, next block built while the last is mined (vs built after it landed)`, unit: "tx/s", value: overlapped.tps, baseline: sequential.tps });
  report.add({ name: `${label} block cycle, ${full}, next block built while the last is mined (vs built after it landed)`, unit: "ms", value: overlapped.cycleMs, baseline: sequential.cycleMs });
  report.add({ name: `${label} latency p50, ${full}, next block built while the last is mined (vs built after it landed)`, unit: "ms", value: overlapped.p50, baseline: sequential.p50 });
  report.add({ name: `${label} ${full}: blocks sent as built ahead (of ${overlapped.blocks})`, unit: "blocks", value: overlapped.ahead });
  report.add({ name: `${label} end to end, adopting (vs re-executing; target ≥ 1,000)`, unit: "tx/s", value: on.tps, baseline: off.tps });
  report.add({ name: `${label} latency p50, adopting (vs re-executing)`, unit: "ms", value: on.p50, baseline: off.p50 });
  report.add({ name: `${label} block cycle, adopting (vs re-executing)`, unit: "ms", value: on.cycleMs, baseline: off.cycleMs });
  report.add({ name: `${label} node derivation per block, adopting (vs re-executing)`, unit: "ms", value: on.deriveMs, baseline: off.deriveMs });
  report.add({ name: `${label} node derivation share of the block cycle, adopting (vs re-executing)`, unit: "%", value: (100 * on.deriveMs) / on.cycleMs, baseline: (100 * off.deriveMs) / off.cycleMs });
  report.add({ name: `${label} node execute stage per block, adopting (vs re-executing)`, unit: "ms", value: on.executeMs, baseline: off.executeMs });
  report.add({ name: `${label} node execute stage share of the block cycle, adopting (vs re-executing)`, unit: "%", value: (100 * on.executeMs) / on.cycleMs, baseline: (100 * off.executeMs) / off.cycleMs });
  report.add({ name: `${label} blocks adopted by the node while adopting (of ${on.blocks})`, unit: "blocks", value: on.adopted });
}

async function runOnce(count: number, adopt: boolean, overlap: boolean, gasLimit?: bigint): Promise<AdoptionRun> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-bench-adoption-"));
  const blocks: { at: number; deriveMs: number; number: number; txs: number; ahead: boolean }[] = [];
  let lastDerive = NaN;
  const devnet = await startDevnet(hre, {
    l1Port: await freePort(),
    l2Port: await freePort(),
    blobPort: await freePort(),
    explorerPort: 0,
    dataDir,
    proposeIntervalMs: 50,
    relay: false,
    adoptOwnBlocks: adopt,
    overlapBuilds: overlap,
    ...(gasLimit === undefined ? {} : { genesis: defaultGenesis({ gasLimit }) }),
    mempool: { maxTransactions: 20_000, maxPerSender: 5_000 },
    log: (line) => {
      const proposed = /^L2 block (\d+) verified on L1 block \d+: (\d+) tx/.exec(line);
      if (proposed) blocks.push({ at: performance.now(), deriveMs: lastDerive, number: Number(proposed[1]), txs: Number(proposed[2]), ahead: line.endsWith(", built while its parent was mined") });
    },
  });
  // The round's node.sync() after each proposed block: the node's derivation of it.
  timeNodeSyncs(devnet.node, (ms) => (lastDerive = ms));
  try {
    const client = rpcClient(devnet.l2Url);
    const { senders, nonces } = await devSenders(client);
    const transfer = (i: number) => {
      const wallet = senders[i % senders.length]!;
      const nonce = nonces.get(wallet.address)!;
      nonces.set(wallet.address, nonce + 1);
      return wallet.signTransaction({ ...FEES, chainId: devnet.chainId, nonce, to: "0x" + (0x3000000n + BigInt(i)).toString(16).padStart(40, "0"), value: 1n, gasLimit: 21_000n });
    };
    // Warm-up: a few blocks through the whole path (JIT, the node's first derivations).
    const warm: string[] = [];
    for (let i = 0; i < 100; i++) warm.push(await transfer(900_000 + i));
    await timedRun(client, warm);
    const raws: string[] = [];
    for (let i = 0; i < count; i++) raws.push(await transfer(i));
    const before = devnet.node.status().committed;
    const run = await timedRun(client, raws);
    for (let waited = 0; (blocks.at(-1)?.number ?? 0) < run.lastBlock && waited < 10_000; waited += 20) await sleep(20);
    const runBlocks = blocks.filter((b) => b.number >= run.firstBlock && b.number <= run.lastBlock);
    const gaps = runBlocks.slice(1).map((b, i) => b.at - runBlocks[i]!.at);
    const derives = runBlocks.map((b) => b.deriveMs).filter((ms) => !Number.isNaN(ms));
    const result: AdoptionRun = {
      tps: (count * 1000) / run.wallMs,
      p50: percentile(run.latencies, 50),
      blocks: runBlocks.length,
      cycleMs: mean(gaps),
      deriveMs: mean(derives),
      adopted: devnet.node.status().committed.adopted - before.adopted,
      executeMs: (devnet.node.status().committed.executeMs - before.executeMs) / runBlocks.length,
      ahead: runBlocks.filter((b) => b.ahead).length,
    };
    console.log(
      `  ${adopt ? "adopting" : "re-executing"}${gasLimit === undefined ? "" : `, L2 gas limit ${gasLimit}`}${overlap ? "" : ", each block built after the last landed"}: ${count} in ${(run.wallMs / 1000).toFixed(2)} s = ${result.tps.toFixed(0)} tx/s; ${result.blocks} blocks of ${runBlocks.map((b) => b.txs).join("/")} tx, ` +
        `one every ${result.cycleMs.toFixed(0)} ms, node derivation ${result.deriveMs.toFixed(0)} ms/block (${((100 * result.deriveMs) / result.cycleMs).toFixed(0)} %), ` +
        `of which the execute stage ${result.executeMs.toFixed(0)} ms (${((100 * result.executeMs) / result.cycleMs).toFixed(0)} %), ${result.adopted} adopted, ${result.ahead} built ahead`,
    );
    return result;
  } finally {
    await devnet.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
