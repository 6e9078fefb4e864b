import { expect } from "chai";
import { AbiCoder, ContractFactory, getCreateAddress, Interface, type Contract } from "ethers";
import { network } from "hardhat";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { prepareSyncNested, sendPreparedSyncNested, type PreparedSyncNested } from "../../src/sdk/sync-nested.js";
import { SyncFailedError } from "../../src/sdk/sync.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { followerReachesHead } from "./helpers.js";

const feedArtifact = () => loadArtifact("examples/sync/L1PriceFeed.sol", "L1PriceFeed");
const userArtifact = () => loadArtifact("examples/sync/L1OracleUser.sol", "L1OracleUser");
const feedInterface = () => new Interface(feedArtifact().abi as never);
const userInterface = () => new Interface(userArtifact().abi as never);
const abi = AbiCoder.defaultAbiCoder();

/** A rollup (calldata DA) with L1OracleUser on L2 (and its L2Proxy on L1) and L1PriceFeed(price 100) on L1. */
async function setup() {
  const connection = await network.create();
  const l2 = await loadRollupFixture({ ethers: connection.ethers }, { dataAvailability: "calldata" });
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  await l2.send({ data: userArtifact().bytecode, gasLimit: 1_000_000n });
  await l2.advance();
  const user = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const proxy = await l2.l2Proxy(user);
  const [signer] = await connection.ethers.getSigners();
  const feed = (await new ContractFactory(feedInterface(), feedArtifact().bytecode, signer).deploy(l2.address, 100n)) as unknown as Contract;
  await feed.waitForDeployment();
  const options = { rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never, interfaces: [userInterface(), feedInterface()] };
  return { connection, l2, user, proxy, feed, feedAddress: await feed.getAddress(), options };
}

const read = async (l2: RollupFixture, user: string, name: string): Promise<unknown> =>
  userInterface().decodeFunctionResult(name, await l2.call({ to: user, data: userInterface().encodeFunctionData(name) }))[0];

