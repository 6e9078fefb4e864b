/**
 * Issue 17 bench rows measured through the proposer (bench/economics.ts calls these):
 *
 * 1. Blocks/s and L2 tx/s across many rollups through the multi-rollup proposer's default path
 *    (one shared advance per round, src/proposer/multi-shared.ts) and through one advance per
 *    rollup-block (`packing: "separate"`), each from transactions sent to the node's JSON-RPC to
 *    every one of them included in a block the node derived (in-process L1, node and proposer).
 * 2. The 5,000-transfer block: one block of 5,000 ETH transfers (105M L2 gas) on a rollup whose
 *    genesis gas limit allows it, on an L1 whose EXECUTE market allows it in one L1 block (the
 *    default cumulative limit is 60M: a 5,000-transfer block is refused there).
 */
import { Wallet } from "ethers";
import { network } from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { createL2Chain, createL2Common, devAccounts, devGenesis, getL2Account, type L2Chain } from "../src/engine/index.js";
import { startMultiNode } from "../src/node/index.js";
import { serveMultiNode } from "../src/node/rpc.js";
import { createMultiProposer, proposeBlock } from "../src/proposer/index.js";
import { createRollup, deployFactory, deployRollup, signL2Transaction, type DeployedRollup } from "../src/sdk/index.js";
import { openBlobArchive, startBlobArchiveServer } from "../src/blobs/index.js";
import { configureBlobArchive, currentBlobArchive, setExecutePricing } from "../src/hardhat/index.js";
import { DEFAULT_EXECUTE_MARKET, updateFractionFor } from "../src/precompile/index.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const GAS_PER_BLOB = 131_072;

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * `rollups` rollups, `perRollup` transfers sent to each through the node's JSON-RPC, proposed by
 * the multi-rollup proposer with `packing` until the node serves every one as included.
 */
