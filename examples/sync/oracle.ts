/**
 * The L2 → L1 sync example (docs/sync.md, "L2 → L1"), as functions the runner (l1-oracle.ts)
 * and the test (test/examples/l1-oracle.test.ts) share: an L2 contract reads an L1 price inside
 * its L2 transaction and buys only at or below a limit; one L1 transaction verifies the block and
 * makes the same L1 call, from the rollup naming the L2 contract.
 */
import { AbiCoder, ContractFactory, getCreateAddress, Interface, type Contract, type Signer } from "ethers";
import type { RollupFixture } from "../../src/fixtures/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const feedArtifact = () => loadArtifact("examples/sync/L1PriceFeed.sol", "L1PriceFeed");
const userArtifact = () => loadArtifact("examples/sync/L1OracleUser.sol", "L1OracleUser");
/** L1PriceFeed's ABI. */
export const feedInterface = () => new Interface(feedArtifact().abi as never);
/** L1OracleUser's ABI. */
export const oracleUserInterface = () => new Interface(userArtifact().abi as never);

/** The example's contracts: L1OracleUser on L2, L1PriceFeed on L1. */
export interface OracleDeployment {
  user: string;
  feed: Contract;
  feedAddress: string;
}

/** Deploys L1OracleUser on L2 (one block) and L1PriceFeed(`price`) on L1. */
export async function deployOracle(l2: RollupFixture, signer: Signer, price = 100n): Promise<OracleDeployment> {
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: userArtifact().bytecode, gasLimit: 1_000_000n });
  await l2.advance();
  const user = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const feed = (await new ContractFactory(feedInterface(), feedArtifact().bytecode, signer).deploy(l2.address, price)) as unknown as Contract;
  await feed.waitForDeployment();
  return { user, feed, feedAddress: await feed.getAddress() };
}

/** What one synchronous buy did, with its L1 gas and wall time. */
export interface OracleBuy {
  price: bigint;
  bought: bigint;
  l1Reader: string;
  l1Gas: bigint;
  l1Block: number;
  rounds: number;
  ms: number;
}

/** Buys `units` on L2 at the L1 price if at most `limit`: one L2 transaction, one L1 transaction. */
export async function syncBuy(l2: RollupFixture, d: OracleDeployment, units: bigint, limit: bigint): Promise<OracleBuy> {
  const started = performance.now();
  await l2.send({ to: d.user, data: oracleUserInterface().encodeFunctionData("buy", [d.feedAddress, units, limit]), gasLimit: 1_000_000n });
  const sent = await l2.syncL1Calls();
  const ms = Math.round(performance.now() - started);
  const read = async (name: string) => oracleUserInterface().decodeFunctionResult(name, await l2.call({ to: d.user, data: oracleUserInterface().encodeFunctionData(name) }))[0] as bigint;
  return {
    price: await read("lastPrice"),
    bought: await read("bought"),
    l1Reader: (await d.feed.getFunction("lastL2Reader")()) as string,
    l1Gas: sent.receipt.gasUsed,
    l1Block: sent.receipt.blockNumber,
    rounds: sent.prepared.rounds,
    ms,
  };
}

/** What one nested buy did, with its L1 gas and wall time. */
export interface NestedBuy {
  /** The price the L1 caller got back from L2 (which L2 read on L1). */
  returned: bigint;
  bought: bigint;
  l1Reader: string;
  l1Gas: bigint;
  rounds: number;
  ms: number;
}

/** From L1, buys `units` on L2 at the L1 price if at most `limit`: one L1 transaction (`syncExecuteNested`). */
export async function nestedBuy(l2: RollupFixture, d: OracleDeployment, units: bigint, limit: bigint): Promise<NestedBuy> {
  const started = performance.now();
  const proxy = await l2.l2Proxy(d.user);
  const sent = await l2.syncNested({ target: proxy, data: oracleUserInterface().encodeFunctionData("buy", [d.feedAddress, units, limit]) });
  const ms = Math.round(performance.now() - started);
  const bought = oracleUserInterface().decodeFunctionResult("bought", await l2.call({ to: d.user, data: oracleUserInterface().encodeFunctionData("bought") }))[0] as bigint;
  return {
    returned: AbiCoder.defaultAbiCoder().decode(["uint256"], sent.returnData)[0] as bigint,
    bought,
    l1Reader: (await d.feed.getFunction("lastL2Reader")()) as string,
    l1Gas: sent.receipt.gasUsed,
    rounds: sent.prepared.rounds,
    ms,
  };
}
