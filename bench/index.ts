/**
 * `npm run bench`: the benchmarks. Prints a table and writes bench/results/latest.json
 * (a list of { name, unit, value, baseline?, ratio? }). Ratios compare against a baseline
 * measured in the same run, since machines are noisy. Nothing here is a test.
 */
import os from "node:os";
import { mkdirSync, writeFileSync } from "node:fs";
import { CAMPAIGN_HEADER, campaignRow, runCampaign, type CampaignResult } from "./campaign.js";
import { execute, nativeEcrecoverStatus } from "../src/engine/index.js";
import { compressBatch, getKzg, makeSidecar } from "../src/blobs/index.js";
import { blockDataToBlobs } from "../src/blobs/da.js";
import { edrNetworkAtGenesis, mineOnEdr } from "./edr.js";
import { timeBuild, timeExecute, timeRunBlock } from "./engine.js";
import { createReport } from "./report.js";
import { benchNode } from "./node.js";
import { buildBench, erc20Chain, erc20Transfers, erc20Workload, ethWorkload, storageWorkload } from "./workloads.js";
import { benchHostileInputs } from "./hostile.js";
import { benchL1Cost } from "./l1cost.js";
import { benchEconomics } from "./economics.js";
import { benchAdvanceCost } from "./advance-cost.js";
import { benchL2Blocks } from "./l2-blocks.js";
import { benchBridge } from "./bridge.js";
import { benchBundles } from "./bundles.js";
import { benchSync } from "./sync.js";
import { benchThroughput } from "./throughput.js";
import { benchAdoption } from "./adoption.js";
import { benchScale } from "./scale.js";
import { benchOffthread } from "./offthread.js";
import { benchNested } from "./nested.js";
import { benchPreconf } from "./preconf.js";

const report = createReport();
const quick = process.env.BENCH_QUICK === "1";
const SIZE = quick ? 200 : 1000;
/** Each timing is the best of this many runs (after one uncounted), the engines alternating: machines are noisy. */
const RUNS = quick ? 2 : 3;
/** `BENCH_ONLY=engine|l1|l2blocks|blobs|hostile|node|throughput|adoption|offthread|bridge|bundles|sync|nested|preconf|economics|advance` runs one section (default: all); `BENCH_ONLY=scale` (or `npm run bench -- --scale N`) runs the scale section, which all does not include. */
const only = process.env.BENCH_ONLY;
const runs = (section: string) => only === undefined || only === "" || only === section;

console.log(`ultrasound bench — ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "?"}, Node ${process.version}, native ecrecover: ${nativeEcrecoverStatus().native}${quick ? " (quick)" : ""}\n`);

