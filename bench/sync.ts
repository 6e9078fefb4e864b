/**
 * Sync calls (docs/sync.md): L1 gas and wall time of a synchronous L1 → L2 call, an L2 → L1 call
 * and a rollup A → rollup B call, each next to a plain advance of an empty block measured in the
 * same run (the ratio's baseline), and to the asynchronous path for the same effect (messages,
 * the next blocks, proofs). In-process Hardhat L1 with EXECUTE, automine, calldata DA; the wall
 * times include the builder's rounds and depend on the machine's load (printed with them).
 */
import os from "node:os";
import { BrowserProvider, Wallet, parseEther, type Contract, type JsonRpcApiProvider } from "ethers";
import { devAccounts } from "../src/engine/chain.js";
import { createSyncBuilder } from "../src/sync-builder/index.js";
import { deployFlash, runFlash } from "../examples/sync/flash.js";
import { network } from "hardhat";
import { devGenesis } from "../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../src/fixtures/index.js";
import { forwardToRollup, sendMessageToRollup } from "../src/sdk/bridge.js";
import { asyncReadSetRead, deployCounter, plainAdvance, syncReadSetRead, userInterface } from "../examples/sync/sync.js";
import { deployOracle, nestedBuy, syncBuy } from "../examples/sync/oracle.js";
import { crossBuy, deployCrossRollup, poolInterface } from "../examples/sync/rollups.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

/** L1 gas summed over the L1 blocks after `from` up to the head, their count, and the time since `started`. */
async function l1Since(provider: { send(method: string, params: unknown[]): Promise<unknown> }, from: bigint, started: number) {
  const head = BigInt((await provider.send("eth_blockNumber", [])) as string);
  let gas = 0n;
  for (let n = from + 1n; n <= head; n++) gas += BigInt(((await provider.send("eth_getBlockByNumber", ["0x" + n.toString(16), false])) as { gasUsed: string }).gasUsed);
  return { gas, blocks: Number(head - from), ms: Math.round(performance.now() - started) };
}

