/**
 * Forced delivery on the real path (docs/bridge.md, "The anchor"): a proposer that leaves an L1→L2
 * message undelivered FORCE_DELAY (64) L1 blocks after it was queued cannot advance; nor can one
 * that claims more of the queue than exists, or more than its block delivers. Blocks are built by
 * hand (the real engine, a chosen delivery) and verified by the real EXECUTE.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { DEV_BALANCE } from "../../src/engine/genesis.js";
import { encodeDelivery, rollingHashOf } from "../../src/bridge/messages.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { deposit } from "../../src/sdk/bridge.js";
import { commit, prepareBlock, type PreparedBlock } from "../contracts/helpers.js";
import { deliveryOf, l1Number, latestAnchor } from "./helpers.js";

const { ethers } = await network.create();

describe("bridge: forced delivery (real EXECUTE)", function () {
  let l2: RollupFixture;

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
  });

  /** The next block on the fixture's chain, delivering at most `maxMessages` queued messages. */
  async function nextBlock(maxMessages: bigint): Promise<PreparedBlock> {
    const anchor = await latestAnchor(ethers);
    return prepareBlock(ethers, l2.chain, { anchorNumber: anchor.number, delivery: await deliveryOf(ethers, l2, anchor, maxMessages) });
  }
  const advance = (p: PreparedBlock, claim = p.claim, messages = p.messages) =>
    l2.rollup.getFunction("advance")(claim, p.transactions, p.witness, messages, { gasLimit: p.gasLimit, value: p.fee });
  const mine = (blocks: number) => ethers.provider.send("hardhat_mine", ["0x" + blocks.toString(16)]);

  it("RevertWhen_MessageOverdue: a block that skips a message queued FORCE_DELAY L1 blocks earlier; the same skip is accepted one block before", async function () {
    expect(await l2.rollup.getFunction("FORCE_DELAY")()).to.equal(64n);
    const queued = await deposit((await ethers.getSigners())[3]!, l2.rollup, { value: 10n ** 18n, to: l2.wallets[5]!.address });
    const enqueuedAt = BigInt(queued.receipt.blockNumber);
    expect(await l2.rollup.getFunction("enqueuedAt")(0n)).to.equal(enqueuedAt);

    await mine(62); // the advance lands at enqueuedAt + 63: not overdue yet
    const early = await nextBlock(0n);
    expect(early.claim.messageCount).to.equal(0n);
    await (await advance(early)).wait();
    commit(l2.chain, early);
    expect(await l1Number(ethers)).to.equal(enqueuedAt + 63n);

    const skip = await nextBlock(0n); // lands at enqueuedAt + 64
    await expect(advance(skip)).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_MessageOverdue").withArgs(0n, enqueuedAt, enqueuedAt + 64n);
    await mine(64);
    const later = await nextBlock(0n);
    await expect(advance(later)).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_MessageOverdue").withArgs(0n, enqueuedAt, enqueuedAt + 129n);

    const delivering = await nextBlock(1000n);
    expect(delivering.claim.messageCount).to.equal(1n);
    await expect(advance(delivering)).to.emit(l2.rollup, "BlockAdvanced");
    commit(l2.chain, delivering);
    expect((await l2.account(l2.wallets[5]!.address)).balance).to.equal(DEV_BALANCE + 10n ** 18n);
    // The fixture's own proposer carries on from there.
    await l2.advance();
  });

  it("RevertWhen_InvalidMessageCount: a block claiming a count beyond the queue", async function () {
    await deposit((await ethers.getSigners())[3]!, l2.rollup, { value: 1n });
    const block = await nextBlock(1000n);
    await expect(advance(block, { ...block.claim, messageCount: 2n }))
      .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_InvalidMessageCount").withArgs(2n, 0n, 1n);
    await expect(advance(block)).to.emit(l2.rollup, "BlockAdvanced");
  });

  it("RevertWhen_ExecutionFailed: a block claiming more messages than its _messages carry (EXECUTE rejects it)", async function () {
    const signer = (await ethers.getSigners())[3]!;
    await deposit(signer, l2.rollup, { value: 1n });
    await deposit(signer, l2.rollup, { value: 2n });
    const block = await nextBlock(1n); // delivers message 0 only
    expect(block.claim.messageCount).to.equal(1n);
    const delivered = (await deliveryOf(ethers, l2, block.anchor, 1n)).delivery!;
    const rolling2 = (await l2.rollup.getFunction("rollingHash")(2n)) as string;
    expect(rollingHashOf(delivered.messages)).to.not.equal(rolling2);
    const number = BigInt(block.block.header.number);
    // The claim says 2 while the delivery carries the anchor preimage of 1: L1's anchor differs from the block's.
    await expect(advance(block, { ...block.claim, messageCount: 2n }))
      .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed").withArgs(number);
    // The delivery says 2 too (the right anchor preimage), but carries one message: the messenger's count check fails.
    const short = encodeDelivery({ ...delivered, count: 2n, rollingHash: rolling2 });
    await expect(advance(block, { ...block.claim, messageCount: 2n }, short))
      .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed").withArgs(number);
    // Delivered messages with no _messages at all: refused before EXECUTE.
    await expect(advance(block, block.claim, "0x")).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_MessagesMissing");
    await expect(advance(block)).to.emit(l2.rollup, "BlockAdvanced");
  });
});