// 1. The engine against Hardhat's EDR (revm) and plain ethereumjs runBlock, on the same signed
//    transactions, for three workloads. EDR runs with the L2 chain id (the same bytes are valid
//    on it), the L2 genesis state, automine off; its time runs from the first
//    eth_sendRawTransaction to evm_mine returning (JSON-RPC submission + mempool + mining).
//    `execute` includes witness decoding and sender recovery; `build` is buildBlock with witness
//    from raw transactions; `runBlock` is ethereumjs's own, stateful, with its default crypto
//    (keccak from @noble/hashes) but native sender recovery, as the engine had before issue 9.
console.log(
  "engine vs EDR: EDR = in-process Hardhat network (no EXECUTE hook), chain id of the L2, same genesis state;\n" +
    "  timed from the first eth_sendRawTransaction to evm_mine returning. Ratios: execute/EDR, build/EDR, execute/runBlock.",
);
for (const workload of runs("engine") ? [erc20Workload, ethWorkload, storageWorkload] : []) {
  const label = `${SIZE} ${workload.label}`;
  console.log(`\nengine: a block of ${label}`);
  const chain = await workload.chain();
  const edr = await edrNetworkAtGenesis(chain.genesis);
  // Warm-up on a smaller block of other transactions (JIT, caches), every engine once; then a
  // first round on the measured block itself is not counted either.
  const warmTxs = await workload.transactions(chain, SIZE / 5, 9);
  const warm = await buildBench(chain, warmTxs);
  await execute(warm.input);
  await timeRunBlock(chain, warm);
  await mineOnEdr(edr, warmTxs);

  const txs = await workload.transactions(chain, SIZE);
  let build = Infinity;
  let stateless = Infinity;
  let runBlockMs = Infinity;
  let edrMs = Infinity;
  let mineMs = Infinity;
  let block = undefined as Awaited<ReturnType<typeof timeBuild>>["block"] | undefined;
  const all: Record<"edr" | "build" | "execute" | "runBlock", number[]> = { edr: [], build: [], execute: [], runBlock: [] };
  for (let run = -1; run < RUNS; run++) {
    const edrRun = await mineOnEdr(edr, txs);
    if (edrRun.transactionCount !== SIZE) throw new Error(`EDR mined ${edrRun.transactionCount} of ${SIZE} transactions`);
    const built = await timeBuild(chain, txs);
    block = built.block;
    if (edrRun.gasUsed !== block.header.gasUsed) console.log(`  note: EDR gas used ${edrRun.gasUsed} ≠ L2 ${block.header.gasUsed}`);
    const executeMs = await timeExecute(block);
    const runBlockRun = await timeRunBlock(chain, block);
    if (run < 0) continue; // the warm-up round
    edrMs = Math.min(edrMs, edrRun.sendAndMineMs);
    mineMs = Math.min(mineMs, edrRun.mineMs);
    build = Math.min(build, built.ms);
    stateless = Math.min(stateless, executeMs);
    runBlockMs = Math.min(runBlockMs, runBlockRun);
    all.edr.push(edrRun.sendAndMineMs);
    all.build.push(built.ms);
    all.execute.push(executeMs);
    all.runBlock.push(runBlockRun);
  }
  console.log(`  runs (ms): ${Object.entries(all).map(([name, ms]) => `${name} ${ms.map((t) => t.toFixed(0)).join("/")}`).join(", ")}`);
  const gas = Number(block!.header.gasUsed);
  report.add({ name: `${label}: EDR send raw txs + evm_mine`, unit: "ms", value: edrMs });
  report.add({ name: `${label}: EDR evm_mine alone`, unit: "ms", value: mineMs });
  report.add({ name: `${label}: execute (stateless) vs EDR`, unit: "ms", value: stateless, baseline: edrMs });
  report.add({ name: `${label}: build (block + witness) vs EDR`, unit: "ms", value: build, baseline: edrMs });
  report.add({ name: `${label}: execute vs ethereumjs runBlock`, unit: "ms", value: stateless, baseline: runBlockMs });
  report.add({ name: `${label}: execute throughput (vs runBlock)`, unit: "Mgas/s", value: gas / 1000 / stateless, baseline: gas / 1000 / runBlockMs });
  report.add({ name: `${label}: L2 gas used`, unit: "gas", value: gas });
  report.add({ name: `${label}: witness size`, unit: "bytes", value: block!.input.witness.length });
  report.add({ name: `${label}: witness trie nodes`, unit: "nodes", value: block!.witness.nodes.length });
  await edr.close(); // its state would weigh on the next workload's garbage collections
}

// 2. L1 cost of advance() for each data layout (all calldata; transactions in blobs; transactions
//    and witness in blobs): an empty block, one Uniswap V2 swap, 10/100/1,000 ERC20 transfers.
if (runs("l1")) await benchL1Cost(report, quick);

// 2b. L2 blocks bounded by the L2's gas limit under EXECUTE's market (issue 17 item 2), on an
//     Osaka L1: L1 gas per ERC20 transfer at a 1,000-transfer block vs the transfer on L1, and
//     the largest block verified in one L1 transaction (bench/l2-blocks.ts).
if (runs("l2blocks")) await benchL2Blocks(report);

// 3. Blob pipeline time per blob — compress + encode + KZG commitment + proof — against the
//    KZG library's own commitment + proof on the same blob.
if (runs("blobs")) {
  console.log("\nblobs: encode + commitment + proof per blob, vs c-kzg alone on the same blob");
  const chain = await erc20Chain();
  const batch = (await buildBench(chain, await erc20Transfers(chain, 700, 7))).input.transactions;
  const kzg = getKzg();
  blockDataToBlobs(batch); // warm-up (loads the trusted setup)
  const runs = quick ? 2 : 4;
  let ours = Infinity;
  let blobs: Uint8Array[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    blobs = blockDataToBlobs(batch);
    makeSidecar(blobs);
    ours = Math.min(ours, (performance.now() - started) / blobs.length);
  }
  let library = Infinity;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    for (const blob of blobs) kzg.computeBlobKzgProof(blob, kzg.blobToKzgCommitment(blob));
    library = Math.min(library, (performance.now() - started) / blobs.length);
  }
  report.add({ name: "blob compress + encode + commitment + proof", unit: "ms/blob", value: ours, baseline: library });
  report.add({ name: "blob batch: 700 ERC20 transfers", unit: "blobs", value: blobs.length });
  report.add({ name: "blob batch compression ratio", unit: "x", value: batch.length / compressBatch(batch).length });
}

