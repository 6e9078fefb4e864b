import { expect } from "chai";
import { BrowserProvider, Wallet, type JsonRpcApiProvider } from "ethers";
import { createPublicClient, createWalletClient, custom, defineChain, type EIP1193Provider } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccounts } from "../../src/engine/chain.js";
import { createL1Index } from "../../src/explorer/l1-index.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { createSyncBuilder, landUserSync, prepareUserSync, UserSyncUnsupportedError } from "../../src/sync-builder/index.js";
import { counterInterface, counterValue, followerReachesHead, syncSetup, userInterface } from "../sync/helpers.js";

/** A user's key: Hardhat's account #5 (funded on L1, not the fixture's proposer). */
const USER = devAccounts()[5]!;

async function builderSetup() {
  const setup = await syncSetup();
  const provider = setup.connection.ethers.provider as unknown as JsonRpcApiProvider;
  const builder = createSyncBuilder({ provider, rollups: [{ rollup: setup.l2.rollup, chain: setup.l2.chain }] });
  return { ...setup, provider, builder };
}

/** Names of the rollup's events in a receipt's logs. */
function rollupEvents(logs: readonly { address: string; topics: readonly string[]; data: string }[], rollup: string): string[] {
  const iface = nativeRollupInterface();
  return logs.filter((l) => l.address.toLowerCase() === rollup.toLowerCase()).map((l) => iface.parseLog(l as never)?.name ?? "?");
}

