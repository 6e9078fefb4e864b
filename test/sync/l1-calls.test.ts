import { expect } from "chai";
import { ContractFactory, getCreateAddress, Interface, type Contract } from "ethers";
import { network } from "hardhat";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { prepareL1Calls, sendPreparedL1Calls, type PreparedL1Calls } from "../../src/sdk/l1-calls.js";
import { SyncFailedError } from "../../src/sdk/sync.js";
import { followerReachesHead } from "./helpers.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const feedArtifact = () => loadArtifact("examples/sync/L1PriceFeed.sol", "L1PriceFeed");
const userArtifact = () => loadArtifact("examples/sync/L1OracleUser.sol", "L1OracleUser");
const feedInterface = () => new Interface(feedArtifact().abi as never);
const userInterface = () => new Interface(userArtifact().abi as never);

/** A rollup (calldata DA) with L1OracleUser on L2 and L1PriceFeed(price 100) on L1. */
async function setup() {
  const connection = await network.create();
  const l2 = await loadRollupFixture({ ethers: connection.ethers }, { dataAvailability: "calldata" });
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: userArtifact().bytecode, gasLimit: 1_000_000n });
  await l2.advance();
  const user = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const [signer] = await connection.ethers.getSigners();
  const feed = (await new ContractFactory(feedInterface(), feedArtifact().bytecode, signer).deploy(l2.address, 100n)) as unknown as Contract;
  await feed.waitForDeployment();
  return { connection, l2, user, feed, feedAddress: await feed.getAddress() };
}

const read = async (l2: RollupFixture, user: string, name: string): Promise<unknown> =>
  userInterface().decodeFunctionResult(name, await l2.call({ to: user, data: userInterface().encodeFunctionData(name) }))[0];