/** The asynchronous A → B purchase and its answer: A's message to B's pool (advance A, forward, advance B delivering it), then a 32-byte message back B → A (advance B, forward, advance A). */
async function asyncCrossBuy(a: RollupFixture, b: RollupFixture, pool: string, l1: Contract["runner"] & { send(method: string, params: unknown[]): Promise<unknown>; getSigner(i: number): Promise<never> }) {
  const started = performance.now();
  const from = BigInt((await l1.send("eth_blockNumber", [])) as string);
  const aProvider = new BrowserProvider(a.provider as never, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const bProvider = new BrowserProvider(b.provider as never, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const signer = await l1.getSigner(1);
  const request = await sendMessageToRollup(await aProvider.getSigner(1), { destination: b.address, to: pool, data: poolInterface().encodeFunctionData("buy", [1000n, 0n]), gasLimit: 300_000n });
  await forwardToRollup(signer, a.rollup, aProvider, request);
  await b.advance();
  const answer = await sendMessageToRollup(await bProvider.getSigner(1), { destination: a.address, to: a.wallets[2]!.address, data: "0x" + "00".repeat(31) + "01", gasLimit: 100_000n });
  await forwardToRollup(signer, b.rollup, bProvider, answer);
  await a.advance();
  return l1Since(l1, from, started);
}

async function timedSync<T>(work: () => Promise<T>): Promise<{ out: T; ms: number }> {
  const started = performance.now();
  const out = await work();
  return { out, ms: Math.round(performance.now() - started) };
}

export async function benchSync(report: Report, _quick: boolean): Promise<void> {
  const load = os.loadavg().map((l) => l.toFixed(2)).join(" ");
  console.log(`\nsync: L1 gas and wall time of sync calls vs a plain advance and the async path (Hardhat L1 with EXECUTE, calldata; load ${load})`);
  const { ethers } = await network.create();
  const [signer] = await ethers.getSigners();
  const a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
  const b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
  const counter = await deployCounter(a, signer!);
  const oracle = await deployOracle(a, signer!);
  const cross = await deployCrossRollup(a, b);
  await plainAdvance(a); // warm-up: the first of each kind below is measured after one plain block
  const [plain] = await plainAdvance(a);
  const note = `load ${load}; ${os.cpus().length} cores`;
  const base = { gas: Number(plain!.l1Gas), ms: plain!.ms };
  report.add({ name: "sync: plain advance of an empty block (baseline): L1 gas", unit: "gas", value: base.gas, note });
  report.add({ name: "sync: plain advance of an empty block (baseline): wall time", unit: "ms", value: base.ms });

  const add = (what: string, gas: bigint, ms: number, blocks: number, extra = "") => {
    report.add({ name: `sync: ${what}: L1 gas`, unit: "gas", value: Number(gas), baseline: base.gas, note: `${blocks} L1 block(s)${extra}; ${note}` });
    report.add({ name: `sync: ${what}: wall time`, unit: "ms", value: ms, baseline: base.ms });
  };

  const [l1ToL2] = await syncReadSetRead(a, counter);
  add("L1 → L2 sync (read, set, read: 3 L2 calls)", l1ToL2!.l1Gas, l1ToL2!.ms, 1);
  const asyncRows = await asyncReadSetRead(a, counter, signer!, 77n);
  add("L1 → L2 async, same effect (proof read, sendMessage, advance, proof read)", asyncRows.reduce((s, r) => s + r.l1Gas, 0n), asyncRows.reduce((s, r) => s + r.ms, 0), new Set(asyncRows.map((r) => r.l1Block)).size);

  const l2ToL1 = await syncBuy(a, oracle, 1n, 1000n);
  add("L2 → L1 sync (an L2 buy at an L1 price: 1 L1 call)", l2ToL1.l1Gas, l2ToL1.ms, 1, ", no async path reads L1 state newer than the anchor");
  const nested = await nestedBuy(a, oracle, 1n, 1000n);
  add("L1 → L2 → L1 nested (syncExecuteNested: an L1 call buys on L2 at a price L2 reads on L1)", nested.l1Gas, nested.ms, 1, `, ${nested.rounds} build rounds`);

  // The user path (docs/sync.md): an unmodified wallet's transaction through the sync builder,
  // next to syncExecute for the same call (the SDK's sendSync, where the builder makes the L1 call).
  const trySet = (value: bigint) => userInterface().encodeFunctionData("trySet", [counter.proxy, value]);
  const viaSync = await timedSync(() => a.sync({ target: counter.userAddress, data: trySet(55n) }));
  add("L1 → L2 sync, 1 L2 call (trySet) by syncExecute", viaSync.out.receipt.gasUsed, viaSync.ms, 1);
  const builder = createSyncBuilder({ provider: ethers.provider as unknown as JsonRpcApiProvider, rollups: [{ rollup: a.rollup, chain: a.chain }] });
  const wallet = new Wallet(devAccounts()[5]!.privateKey, new BrowserProvider(builder as never, undefined, { cacheTimeout: -1, pollingInterval: 20 }));
  const viaWallet = await timedSync(async () => (await (await wallet.sendTransaction({ to: counter.userAddress, data: trySet(56n) })).wait())!);
  const landed = builder.landed.at(-1)!;
  add("L1 → L2 user path, same call from an unmodified wallet (prepareSyncCalls + the user's tx)", landed.prepareReceipt!.gasUsed + viaWallet.out.gasUsed, viaWallet.ms, 1, ", 2 L1 transactions, estimate + landing + wait()");

  const flash = await deployFlash(a, signer!);
  const loan = await runFlash(a, flash, parseEther("2"));
  add("flash loan: borrow on L1, swap on L2, sell on L1, repay (1 L2 call)", loan.sent.receipt.gasUsed, loan.ms, 1, `, profit ${loan.profit} wei`);

  const aToB = await crossBuy(a, b, cross, 1000n);
  add("A → B sync (A buys from B's pool: both blocks in 1 L1 tx)", aToB.receipt.gasUsed, aToB.ms, 1, `, ${aToB.prepared.rounds} build rounds`);
  const asyncAB = await asyncCrossBuy(a, b, cross.pool, ethers.provider as never);
  add("A → B async (message A → B: advance A, forward, advance B; answer B → A: advance B, forward, advance A)", asyncAB.gas, asyncAB.ms, asyncAB.blocks);
}
