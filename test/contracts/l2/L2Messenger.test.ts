/**
 * L2Messenger on the Hardhat L1 itself: L2Anchor and L2Messenger runtime code set at their
 * predeploy addresses, the system address impersonated to anchor and deliver.
 */
import { expect } from "chai";
import { AbiCoder, keccak256, ZeroAddress, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { loadArtifact } from "../../../src/shared/artifacts.js";

const { ethers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();

const ANCHOR = "0x5500000000000000000000000000000000000001";
const MESSENGER = "0x5500000000000000000000000000000000000002";
const SYSTEM = "0xfffffffffffffffffffffffffffffffffffffffe";
const L1_MESSAGE = "tuple(uint256 index,address sender,address sourceRollup,address to,uint256 value,uint256 fee,uint64 gasLimit,bytes data)";
const L2_MESSAGE = "tuple(uint256 nonce,address sender,address destination,address to,uint256 value,uint256 fee,uint64 gasLimit,bytes data)";
const ZERO_HASH = "0x" + "00".repeat(32);

interface L1Message { index: bigint; sender: string; sourceRollup: string; to: string; value: bigint; fee: bigint; gasLimit: bigint; data: string }
const hashOf = (m: L1Message) => keccak256(abi.encode([L1_MESSAGE], [m]));
const fold = (rolling: string, m: L1Message) => keccak256(abi.encode(["bytes32", "bytes32"], [rolling, hashOf(m)]));

describe("L2Messenger", function () {
  let messenger: Contract;
  let anchor: Contract;
  let system: Signer;
  let recipient: Contract;
  let l1Sender: string;

  beforeEach(async function () {
    for (const [address, source, name] of [[ANCHOR, "l2/L2Anchor.sol", "L2Anchor"], [MESSENGER, "l2/L2Messenger.sol", "L2Messenger"]] as const) {
      await ethers.provider.send("hardhat_setCode", [address, loadArtifact(source, name).deployedBytecode]);
    }
    // Fresh storage for each test: the predeploys' slots used here.
    for (const slot of [0, 1, 3]) await ethers.provider.send("hardhat_setStorageAt", [MESSENGER, "0x" + slot.toString(16), ZERO_HASH]);
    await ethers.provider.send("hardhat_setBalance", [MESSENGER, "0x" + (2n ** 128n).toString(16)]);
    await ethers.provider.send("hardhat_setBalance", [SYSTEM, "0x" + (10n ** 20n).toString(16)]);
    await ethers.provider.send("hardhat_impersonateAccount", [SYSTEM]);
    system = await ethers.getSigner(SYSTEM);
    messenger = (await ethers.getContractAt("L2Messenger", MESSENGER)) as unknown as Contract;
    anchor = (await ethers.getContractAt("L2Anchor", ANCHOR)) as unknown as Contract;
    recipient = (await ethers.deployContract("BridgeRecipient")) as unknown as Contract;
    l1Sender = await (await ethers.getSigners())[1]!.getAddress();
  });

  /** Messages from index `from`, each to the recipient. */
  async function batch(from: bigint, specs: Partial<L1Message>[]): Promise<L1Message[]> {
    const to = await recipient.getAddress();
    return specs.map((s, i) => ({ index: from + BigInt(i), sender: l1Sender, sourceRollup: ZeroAddress, to, value: 0n, fee: 0n, gasLimit: 100_000n, data: "0x", ...s }));
  }

  /** Anchors (count, rolling hash of `messages` on top of `prior`) and delivers, as the engine's system calls do. */
  async function deliver(messages: L1Message[], options: { prior?: string; count?: bigint; rolling?: string; anchored?: { count: bigint; rolling: string } } = {}) {
    const l1BlockHash = keccak256("0x4242");
    const rolling = messages.reduce(fold, options.prior ?? ZERO_HASH);
    const count = (messages.at(-1)?.index ?? -1n) + 1n;
    const anchored = options.anchored ?? { count, rolling };
    await (anchor.connect(system) as Contract).getFunction("anchor")(keccak256(abi.encode(["bytes32", "uint256", "bytes32"], [l1BlockHash, anchored.count, anchored.rolling])));
    return (messenger.connect(system) as Contract).getFunction("deliverMessages")(l1BlockHash, options.count ?? count, options.rolling ?? rolling, messages, { gasLimit: 10_000_000n });
  }

  it("sentMessages is at storage slot 2 (read with eth_getProof and eth_getStorageAt)", async function () {
    const [sender] = await ethers.getSigners();
    const to = await recipient.getAddress();
    const m = { nonce: 0n, sender: await sender!.getAddress(), destination: ZeroAddress, to, value: 5n, fee: 0n, gasLimit: 0n, data: "0xab" };
    const hash = keccak256(abi.encode([L2_MESSAGE], [m]));
    await expect(messenger.getFunction("sendMessageToL1")(to, "0xab", { value: 5n })).to.emit(messenger, "MessageSent").withArgs(0n, hash, Object.values(m));
    const slot = keccak256(abi.encode(["bytes32", "uint256"], [hash, 2n]));
    expect(BigInt(await ethers.provider.send("eth_getStorageAt", [MESSENGER, slot, "latest"]))).to.equal(1n);
    const proof = (await ethers.provider.send("eth_getProof", [MESSENGER, [slot], "latest"])) as { storageProof: { value: string }[] };
    expect(BigInt(proof.storageProof[0]!.value)).to.equal(1n);
    expect(await messenger.getFunction("sentCount")()).to.equal(1n);
  });

  it("sendMessageToRollup records destination, fee and gas limit; rejects fee > value, address(0), gas and data above the bounds", async function () {
    const dest = "0x00000000000000000000000000000000000000d5";
    await expect(messenger.getFunction("sendMessageToRollup")(dest, l1Sender, "0x", 10n, 3n, { value: 10n })).to.emit(messenger, "MessageSent");
    await expect(messenger.getFunction("sendMessageToRollup")(dest, l1Sender, "0x", 10n, 11n, { value: 10n })).to.be.revertedWithCustomError(messenger, "L2Messenger_FeeExceedsValue").withArgs(11n, 10n);
    await expect(messenger.getFunction("sendMessageToRollup")(ZeroAddress, l1Sender, "0x", 10n, 0n)).to.be.revertedWithCustomError(messenger, "L2Messenger_InvalidDestination");
    await expect(messenger.getFunction("sendMessageToRollup")(dest, l1Sender, "0x", 1_000_001n, 0n)).to.be.revertedWithCustomError(messenger, "L2Messenger_MessageGasTooHigh");
    await expect(messenger.getFunction("sendMessageToRollup")(dest, l1Sender, "0x" + "00".repeat(16385), 0n, 0n)).to.be.revertedWithCustomError(messenger, "L2Messenger_MessageDataTooLarge");
  });

  it("delivers a good batch: values, calls with xDomainMessageSender, fees to the coinbase, counters", async function () {
    const coinbase = "0x00000000000000000000000000000000000c0ffe";
    await ethers.provider.send("hardhat_setCoinbase", [coinbase]);
    const source = "0x00000000000000000000000000000000000000aa";
    // The value-only message (gas limit 0: the 2,300 stipend) goes to an account.
    const messages = await batch(0n, [{ value: 7n, fee: 3n, data: "0x01" }, { value: 1n, gasLimit: 0n, to: l1Sender }, { sourceRollup: source, fee: 5n, data: "0x02" }]);
    const tx = deliver(messages);
    for (const m of messages) await expect(tx).to.emit(messenger, "MessageDelivered").withArgs(m.index, hashOf(m), true);
    // The coinbase's balance also moves by the L1 transaction's tip here: check the messenger's instead.
    await expect(tx).to.changeEtherBalances(ethers, [recipient, l1Sender, MESSENGER], [7n, 1n, -16n]);
    await expect(tx).to.not.emit(messenger, "FeeUnclaimed");
    expect(await messenger.getFunction("deliveredCount")()).to.equal(3n);
    expect(await messenger.getFunction("deliveredRollingHash")()).to.equal(messages.reduce(fold, ZERO_HASH));
    expect(await recipient.getFunction("lastSender")()).to.equal(l1Sender);
    expect((await recipient.getFunction("lastSource")()).toLowerCase()).to.equal(source);
    expect(await recipient.getFunction("calls")()).to.equal(2n);
    await expect(messenger.getFunction("xDomainMessageSender")()).to.be.revertedWithCustomError(messenger, "L2Messenger_NotInMessage");
  });

  it("RevertWhen_AnchorMismatch: a preimage that is not the anchor's", async function () {
    const messages = await batch(0n, [{}]);
    await expect(deliver(messages, { anchored: { count: 2n, rolling: ZERO_HASH } })).to.be.revertedWithCustomError(messenger, "L2Messenger_AnchorMismatch");
  });

  it("RevertWhen_UnexpectedIndex: a skipped index", async function () {
    const messages = await batch(1n, [{}]);
    await expect(deliver(messages)).to.be.revertedWithCustomError(messenger, "L2Messenger_UnexpectedIndex").withArgs(0n, 1n);
  });

  it("RevertWhen_RollingHashMismatch: a message altered (its value) under the anchored rolling hash", async function () {
    const honest = await batch(0n, [{ value: 1n }]);
    const rolling = honest.reduce(fold, ZERO_HASH);
    const altered = [{ ...honest[0]!, value: 10n ** 18n }];
    await expect(deliver(altered, { rolling, anchored: { count: 1n, rolling } }))
      .to.be.revertedWithCustomError(messenger, "L2Messenger_RollingHashMismatch").withArgs(rolling, altered.reduce(fold, ZERO_HASH));
  });

  it("RevertWhen_CountMismatch: fewer messages than the anchored count", async function () {
    const messages = await batch(0n, [{}]);
    const rolling = messages.reduce(fold, ZERO_HASH);
    await expect(deliver(messages, { count: 2n, anchored: { count: 2n, rolling } })).to.be.revertedWithCustomError(messenger, "L2Messenger_CountMismatch").withArgs(2n, 1n);
  });

  it("a reverting recipient: the message is retryable and keeps its value; retryMessage then succeeds once", async function () {
    await recipient.getFunction("setRevert")(true);
    const [m] = await batch(0n, [{ value: 100n, data: "0x05" }]);
    await expect(deliver([m!])).to.emit(messenger, "MessageDelivered").withArgs(0n, hashOf(m!), false);
    expect(await messenger.getFunction("failedMessages")(hashOf(m!))).to.equal(true);
    expect(await ethers.provider.getBalance(await recipient.getAddress())).to.equal(0n);
    await expect(messenger.getFunction("retryMessage")(m)).to.be.revertedWithCustomError(messenger, "L2Messenger_RetryFailed");
    await recipient.getFunction("setRevert")(false);
    await expect(messenger.getFunction("retryMessage")(m)).to.emit(messenger, "MessageRetried").withArgs(hashOf(m!));
    expect(await ethers.provider.getBalance(await recipient.getAddress())).to.equal(100n);
    expect(await recipient.getFunction("lastSender")()).to.equal(l1Sender);
    await expect(messenger.getFunction("retryMessage")(m)).to.be.revertedWithCustomError(messenger, "L2Messenger_NotRetryable").withArgs(hashOf(m!));
  });

  it("a recipient re-entering retryMessage during delivery is refused (L2Messenger_Reentrant)", async function () {
    const [m] = await batch(0n, [{ data: "0x01", gasLimit: 500_000n }]);
    await recipient.getFunction("setReenter")(messenger.interface.encodeFunctionData("retryMessage", [m]));
    await deliver([m!]);
    expect(await recipient.getFunction("reenterResult")()).to.equal(messenger.interface.getError("L2Messenger_Reentrant")!.selector);
  });

  it("a hostile coinbase that refuses its fee cannot block delivery; the fee waits in unclaimedFees", async function () {
    const refusing = await ethers.deployContract("RefusingCoinbase");
    const coinbase = await refusing.getAddress();
    await ethers.provider.send("hardhat_setCoinbase", [coinbase]);
    const messages = await batch(0n, [{ fee: 40n, value: 1n }]);
    await expect(deliver(messages)).to.emit(messenger, "FeeUnclaimed").withArgs(coinbase, 40n);
    expect(await messenger.getFunction("unclaimedFees")(coinbase)).to.equal(40n);
    expect(await messenger.getFunction("deliveredCount")()).to.equal(1n);
    await ethers.provider.send("hardhat_setCoinbase", ["0x0000000000000000000000000000000000000000"]);
  });

  it("a coinbase withdraws its unclaimed fees to another address", async function () {
    const [, , , coinbaseSigner] = await ethers.getSigners();
    const coinbase = await coinbaseSigner!.getAddress();
    // Credit by storage: unclaimedFees[coinbase] at keccak256(abi.encode(coinbase, 5)).
    const slot = keccak256(abi.encode(["address", "uint256"], [coinbase, 5n]));
    await ethers.provider.send("hardhat_setStorageAt", [MESSENGER, slot, abi.encode(["uint256"], [77n])]);
    const to = "0x00000000000000000000000000000000000000b0";
    await expect((messenger.connect(coinbaseSigner!) as Contract).getFunction("withdrawUnclaimedFees")(to)).to.changeEtherBalances(ethers, [to], [77n]);
    expect(await messenger.getFunction("unclaimedFees")(coinbase)).to.equal(0n);
  });

  it("RevertWhen_NotSystem: deliverMessages from anyone else; L2Anchor too", async function () {
    await expect(messenger.getFunction("deliverMessages")(ZERO_HASH, 0n, ZERO_HASH, [])).to.be.revertedWithCustomError(messenger, "L2Messenger_NotSystem");
    await expect(anchor.getFunction("anchor")(ZERO_HASH)).to.be.revertedWithCustomError(anchor, "L2Anchor_NotSystem");
  });

  it("RevertWhen_InsufficientGas: too little gas left to honour a message's gas limit reverts the whole delivery", async function () {
    const messages = await batch(0n, [{ gasLimit: 1_000_000n }]);
    const l1BlockHash = keccak256("0x4242");
    const rolling = messages.reduce(fold, ZERO_HASH);
    await (anchor.connect(system) as Contract).getFunction("anchor")(keccak256(abi.encode(["bytes32", "uint256", "bytes32"], [l1BlockHash, 1n, rolling])));
    await expect((messenger.connect(system) as Contract).getFunction("deliverMessages")(l1BlockHash, 1n, rolling, messages, { gasLimit: 500_000n }))
      .to.be.revertedWithCustomError(messenger, "L2Messenger_InsufficientGas");
  });
});