describe("sync: L1 → L2 → L1 in one rollup and one L1 transaction (syncExecuteNested, docs/sync.md \"Nesting\")", function () {
  it("an L1 call buys on L2, whose contract reads the price on L1 during the delivery; L1 makes that read inside the proxy call, and a follower derives the block", async function () {
    const { connection, l2, user, proxy, feed, feedAddress, options } = await setup();
    const prepared = await prepareSyncNested({ ...options, target: proxy, data: userInterface().encodeFunctionData("buy", [feedAddress, 2n, 150n]) });
    expect(prepared.simulation.ok, JSON.stringify(prepared.simulation)).to.equal(true);
    expect(prepared.calls.map((c) => [c.to, c.success])).to.deep.equal([[user, true]]);
    expect(prepared.l1Calls.map((c) => [c.caller, c.target, c.success, c.returnData])).to.deep.equal([[user, feedAddress, true, abi.encode(["uint256"], [100n])]]);
    expect(prepared.perEntry).to.deep.equal([1n]);
    const sent = await sendPreparedSyncNested(options, prepared);
    // The L1 caller got the L2 call's result: the price the L2 contract read on L1.
    expect(abi.decode(["uint256"], sent.returnData)[0]).to.equal(100n);
    expect(await read(l2, user, "bought")).to.equal(2n);
    expect(await read(l2, user, "lastPrice")).to.equal(100n);
    // On L1, in the same transaction, from the rollup naming the L2 contract.
    expect(await feed.getFunction("lastL2Reader")()).to.equal(user);
    expect(await feed.getFunction("reads")()).to.equal(1n);
    const names = sent.receipt.logs.map((log) => nativeRollupInterface().parseLog(log)?.name).filter((n) => n !== undefined);
    expect(names).to.include.members(["SyncExecuted", "L1CallsExecuted", "BlockAdvanced"]);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(sent.event.blockHash);
    console.log(`      L1 gas ${sent.receipt.gasUsed} (1 L1 → L2 call with 1 nested L2 → L1 call, ${prepared.rounds} build rounds)`);

    await followerReachesHead(connection.provider, l2);
  });

  it("the nested L1 call reverts: the L2 contract gets its revert data and handles it, the L1 caller gets the L2 result", async function () {
    const { l2, user, proxy, feed, feedAddress, options } = await setup();
    const prepared = await prepareSyncNested({ ...options, target: proxy, data: userInterface().encodeFunctionData("tryStrict", [feedAddress, 50n]) });
    expect(prepared.simulation.ok, JSON.stringify(prepared.simulation)).to.equal(true);
    const tooHigh = feedInterface().encodeErrorResult("L1PriceFeed_TooHigh", [100n, 50n]);
    expect(prepared.l1Calls.map((c) => [c.success, c.returnData])).to.deep.equal([[false, tooHigh]]);
    const sent = await sendPreparedSyncNested(options, prepared);
    expect(abi.decode(["bool"], sent.returnData)[0]).to.equal(false);
    expect(await read(l2, user, "lastRevert")).to.equal(tooHigh);
    expect(await feed.getFunction("reads")()).to.equal(0n);
  });

  it("a tampered nested result, or a nested call left unmade, reverts everything; the honest transaction still lands", async function () {
    const { l2, user, proxy, feed, feedAddress, options } = await setup();
    const prepared = await prepareSyncNested({ ...options, target: proxy, data: userInterface().encodeFunctionData("buy", [feedAddress, 1n, 150n]) });
    const iface = nativeRollupInterface();
    const tamper = (edit: (p: PreparedSyncNested) => Partial<PreparedSyncNested>): PreparedSyncNested => {
      const [claim, transactions, witness, messages, sync, l1] = iface.decodeFunctionData("syncExecuteNested", prepared.data);
      const next = { ...prepared, ...edit(prepared) };
      const l1Calls = next.l1Calls.map((c) => [c.caller, c.target, c.data, c.success, c.returnData]);
      const data = iface.encodeFunctionData("syncExecuteNested", [claim, transactions, witness, messages, sync, { calls: l1Calls, perEntry: next.perEntry, accountProof: [...l1.accountProof], storageProof: [...l1.storageProof] }]);
      return { ...next, data };
    };
    const head = await l2.rollup.getFunction("head")();
    const queued = await l2.rollup.getFunction("messageCount")();
    const fail = (p: PreparedSyncNested) => sendPreparedSyncNested(options, p, 16_000_000n).then(() => undefined, (e: unknown) => e as SyncFailedError);

    // L2 used 100; a table claiming 99 is refused where L1 makes the call.
    const lied = await fail(tamper((p) => ({ l1Calls: [{ ...p.l1Calls[0]!, returnData: abi.encode(["uint256"], [99n]) }] })));
    expect(lied).to.be.instanceOf(SyncFailedError);
    expect(lied!.details.errorName).to.equal("NativeRollup_L1CallResultMismatch");
    expect(lied!.details.error).to.match(/^NativeRollup_L1CallResultMismatch\(0, /);
    // The sync call is given no nested call: the table's call is never made on L1.
    const unmade = await fail(tamper(() => ({ perEntry: [0n] })));
    expect(unmade!.details.errorName).to.equal("NativeRollup_NestedL1CallsUnmade");
    // One count per sync call.
    const counts = await fail(tamper(() => ({ perEntry: [] })));
    expect(counts!.details.errorName).to.equal("NativeRollup_NestedCountsMismatch");
    // Nothing half-applied.
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(queued);
    expect(await feed.getFunction("reads")()).to.equal(0n);

    const sent = await sendPreparedSyncNested(options, prepared);
    expect(sent.event.number).to.equal(head.number + 1n);
    expect(await feed.getFunction("reads")()).to.equal(1n);
    expect(await read(l2, user, "bought")).to.equal(1n);
  });

  it("two sync calls, one nested call each: the proof pins which sync call made which nested call (moving one to the other is refused)", async function () {
    const { connection, proxy, feedAddress, options } = await setup();
    const twice = (await connection.ethers.deployContract("SyncTwice")) as unknown as Contract;
    await twice.waitForDeployment();
    const strict = userInterface().encodeFunctionData("tryStrict", [feedAddress, 500n]);
    const prepared = await prepareSyncNested({ ...options, target: await twice.getAddress(), data: twice.interface.encodeFunctionData("twice", [proxy, strict, strict]) });
    expect(prepared.simulation.ok, JSON.stringify(prepared.simulation)).to.equal(true);
    expect(prepared.perEntry).to.deep.equal([1n, 1n]);
    // Both nested calls made inside the first proxy call: each result still matches (a view), so
    // only the proven per-call count in syncResults tells them apart.
    const iface = nativeRollupInterface();
    const [claim, transactions, witness, messages, sync, l1] = iface.decodeFunctionData("syncExecuteNested", prepared.data);
    const l1Calls = prepared.l1Calls.map((c) => [c.caller, c.target, c.data, c.success, c.returnData]);
    const moved = { ...prepared, data: iface.encodeFunctionData("syncExecuteNested", [claim, transactions, witness, messages, sync, { calls: l1Calls, perEntry: [2n, 0n], accountProof: [...l1.accountProof], storageProof: [...l1.storageProof] }]) };
    const failed = await sendPreparedSyncNested(options, moved, 16_000_000n).then(() => undefined, (e: unknown) => e as SyncFailedError);
    expect(failed).to.be.instanceOf(SyncFailedError);
    expect(failed!.details.errorName).to.equal("NativeRollup_SyncResultsMismatch");
    const sent = await sendPreparedSyncNested(options, prepared);
    expect(sent.prepared.calls.map((c) => c.success)).to.deep.equal([true, true]);
  });

  it("callL1 still refuses during the delivery of a plain (async) message: only a sync call's frame may call L1", async function () {
    const { l2, user, proxy, feedAddress, options } = await setup();
    // An async L1 → L2 message to the same function: delivered in the next block, its callL1 reverts (retryable).
    await (await l2.rollup.getFunction("sendMessage")(user, userInterface().encodeFunctionData("tryStrict", [feedAddress, 500n]), 500_000n, 0n)).wait();
    await l2.advance();
    expect(await read(l2, user, "lastPrice")).to.equal(0n);
    // The same call as a sync call (with nested L1 answer) goes through.
    const sent = await sendPreparedSyncNested(options, await prepareSyncNested({ ...options, target: proxy, data: userInterface().encodeFunctionData("tryStrict", [feedAddress, 500n]) }));
    expect(abi.decode(["bool"], sent.returnData)[0]).to.equal(true);
    expect(await read(l2, user, "lastPrice")).to.equal(100n);
  });
});
