/**
 * The sync counter example (docs/sync.md), as functions the runner (counter.ts) and the test
 * (test/examples/sync.test.ts) share: an L2 counter at 42, read, set to 66 and read again from
 * ONE L1 transaction, and the same effect through the plain advance and the async bridge, with
 * the L1 gas and wall time of each.
 */
import { AbiCoder, Interface, getCreateAddress, type Contract, type Signer } from "ethers";
import type { RollupFixture } from "../../src/fixtures/index.js";
import { deployBundler, proveStorage } from "../../src/sdk/bundle.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const abi = AbiCoder.defaultAbiCoder();
const counterArtifact = () => loadArtifact("examples/sync/SyncCounter.sol", "SyncCounter");
const userArtifact = () => loadArtifact("examples/sync/SyncCounterUser.sol", "SyncCounterUser");
/** SyncCounter's ABI. */
export const counterInterface = () => new Interface(counterArtifact().abi as never);
/** SyncCounterUser's ABI. */
export const userInterface = () => new Interface(userArtifact().abi as never);

/** One line of the example's table. */
export interface Row {
  path: "sync" | "advance" | "async";
  step: string;
  /** What L1 saw of the counter at that step (undefined: nothing read). */
  seen?: bigint;
  l1Gas: bigint;
  l1Block: number;
  ms: number;
}

/** The example's contracts: SyncCounter(initial) on L2, its L2Proxy and a SyncCounterUser on L1. */
export interface CounterDeployment {
  counter: string;
  proxy: string;
  user: Contract;
  userAddress: string;
}

/** Deploys the counter on L2 (one block), its proxy and the L1 user. */
export async function deployCounter(l2: RollupFixture, signer: Signer, initial = 42n): Promise<CounterDeployment> {
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: counterArtifact().bytecode + counterInterface().encodeDeploy([initial]).slice(2), gasLimit: 1_000_000n });
  await l2.advance();
  const counter = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const proxy = await l2.l2Proxy(counter);
  const { ContractFactory } = await import("ethers");
  const user = (await new ContractFactory(userInterface(), userArtifact().bytecode, signer).deploy()) as unknown as Contract;
  await user.waitForDeployment();
  return { counter, proxy, user, userAddress: await user.getAddress() };
}

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const out = await work();
  return [out, Math.round(performance.now() - started)];
};

/** Read 42, set 66, read 66: one sync L1 transaction. */
export async function syncReadSetRead(l2: RollupFixture, d: CounterDeployment, value = 66n): Promise<Row[]> {
  const [sent, ms] = await timed(() => l2.sync({ target: d.userAddress, data: userInterface().encodeFunctionData("readSetRead", [d.proxy, value]) }));
  const [before, after] = userInterface().decodeFunctionResult("readSetRead", sent.returnData) as unknown as [bigint, bigint];
  const { gasUsed, blockNumber } = sent.receipt;
  return [{ path: "sync", step: `syncExecute: read ${before}, set ${value}, read ${after} (${sent.prepared.calls.length} L2 calls, L2 block ${sent.event.number}, ${sent.prepared.rounds} build rounds)`, seen: after, l1Gas: gasUsed, l1Block: blockNumber, ms }];
}

/** A plain advance of an empty block (the floor every L2 block pays). */
export async function plainAdvance(l2: RollupFixture): Promise<Row[]> {
  const [proposed, ms] = await timed(() => l2.advance());
  return [{ path: "advance", step: `advance: an empty L2 block ${proposed.event.number}`, l1Gas: proposed.l1Receipt.gasUsed, l1Block: proposed.l1Receipt.blockNumber, ms }];
}

/**
 * The same effect through the async bridge: L1 reads the counter by storage proof (assertStorage),
 * sends `set(value)` as a message, a proposer's advance delivers it, L1 reads it again by proof.
 */
export async function asyncReadSetRead(l2: RollupFixture, d: CounterDeployment, signer: Signer, value = 66n): Promise<Row[]> {
  const bundler = await deployBundler(signer);
  const rows: Row[] = [];
  const read = async (step: string): Promise<void> => {
    const head = l2.chain.headers.at(-1)!;
    const proof = await proveStorage(l2.chain, head.stateRoot, d.counter, ["0x" + "00".repeat(32)]);
    const seen = BigInt(proof.storage[0]!.value);
    const [receipt, ms] = await timed(async () =>
      (await bundler.getFunction("assertStorage").send(l2.address, head.number, d.counter, "0x" + "00".repeat(32), abi.encode(["uint256"], [seen]), proof.account, proof.storage[0]!.proof)).wait(),
    );
    rows.push({ path: "async", step: `${step}: storage proof of the counter at L2 block ${head.number} (assertStorage)`, seen, l1Gas: receipt!.gasUsed, l1Block: receipt!.blockNumber, ms });
  };
  await read("read");
  const [sent, sendMs] = await timed(async () =>
    (await (l2.rollup.connect(signer) as Contract).getFunction("sendMessage").send(d.counter, counterInterface().encodeFunctionData("set", [value]), 200_000n, 0n)).wait(),
  );
  rows.push({ path: "async", step: `set: sendMessage(set ${value}) enqueued`, l1Gas: sent!.gasUsed, l1Block: sent!.blockNumber, ms: sendMs });
  const [proposed, advanceMs] = await timed(() => l2.advance());
  rows.push({ path: "async", step: `set: advance delivering it (L2 block ${proposed.event.number})`, l1Gas: proposed.l1Receipt.gasUsed, l1Block: proposed.l1Receipt.blockNumber, ms: advanceMs });
  await read("read");
  return rows;
}

/** The rows as an aligned text table, with a total per path. */
export function formatRows(rows: readonly Row[]): string {
  const lines = [["path", "step", "L1 saw", "L1 gas", "L1 block", "ms"]];
  for (const r of rows) lines.push([r.path, r.step, r.seen === undefined ? "" : String(r.seen), r.l1Gas.toLocaleString("en-US"), String(r.l1Block), String(r.ms)]);
  for (const path of ["sync", "advance", "async"] as const) {
    const mine = rows.filter((r) => r.path === path);
    if (mine.length === 0) continue;
    const blocks = new Set(mine.map((r) => r.l1Block)).size;
    const gas = mine.reduce((sum, r) => sum + r.l1Gas, 0n);
    const ms = mine.reduce((sum, r) => sum + r.ms, 0);
    lines.push([path, `total: ${mine.length} L1 transaction(s) in ${blocks} L1 block(s)`, "", gas.toLocaleString("en-US"), "", String(ms)]);
  }
  const widths = lines[0]!.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  return lines.map((l) => l.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ")).join("\n");
}