describe("sync builder: an unmodified wallet's L1 transaction gets its sync L2 call (docs/sync.md, the user path)", function () {
  it("ethers 6: sendTransaction + wait() through the builder; the L2 block is adopted by the user's own transaction", async function () {
    const { connection, l2, counter, proxy, userAddress, builder } = await builderSetup();
    const head = await l2.rollup.getFunction("head")();
    const wallet = new Wallet(USER.privateKey, new BrowserProvider(builder));
    const tx = await wallet.sendTransaction({ to: userAddress, data: userInterface().encodeFunctionData("trySet", [proxy, 66n]) });
    const receipt = (await tx.wait())!;
    expect(receipt.status).to.equal(1);
    expect(builder.landed).to.have.length(1);
    const landed = builder.landed[0]!;
    expect(landed.adopted).to.equal(true);
    // One L1 block: the builder's prepareSyncCalls right before the user's transaction.
    expect(landed.prepareReceipt!.blockNumber).to.equal(receipt.blockNumber);
    expect(landed.prepareReceipt!.index).to.be.lessThan(receipt.index);
    expect(rollupEvents(landed.prepareReceipt!.logs, l2.address)).to.include.members(["BlockAdvanced", "SyncCallsPrepared"]);
    expect(rollupEvents(receipt.logs, l2.address)).to.deep.equal(["SyncCallsAdopted"]);
    // The rollup's head is the prepared block; on L2 the counter holds 66, set by the L1 contract.
    const after = await l2.rollup.getFunction("head")();
    expect(after.number).to.equal(head.number + 1n);
    expect(after.blockHash).to.equal("0x" + Buffer.from(l2.chain.headers.at(-1)!.hash()).toString("hex"));
    expect(await counterValue(l2, counter)).to.equal(66n);
    expect(await l2.rollup.getFunction("messageCount")()).to.equal(after.messageCount);
    // The next plain block builds on it, and a follower derives the same head from L1 alone.
    expect((await l2.advance()).event.number).to.equal(after.number + 1n);
    await followerReachesHead(connection.provider, l2);
  });

  it("viem 2: sendTransaction + waitForTransactionReceipt through the builder", async function () {
    const { l2, counter, proxy, userAddress, provider, builder } = await builderSetup();
    const chainId = Number((await provider.getNetwork()).chainId);
    const chain = defineChain({ id: chainId, name: "l1", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: ["http://unused"] } } });
    const transport = custom(builder as unknown as EIP1193Provider);
    const wallet = createWalletClient({ account: privateKeyToAccount(USER.privateKey as `0x${string}`), chain, transport });
    const client = createPublicClient({ chain, transport });
    const hash = await wallet.sendTransaction({ to: userAddress as `0x${string}`, data: userInterface().encodeFunctionData("trySet", [proxy, 77n]) as `0x${string}` });
    const receipt = await client.waitForTransactionReceipt({ hash });
    expect(receipt.status).to.equal("success");
    expect(builder.landed[0]!.adopted).to.equal(true);
    expect(await counterValue(l2, counter)).to.equal(77n);
  });

  it("the table is found with the user as the L1 sender: an L1 contract whose L2 call depends on msg.sender, and a wallet calling the proxy itself", async function () {
    const { connection, l2, counter, proxy, builder } = await builderSetup();
    const senderUser = await connection.ethers.deployContract("SyncSenderUser");
    const wallet = new Wallet(USER.privateKey, new BrowserProvider(builder));
    const data = senderUser.interface.encodeFunctionData("setMine", [proxy]);
    const receipt = (await (await wallet.sendTransaction({ to: await senderUser.getAddress(), data })).wait())!;
    expect(receipt.status).to.equal(1);
    expect(builder.landed.at(-1)!.adopted).to.equal(true);
    expect(await counterValue(l2, counter)).to.equal(BigInt(USER.address) % 1000n);
    // The wallet calls the proxy directly: the L2 call's L1 caller is the wallet itself.
    const direct = (await (await wallet.sendTransaction({ to: proxy, data: counterInterface().encodeFunctionData("set", [7n]) })).wait())!;
    expect(direct.status).to.equal(1);
    expect(builder.landed.at(-1)!.prepared!.prepared.calls.map((c) => c.caller)).to.deep.equal([USER.address]);
    expect(await counterValue(l2, counter)).to.equal(7n);
  });

  it("the chai fixture's syncL1: a contract test sends a wallet's transaction with a sync call", async function () {
    const { l2, counter, proxy, userAddress } = await syncSetup();
    const wallet = new Wallet(USER.privateKey, new BrowserProvider(l2.syncL1));
    const receipt = (await (await wallet.sendTransaction({ to: userAddress, data: userInterface().encodeFunctionData("trySet", [proxy, 99n]) })).wait())!;
    expect(receipt.status).to.equal(1);
    expect(await counterValue(l2, counter)).to.equal(99n);
    expect(l2.syncL1.landed[0]!.adopted).to.equal(true);
  });

  it("the L2 call reverts: the user's transaction keeps the L2 revert data; no L2 block is adopted", async function () {
    const { l2, counter, proxy, user, userAddress, builder } = await builderSetup();
    const head = await l2.rollup.getFunction("head")();
    const wallet = new Wallet(USER.privateKey, new BrowserProvider(builder));
    const receipt = (await (await wallet.sendTransaction({ to: userAddress, data: userInterface().encodeFunctionData("trySet", [proxy, 5000n]) })).wait())!;
    expect(receipt.status).to.equal(1);
    expect(builder.landed[0]!.adopted).to.equal(false);
    expect(await user.getFunction("lastRevert")()).to.equal(counterInterface().encodeErrorResult("SyncCounter_TooLarge", [5000n, 1000n]));
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await counterValue(l2, counter)).to.equal(42n);
    expect((await l2.advance()).event.number).to.equal(head.number + 1n);
  });

  it("more than one successful L2 call is refused with the calls named", async function () {
    const { l2, proxy, userAddress, provider } = await builderSetup();
    const wallet = new Wallet(USER.privateKey);
    const raw = await wallet.signTransaction({ to: userAddress, data: userInterface().encodeFunctionData("readSetRead", [proxy, 66n]), gasLimit: 3_000_000n, nonce: 0, chainId: (await provider.getNetwork()).chainId, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
    const refused = await prepareUserSync(provider, [{ rollup: l2.rollup, chain: l2.chain }], raw).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(UserSyncUnsupportedError);
    // Found at the round whose table first holds two: the read and the set.
    expect((refused as UserSyncUnsupportedError).details.successful).to.deep.equal([0, 1]);
    // Bytes ethers does not decode as a transaction are the L1's to judge (forwarded), not the builder's to throw on.
    expect(await prepareUserSync(provider, [{ rollup: l2.rollup, chain: l2.chain }], "0x03f8")).to.equal(undefined);
  });

  it("L1 keeps it sound: the table answers only the user's transactions in its L1 block, and a moved head adopts nothing", async function () {
    const { connection, l2, counter, proxy, user, userAddress, provider } = await builderSetup();
    const rollups = [{ rollup: l2.rollup, chain: l2.chain }];
    const chainId = (await provider.getNetwork()).chainId;
    const wallet = new Wallet(USER.privateKey, provider);
    const data = userInterface().encodeFunctionData("trySet", [proxy, 66n]);
    const sign = async (nonce: number) => wallet.signTransaction({ to: userAddress, data, gasLimit: 3_000_000n, nonce, chainId, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
    const head = await l2.rollup.getFunction("head")();
    const iface = nativeRollupInterface();

    // The prepared table lands alone (the user's transaction never comes): in the next L1 block it is dead.
    const prepared = (await prepareUserSync(provider, rollups, await sign(0)))!;
    const signer = l2.rollup.runner as Wallet;
    await (await signer.sendTransaction({ ...prepared.request, gasLimit: 16_000_000n })).wait();
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    await provider.send("evm_mine", []);
    const dead = (await provider.send("eth_call", [{ from: USER.address, to: userAddress, data }, "latest"])) as string;
    // trySet catches the proxy's revert: it is NativeRollup_NoSyncTable, not the table's answer.
    const [ok, reason] = userInterface().decodeFunctionResult("trySet", dead);
    expect(ok).to.equal(false);
    expect(iface.parseError(reason)?.name).to.equal("NativeRollup_NoSyncTable");

    // Another sender's transaction in the same L1 block may not consume it.
    const other = new Wallet(devAccounts()[6]!.privateKey, provider);
    const otherRaw = await other.signTransaction({ to: userAddress, data, gasLimit: 3_000_000n, nonce: 0, chainId, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
    const stolen = (await prepareUserSync(provider, rollups, await sign(0)))!;
    const landed = await landUserSync(provider, stolen, otherRaw);
    expect(landed.adopted).to.equal(false);
    expect(iface.parseError(await user.getFunction("lastRevert")())?.name).to.equal("NativeRollup_SyncPreparedForOther");
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);

    // The user's transaction consumes the successful entry and then reverts: the adoption goes with it.
    const refusing = await wallet.signTransaction({ to: userAddress, data: userInterface().encodeFunctionData("setThenRevert", [proxy, 66n]), gasLimit: 3_000_000n, nonce: 0, chainId, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
    const reverting = (await prepareUserSync(provider, rollups, refusing))!;
    expect(reverting.prepared.calls.map((c) => c.success)).to.deep.equal([true]);
    const reverted = await landUserSync(provider, reverting, refusing);
    expect(reverted.userReceipt!.status).to.equal(0);
    expect(reverted.adopted).to.equal(false);
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);

    // A block that landed between the preparation and the user's call: nothing is adopted.
    const again = (await prepareUserSync(provider, rollups, await sign(1)))!;
    await provider.send("evm_setAutomine", [false]);
    try {
      await (await signer.sendTransaction({ ...again.request, gasLimit: 16_000_000n, maxPriorityFeePerGas: 3n * 10n ** 9n, maxFeePerGas: 2n * 10n ** 10n })).hash;
      // A deposit joins the queue in between (tipped between the builder's and the user's).
      const [, depositor] = await connection.ethers.getSigners();
      await (l2.rollup.connect(depositor!) as typeof l2.rollup).getFunction("deposit")(USER.address, { value: 1n, maxPriorityFeePerGas: 2n * 10n ** 9n, maxFeePerGas: 2n * 10n ** 10n, gasLimit: 200_000n });
      await provider.send("eth_sendRawTransaction", [await sign(1)]);
      await provider.send("evm_mine", []);
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    expect(iface.parseError(await user.getFunction("lastRevert")())?.name).to.equal("NativeRollup_SyncPreparedStale");
    expect((await l2.rollup.getFunction("head")()).blockHash).to.equal(head.blockHash);
    expect(await counterValue(l2, counter)).to.equal(42n);
    // The rollup goes on: a plain block delivers the deposit. A follower from L1 alone skips the
    // four prepared blocks no transaction adopted (their BlockAdvanced logs are on L1).
    const next = await l2.advance();
    expect(next.event.number).to.equal(head.number + 1n);
    await followerReachesHead(connection.provider, l2);
    // So does the explorer's L1 index: one BlockAdvanced per L2 block, the adopted ones only.
    const index = createL1Index({ url: "in-process", call: (method, params) => connection.provider.request({ method, params }) as never });
    await index.refresh();
    const mine = index.advances.filter((a) => a.rollup.toLowerCase() === l2.address.toLowerCase()).map((a) => a.number);
    expect(mine).to.deep.equal(Array.from({ length: Number(next.event.number) }, (_, i) => BigInt(i + 1)));
  });
});
