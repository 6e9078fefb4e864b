/**
 * Re-derivation speed of a fresh rollup node (src/node) over a chain of L2 blocks on an
 * in-process Hardhat L1, next to the engine's own `execute` (EXECUTE's semantics, stateless,
 * from the witness) on the same blocks. The node's time is everything a fresh node does: read
 * the events (eth_getLogs), fetch each block's data from its L1 transaction, re-execute on its
 * LMDB state, check the roots and commit each block atomically.
 */
import { network } from "hardhat";
import { rmSync, mkdtempSync, statSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createL2Common, decodeTransactions, encodeTransactions, execute, type ExecuteInput } from "../src/engine/index.js";
import { startNode } from "../src/node/index.js";
import { proposeBlock } from "../src/proposer/index.js";
import { deployRollup } from "../src/sdk/index.js";
import type { createReport } from "./report.js";
import { erc20Chain, erc20Transfers } from "./workloads.js";

/** ERC20 transfers per L2 block. */
const TRANSFERS_PER_BLOCK = 10;

/** Runs the node section: `blocks` L2 blocks (≥ 1,000 unless quick). */
export async function benchNode(report: ReturnType<typeof createReport>, quick: boolean): Promise<void> {
  const blocks = quick ? 60 : 1_000;
  console.log(`\nnode: re-derivation of ${blocks} L2 blocks of ${TRANSFERS_PER_BLOCK} ERC20 transfers (calldata) by a fresh node, vs execute on the same blocks`);
  const connection = await network.create();
  const { ethers } = connection;
  const [signer] = await ethers.getSigners();
  const seed = await erc20Chain();
  const { rollup, address, chain } = await deployRollup(signer!, seed.genesis);
  const common = createL2Common(chain.genesis.chainId);

  // The chain: every transaction signed up front (nonces in order per sender), then one
  // `advance` per block.
  let started = performance.now();
  const signed = await erc20Transfers(chain, blocks * TRANSFERS_PER_BLOCK);
  const inputs: ExecuteInput[] = [];
  let gas = 0n;
  for (let b = 0; b < blocks; b++) {
    const transactions = decodeTransactions(encodeTransactions(signed.slice(b * TRANSFERS_PER_BLOCK, (b + 1) * TRANSFERS_PER_BLOCK)), common);
    const { block } = await proposeBlock({ chain, rollup, provider: ethers.provider as never, transactions, coinbase: await signer!.getAddress(), dataAvailability: "calldata" });
    if (block.transactions.length !== TRANSFERS_PER_BLOCK) throw new Error(`block ${b + 1} left out ${block.skipped.length} transactions: ${block.skipped[0]?.reason}`);
    inputs.push(block.input);
    gas += block.header.gasUsed;
  }
  console.log(`  chain built and verified on L1 in ${((performance.now() - started) / 1000).toFixed(1)} s (${gas} L2 gas)`);

  // The engine's own speed on the same blocks: execute each input in order.
  started = performance.now();
  for (const input of inputs) await execute(input);
  const executeMs = performance.now() - started;

  // A fresh node, from nothing to the head.
  const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-bench-node-"));
  try {
    const node = await startNode({ l1Provider: connection.provider, rollup: address, dataDir, genesis: chain.genesis, follow: false });
    started = performance.now();
    const status = await node.sync();
    const nodeMs = performance.now() - started;
    if (status.l2.head !== BigInt(blocks)) throw new Error(`the node reached L2 block ${status.l2.head} of ${blocks}`);
    await node.stop();
    const mgas = (ms: number) => Number(gas) / 1e6 / (ms / 1000);
    report.add({ name: `node: re-derive ${blocks} blocks (blocks/s) vs execute`, unit: "blocks/s", value: (blocks * 1000) / nodeMs, baseline: (blocks * 1000) / executeMs });
    report.add({ name: `node: re-derive ${blocks} blocks (Mgas/s) vs execute`, unit: "Mgas/s", value: mgas(nodeMs), baseline: mgas(executeMs) });
    report.add({ name: `node: store size after ${blocks} blocks`, unit: "MiB", value: dirBytes(dataDir) / 2 ** 20 });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, file) => sum + statSync(path.join(dir, file)).blocks * 512, 0);
}
