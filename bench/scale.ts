/**
 * Scale (docs/rollups.md): N rollups on the in-process Hardhat L1 with EXECUTE. Not run by default:
 * `npm run bench -- --scale N` (or `BENCH_ONLY=scale BENCH_SCALE=N`; `--advance M` /
 * `BENCH_SCALE_ADVANCE=M` advances only the first M).
 *
 *   1. create N rollups through a RollupFactory: L1 gas and wall ms per rollup (mean, p50, p95);
 *   2. one multi-rollup node picks them all up: time, heap and RSS per idle rollup;
 *   3. one deposit to each, then ONE multi-proposer advances each once (a block delivering it):
 *      blocks/s across rollups; the node derives them, adopting the blocks the proposer built
 *      (`onBuilt` → `offerBuilt`, as the devnet does) once L1 verified their hashes;
 *   4. one L2 transfer on each, advanced again: blocks/s and txs/s; then another, advanced by a
 *      multi-proposer in blobs with its default packing (shared advances: up to 100 rollups'
 *      blocks in one L1 transaction and one blob), blocks/s with the calldata round as baseline;
 *      the node's heap per rollup after that (its memory measured by stopping it);
 *   5. a fresh node catches up with every block of every rollup: time, blocks/s, its heap;
 *   6. bundles (src/sdk/bundle.ts proposeBundle): k = 1, 2, 4, 8 rollups in one L1 transaction vs
 *      k separate advances, L1 gas per rollup-block.
 *
 * Calldata data availability except for the shared round (blobs add the KZG work, ≈ 0.1 s a
 * block, to every separate advance; a shared advance pays it once for all its legs). Heap figures
 * are after a full GC.
 */
import { Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { rmSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { Session } from "node:inspector/promises";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { devAccounts, defaultGenesis, writeGenesis, type L2Chain } from "../src/engine/index.js";
import type { BuiltBlock } from "../src/engine/build.js";
import { createL2Chain } from "../src/engine/state.js";
import { BlockWriteDB } from "../src/node/store.js";
import { startMultiNode, type MultiNode } from "../src/node/index.js";
import { createMempool, type Mempool } from "../src/proposer/mempool.js";
import { createMultiProposer } from "../src/proposer/multi.js";
import { proposeBlock } from "../src/proposer/propose.js";
import { deployFactory, rollupFactoryInterface } from "../src/sdk/factory.js";
import { nativeRollupAt } from "../src/sdk/contracts.js";
import { signL2Transaction } from "../src/sdk/transactions.js";
import { BYTES_PER_BLOB, getKzg, openBlobArchive, sendBlobTransaction, startBlobArchiveServer } from "../src/blobs/index.js";
import { makeSidecarOffThread } from "../src/blobs/kzg-offthread.js";
import { configureBlobArchive, currentBlobArchive } from "../src/hardhat/index.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

const FIRST_CHAIN_ID = 500_000n;
const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

const gc = (() => {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();
/** Heap and RSS after a full collection (twice: weak references and finalizers settle). */
function memory(): { heap: number; rss: number } {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heap: heapUsed, rss };
}

function stats(values: number[]): { mean: number; p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, p50: at(0.5), p95: at(0.95) };
}

const KB = 1024;

/**
 * The scale section (see the file's comment). `n` rollups; `advance` of them (default all) go
 * through the block rounds.
 */
export async function benchScale(report: Report, n: number, advanceCount = n): Promise<void> {
  const m = Math.min(n, advanceCount);
  console.log(`\nscale: ${n} rollups through a RollupFactory on the in-process Hardhat L1 (EXECUTE, osaka); one multi-node; one multi-proposer advancing ${m} of them (calldata)`);
  const { ethers, provider } = await network.create();
  const [signer] = await ethers.getSigners();
  const coinbase = await signer!.getAddress();
  const ethersProvider = ethers.provider as never;
  const factory = await deployFactory(signer!);
  const factoryAddress = await factory.getAddress();
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ultrasound-scale-"));
    dirs.push(dir);
    return dir;
  };

  // 1. Creation. Every default genesis has the same header whatever its chain id (the chain id is
  //    not in the header): computed once; createRollup sent one at a time, as a user would.
  const genesisOf = async (chainId: bigint) => (await writeGenesis(defaultGenesis({ chainId }), new BlockWriteDB())).header;
  const [g0, g1] = [await genesisOf(FIRST_CHAIN_ID), await genesisOf(FIRST_CHAIN_ID + 1n)];
  if (bytesToHex(g0.hash()) !== bytesToHex(g1.hash())) throw new Error("the default genesis depends on the chain id: compute it per rollup");
  const template = defaultGenesis({ chainId: FIRST_CHAIN_ID });
  const create = factory.getFunction("createRollup");
  const gas: number[] = [];
  const ms: number[] = [];
  const addresses: string[] = [];
  const createdAt = performance.now();
  const iface = rollupFactoryInterface();
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const tx = await create(FIRST_CHAIN_ID + BigInt(i), template.gasLimit, bytesToHex(g0.hash()), bytesToHex(g0.stateRoot), template.timestamp, coinbase, coinbase);
    const receipt = (await tx.wait())!;
    ms.push(performance.now() - started);
    gas.push(Number(receipt.gasUsed));
    addresses.push(iface.parseLog(receipt.logs.at(-1)! as never)!.args.rollup as string);
    if ((i + 1) % 1000 === 0) console.log(`  created ${i + 1} (${((performance.now() - createdAt) / 1000).toFixed(1)} s)`);
  }
  const createSeconds = (performance.now() - createdAt) / 1000;
  const g = stats(gas);
  const t = stats(ms);
  console.log(`  ${n} rollups created in ${createSeconds.toFixed(1)} s: L1 gas mean ${g.mean.toFixed(0)} p50 ${g.p50} p95 ${g.p95}; wall ms mean ${t.mean.toFixed(1)} p50 ${t.p50.toFixed(1)} p95 ${t.p95.toFixed(1)}`);
  report.add({ name: `scale ${n}: createRollup L1 gas, mean`, unit: "gas", value: g.mean });
  report.add({ name: `scale ${n}: createRollup L1 gas, p50`, unit: "gas", value: g.p50 });
  report.add({ name: `scale ${n}: createRollup L1 gas, p95`, unit: "gas", value: g.p95 });
  report.add({ name: `scale ${n}: createRollup wall time, mean`, unit: "ms", value: t.mean });
  report.add({ name: `scale ${n}: createRollup wall time, p50`, unit: "ms", value: t.p50 });
  report.add({ name: `scale ${n}: createRollup wall time, p95`, unit: "ms", value: t.p95 });

  // The L1's blobs, kept and served, for the shared round's advances (step 4).
  const archive = await openBlobArchive(tempDir());
  const previousArchive = currentBlobArchive();
  configureBlobArchive(archive);
  const blobServer = await startBlobArchiveServer({ archive, port: 0, l1: provider });

  // 2. One node picks them all up from the factory's events.
  const before = memory();
  let started = performance.now();
  let multi: MultiNode = await startMultiNode({ l1Provider: provider, factory: factoryAddress, dataDir: tempDir(), blobSource: blobServer.url, follow: false });
  await multi.sync();
  const pickUpMs = performance.now() - started;
  if (multi.list().length !== n) throw new Error(`the node found ${multi.list().length} of ${n} rollups`);
  const idle = memory();
  const idleHeap = (idle.heap - before.heap) / n;
  const idleRss = (idle.rss - before.rss) / n;
  console.log(`  the node picked up ${n} in ${pickUpMs.toFixed(0)} ms; idle: ${(idleHeap / KB).toFixed(2)} KB heap, ${(idleRss / KB).toFixed(2)} KB RSS per rollup`);
  report.add({ name: `scale ${n}: node picks up every rollup (start + first sync)`, unit: "ms", value: pickUpMs });
  report.add({ name: `scale ${n}: node heap per idle rollup`, unit: "KB", value: idleHeap / KB });
  report.add({ name: `scale ${n}: node RSS per idle rollup`, unit: "KB", value: idleRss / KB });

  // 3. A deposit to each of the first m, then one block each delivering it.
  const advancing = addresses.slice(0, m).map((address, i) => ({ chainId: FIRST_CHAIN_ID + BigInt(i), address }));
  const chains = new Map<bigint, L2Chain>();
  const mempools = new Map<bigint, Mempool>();
  const chainOf = async (chainId: bigint) => {
    let chain = chains.get(chainId);
    if (chain === undefined) chains.set(chainId, (chain = await createL2Chain(defaultGenesis({ chainId }))));
    return chain;
  };
  const proposerWith = (dataAvailability: "calldata" | "blobs") => createMultiProposer({
    rollups: () =>
      advancing.map((r) => ({
        chainId: r.chainId,
        address: r.address,
        mempool: () => mempools.get(r.chainId),
        hasQueuedMessages: () => multi.hasQueuedMessages(r.chainId),
        chain: () => chainOf(r.chainId),
        // The node adopts the blocks this proposer built instead of executing them again, as the devnet wires it (src/node/stages/adopt.ts).
        onBuilt: (block: BuiltBlock) => void multi.opened(r.chainId)?.offerBuilt(block),
      })),
    signer: signer!,
    provider: ethersProvider,
    coinbase,
    dataAvailability,
  });
  const proposer = proposerWith("calldata");
  started = performance.now();
  for (const r of advancing) await (await nativeRollupAt(r.address, signer!).getFunction("deposit")(wallets[0]!.address, { value: 10n ** 18n })).wait();
  const depositMs = performance.now() - started;
  await multi.sync();
  const round = async (label: string, txsPerBlock: number, by = proposer, baseline?: number): Promise<number> => {
    const startedRound = performance.now();
    let blocks = 0;
    // L1 gas by transaction: a shared advance's legs all name the one transaction that carried them.
    const advanceGas = new Map<string, number>();
    // Idle twice in a row: nothing is left. Once: a shared advance's outcomes are all handed out
    // (at most `maxLegs`, 100, rollups a shared advance: above that the next call packs the next ones).
    let idles = 0;
    for (;;) {
      const outcome = await by.proposeNext();
      // Inner "idle": the node has not derived this round's blocks yet, so the rollup still looks
      // due; having come round to it again, the round is over.
      if (outcome.kind === "idle" || outcome.outcome.kind === "idle") {
        if (blocks >= m || ++idles >= 2) break;
        continue;
      }
      idles = 0;
      if (outcome.outcome.kind !== "proposed") throw new Error(`rollup ${outcome.chainId}: ${outcome.outcome.kind}`);
      const receipt = outcome.outcome.proposed.l1Receipt;
      advanceGas.set(receipt.hash, Number(receipt.gasUsed));
      blocks++;
    }
    const proposeSeconds = (performance.now() - startedRound) / 1000;
    const startedDerive = performance.now();
    await multi.sync();
    const deriveSeconds = (performance.now() - startedDerive) / 1000;
    // Blocks the node committed since it started, executed again or adopted from the proposer.
    const committed = advancing.reduce((sum, r) => {
      const c = multi.opened(r.chainId)?.status().committed;
      return { executed: sum.executed + (c?.executed ?? 0), adopted: sum.adopted + (c?.adopted ?? 0) };
    }, { executed: 0, adopted: 0 });
    if (blocks !== m) throw new Error(`${label}: ${blocks} blocks proposed for ${m} rollups`);
    const a = { mean: [...advanceGas.values()].reduce((x, y) => x + y, 0) / blocks };
    console.log(
      `  ${label}: ${blocks} blocks (one per rollup) proposed and verified on L1 in ${proposeSeconds.toFixed(1)} s = ${(blocks / proposeSeconds).toFixed(1)} blocks/s` +
        (txsPerBlock > 0 ? `, ${((blocks * txsPerBlock) / proposeSeconds).toFixed(1)} txs/s` : "") +
        `; L1 gas per rollup-block ${a.mean.toFixed(0)}; the node derived them in ${deriveSeconds.toFixed(1)} s (${(blocks / deriveSeconds).toFixed(1)} blocks/s; so far ${committed.adopted} adopted, ${committed.executed} executed)`,
    );
    report.add({ name: `scale ${n}: ${label}: blocks/s across ${m} rollups (propose + L1 verify)`, unit: "blocks/s", value: blocks / proposeSeconds, ...(baseline === undefined ? {} : { baseline }) });
    if (txsPerBlock > 0) report.add({ name: `scale ${n}: ${label}: L2 txs/s across ${m} rollups`, unit: "txs/s", value: (blocks * txsPerBlock) / proposeSeconds });
    report.add({ name: `scale ${n}: ${label}: L1 gas per rollup-block`, unit: "gas", value: a.mean });
    report.add({ name: `scale ${n}: ${label}: node derives (blocks/s)`, unit: "blocks/s", value: blocks / deriveSeconds });
    return blocks / proposeSeconds;
  };
  console.log(`  ${m} deposits in ${(depositMs / 1000).toFixed(1)} s`);
  await round("a deposit delivered per rollup", 0);

  // 4. One transfer on each (the deposit paid for it), advanced again.
  for (const r of advancing) {
    const chain = chains.get(r.chainId)!;
    const mempool = createMempool(chain);
    await mempool.add(await signL2Transaction(chain, wallets[0]!, { nonce: 0, to: wallets[1]!.address, value: 1n }));
    mempools.set(r.chainId, mempool);
  }
  const separateRate = await round("a transfer per rollup", 1);
  // Another transfer each, advanced in blobs with the multi-proposer's default packing (shared).
  for (const r of advancing) {
    const chain = chains.get(r.chainId)!;
    await mempools.get(r.chainId)!.add(await signL2Transaction(chain, wallets[0]!, { nonce: 1, to: wallets[1]!.address, value: 1n }));
  }
  // Not measured: loading KZG's trusted setup here, in the proposer's KZG worker and in EDR (≈ 2 s
  // each; EDR loads its own at its first blob transaction).
  getKzg();
  await makeSidecarOffThread([new Uint8Array(BYTES_PER_BLOB)]);
  await sendBlobTransaction(signer!, { to: coinbase, blobs: [new Uint8Array(BYTES_PER_BLOB)] });
  // BENCH_SCALE_PROFILE=file: a V8 CPU profile of the shared round alone (bench/summarise-profile.ts reads it).
  const profileFile = process.env.BENCH_SCALE_PROFILE;
  const session = profileFile ? new Session() : undefined;
  if (session !== undefined) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 500 });
    await session.post("Profiler.start");
  }
  await round("a transfer per rollup, shared advances in blobs (baseline: the calldata round)", 1, proposerWith("blobs"), separateRate);
  if (session !== undefined) {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    writeFileSync(profileFile!, JSON.stringify(profile));
    console.log(`  wrote the shared round's CPU profile to ${profileFile}`);
  }
  const opened = multi.status().open;
  const withNode = memory();
  await multi.stop();
  const withoutNode = memory();
  const afterHeap = (withNode.heap - withoutNode.heap) / n;
  console.log(`  the node after a block on ${m} rollups (${opened} open): ${((withNode.heap - withoutNode.heap) / 1024 / 1024).toFixed(1)} MB heap = ${(afterHeap / KB).toFixed(2)} KB per rollup (${((withNode.heap - withoutNode.heap) / Math.max(m, 1) / KB).toFixed(1)} KB per advanced rollup)`);
  report.add({ name: `scale ${n}: node heap per rollup after ${m} advanced (stop() frees)`, unit: "KB", value: afterHeap / KB });
  report.add({ name: `scale ${n}: node heap per advanced rollup (open node part)`, unit: "KB", value: (withNode.heap - withoutNode.heap) / Math.max(m, 1) / KB });

  // 5. A fresh node catches up with every block of every rollup.
  const beforeCatchUp = memory();
  started = performance.now();
  multi = await startMultiNode({ l1Provider: provider, factory: factoryAddress, dataDir: tempDir(), blobSource: blobServer.url, follow: false });
  await multi.sync();
  const catchUpSeconds = (performance.now() - started) / 1000;
  const heads = await Promise.all(advancing.slice(0, 3).map(async (r) => (await multi.rollup(r.chainId)).status().l2.head));
  if (heads.some((h) => h !== 3n)) throw new Error(`a fresh node is not at L2 block 3 on every advanced rollup: ${heads.join(", ")}`);
  const caughtUp = memory();
  console.log(
    `  a fresh node caught up with ${n} rollups (${3 * m} blocks) in ${catchUpSeconds.toFixed(1)} s = ${((3 * m) / catchUpSeconds).toFixed(1)} blocks/s; ` +
      `${((caughtUp.heap - beforeCatchUp.heap) / n / KB).toFixed(2)} KB heap per rollup`,
  );
  report.add({ name: `scale ${n}: a fresh node catches up (${3 * m} blocks)`, unit: "s", value: catchUpSeconds });
  report.add({ name: `scale ${n}: a fresh node catches up`, unit: "blocks/s", value: (3 * m) / catchUpSeconds });
  report.add({ name: `scale ${n}: caught-up node heap per rollup`, unit: "KB", value: (caughtUp.heap - beforeCatchUp.heap) / n / KB });
  await multi.stop();

  // 6. Bundles, if src/sdk/bundle.ts has proposeBundle.
  const bundle = (await import("../src/sdk/bundle.js").catch(() => undefined)) as typeof import("../src/sdk/bundle.js") | undefined;
  if (bundle?.proposeBundle === undefined || m < 8) {
    console.log(`  bundles: skipped (${m < 8 ? "fewer than 8 rollups advanced" : "src/sdk/bundle.ts has no proposeBundle"})`);
  } else {
    const bundler: Contract = await bundle.deployBundler(signer!);
    const legs = advancing.slice(0, 8).map((r) => ({ rollup: nativeRollupAt(r.address, signer!), chain: chains.get(r.chainId)! }));
    const nonces = new Map(legs.map((l) => [l.chain, 1]));
    const transfer = (chain: L2Chain) => signL2Transaction(chain, wallets[0]!, { nonce: nonces.set(chain, nonces.get(chain)! + 1).get(chain)! - 1, to: wallets[1]!.address, value: 1n });
    for (const k of [1, 2, 4, 8]) {
      let separate = 0n;
      for (const leg of legs.slice(0, k)) {
        const proposed = await proposeBlock({ chain: leg.chain, rollup: leg.rollup, provider: ethersProvider, coinbase, dataAvailability: "calldata", transactions: [hexToBytes((await transfer(leg.chain)) as `0x${string}`) as never] });
        separate += proposed.l1Receipt.gasUsed;
      }
      const bundled = await bundle.proposeBundle({
        bundler,
        provider: ethersProvider,
        legs: await Promise.all(legs.slice(0, k).map(async (leg) => ({ ...leg, transactions: [await transfer(leg.chain)] }))),
      });
      const per = Number(bundled.l1Receipt.gasUsed) / k;
      console.log(`  bundle of ${k}: ${per.toFixed(0)} L1 gas per rollup-block vs ${(Number(separate) / k).toFixed(0)} for ${k} separate advances (ratio ${(per / (Number(separate) / k)).toFixed(3)})`);
      report.add({ name: `scale: bundle of ${k} (1 transfer each): L1 gas per rollup-block (baseline: separate advances)`, unit: "gas", value: per, baseline: Number(separate) / k });
    }
  }
  await blobServer.close();
  configureBlobArchive(previousArchive);
  archive.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
