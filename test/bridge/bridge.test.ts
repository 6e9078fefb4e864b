/**
 * The bridge end to end, as a user meets it through the SDK (src/sdk/bridge.ts): the real L1
 * (Hardhat's EDR with EXECUTE), a rollup deployed on it, its L2 chain built by the real engine,
 * and `l2.advance()` proposing blocks that L1 verifies by re-execution. No mocks.
 */
import { bytesToHex } from "@ethereumjs/util";
import { expect } from "chai";
import { Wallet, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { hashL1Message, hashL2Message, type L1Message } from "../../src/bridge/messages.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import {
  ClaimRefusedError, deposit, l2MessengerAt, l2MessengerInterface, messageStatus, parseSentMessages, proofFor, proveAndClaim,
  sendMessageToL1, sendMessageToL2, withdraw, type SentMessage,
} from "../../src/sdk/bridge.js";
import { commit, prepareBlock, signL2 } from "../contracts/helpers.js";
import { advancedIn, deliveryOf, deployTest, l1Balance, l1Number, l2Provider, latestAnchor, MESSENGER, ZERO_ADDRESS } from "./helpers.js";

const { ethers } = await network.create();
const ETHER = 10n ** 18n;

describe("bridge (SDK, fixture, real EXECUTE)", function () {
  let l2: RollupFixture;
  let l1Signers: Signer[];

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    l1Signers = await ethers.getSigners();
  });

  /** Funds the L1 escrow (and `to` on L2) by a deposit delivered in the next block. */
  async function funded(value: bigint, to = l2.wallets[1]!.address): Promise<void> {
    await deposit(l1Signers[4]!, l2.rollup, { value, to });
    await l2.advance();
  }

  it("a deposit to an address with no L2 ETH is credited by the next advance; status delivered; latency printed", async function () {
    const blobs = await loadRollupFixture({ ethers }); // the default path: transactions in blobs
    const fresh = Wallet.createRandom().address;
    expect((await blobs.account(fresh)).balance).to.equal(0n);
    const queued = await deposit(l1Signers[3]!, blobs.rollup, { value: 3n * ETHER, to: fresh });
    const provider = l2Provider(blobs);
    expect(await messageStatus(provider, queued)).to.equal("queued");
    const proposed = await blobs.advance();
    expect(proposed.event.messageCount).to.equal(1n);
    expect((await blobs.account(fresh)).balance).to.equal(3n * ETHER);
    expect(await provider.getBalance(fresh)).to.equal(3n * ETHER);
    expect(await messageStatus(provider, queued)).to.equal("delivered");
    const latency = BigInt(proposed.l1Receipt.blockNumber) - BigInt(queued.receipt.blockNumber);
    expect(latency).to.equal(1n);
    console.log(`      deposit: queued in L1 block ${queued.receipt.blockNumber} (${queued.receipt.gasUsed} gas), credited on L2 by the advance in L1 block ${proposed.l1Receipt.blockNumber}: latency ${latency} L1 block(s); advance ${proposed.l1Receipt.gasUsed} L1 gas`);
  });

  it("a withdrawal is claimed in the L1 block right after the advance that verified it; the recipient gets exactly its value; no second claim", async function () {
    await funded(5n * ETHER);
    const provider = l2Provider(l2);
    const recipient = Wallet.createRandom().address;
    const sent = await withdraw(await provider.getSigner(1), { value: 2n * ETHER, to: recipient });
    expect(await messageStatus(ethers.provider, sent, l2.rollup)).to.equal("claimable");
    const verifiedIn = await advancedIn(ethers, l2.rollup, sent.l2BlockNumber);
    expect(await l1Number(ethers)).to.equal(verifiedIn);

    const escrowBefore = await l1Balance(ethers, l2.address);
    const receipt = await proveAndClaim(l1Signers[2]!, l2.rollup, provider, sent);
    expect(BigInt(receipt.blockNumber), "claimed in the very next L1 block").to.equal(verifiedIn + 1n);
    expect(await l1Balance(ethers, recipient)).to.equal(2n * ETHER);
    expect(await l1Balance(ethers, l2.address)).to.equal(escrowBefore - 2n * ETHER);
    expect(await messageStatus(ethers.provider, sent, l2.rollup)).to.equal("claimed");
    console.log(`      withdrawal: sent in L2 block ${sent.l2BlockNumber}, verified in L1 block ${verifiedIn}, claimed in L1 block ${receipt.blockNumber} (${receipt.gasUsed} gas)`);

    const again = await proveAndClaim(l1Signers[2]!, l2.rollup, provider, sent).then(() => undefined, (e: unknown) => e);
    expect(again).to.be.instanceOf(ClaimRefusedError);
    expect((again as Error).message).to.match(/claimed already/);
    const proof = await proofFor(l2.rollup, provider, sent);
    await expect(l2.rollup.getFunction("claim")(sent.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof))
      .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_AlreadyClaimed").withArgs(sent.hash);
    expect(await l1Balance(ethers, recipient)).to.equal(2n * ETHER);
  });

  it("a claim before L1 verified the message's block is refused naming both blocks; it goes through once verified", async function () {
    await funded(ETHER);
    const provider = l2Provider(l2);
    const recipient = Wallet.createRandom().address;
    const messenger = l2MessengerInterface();
    const raw = await signL2(l2.chain, l2.wallets[1]!, {
      nonce: Number(await l2.mempool.nextNonce(l2.wallets[1]!.address)),
      to: MESSENGER, value: 7n, data: messenger.encodeFunctionData("sendMessageToL1", [recipient, "0x"]), gasLimit: 200_000n,
    });
    // The block exists on L2 (the node serves it) but L1 has not verified it yet.
    const anchor = await latestAnchor(ethers);
    const prepared = await prepareBlock(ethers, l2.chain, { transactions: [raw], anchorNumber: anchor.number, delivery: await deliveryOf(ethers, l2, anchor, 0n) });
    commit(l2.chain, prepared);
    const txReceipt = (await provider.getTransactionReceipt(bytesToHex(prepared.block.transactions[0]!.hash())))!;
    const [message] = parseSentMessages(txReceipt.logs);
    const sent: SentMessage = { message: message!, hash: hashL2Message(message!), receipt: txReceipt, l2BlockNumber: BigInt(txReceipt.blockNumber) };
    const head = (await l2.rollup.getFunction("head")()).number as bigint;

    const refused = await proveAndClaim(l1Signers[2]!, l2.rollup, provider, sent).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(ClaimRefusedError);
    expect((refused as ClaimRefusedError).details).to.include({ messageBlock: sent.l2BlockNumber, verifiedHead: head });
    expect(sent.l2BlockNumber).to.equal(head + 1n);
    expect(await messageStatus(ethers.provider, sent, l2.rollup)).to.equal("sent");

    await (await l2.rollup.getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, prepared.messages, { gasLimit: prepared.gasLimit, value: prepared.fee })).wait();
    await proveAndClaim(l1Signers[2]!, l2.rollup, provider, sent);
    expect(await l1Balance(ethers, recipient)).to.equal(7n);
  });

  it("sendMessageToL2 calls an L2 contract: msg.sender is the messenger, xDomainMessageSender = (L1 sender, 0), value and data arrive", async function () {
    const provider = l2Provider(l2);
    const receiver = await deployTest(await provider.getSigner(0), "XDomainReceiver");
    const sender = l1Signers[3]!;
    const data = receiver.interface.encodeFunctionData("receiveMessage", ["0xc0ffee"]);
    const queued = await sendMessageToL2(sender, l2.rollup, { to: await receiver.getAddress(), data, value: 1234n, fee: 5n });
    const proposed = await l2.advance();
    expect(await messageStatus(provider, queued)).to.equal("delivered");
    expect(await receiver.getFunction("lastCaller")()).to.equal(MESSENGER);
    expect(await receiver.getFunction("lastSender")()).to.equal(await sender.getAddress());
    expect(await receiver.getFunction("lastSource")()).to.equal(ZERO_ADDRESS);
    expect(await receiver.getFunction("lastValue")()).to.equal(1234n);
    expect(await receiver.getFunction("lastData")()).to.equal("0xc0ffee");
    expect(await provider.getBalance(await receiver.getAddress())).to.equal(1234n);
    // The fee went to the coinbase of the delivering block (the proposer's address).
    expect(proposed.event.coinbase).to.equal(await l1Signers[0]!.getAddress());
  });

  it("a message whose call reverts is failed, does not block the queue, keeps its value in the messenger, and is retried once fixed", async function () {
    const provider = l2Provider(l2);
    const receiver = await deployTest(await provider.getSigner(0), "XDomainReceiver");
    await (await receiver.getFunction("setRevert")(true)).wait();
    const data = receiver.interface.encodeFunctionData("receiveMessage", ["0x01"]);
    const failing = await sendMessageToL2(l1Signers[3]!, l2.rollup, { to: await receiver.getAddress(), data, value: 1000n });
    const fresh = Wallet.createRandom().address;
    const later = await deposit(l1Signers[3]!, l2.rollup, { value: 77n, to: fresh });
    const messengerBefore = await provider.getBalance(MESSENGER);
    await l2.advance();
    expect(await messageStatus(provider, failing)).to.equal("failed");
    expect(await messageStatus(provider, later), "the queue goes on past a failed message").to.equal("delivered");
    expect(await provider.getBalance(fresh)).to.equal(77n);
    expect(await provider.getBalance(await receiver.getAddress())).to.equal(0n);
    expect(await provider.getBalance(MESSENGER), "only the deposit left the messenger").to.equal(messengerBefore - 77n);

    const messenger = l2MessengerAt(await provider.getSigner(2));
    await expect(messenger.getFunction("retryMessage")(failing.message)).to.be.revertedWithCustomError(messenger, "L2Messenger_RetryFailed");
    await (await receiver.getFunction("setRevert")(false)).wait();
    await expect(messenger.getFunction("retryMessage")(failing.message)).to.emit(messenger, "MessageRetried").withArgs(failing.hash);
    expect(await messageStatus(provider, failing)).to.equal("delivered");
    expect(await provider.getBalance(await receiver.getAddress())).to.equal(1000n);
    expect(await receiver.getFunction("lastSender")()).to.equal(await l1Signers[3]!.getAddress());
    expect(await provider.getBalance(MESSENGER)).to.equal(messengerBefore - 77n - 1000n);
    await expect(messenger.getFunction("retryMessage")(failing.message))
      .to.be.revertedWithCustomError(messenger, "L2Messenger_NotRetryable").withArgs(hashL1Message(failing.message as L1Message));
  });

  it("an L2→L1 message with data calls an L1 contract that reads NativeRollup.xDomainMessageSender()", async function () {
    await funded(ETHER);
    const provider = l2Provider(l2);
    const receiver: Contract = await deployTest(l1Signers[5]!, "XDomainReceiver");
    const l2Sender = await provider.getSigner(1);
    const data = receiver.interface.encodeFunctionData("receiveMessage", ["0xbeef"]);
    const sent = await sendMessageToL1(l2Sender, { to: await receiver.getAddress(), data, value: 42n });
    await proveAndClaim(l1Signers[2]!, l2.rollup, provider, sent);
    expect(await receiver.getFunction("lastCaller")()).to.equal(l2.address);
    expect(await receiver.getFunction("lastSender")()).to.equal(await l2Sender.getAddress());
    expect(await receiver.getFunction("lastValue")()).to.equal(42n);
    expect(await receiver.getFunction("lastData")()).to.equal("0xbeef");
    await expect(l2.rollup.getFunction("xDomainMessageSender")()).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_NotInMessage");
  });
});
