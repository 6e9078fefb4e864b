import { expect } from "chai";
import { AbiCoder } from "ethers";
import { PREDEPLOYS } from "../../src/engine/index.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { prepareSync, sendPreparedSync, SyncFailedError, SyncSimulationError, syncReturnData, type PreparedSync } from "../../src/sdk/sync.js";
import { l2MessengerInterface } from "../../src/sdk/bridge.js";
import { counterInterface, counterValue, followerReachesHead, syncSetup, userInterface } from "./helpers.js";

const abi = AbiCoder.defaultAbiCoder();

/** The prepared calldata with its table changed by `edit` (the block and proof kept). */
function tamper(prepared: PreparedSync, edit: (calls: PreparedSync["calls"]) => PreparedSync["calls"]): PreparedSync {
  const iface = nativeRollupInterface();
  const [claim, transactions, witness, messages, sync] = iface.decodeFunctionData("syncExecute", prepared.data);
  const calls = edit(prepared.calls.map((c) => ({ ...c })));
  const data = iface.encodeFunctionData("syncExecute", [claim, transactions, witness, messages, { calls, target: sync.target, data: sync.data, executeFee: sync.executeFee, accountProof: [...sync.accountProof], storageProof: [...sync.storageProof] }]);
  return { ...prepared, calls, data };
}

