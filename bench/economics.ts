/**
 * Issue 17 item 5 — the economics of advancing rollups, side by side in one run, on the in-process
 * Hardhat L1 (Osaka) with EXECUTE under its market (the default). `BENCH_ONLY=economics`.
 *
 * 1. L1 gas and blob bytes per rollup-block for k = 1, 10, 100 rollups (one transfer each) in one
 *    L1 transaction: a shared advance (src/sdk/shared-advance.ts: one blob, each block a range)
 *    and a RollupBundler bundle (each leg in calldata), against separate advances (the proposer's
 *    default, blob DA) measured in the same run. A k that does not fit EIP-7825's 2^24 is split
 *    into as few transactions as fit, and the count is printed.
 * 2. L1 gas, execute (L2) gas, the execute fee and blob gas per L2 ETH transfer at 1, 100 and
 *    1,000 transfers per block (one rollup, the proposer's path), and 5,000 on an L1 whose
 *    market's cumulative limit holds a 105M-gas block (bench/economics-proposer.ts).
 * 3. The game-session example's L1 gas next to the same game on L1 (examples/game-session): one
 *    session alone, and N sessions played at once sharing advances, measured
 *    (bench/economics-sessions.ts).
 * 4. Rollup-blocks per second of the shared advance at k = 100 (build, prove nothing, send, verify).
 * 5. A projection to 1,000,000 rollups advancing hourly from the per-rollup-block figures of 1.
 * 6. Blocks/s and L2 tx/s across 100 rollups through the multi-rollup proposer, shared (its
 *    default) and separate, from the node's RPC to derived (bench/economics-proposer.ts).
 *
 * The machine is shared: its load average is printed with the figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { createL2Common, devAccounts, devGenesis, getL2Account, type L2Chain } from "../src/engine/index.js";
import { proposeBlock } from "../src/proposer/propose.js";
import { createRollup, deployFactory, signL2Transaction, type DeployedRollup } from "../src/sdk/index.js";
import { BundleTooLargeError, deployBundler, proposeBundle, type BundleLeg } from "../src/sdk/bundle.js";
import { defaultSharedExecute, proposeSharedAdvance, type SharedExecute } from "../src/sdk/shared-advance.js";
import { openBlobArchive, startBlobArchiveServer } from "../src/blobs/index.js";
import { configureBlobArchive, currentBlobArchive } from "../src/hardhat/index.js";
import { startMultiNode } from "../src/node/index.js";
import { benchFiveThousand, benchProposerAcrossRollups } from "./economics-proposer.js";
import { benchGameSessions } from "./economics-sessions.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

/** EIP-4844: every blob costs 2^17 blob gas and holds 131,072 bytes. */
const GAS_PER_BLOB = 131_072;
/** L1 blocks per hour at 12 s, and L1's gas per block (60M). */
const L1_BLOCKS_PER_HOUR = 300;
const L1_GAS_PER_BLOCK = 60_000_000;

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** `count` signed L2 ETH transfers on `chain`, spread over the 19 funded dev wallets (nonces from the head). */
async function transfers(chain: L2Chain, count: number): Promise<string[]> {
  const senders = Math.min(count, 19);
  const nonces = await Promise.all(wallets.slice(0, senders).map(async (w) => Number((await getL2Account(chain, w.address)).nonce)));
  return Promise.all(
    Array.from({ length: count }, (_, i) => {
      const from = i % senders;
      return signL2Transaction(chain, wallets[from]!, { nonce: nonces[from]! + Math.floor(i / senders), to: wallets[19]!.address, value: 1n + BigInt(i) });
    }),
  );
}

type Ethers = Awaited<ReturnType<typeof network.create>>["ethers"];

