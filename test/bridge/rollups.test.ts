/**
 * Rollup → rollup messages on one L1 (docs/bridge.md): a message sent on rollup A with
 * sendMessageToRollup(B, …) is proven and forwarded on L1 by A's contract into B's queue, and
 * delivered by B's next block, which can be in the same L1 block as A's advance. Both rollups are
 * real (each its own L2 chain, verified by the real EXECUTE); their escrows move the value.
 */
import { bytesToHex } from "@ethereumjs/util";
import { expect } from "chai";
import { type BrowserProvider, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { anchorCommitment, hashL1Message, hashL2Message, nextRollingHash, type L1Message } from "../../src/bridge/messages.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { deposit, forwardToRollup, l2MessengerInterface, messageStatus, parseSentMessages, sendMessageToRollup, type SentMessage } from "../../src/sdk/bridge.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { commit, prepareBlock } from "../contracts/helpers.js";
import { deliveryOf, deployTest, l1Balance, l1Number, l2Provider, latestAnchor, MESSENGER, proofAt } from "./helpers.js";

const { ethers } = await network.create();
const ETHER = 10n ** 18n;
const GWEI = 10n ** 9n;

describe("bridge: rollup → rollup on one L1 (real EXECUTE on both)", function () {
  let a: RollupFixture;
  let b: RollupFixture;
  let aProvider: BrowserProvider;
  let bProvider: BrowserProvider;
  let receiver: Contract;
  let signers: Signer[];

  beforeEach(async function () {
    a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
    expect(a.address).to.not.equal(b.address);
    aProvider = l2Provider(a);
    bProvider = l2Provider(b);
    signers = await ethers.getSigners();
    await deposit(signers[4]!, a.rollup, { value: 10n * ETHER, to: a.wallets[1]!.address }); // A's escrow
    await a.advance();
    receiver = await deployTest(await bProvider.getSigner(0), "XDomainReceiver"); // on B
  });

  const escrows = async () => ({ a: await l1Balance(ethers, a.address), b: await l1Balance(ethers, b.address) });

  it("with automine: A's advance, the forward and B's advance in three consecutive L1 blocks; value moves from A's escrow to B's", async function () {
    const before = await escrows();
    const sender = await aProvider.getSigner(1);
    const data = receiver.interface.encodeFunctionData("receiveMessage", ["0xab"]);
    const sent = await sendMessageToRollup(sender, { destination: b.address, to: await receiver.getAddress(), data, value: ETHER, fee: 1000n });
    const advancedA = await l1Number(ethers);
    const queued = await forwardToRollup(signers[1]!, a.rollup, aProvider, sent);
    const proposedB = await b.advance();
    const blocks = [advancedA, BigInt(queued.receipt.blockNumber), BigInt(proposedB.l1Receipt.blockNumber)];
    expect(blocks).to.deep.equal([advancedA, advancedA + 1n, advancedA + 2n]);
    console.log(`      rollup → rollup (automine): A advanced in L1 block ${blocks[0]}, forward in ${blocks[1]} (${queued.receipt.gasUsed} gas), B delivered in ${blocks[2]}`);

    expect(queued.message).to.deep.include({ sender: await sender.getAddress(), sourceRollup: a.address, value: ETHER, fee: 1000n });
    expect(await messageStatus(bProvider, queued)).to.equal("delivered");
    expect(await receiver.getFunction("lastSender")()).to.equal(await sender.getAddress());
    expect(await receiver.getFunction("lastSource")()).to.equal(a.address);
    expect(await receiver.getFunction("lastValue")()).to.equal(ETHER);
    expect(await a.rollup.getFunction("claimed")(sent.hash)).to.equal(true);
    const after = await escrows();
    expect(after.a).to.equal(before.a - ETHER - 1000n);
    expect(after.b).to.equal(before.b + ETHER + 1000n);
  });

  it("in ONE L1 block: A's advance, A.forward (proven against the root verified a transaction earlier) and B's advance delivering it", async function () {
    const before = await escrows();
    const from = a.wallets[1]!;
    const to = await receiver.getAddress();
    const data = receiver.interface.encodeFunctionData("receiveMessage", ["0xcd"]);
    const value = 2n * ETHER;
    const fee = 777n;
    const gasLimit = 300_000n;

    // A's block, carrying the L2 transaction that sends the message (built, not yet on L1).
    const raw = await signL2Transaction(a.chain, from, {
      nonce: Number(await a.mempool.nextNonce(from.address)),
      to: MESSENGER,
      value: value + fee,
      gasLimit: 300_000n,
      data: l2MessengerInterface().encodeFunctionData("sendMessageToRollup", [b.address, to, data, gasLimit, fee]),
    });
    const anchor = await latestAnchor(ethers);
    const blockA = await prepareBlock(ethers, a.chain, { transactions: [raw], anchorNumber: anchor.number, delivery: await deliveryOf(ethers, a, anchor, 0n) });
    commit(a.chain, blockA); // A's node has it: its receipt and eth_getProof are served
    const txReceipt = (await aProvider.getTransactionReceipt(bytesToHex(blockA.block.transactions[0]!.hash())))!;
    const [message] = parseSentMessages(txReceipt.logs);
    const sent: SentMessage = { message: message!, hash: hashL2Message(message!), receipt: txReceipt, l2BlockNumber: BigInt(txReceipt.blockNumber) };
    const proof = await proofAt(aProvider, sent, sent.l2BlockNumber);
    expect(proof.value).to.equal(1n);

    // B's block, delivering the message the forward will enqueue (its index and rolling hash are known in advance).
    const index = (await b.rollup.getFunction("messageCount")()) as bigint;
    const forwarded: L1Message = { index, sender: from.address, sourceRollup: a.address, to, value, fee, gasLimit, data };
    const rolling = nextRollingHash(index === 0n ? "0x" + "00".repeat(32) : await b.rollup.getFunction("rollingHash")(index), hashL1Message(forwarded));
    const count = index + 1n;
    const blockB = await prepareBlock(ethers, b.chain, {
      anchorNumber: anchor.number,
      delivery: { messageCount: count, anchor: anchorCommitment(anchor.hash, count, rolling), delivery: { l1BlockHash: anchor.hash, count, rollingHash: rolling, messages: [forwarded] } },
    });

    const tip = (gwei: bigint) => ({ maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: gwei * GWEI });
    await ethers.provider.send("evm_setAutomine", [false]);
    let hashes: string[];
    try {
      const txs = [
        await (a.rollup.connect(signers[0]!) as Contract).getFunction("advance")(blockA.claim, blockA.transactions, blockA.witness, blockA.messages, { gasLimit: blockA.gasLimit, value: blockA.fee, ...tip(3n) }),
        await (a.rollup.connect(signers[1]!) as Contract).getFunction("forward")(sent.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof, { gasLimit: 1_000_000n, ...tip(2n) }),
        await (b.rollup.connect(signers[2]!) as Contract).getFunction("advance")(blockB.claim, blockB.transactions, blockB.witness, blockB.messages, { gasLimit: blockB.gasLimit, value: blockB.fee, ...tip(1n) }),
      ];
      hashes = txs.map((tx: { hash: string }) => tx.hash);
      await ethers.provider.send("evm_mine", []);
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const receipts = await Promise.all(hashes.map((h) => ethers.provider.getTransactionReceipt(h)));
    expect(receipts.map((r) => r!.status)).to.deep.equal([1, 1, 1]);
    expect(receipts.map((r) => r!.index), "A's advance, the forward, B's advance, in that order").to.deep.equal([0, 1, 2]);
    const l1BlockNumber = receipts[0]!.blockNumber;
    expect(receipts.map((r) => r!.blockNumber)).to.deep.equal([l1BlockNumber, l1BlockNumber, l1BlockNumber]);
    console.log(`      rollup → rollup in one L1 block ${l1BlockNumber}: advance A ${receipts[0]!.gasUsed} gas, forward ${receipts[1]!.gasUsed} gas, advance B ${receipts[2]!.gasUsed} gas`);
    commit(b.chain, blockB);

    expect(await a.rollup.getFunction("claimed")(sent.hash)).to.equal(true);
    expect((await b.rollup.getFunction("head")()).messageCount).to.equal(count);
    expect(await b.rollup.getFunction("enqueuedAt")(index)).to.equal(BigInt(l1BlockNumber));
    expect(await receiver.getFunction("lastCaller")()).to.equal(MESSENGER);
    expect(await receiver.getFunction("lastSender")()).to.equal(from.address);
    expect(await receiver.getFunction("lastSource")()).to.equal(a.address);
    expect(await receiver.getFunction("lastValue")()).to.equal(value);
    expect(await receiver.getFunction("lastData")()).to.equal("0xcd");
    expect(await bProvider.getBalance(to)).to.equal(value);
    const after = await escrows();
    expect(after.a).to.equal(before.a - value - fee);
    expect(after.b).to.equal(before.b + value + fee);
    // Both fixtures' proposers carry on from there.
    await a.advance();
    await b.advance();
  });
});
