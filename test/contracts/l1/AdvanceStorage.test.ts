/**
 * What an advance writes (docs/contracts.md, "What an advance costs"): the head's two slots and
 * one slot of the state-root history, where the head's state root is kept once. On
 * NativeRollupHarness (its stand-in EXECUTE accepts the claimed hash) with no code at the EXECUTE
 * address (the market's view then answers "no market"), so that debug_traceTransaction, which
 * replays without EDR's hook, replays the advance as it ran: the shim's market view, unanswered
 * there, would fail and eat the call's gas.
 */
import { expect } from "chai";
import { AbiCoder, keccak256, ZeroAddress, type Contract } from "ethers";
import { network } from "hardhat";
import { EXECUTE_ADDRESS } from "../../../src/precompile/codec.js";
import { l1Block } from "../helpers.js";

const { ethers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();

interface Step {
  op: string;
  gasCost: number;
  depth: number;
  stack?: string[];
}

describe("advance: storage written", function () {
  let rollup: Contract;

  before(async function () {
    await ethers.provider.send("hardhat_setCode", [EXECUTE_ADDRESS, "0x"]);
  });

  beforeEach(async function () {
    const latest = await l1Block(ethers);
    rollup = (await ethers.deployContract("NativeRollupHarness", [
      167002n, 30_000_000n, keccak256("0x01"), keccak256("0x02"), latest.timestamp, ZeroAddress, ZeroAddress,
    ])) as unknown as Contract;
  });

  /** Advances an empty block on the head with state root `root`; returns the receipt. */
  async function advance(root: string) {
    const head = await rollup.getFunction("head")();
    const latest = await l1Block(ethers);
    const claim = {
      parentHash: head.blockHash, blockHash: keccak256(abi.encode(["bytes32", "bytes32"], [head.blockHash, root])),
      stateRoot: root, receiptsRoot: keccak256("0x04"), gasUsed: 0n, coinbase: ZeroAddress, timestamp: latest.timestamp,
      anchorBlockNumber: latest.number, messageCount: 0n,
    };
    return (await (await rollup.getFunction("advance")(claim, "0x", "0x", "0x")).wait())!;
  }

  it("an advance writes three slots (the head's two, the history's one): the state root is stored once, and head(), stateRootAt agree", async function () {
    await advance(keccak256("0x10")); // the first: the lazy head's slots become non-zero
    const receipt = await advance(keccak256("0x11"));
    const trace = (await ethers.provider.send("debug_traceTransaction", [receipt.hash, { disableMemory: true, disableStorage: true }])) as { failed: boolean; structLogs: Step[] };
    expect(trace.failed).to.equal(false);
    const stores = trace.structLogs.filter((s) => s.op === "SSTORE");
    // The head's slots: warm after the parent's read, non-zero → non-zero (2,900 each); the history
    // slot of block 2: fresh (22,100). A fourth store was the head's copy of the state root.
    expect(stores.map((s) => s.gasCost).sort((a, b) => b - a)).to.deep.equal([22_100, 2_900, 2_900]);
    // Cold reads: the head's two slots (the queue's length and the retirement flag in the first),
    // the parent's state root in the history, rollingHash[messageCount] for the anchor, and the
    // harness's two stand-in settings. The queue's length had a slot of its own (one more).
    expect(trace.structLogs.filter((s) => s.op === "SLOAD" && s.gasCost === 2_100)).to.have.length(6);
    const head = await rollup.getFunction("head")();
    expect(head.number).to.equal(2n);
    expect(head.stateRoot).to.equal(keccak256("0x11"));
    expect(await rollup.getFunction("stateRootAt")(2n)).to.equal(keccak256("0x11"));
    expect(await rollup.getFunction("stateRootAt")(1n)).to.equal(keccak256("0x10"));
    console.log(`      gas: a harness advance of an empty block ${receipt.gasUsed} (stand-in EXECUTE)`);
  });

  it("an advance keeps the queue's length (it shares the head's first slot), and an enqueue keeps the head", async function () {
    const [, user] = await ethers.getSigners();
    for (let i = 0; i < 2; i++) await rollup.getFunction("deposit")(await user!.getAddress(), { value: 1n });
    await advance(keccak256("0x12"));
    expect(await rollup.getFunction("messageCount")()).to.equal(2n);
    const head = await rollup.getFunction("head")();
    expect([head.number, head.messageCount, head.stateRoot]).to.deep.equal([1n, 0n, keccak256("0x12")]);
    await rollup.getFunction("deposit")(await user!.getAddress(), { value: 1n });
    expect(await rollup.getFunction("messageCount")()).to.equal(3n);
    const after = await rollup.getFunction("head")();
    expect([after.number, after.blockHash, after.timestamp, after.anchorBlockNumber]).to.deep.equal([head.number, head.blockHash, head.timestamp, head.anchorBlockNumber]);
    expect(await rollup.getFunction("retired")()).to.equal(false);
  });

  it("before a first block the head is the configuration's genesis, state root included", async function () {
    const head = await rollup.getFunction("head")();
    expect([head.number, head.blockHash, head.stateRoot]).to.deep.equal([0n, keccak256("0x01"), keccak256("0x02")]);
    expect(await rollup.getFunction("stateRootAt")(0n)).to.equal(keccak256("0x02"));
  });
});
