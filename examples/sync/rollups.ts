/**
 * The rollup A → rollup B sync example (docs/sync.md, "Rollup A → rollup B"), as functions the
 * runner (cross-rollup.ts), the test (test/examples/cross-rollup.test.ts) and the bench share:
 * a contract on rollup A buys from a pool on rollup B and books the amount B's pool returned in
 * the same L2 transaction; one L1 transaction verifies both rollups' blocks.
 */
import { bytesToHex } from "@ethereumjs/util";
import { getCreateAddress, Interface } from "ethers";
import type { RollupFixture } from "../../src/fixtures/index.js";
import { sendCrossRollup, type SentCrossRollup } from "../../src/sdk/cross-rollup.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const poolArtifact = () => loadArtifact("examples/sync/SyncPool.sol", "SyncPool");
const buyerArtifact = () => loadArtifact("examples/sync/CrossRollupBuyer.sol", "CrossRollupBuyer");
/** SyncPool's ABI (on rollup B). */
export const poolInterface = () => new Interface(poolArtifact().abi as never);
/** CrossRollupBuyer's ABI (on rollup A). */
export const buyerInterface = () => new Interface(buyerArtifact().abi as never);

/** The example's contracts: the buyer on A, the pool on B and B's L1 proxy of it. */
export interface CrossRollupDeployment {
  buyer: string;
  pool: string;
  poolProxy: string;
}

/** Deploys an L2 contract (one block) and returns its address. */
async function deployOn(l2: RollupFixture, bytecode: string): Promise<string> {
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: bytecode, gasLimit: 2_000_000n });
  await l2.advance();
  return getCreateAddress({ from: l2.wallets[0]!.address, nonce });
}

/** Deploys CrossRollupBuyer on A, SyncPool(reserves) on B, and B's L1 proxy of the pool. */
export async function deployCrossRollup(a: RollupFixture, b: RollupFixture, reserveIn = 1_000_000n, reserveOut = 1_000_000n): Promise<CrossRollupDeployment> {
  const buyer = await deployOn(a, buyerArtifact().bytecode);
  const pool = await deployOn(b, poolArtifact().bytecode + poolInterface().encodeDeploy([reserveIn, reserveOut]).slice(2));
  return { buyer, pool, poolProxy: await b.l2Proxy(pool) };
}

/**
 * Queues `buyer.<method>(poolProxy, amountIn, minOut)` on A and lands it with B's pool call in one
 * L1 transaction (`sendCrossRollup`); the transaction leaves A's mempool.
 */
export async function crossBuy(a: RollupFixture, b: RollupFixture, d: CrossRollupDeployment, amountIn: bigint, minOut = 0n, method: "buy" | "tryBuy" = "buy"): Promise<SentCrossRollup & { ms: number }> {
  const started = performance.now();
  await a.send({ to: d.buyer, data: buyerInterface().encodeFunctionData(method, [d.poolProxy, amountIn, minOut]), gasLimit: 1_000_000n });
  await a.mempool.sync();
  const sent = await sendCrossRollup({
    a: { rollup: a.rollup, chain: a.chain, transactions: a.mempool.pending() },
    b: { rollup: b.rollup, chain: b.chain },
    provider: a.rollup.runner!.provider as never,
  });
  a.mempool.remove(sent.prepared.a.block.transactions.map((tx) => bytesToHex(tx.hash())));
  return { ...sent, ms: Math.round(performance.now() - started) };
}

/** A view of an example contract at the head of its rollup. */
export async function readView(l2: RollupFixture, iface: Interface, to: string, name: string, args: unknown[] = []): Promise<unknown> {
  return iface.decodeFunctionResult(name, await l2.call({ to, data: iface.encodeFunctionData(name, args) }))[0];
}