describe("sync: L2 → L1 calls answered in the L2 block, made again by the L1 transaction that verifies it (docs/sync.md)", function () {
  it("an L2 contract reads an L1 price and buys with it; L1 makes the same call from the rollup naming the L2 contract", async function () {
    const { l2, user, feed, feedAddress } = await setup();
    await l2.send({ to: user, data: userInterface().encodeFunctionData("buy", [feedAddress, 2n, 150n]), gasLimit: 1_000_000n });
    const sent = await l2.syncL1Calls();
    expect(sent.prepared.block.transactions).to.have.length(1);
    expect((sent.prepared.block.receipts[0] as { status?: number }).status).to.equal(1);
    expect(sent.prepared.calls.map((c) => [c.caller, c.target, c.success])).to.deep.equal([[user, feedAddress, true]]);
    expect(await read(l2, user, "bought")).to.equal(2n);
    expect(await read(l2, user, "lastPrice")).to.equal(100n);
    // On L1, in the same transaction: the call came from the rollup with the L2 contract as sender.
    expect(await feed.getFunction("lastL2Reader")()).to.equal(user);
    expect(await feed.getFunction("reads")()).to.equal(1n);
    const executed = sent.receipt.logs.map((log) => nativeRollupInterface().parseLog(log)).find((p) => p?.name === "L1CallsExecuted");
    expect(executed?.args.calls).to.equal(1n);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(sent.event.blockHash);
    expect(l2.mempool.pending()).to.have.length(0);
    console.log(`      L1 gas ${sent.receipt.gasUsed} (1 L2 → L1 call, ${sent.prepared.rounds} build rounds)`);
  });

  it("the L1 price moved between build and landing: the L1 transaction reverts whole; rebuilt, it lands with the new price", async function () {
    const { l2, user, feed, feedAddress } = await setup();
    await l2.send({ to: user, data: userInterface().encodeFunctionData("buy", [feedAddress, 1n, 150n]), gasLimit: 1_000_000n });
    const options = { rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never, transactions: l2.mempool.pending() };
    const prepared = await prepareL1Calls(options);
    expect(prepared.simulation.ok).to.equal(true);
    const head = await l2.rollup.getFunction("head")();
    const queued = await l2.rollup.getFunction("messageCount")();
    await (await feed.getFunction("setPrice")(120n)).wait();
    const failed = await sendPreparedL1Calls(options, prepared, 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect(failed).to.be.instanceOf(SyncFailedError);
    expect((failed as SyncFailedError).details.errorName).to.equal("NativeRollup_L1CallResultMismatch");
    expect((failed as SyncFailedError).details.error).to.match(/^NativeRollup_L1CallResultMismatch\(0, /);
    // Nothing half-applied: no head, no queue entry, no L1 effect of the call.
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(queued);
    expect(await feed.getFunction("reads")()).to.equal(0n);
    expect(l2.chain.headers.at(-1)!.number).to.equal(head.number);
    const sent = await l2.syncL1Calls();
    expect(await read(l2, user, "lastPrice")).to.equal(120n);
    expect(sent.event.number).to.equal(head.number + 1n);
  });

  it("a tampered table is refused: a lied result, or a table left out", async function () {
    const { l2, user, feed, feedAddress } = await setup();
    await l2.send({ to: user, data: userInterface().encodeFunctionData("buy", [feedAddress, 1n, 150n]), gasLimit: 1_000_000n });
    const options = { rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never, transactions: l2.mempool.pending() };
    const prepared = await prepareL1Calls(options);
    const iface = nativeRollupInterface();
    const tamper = (edit: (calls: PreparedL1Calls["calls"]) => PreparedL1Calls["calls"]): PreparedL1Calls => {
      const [claim, transactions, witness, messages, l1] = iface.decodeFunctionData("advanceWithL1Calls", prepared.data);
      const calls = edit(prepared.calls.map((c) => ({ ...c })));
      return { ...prepared, calls, data: iface.encodeFunctionData("advanceWithL1Calls", [claim, transactions, witness, messages, { calls, accountProof: [...l1.accountProof], storageProof: [...l1.storageProof] }]) };
    };
    const head = await l2.rollup.getFunction("head")();
    const lied = await sendPreparedL1Calls(options, tamper((calls) => [{ ...calls[0]!, returnData: "0x" + (99).toString(16).padStart(64, "0") }]), 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect((lied as SyncFailedError).details.errorName).to.equal("NativeRollup_L1CallResultMismatch");
    // Without its call the table no longer is the one the block was answered from: EXECUTE refuses the block.
    const dropped = await sendPreparedL1Calls(options, tamper(() => []), 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect(dropped).to.be.instanceOf(SyncFailedError);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await feed.getFunction("reads")()).to.equal(0n);
    // The honest one still lands.
    const sent = await sendPreparedL1Calls(options, prepared);
    expect(sent.event.number).to.equal(head.number + 1n);
    expect(await feed.getFunction("reads")()).to.equal(1n);
    // callL1 in a block without a table (a plain advance) reverts the L2 transaction: nothing answers it.
    const hash = await l2.send({ to: user, data: userInterface().encodeFunctionData("tryStrict", [feedAddress, 500n]), gasLimit: 1_000_000n });
    await l2.advance();
    expect(l2.receipt(hash)!.status).to.equal(0);
    expect(await read(l2, user, "lastPrice")).to.equal(100n);
  });

  it("the L1 call reverts: the L2 contract sees the L1 revert data and handles it; a follower node derives the same head", async function () {
    const { connection, l2, user, feedAddress } = await setup();
    await l2.send({ to: user, data: userInterface().encodeFunctionData("tryStrict", [feedAddress, 50n]), gasLimit: 1_000_000n });
    const sent = await l2.syncL1Calls();
    expect(sent.prepared.calls[0]!.success).to.equal(false);
    const tooHigh = feedInterface().encodeErrorResult("L1PriceFeed_TooHigh", [100n, 50n]);
    expect(await read(l2, user, "lastRevert")).to.equal(tooHigh);
    await l2.send({ to: user, data: userInterface().encodeFunctionData("buy", [feedAddress, 3n, 150n]), gasLimit: 1_000_000n });
    await l2.syncL1Calls();
    await l2.advance();

    await followerReachesHead(connection.provider, l2);
  });
});