describe("sync: L1 → L2 calls with their results in one L1 transaction (docs/sync.md)", function () {
  it("reads 42, sets 66 and reads 66 on L2 from one L1 transaction whose L2 block EXECUTE verifies", async function () {
    const { l2, counter, proxy, user, userAddress } = await syncSetup();
    const before = (await l2.rollup.getFunction("head")()).number as bigint;
    const sent = await l2.sync({ target: userAddress, data: userInterface().encodeFunctionData("readSetRead", [proxy, 66n]) });
    const [seenBefore, seenAfter] = userInterface().decodeFunctionResult("readSetRead", sent.returnData);
    expect([seenBefore, seenAfter]).to.deep.equal([42n, 66n]);
    // The L1 effects of the call and the L2 block in the same L1 transaction.
    expect(await user.getFunction("lastBefore")()).to.equal(42n);
    expect(await user.getFunction("lastAfter")()).to.equal(66n);
    expect(sent.event.number).to.equal(before + 1n);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(sent.event.blockHash);
    expect(sent.prepared.calls.map((c) => [c.caller, c.to, c.success])).to.deep.equal([
      [userAddress, counter, true],
      [userAddress, counter, true],
      [userAddress, counter, true],
    ]);
    const executed = sent.receipt.logs.map((log) => nativeRollupInterface().parseLog(log)).find((p) => p?.name === "SyncExecuted");
    expect(executed?.args.calls).to.equal(3n);
    // On L2: the counter holds 66, set by the L1 caller (xDomainMessageSender), at the verified head.
    expect(await counterValue(l2, counter)).to.equal(66n);
    const lastCaller = await l2.call({ to: counter, data: counterInterface().encodeFunctionData("lastL1Caller") });
    expect(abi.decode(["address"], lastCaller)[0]).to.equal(userAddress);
    expect(l2.chain.headers.at(-1)!.hash()).to.deep.equal(Buffer.from(sent.event.blockHash.slice(2), "hex"));
    // The queue is fully delivered: the next plain block delivers nothing.
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(sent.event.messageCount);
    expect((await l2.advance()).event.number).to.equal(sent.event.number + 1n);
  });

  it("the L2 call reverts: the L1 caller gets the L2 revert data and handles it; the message is not retryable", async function () {
    const { l2, counter, proxy, user, userAddress } = await syncSetup();
    const sent = await l2.sync({ target: userAddress, data: userInterface().encodeFunctionData("trySet", [proxy, 5000n]) });
    const [ok, reason] = userInterface().decodeFunctionResult("trySet", sent.returnData);
    expect(ok).to.equal(false);
    const tooLarge = counterInterface().encodeErrorResult("SyncCounter_TooLarge", [5000n, 1000n]);
    expect(reason).to.equal(tooLarge);
    expect(await user.getFunction("lastRevert")()).to.equal(tooLarge);
    expect(sent.prepared.calls).to.have.length(1);
    expect(sent.prepared.calls[0]!.success).to.equal(false);
    expect(await counterValue(l2, counter)).to.equal(42n);
    // A sync call's revert is final: the L1 caller saw it, so it is not left for retryMessage.
    const message = { index: sent.event.messageCount - 1n, sender: userAddress, sourceRollup: "0x0000000000000000000000000000000000000001", to: counter, value: 0n, fee: 0n, gasLimit: sent.prepared.calls[0]!.gasLimit, data: sent.prepared.calls[0]!.data };
    const { hashL1Message } = await import("../../src/bridge/messages.js");
    const failed = await l2.call({ to: PREDEPLOYS.messenger, data: l2MessengerInterface().encodeFunctionData("failedMessages", [hashL1Message(message)]) });
    expect(BigInt(failed)).to.equal(0n);
  });

  it("a tampered result or request reverts the whole L1 transaction; the rollup does not move", async function () {
    const { l2, counter, proxy, userAddress } = await syncSetup();
    const data = userInterface().encodeFunctionData("readSetRead", [proxy, 66n]);
    const prepared = await prepareSync({ rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never, target: userAddress, data });
    expect(prepared.simulation.ok).to.equal(true);
    const head = await l2.rollup.getFunction("head")();
    const options = { rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never };

    // The first read answered 43 instead of 42: L2's recorded results prove otherwise.
    const lied = tamper(prepared, (calls) => [{ ...calls[0]!, returnData: abi.encode(["uint256"], [43n]) }, ...calls.slice(1)]);
    const lie = await sendPreparedSync(options, lied, 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect(lie).to.be.instanceOf(SyncFailedError);
    expect((lie as SyncFailedError).details.errorName).to.equal("NativeRollup_SyncResultsMismatch");

    // A table whose second request is not the call the L1 contract makes: named by index.
    const wrong = tamper(prepared, (calls) => [calls[0]!, { ...calls[1]!, data: counterInterface().encodeFunctionData("set", [67n]) }, calls[2]!]);
    const mismatch = await sendPreparedSync(options, wrong, 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect((mismatch as SyncFailedError).details.errorName).to.equal("NativeRollup_SyncCallMismatch");
    expect((mismatch as SyncFailedError).details.error).to.match(/^NativeRollup_SyncCallMismatch\(1, /);

    // A table with a call the L1 contract never makes: the block would deliver it, so L1 refuses.
    const extra = tamper(prepared, (calls) => [...calls, calls[2]!]);
    const unconsumed = await sendPreparedSync(options, extra, 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect((unconsumed as SyncFailedError).details.errorName).to.equal("NativeRollup_SyncCallsUnconsumed");

    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(l2.chain.headers.at(-1)!.number).to.equal(head.number);
    expect(await counterValue(l2, counter)).to.equal(42n);
    // The honest one still lands.
    const sent = await sendPreparedSync(options, prepared);
    expect(userInterface().decodeFunctionResult("readSetRead", syncReturnData(prepared.simulation.ok ? prepared.simulation.returnData : "0x"))).to.deep.equal([42n, 66n]);
    expect(sent.event.number).to.equal(head.number + 1n);
  });

  it("the L1 transaction reverts after its L2 call: the L2 block is not adopted and nothing is queued", async function () {
    const { l2, counter, proxy, userAddress } = await syncSetup();
    const request = { target: userAddress, data: userInterface().encodeFunctionData("setThenRevert", [proxy, 66n]), interfaces: [userInterface()] };
    const refused = await l2.sync(request).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(SyncSimulationError);
    expect((refused as SyncSimulationError).details.error).to.equal("SyncCounterUser_Refused(42)");
    const head = await l2.rollup.getFunction("head")();
    const queued = await l2.rollup.getFunction("messageCount")();
    const sent = await l2.sync({ ...request, sendFailing: true }).then(() => undefined, (e: unknown) => e);
    expect(sent).to.be.instanceOf(SyncFailedError);
    expect((sent as SyncFailedError).details.errorName).to.equal("SyncCounterUser_Refused");
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(queued);
    expect(await counterValue(l2, counter)).to.equal(42n);
  });

  it("a racing proposer advanced first: the sync transaction fails cleanly (lostRace) and can be rebuilt", async function () {
    const { l2, counter, proxy, userAddress } = await syncSetup();
    const data = userInterface().encodeFunctionData("readSetRead", [proxy, 66n]);
    const options = { rollup: l2.rollup, chain: l2.chain, provider: l2.rollup.runner!.provider as never };
    const prepared = await prepareSync({ ...options, target: userAddress, data });
    const raced = await l2.advance(); // another block on the same parent lands first
    const queued = await l2.rollup.getFunction("messageCount")();
    const lost = await sendPreparedSync(options, prepared, 16_000_000n).then(() => undefined, (e: unknown) => e);
    expect(lost).to.be.instanceOf(SyncFailedError);
    expect((lost as SyncFailedError).lostRace).to.equal(true);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(raced.event.blockHash);
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(queued);
    expect(await counterValue(l2, counter)).to.equal(42n);
    // Rebuilt on the new head, it lands.
    const sent = await l2.sync({ target: userAddress, data });
    expect(userInterface().decodeFunctionResult("readSetRead", sent.returnData)).to.deep.equal([42n, 66n]);
  });

  it("delivers the async queue first, keeps the async bridge as it was, and a follower node derives the same head from L1", async function () {
    const { connection, l2, counter, proxy, userAddress } = await syncSetup();
    // An async message queued before the sync transaction: the sync block delivers it first.
    const [signer] = await connection.ethers.getSigners();
    const setAsync = counterInterface().encodeFunctionData("set", [7n]);
    await (await (l2.rollup.connect(signer!) as typeof l2.rollup).getFunction("sendMessage")(counter, setAsync, 200_000n, 0n)).wait();
    const sent = await l2.sync({ target: userAddress, data: userInterface().encodeFunctionData("readSetRead", [proxy, 66n]) });
    expect(userInterface().decodeFunctionResult("readSetRead", sent.returnData)).to.deep.equal([7n, 66n]);
    expect(sent.prepared.delivery.delivery!.messages.map((m) => m.sourceRollup)).to.deep.equal([
      "0x0000000000000000000000000000000000000000",
      "0x0000000000000000000000000000000000000001",
      "0x0000000000000000000000000000000000000001",
      "0x0000000000000000000000000000000000000001",
    ]);
    await l2.advance();

    await followerReachesHead(connection.provider, l2, async (node) => {
      const state = await node.stateAt("latest");
      const slot0 = await state!.getStorage(counter, new Uint8Array(32));
      expect(BigInt("0x" + (Buffer.from(slot0).toString("hex") || "0"))).to.equal(66n);
    });
  });

  it("a proxy answers only inside syncExecute, and syncProxyCall only its own proxies", async function () {
    const { l2, proxy, user } = await syncSetup();
    const outside = await user.getFunction("trySet").staticCall(proxy, 1n);
    expect(outside[0]).to.equal(false);
    expect(outside[1]).to.equal(nativeRollupInterface().encodeErrorResult("NativeRollup_NoSyncTable", []));
    await expect(l2.rollup.getFunction("syncProxyCall")(l2.wallets[0]!.address, "0x")).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_NotL2Proxy");
    // Deterministic per L2 address, created once.
    expect(await l2.l2Proxy(l2.wallets[3]!.address)).to.equal(await l2.rollup.getFunction("l2Proxy")(l2.wallets[3]!.address));
    expect(await l2.l2Proxy(l2.wallets[3]!.address)).to.equal(await l2.rollup.getFunction("l2Proxy")(l2.wallets[3]!.address));
  });
});