// 4. EXECUTE's work per gas charged, honest and hostile inputs (issue 9's bound).
if (runs("hostile")) await benchHostileInputs(report, quick);

// 5. Re-derivation by a fresh rollup node (src/node) vs the engine's execute on the same blocks.
if (runs("node")) await benchNode(report, quick);
if (runs("throughput")) await benchThroughput(report, quick);
// The node adopting the proposer's own blocks vs re-executing them (issue 17 item 4).
if (runs("adoption")) await benchAdoption(report, quick);
// 5b. eth_sendRawTransaction latency while blocks are built and verified: the devnet's split layout vs one thread.
if (runs("offthread")) await benchOffthread(report, quick);

// 6. The bridge: deposit/claim latency in L1 blocks, L1 gas of each bridge call, marginal L1 gas per
//    delivered message, L2 gas of the delivery system call; published OP Stack / Taiko figures as notes.
if (runs("bridge")) await benchBridge(report, quick);

// 7. Bundles: L1 gas per rollup-block, k = 1, 2, 4, 8 rollups in one RollupBundler transaction vs k separate advances.
if (runs("bundles")) await benchBundles(report, quick);
if (runs("sync")) await benchSync(report, quick);
// 7b. Session chains as L3s of a game L2 (issue 21, docs/nested.md) vs a session rollup on L1.
if (runs("nested")) await benchNested(report, quick);
if (runs("preconf")) await benchPreconf(report, quick);
// 7b. Economics (issue 17 item 5): shared advances (one transaction, one blob) for k = 1, 10, 100 vs
//     separate, per-transfer costs, the game session vs L1, a 1M-rollup projection (bench/economics.ts).
if (runs("economics")) await benchEconomics(report, quick);
// 8b. One separate advance item by item: storage, the event, EXECUTE (formula vs emulation) (bench/advance-cost.ts).
if (runs("advance")) await benchAdvanceCost(report);

// 8. Scale: N rollups through the factory, one multi-node, one multi-proposer (bench/scale.ts). Not
//    run by default: `npm run bench -- --scale N` or BENCH_ONLY=scale (BENCH_SCALE=N, default 1,000;
//    BENCH_SCALE_ADVANCE=M advances only the first M).
// 9. The kill/reorg campaign (bench/campaign.ts; issue 22). Not run by default: BENCH_ONLY=campaign
//    (BENCH_CAMPAIGN_KILLS, BENCH_CAMPAIGN_REORGS, default 100 each, per path; BENCH_CAMPAIGN_PATHS=single,multi).
if (only === "campaign") {
  const kills = Number(process.env.BENCH_CAMPAIGN_KILLS ?? "") || 100;
  const reorgs = Number(process.env.BENCH_CAMPAIGN_REORGS ?? "") || 100;
  const paths = (process.env.BENCH_CAMPAIGN_PATHS ?? "single,multi").split(",") as ("single" | "multi")[];
  const rows: CampaignResult[] = [];
  for (const path of paths) {
    const result = await runCampaign({ path, kills, reorgs, log: (line) => console.log(`  ${line}`) });
    rows.push(result);
    for (const key of ["kills", "reorgs", "acknowledged", "included", "pending", "lost", "blocksCompared", "mismatches"] as const) report.add({ name: `campaign ${path}: ${key}`, unit: "count", value: result[key] });
    report.add({ name: `campaign ${path}: duration`, unit: "s", value: result.durationMs / 1000 });
    report.add({ name: `campaign ${path}: load average (1 min)`, unit: "load", value: result.loadAverage });
  }
  console.log(`\n${CAMPAIGN_HEADER}`);
  for (const row of rows) console.log(campaignRow(row));
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`campaign-${paths.join("-")}.json`, dir), JSON.stringify(rows, null, 2) + "\n");
}
if (only === "scale") await benchScale(report, Number(process.env.BENCH_SCALE ?? "") || 1000, Number(process.env.BENCH_SCALE_ADVANCE ?? "") || undefined);

const file = report.finish({ machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, date: new Date().toISOString() });
console.log(`\nwrote ${file}`);
