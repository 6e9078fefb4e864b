import { Interface, getCreateAddress, type Contract } from "ethers";
import { network } from "hardhat";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

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