const gc = (() => {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();
/** Heap after a full collection (twice: weak references and finalizers settle). */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

interface SharedRun {
  l1Gas: bigint;
  transactions: number;
  blobs: number;
  compressedBytes: number;
  payloadBytes: number;
  seconds: number;
}

/** One shared advance of `rollups` (one transfer each), split in halves until each part fits one L1 transaction. */
async function sharedAdvance(ethers: Ethers, bundler: Contract, rollups: DeployedRollup[], execute: SharedExecute = defaultSharedExecute(rollups.length)): Promise<SharedRun> {
  const started = performance.now();
  const legs: BundleLeg[] = [];
  for (const r of rollups) legs.push({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) });
  try {
    const sent = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs, execute });
    const p = sent.prepared;
    return { l1Gas: sent.l1Receipt.gasUsed, transactions: 1, blobs: p.sidecar!.blobs.length, compressedBytes: p.compressedBytes, payloadBytes: p.payloadBytes, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    if (!(error instanceof BundleTooLargeError) || rollups.length < 2) throw error;
    const half = Math.ceil(rollups.length / 2);
    const a = await sharedAdvance(ethers, bundler, rollups.slice(0, half), execute);
    const b = await sharedAdvance(ethers, bundler, rollups.slice(half), execute);
    return {
      l1Gas: a.l1Gas + b.l1Gas,
      transactions: a.transactions + b.transactions,
      blobs: a.blobs + b.blobs,
      compressedBytes: a.compressedBytes + b.compressedBytes,
      payloadBytes: a.payloadBytes + b.payloadBytes,
      seconds: (performance.now() - started) / 1000,
    };
  }
}

