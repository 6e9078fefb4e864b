import { expect } from "chai";
import { Interface, getCreateAddress, type Contract } from "ethers";
import { network } from "hardhat";
import { rmSync } from "node:fs";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { startNode, type RollupNode } from "../../src/node/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { tempDir } from "../node/helpers.js";

/** SyncCounter's ABI (the L2 counter of the sync example). */
export const counterInterface = () => new Interface(loadArtifact("examples/sync/SyncCounter.sol", "SyncCounter").abi as never);
/** SyncCounterUser's ABI (the L1 contract that calls it synchronously). */
export const userInterface = () => new Interface(loadArtifact("examples/sync/SyncCounterUser.sol", "SyncCounterUser").abi as never);

/** A rollup (calldata DA) with SyncCounter(42) on L2, its L2Proxy on L1 and a SyncCounterUser on L1. */
export async function syncSetup(initial = 42n): Promise<{
  connection: Awaited<ReturnType<typeof network.create>>;
  l2: RollupFixture;
  counter: string;
  proxy: string;
  user: Contract;
  userAddress: string;
}> {
  const connection = await network.create();
  const l2 = await loadRollupFixture({ ethers: connection.ethers }, { dataAvailability: "calldata" });
  const artifact = loadArtifact("examples/sync/SyncCounter.sol", "SyncCounter");
  const args = counterInterface().encodeDeploy([initial]).slice(2);
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: artifact.bytecode + args, gasLimit: 1_000_000n });
  await l2.advance();
  const counter = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const proxy = await l2.l2Proxy(counter);
  const user = (await connection.ethers.deployContract("SyncCounterUser")) as unknown as Contract;
  await user.waitForDeployment();
  return { connection, l2, counter, proxy, user, userAddress: await user.getAddress() };
}

/** The counter's value on L2 at the head. */
export async function counterValue(l2: RollupFixture, counter: string): Promise<bigint> {
  return BigInt(await l2.call({ to: counter, data: counterInterface().encodeFunctionData("value") }));
}

/**
 * A node started afterwards, from L1 alone, derives `l2`'s head (number and hash); `then` may
 * look at its state before it stops.
 */
export async function followerReachesHead(provider: Awaited<ReturnType<typeof network.create>>["provider"], l2: RollupFixture, then?: (node: RollupNode) => Promise<void>): Promise<void> {
  const dataDir = tempDir();
  const lines: string[] = [];
  const node = await startNode({ l1Provider: provider, rollup: l2.address, genesis: l2.chain.genesis, dataDir, follow: false, finalityDepth: 2, log: (l) => lines.push(l) });
  try {
    const status = await node.sync();
    const head = l2.chain.headers.at(-1)!;
    expect(status.l2.head, lines.join("\n")).to.equal(head.number);
    expect(status.l2.headHash).to.equal("0x" + Buffer.from(head.hash()).toString("hex"));
    await then?.(node);
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