async function acrossRollups(count: number, perRollup: number, packing: "shared" | "separate") {
  const connection = await network.create();
  const { ethers, provider } = connection;
  const [signer] = await ethers.getSigners();
  const blobDir = mkdtempSync(path.join(os.tmpdir(), "ultrasound-econ-prop-blobs-"));
  const archive = await openBlobArchive(blobDir);
  const previous = currentBlobArchive();
  configureBlobArchive(archive);
  const blobServer = await startBlobArchiveServer({ archive, port: 0, l1: provider });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "ultrasound-econ-prop-node-"));
  const factory = await deployFactory(signer!);
  const rollups: DeployedRollup[] = [];
  for (let i = 0; i < count; i++) rollups.push(await createRollup(factory, devGenesis({ chainId: 240_000n + BigInt(i) })));
  const multi = await startMultiNode({ l1Provider: provider, rollups: rollups.map((r) => ({ address: r.address, genesis: r.chain.genesis })), dataDir, blobSource: blobServer.url, follow: false });
  const served = await serveMultiNode(multi, { port: 0 });
  const chains = new Map<bigint, Promise<L2Chain>>(rollups.map((r) => [r.chain.genesis.chainId, createL2Chain(r.chain.genesis)]));
  let landed = 0;
  const t0 = performance.now();
  const proposer = createMultiProposer({
    rollups: () =>
      rollups.map((r) => {
        const chainId = r.chain.genesis.chainId;
        return { chainId, address: r.address, mempool: () => served.mempool(chainId), hasQueuedMessages: () => multi.hasQueuedMessages(chainId), chain: () => chains.get(chainId)!, node: () => multi.rollup(chainId) };
      }),
    signer: signer!,
    provider: ethers.provider as never,
    coinbase: await signer!.getAddress(),
    packing,
    onPacked: () => void landed++,
    ...(process.env.ECON_LOG ? { log: (line: string) => console.log(`    [${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}`) } : {}),
  });
  try {
    await multi.sync();
    const l1Before = Number(await ethers.provider.send("eth_blockNumber", []));
    const started = performance.now();
    const hashes: { url: string; hash: string }[] = [];
    for (const r of rollups) {
      const url = served.urlOf(r.chain.genesis.chainId);
      for (let i = 0; i < perRollup; i++) {
        const raw = await signL2Transaction(r.chain, wallets[1 + (i % 18)]!, { nonce: Math.floor(i / 18), to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n });
        hashes.push({ url, hash: await rpc(url, "eth_sendRawTransaction", [raw]) });
      }
    }
    const sentSeconds = (performance.now() - started) / 1000;
    const deadline = Date.now() + 30 * 60_000;
    // The devnet's round (src/devnet/round.ts): at most one call per rollup, then the node derives.
    for (;;) {
      for (let i = 0; i < count; i++) if ((await proposer.proposeNext()).kind === "idle") break;
      await multi.sync();
      const heads = await Promise.all(rollups.map(async (r) => (await multi.rollup(r.chain.genesis.chainId)).status().l2.head));
      if (heads.every((h) => h >= 1n)) break;
      if (Date.now() > deadline) throw new Error("bench economics-proposer: not every rollup advanced within 30 minutes");
    }
    const seconds = (performance.now() - started) / 1000;
    for (const { url, hash } of hashes.slice(0, 50)) {
      const status = await rpc(url, "ultrasound_getTransactionStatus", [hash]);
      if (status.status !== "included") throw new Error(`bench economics-proposer: ${hash} is ${status.status}`);
    }
    const l1Transactions = Number(await ethers.provider.send("eth_blockNumber", [])) - l1Before;
    return { seconds, sentSeconds, blocks: count, transactions: count * perRollup, l1Blocks: l1Transactions, sharedAdvances: landed };
  } finally {
    await served.close();
    await multi.stop();
    await blobServer.close();
    configureBlobArchive(previous);
    archive.close();
    rmSync(blobDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Row 1 (see the file's comment): shared and separate, side by side. */
export async function benchProposerAcrossRollups(report: Report, quick: boolean): Promise<void> {
  const count = quick ? 10 : 100;
  const perRollup = 1;
  const load = () => os.loadavg()[0]!.toFixed(2);
  // Not measured: the first blob transactions load KZG's setup here and in EDR (≈ 2 s each).
  await acrossRollups(3, 1, "shared");
  for (const packing of ["shared", "separate"] as const) {
    const run = await acrossRollups(count, perRollup, packing);
    console.log(
      `  proposer (${packing}) over ${count} rollups, ${perRollup} transfer each sent to the node's RPC: all included and derived in ${run.seconds.toFixed(1)} s (sending ${run.sentSeconds.toFixed(1)} s): ${(run.blocks / run.seconds).toFixed(1)} rollup-blocks/s, ${(run.transactions / run.seconds).toFixed(1)} L2 tx/s; ${run.l1Blocks} L1 blocks${packing === "shared" ? `, ${run.sharedAdvances} shared advance(s) packed` : ""}; load ${load()}`,
    );
    report.add({ name: `economics: proposer path (${packing}), ${count} rollups × ${perRollup} transfer, rollup-blocks/s (RPC to derived)`, unit: "blocks/s", value: run.blocks / run.seconds });
    report.add({ name: `economics: proposer path (${packing}), ${count} rollups × ${perRollup} transfer, L2 tx/s (RPC to derived)`, unit: "tx/s", value: run.transactions / run.seconds });
    report.add({ name: `economics: proposer path (${packing}), ${count} rollups, L1 transactions`, unit: "count", value: run.l1Blocks });
  }
}

/** Row 2 (see the file's comment): L1 gas, execute gas and blob gas per transfer in one 5,000-transfer block. */
export async function benchFiveThousand(report: Report): Promise<void> {
  const n = 5_000;
  const limit = 240_000_000n;
  const connection = await network.create();
  const { ethers, provider } = connection;
  // A market whose cumulative limit holds the block (the default 60M does not): target half of it, as the default.
  await setExecutePricing(provider as never, { pricing: "market", market: { ...DEFAULT_EXECUTE_MARKET, limit, target: limit / 2n, updateFraction: updateFractionFor(limit, limit / 2n) } });
  const [signer] = await ethers.getSigners();
  const rollup = await deployRollup(signer!, devGenesis({ chainId: 241_000n, gasLimit: 200_000_000n }));
  const chain = rollup.chain;
  const common = createL2Common(chain.genesis.chainId);
  const senders = 19;
  const nonces = await Promise.all(wallets.slice(0, senders).map(async (w) => Number((await getL2Account(chain, w.address)).nonce)));
  const raw = await Promise.all(Array.from({ length: n }, (_, i) => signL2Transaction(chain, wallets[i % senders]!, { nonce: nonces[i % senders]! + Math.floor(i / senders), to: wallets[19]!.address, value: 1n + BigInt(i) })));
  const started = performance.now();
  const proposed = await proposeBlock({ chain, rollup: rollup.rollup, provider: ethers.provider as never, coinbase: await signer!.getAddress(), l1GasCap: 2n ** 24n, transactions: raw.map((t) => createTxFromRLP(hexToBytes(t as `0x${string}`), { common })) });
  const seconds = (performance.now() - started) / 1000;
  const count = proposed.block.transactions.length;
  const l1Tx = await ethers.provider.getTransaction(proposed.l1Receipt.hash);
  const l1 = Number(proposed.l1Receipt.gasUsed) / count;
  const l2 = Number(proposed.block.header.gasUsed) / count;
  const blobGas = ((proposed.sidecar?.blobs.length ?? 0) * GAS_PER_BLOB) / count;
  console.log(
    `  ${count} transfers a block (${proposed.block.header.gasUsed} L2 gas; market limit raised to ${limit / 1_000_000n}M, the default 60M refuses it): ${l1.toFixed(1)} L1 gas, ${l2.toFixed(0)} execute gas (fee ${Number(l1Tx!.value) / count} wei), ${blobGas.toFixed(1)} blob gas per transfer; ${proposed.sidecar?.blobs.length ?? 0} blobs; built + verified in ${seconds.toFixed(1)} s`,
  );
  report.add({ name: `economics: ${n} transfers a block, L1 gas per transfer (baseline: an ETH transfer on L1)`, unit: "gas/tx", value: l1, baseline: 21_000, note: `market limit ${limit}` });
  report.add({ name: `economics: ${n} transfers a block, execute gas per transfer`, unit: "gas/tx", value: l2 });
  report.add({ name: `economics: ${n} transfers a block, blob gas per transfer`, unit: "blobgas/tx", value: blobGas });
}