/** The section: see the file's comment. */
export async function benchEconomics(report: Report, quick: boolean): Promise<void> {
  const sizes = quick ? [1, 10] : [1, 10, 100];
  const load = () => os.loadavg()[0]!.toFixed(2);
  console.log(`\neconomics (issue 17): L1 costs of rollup-blocks, shared and separate; Hardhat L1 (osaka) with EXECUTE's market; load average ${load()} on ${os.cpus().length} cores`);
  const connection = await network.create();
  const { ethers } = connection;
  // Blobs are kept (the plugin's capture) and served, so that a fresh node derives every block.
  const blobDir = mkdtempSync(path.join(os.tmpdir(), "ultrasound-economics-blobs-"));
  const archive = await openBlobArchive(blobDir);
  const previousArchive = currentBlobArchive();
  configureBlobArchive(archive);
  const blobServer = await startBlobArchiveServer({ archive, port: 0, l1: connection.provider });
  const [signer] = await ethers.getSigners();
  const provider = ethers.provider as never;
  const coinbase = await signer!.getAddress();
  const factory = await deployFactory(signer!);
  const bundler: Contract = await deployBundler(signer!);
  const rollups: DeployedRollup[] = [];
  for (let i = 0; i < Math.max(...sizes); i++) rollups.push(await createRollup(factory, devGenesis({ chainId: 9_000n + BigInt(i) })));
  // Each rollup's first block (the lazy head writes 3 slots fresh; the first burned fees a fresh
  // slot) is outside the measurement: advanced here, shared.
  await sharedAdvance(ethers, bundler, rollups);

  // Separate advances: the proposer's default (blob DA), one transfer a block, on 10 rollups.
  const separateOf = rollups.slice(0, Math.min(10, rollups.length));
  let separateGas = 0n;
  let separateBlobs = 0;
  for (const r of separateOf) {
    const common = createL2Common(r.chain.genesis.chainId);
    const proposed = await proposeBlock({ chain: r.chain, rollup: r.rollup, provider, coinbase, transactions: (await transfers(r.chain, 1)).map((raw) => createTxFromRLP(hexToBytes(raw as `0x${string}`), { common })) });
    separateGas += proposed.l1Receipt.gasUsed;
    separateBlobs += proposed.sidecar?.blobs.length ?? 0;
  }
  const separatePer = Number(separateGas) / separateOf.length;
  const separateBlobBytes = (separateBlobs * GAS_PER_BLOB) / separateOf.length;
  console.log(`  separate advances (one transfer, blob DA): ${separatePer.toFixed(0)} L1 gas and ${separateBlobBytes.toFixed(0)} blob bytes per rollup-block (mean of ${separateOf.length})`);
  report.add({ name: "economics: separate advance, L1 gas per rollup-block (one transfer, blob DA)", unit: "gas", value: separatePer });

  let sharedPer100: { gas: number; bytes: number; perSecond: number } | undefined;
  for (const k of sizes) {
    // Today's shared advance (each leg calls EXECUTE) in the same run, as the baseline of the batched call.
    const perLeg = await sharedAdvance(ethers, bundler, rollups.slice(0, k), "per-leg");
    const perLegPer = Number(perLeg.l1Gas) / k;
    console.log(`  shared k=${k}, EXECUTE per leg: ${perLeg.l1Gas} L1 gas in ${perLeg.transactions} transaction(s): ${perLegPer.toFixed(0)} gas and ${(perLeg.compressedBytes / k).toFixed(0)} blob bytes per rollup-block`);
    report.add({ name: `economics: shared advance of ${k}, EXECUTE per leg, L1 gas per rollup-block (baseline: separate)`, unit: "gas", value: perLegPer, baseline: separatePer });
    const batched = await sharedAdvance(ethers, bundler, rollups.slice(0, k), "batched");
    report.add({ name: `economics: shared advance of ${k}, ONE batched EXECUTE, L1 gas per rollup-block (baseline: EXECUTE per leg)`, unit: "gas", value: Number(batched.l1Gas) / k, baseline: perLegPer });
    // The rows below are the default form's: batched from two legs on (defaultSharedExecute).
    const run = defaultSharedExecute(k) === "batched" ? batched : perLeg;
    const per = Number(run.l1Gas) / k;
    const bytes = run.compressedBytes / k;
    console.log(`  shared k=${k}, ONE batched EXECUTE: ${batched.l1Gas} L1 gas in ${batched.transactions} transaction(s); the default (${defaultSharedExecute(k)}): ${run.l1Gas} L1 gas in ${run.transactions} transaction(s), ${run.blobs} blob(s): ${per.toFixed(0)} gas and ${bytes.toFixed(0)} blob bytes per rollup-block (payload ${run.payloadBytes} B → ${run.compressedBytes} B); ${(k / run.seconds).toFixed(1)} rollup-blocks/s; load ${load()}`);
    report.add({ name: `economics: shared advance of ${k}, L1 gas per rollup-block (baseline: separate)`, unit: "gas", value: per, baseline: separatePer });
    report.add({ name: `economics: shared advance of ${k}, blob bytes per rollup-block (baseline: separate's whole blob)`, unit: "B", value: bytes, baseline: separateBlobBytes });
    report.add({ name: `economics: shared advance of ${k}, L1 transactions needed (2^24 gas each)`, unit: "count", value: run.transactions });
    if (k === Math.max(...sizes)) sharedPer100 = { gas: per, bytes, perSecond: k / run.seconds };
    if (k <= 10) {
      const bundled = await proposeBundle({ bundler, provider, legs: await Promise.all(rollups.slice(0, k).map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) }))) });
      const bundledPer = Number(bundled.l1Receipt.gasUsed) / k;
      console.log(`  bundle k=${k} (RollupBundler, each leg in calldata): ${bundledPer.toFixed(0)} gas per rollup-block`);
      report.add({ name: `economics: bundle of ${k} (calldata legs), L1 gas per rollup-block (baseline: separate)`, unit: "gas", value: bundledPer, baseline: separatePer });
    }
  }
  report.add({ name: `economics: rollup-blocks/s, shared advance of ${Math.max(...sizes)} (build + send + verify, one proposer)`, unit: "blocks/s", value: sharedPer100!.perSecond });

  // Per L2 transfer at 1, 100, 1,000 transfers a block (one rollup, the proposer's path, blob DA).
  const one = rollups[0]!;
  const common = createL2Common(one.chain.genesis.chainId);
  for (const n of quick ? [1, 100] : [1, 100, 1000]) {
    const raw = await transfers(one.chain, n);
    const proposed = await proposeBlock({ chain: one.chain, rollup: one.rollup, provider, coinbase, transactions: raw.map((t) => createTxFromRLP(hexToBytes(t as `0x${string}`), { common })) });
    const l1Tx = await ethers.provider.getTransaction(proposed.l1Receipt.hash);
    const count = proposed.block.transactions.length;
    const l1 = Number(proposed.l1Receipt.gasUsed) / count;
    const l2 = Number(proposed.block.header.gasUsed) / count;
    const blobGas = ((proposed.sidecar?.blobs.length ?? 0) * GAS_PER_BLOB) / count;
    console.log(`  ${count} transfers a block: ${l1.toFixed(0)} L1 gas, ${l2.toFixed(0)} execute gas (fee ${Number(l1Tx!.value) / count} wei), ${blobGas.toFixed(0)} blob gas per transfer`);
    report.add({ name: `economics: ${n} transfers a block, L1 gas per transfer (baseline: an ETH transfer on L1)`, unit: "gas/tx", value: l1, baseline: 21_000 });
    report.add({ name: `economics: ${n} transfers a block, execute gas per transfer`, unit: "gas/tx", value: l2 });
    report.add({ name: `economics: ${n} transfers a block, blob gas per transfer`, unit: "blobgas/tx", value: blobGas });
  }

  // 5,000 transfers a block: on an L1 whose market's cumulative limit holds it (bench/economics-proposer.ts).
  if (!quick) await benchFiveThousand(report);

  // A fresh node follows the rollups and derives every block of every rollup from L1 alone
  // (shared advances' ranges included): catch-up speed and heap per rollup; then again with every
  // node part dropped after its run (`maxOpenParts: 0`), the heap of a rollup whose part is not in
  // memory — what all but `maxOpenParts` (1,024) of a million rollups cost a node.
  const blocks = rollups.reduce((sum, r) => sum + r.chain.headers.length - 1, 0);
  const catchUpOnce = async (maxOpenParts?: number) => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "ultrasound-economics-node-"));
    const before = heapUsed();
    const started = performance.now();
    // The rollups given with their genesis (the factory's default genesis is not the dev one).
    const node = await startMultiNode({ l1Provider: connection.provider, rollups: rollups.map((r) => ({ address: r.address, genesis: r.chain.genesis })), dataDir, blobSource: blobServer.url, follow: false, maxOpenParts });
    try {
      await node.sync();
      const seconds = (performance.now() - started) / 1000;
      const heapPerRollup = (heapUsed() - before) / rollups.length;
      const heads = await Promise.all(rollups.map(async (r) => (await node.rollup(r.chain.genesis.chainId)).status().l2.head));
      const derived = heads.reduce((sum, h) => sum + Number(h), 0);
      if (derived !== blocks) throw new Error(`bench economics: a fresh node derived ${derived} of ${blocks} blocks`);
      return { blocksPerSecond: blocks / seconds, heapPerRollup };
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  let catchUp: { blocksPerSecond: number; heapPerRollup: number };
  let dropped: { blocksPerSecond: number; heapPerRollup: number };
  try {
    catchUp = await catchUpOnce();
    dropped = await catchUpOnce(0);
  } finally {
    await blobServer.close();
    configureBlobArchive(previousArchive);
    archive.close();
    rmSync(blobDir, { recursive: true, force: true });
  }
  console.log(
    `  a fresh node derived ${blocks} blocks of ${rollups.length} rollups in ${(blocks / catchUp.blocksPerSecond).toFixed(1)} s (${catchUp.blocksPerSecond.toFixed(1)} blocks/s); heap ${(catchUp.heapPerRollup / 1024).toFixed(1)} KB per rollup; ` +
      `with every part dropped after its run: ${dropped.blocksPerSecond.toFixed(1)} blocks/s, ${(dropped.heapPerRollup / 1024).toFixed(1)} KB per rollup`,
  );
  report.add({ name: `economics: a fresh node catches up ${blocks} blocks of ${rollups.length} rollups`, unit: "blocks/s", value: catchUp.blocksPerSecond });
  report.add({ name: "economics: node heap per advanced rollup, caught up", unit: "KB", value: catchUp.heapPerRollup / 1024 });
  report.add({ name: `economics: a fresh node catches up, every part dropped after its run (baseline: kept)`, unit: "blocks/s", value: dropped.blocksPerSecond, baseline: catchUp.blocksPerSecond });
  report.add({ name: "economics: node heap per advanced rollup whose part is dropped", unit: "KB", value: dropped.heapPerRollup / 1024 });

  // The game session (examples/game-session) alone, and N sessions sharing advances, vs the same game on L1.
  await benchGameSessions(report, quick);

  // Projection: 1,000,000 rollups advancing once an hour, at the shared per-rollup-block figures.
  {
    const rollupsCount = 1_000_000;
    const gasPerHour = rollupsCount * sharedPer100!.gas;
    const l1GasPerHour = L1_BLOCKS_PER_HOUR * L1_GAS_PER_BLOCK;
    const blobBytesPerHour = rollupsCount * sharedPer100!.bytes;
    const blocksPerSecond = sharedPer100!.perSecond;
    console.log(`  1,000,000 rollups hourly: ${(gasPerHour / 1e9).toFixed(1)} G L1 gas/h = ${((gasPerHour / l1GasPerHour) * 100).toFixed(0)} % of L1's ${(l1GasPerHour / 1e9).toFixed(0)} G; ${(blobBytesPerHour / 1e9).toFixed(2)} GB of blobs/h (${(blobBytesPerHour / GAS_PER_BLOB / L1_BLOCKS_PER_HOUR).toFixed(1)} blobs per L1 block); one proposer at ${blocksPerSecond.toFixed(1)} blocks/s needs ${(rollupsCount / blocksPerSecond / 3600).toFixed(1)} h per round`);
    report.add({ name: "economics: 1M rollups hourly, L1 gas per hour (baseline: all of L1's, 300 × 60M)", unit: "gas/h", value: gasPerHour, baseline: l1GasPerHour });
    report.add({ name: "economics: 1M rollups hourly, blob bytes per hour", unit: "B/h", value: blobBytesPerHour });
    report.add({ name: "economics: 1M rollups hourly, blobs per L1 block", unit: "blobs", value: blobBytesPerHour / GAS_PER_BLOB / L1_BLOCKS_PER_HOUR });
    report.add({ name: "economics: 1M rollups hourly, proposer hours per round at the measured blocks/s (one process)", unit: "h", value: rollupsCount / blocksPerSecond / 3600 });
    // All but maxOpenParts' default (1,024) parts are dropped between runs (src/node/multi.ts).
    const nodeHeap = rollupsCount * Math.max(dropped.heapPerRollup, 0) + 1_024 * catchUp.heapPerRollup;
    report.add({ name: "economics: 1M rollups hourly, node heap (1M × a dropped part's rollup + 1,024 open parts, measured)", unit: "GB", value: nodeHeap / 1e9 });
    report.add({ name: "economics: 1M rollups hourly, node hours to derive one hourly round (measured catch-up, parts made per block)", unit: "h", value: rollupsCount / dropped.blocksPerSecond / 3600 });
    console.log(`  1,000,000 rollups: node heap ≈ ${(nodeHeap / 1e9).toFixed(1)} GB (1,024 parts open); one node derives an hourly round in ${(rollupsCount / dropped.blocksPerSecond / 3600).toFixed(1)} h`);
  }
  // Blocks/s and L2 tx/s across many rollups through the proposer's default path (shared) and one advance each.
  await benchProposerAcrossRollups(report, quick);
  console.log(`  load average at the end: ${load()}`);
}
