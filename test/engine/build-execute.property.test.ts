import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { createL2Common, execute } from "../../src/engine/index.js";
import { decodeTransaction } from "../../src/engine/transactions.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { buildOffThread, offThreadBuildStats } from "../../src/engine/build-offthread.js";
import { build, twinChain } from "./helpers.js";
import { gasShapes, type GasShapes } from "./gas-shapes.js";

/**
 * Invariant: `execute` accepts every block `buildBlock` produces, with the same post-state
 * (the same block hash, so the same state root, receipts and gas). The verifier's gas budget
 * is the block's gas, so a transaction placed last (or alone) is metered against 5/4 of its
 * own receipt gas: the tightest case, where an over-counting meter refuses a valid block.
 *
 * Blocks are drawn from `gasShapes` (real contracts: Uniswap V2, OpenZeppelin ERC20, the
 * MeterProbe): every shape alone, first and last, then random subsets in random order from a
 * seeded PRNG. Every other random block is built, as the proposer builds, from transactions the
 * way the mempool holds them (decoded, sender recovered), which `buildBlock` uses as they are.
 * Set PROPERTY_SEED to replay a run; a failure prints its seed and its block.
 */
describe("engine: every block buildBlock produces, execute accepts (property)", function () {
  this.timeout(180_000);
  const seed = process.env.PROPERTY_SEED !== undefined ? Number(process.env.PROPERTY_SEED) : Math.floor(Math.random() * 2 ** 32);
  /** Random blocks on top of the placements (each 2–20 transactions; ≈ 0.3–1 s each here). */
  const RANDOM_BLOCKS = 40;
  let shapes: GasShapes;
  let names: string[];

  /** The transactions as the mempool holds them: decoded for the chain, sender recovered (src/proposer/mempool.ts). */
  function mempoolObjects(raws: Uint8Array[]): TypedTransaction[] {
    const common = createL2Common(shapes.chain.genesis.chainId);
    const objects = raws.map((raw) => decodeTransaction(raw, common));
    for (const tx of objects) tx.getSenderAddress();
    return objects;
  }

  before(async function () {
    shapes = await gasShapes();
    names = [...shapes.transactions.keys()];
  });

  /** Builds `order` on the head and checks that execute accepts it; the message says how to replay. */
  async function check(order: string[], context: string, decoded = false, chain = shapes.chain): Promise<void> {
    const raw = order.map((name) => shapes.transactions.get(name)!);
    const block = await build(chain, decoded ? mempoolObjects(raw) : raw);
    const where = `${context}${decoded ? " (from decoded objects)" : ""} (PROPERTY_SEED=${seed}); block: ${order.join(" | ")}`;
    expect(block.skipped.map((s) => s.reason), `builder left out a transaction: ${where}`).to.deep.equal([]);
    try {
      const result = await execute(block.input);
      expect(bytesToHex(result.blockHash), `block hash: ${where}`).to.equal(bytesToHex(block.header.hash()));
      expect(result.gasUsed, `gas used: ${where}`).to.equal(block.header.gasUsed);
    } catch (error) {
      (error as Error).message = `execute refused a built block: ${where}\n${(error as Error).message}`;
      throw error;
    }
  }

  it("builds shapes that succeed, revert and run out of gas (the workload is what it claims)", async function () {
    const block = await build(shapes.chain, names.map((name) => shapes.transactions.get(name)!));
    expect(block.skipped).to.deep.equal([]);
    const status = new Map(names.map((name, i) => [name, (block.receipts[i] as { status?: number }).status]));
    expect(status.get("uniswap removeLiquidityETH (all)")).to.equal(1);
    expect(status.get("uniswap swapExactTokensForETH")).to.equal(1);
    expect(status.get("refund at the cap, then a stipend payout to an EOA")).to.equal(1);
    expect(status.get("CREATE of a contract that SELFDESTRUCTs in its constructor")).to.equal(1);
    expect(status.get("CREATE2 of a contract")).to.equal(1);
    expect(status.get("uniswap factory createPair (CREATE2)")).to.equal(1);
    expect(status.get("stipend payout to a contract that needs more: reverts")).to.equal(0);
    expect(status.get("revert after storage writes")).to.equal(0);
    expect(status.get("out of gas")).to.equal(0);
    expect(block.receipts[names.indexOf("out of gas")]!.cumulativeBlockGasUsed - block.receipts[names.indexOf("out of gas") - 1]!.cumulativeBlockGasUsed).to.equal(200_000n);
  });

  it("each shape alone, first and last in a block", async function () {
    const random = mulberry32(seed);
    for (const name of names) {
      const others = shuffle(names.filter((n) => n !== name), random).slice(0, 1 + Math.floor(random() * 3));
      await check([name], `${name} alone`);
      await check([name, ...others], `${name} first`);
      await check([...others, name], `${name} last`);
    }
  });

  it(`random subsets in random order (${RANDOM_BLOCKS} blocks)`, async function () {
    const random = mulberry32(seed ^ 0x5eed);
    for (let i = 0; i < RANDOM_BLOCKS; i++) {
      const order = shuffle(names, random).slice(0, 2 + Math.floor(random() * (names.length - 1)));
      await check(order, `random block ${i}`, i % 2 === 1);
    }
  });
});

describe("engine: every block buildBlock produces on the builder thread, execute accepts (property)", function () {
  this.timeout(180_000);
  const seed = process.env.PROPERTY_SEED !== undefined ? Number(process.env.PROPERTY_SEED) : Math.floor(Math.random() * 2 ** 32);
  const RANDOM_BLOCKS = 12;

  it(`random subsets in random order, built on the builder thread (${RANDOM_BLOCKS} blocks): the block built here, and execute accepts it`, async function () {
    const shapes = await gasShapes();
    const names = [...shapes.transactions.keys()];
    // The devnet's proposer chains are built there (buildOffThread): the same property must hold.
    const there = twinChain(shapes.chain);
    buildOffThread(there);
    const before = offThreadBuildStats().offThread;
    const random = mulberry32(seed ^ 0x0ff7);
    for (let i = 0; i < RANDOM_BLOCKS; i++) {
      const order = shuffle(names, random).slice(0, 2 + Math.floor(random() * (names.length - 1)));
      const raw = order.map((name) => shapes.transactions.get(name)!);
      const where = `random block ${i} (PROPERTY_SEED=${seed}); block: ${order.join(" | ")}`;
      const block = await build(there, raw);
      const here = await build(shapes.chain, raw);
      expect(bytesToHex(block.header.hash()), `the builder thread built another block: ${where}`).to.equal(bytesToHex(here.header.hash()));
      expect(bytesToHex(block.input.witness), `witness: ${where}`).to.equal(bytesToHex(here.input.witness));
      const result = await execute(block.input);
      expect(bytesToHex(result.blockHash), `execute: ${where}`).to.equal(bytesToHex(block.header.hash()));
    }
    expect(offThreadBuildStats().offThread - before).to.equal(RANDOM_BLOCKS);
  });
});

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A shuffled copy (Fisher–Yates). */
function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
