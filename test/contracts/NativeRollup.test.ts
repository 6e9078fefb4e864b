import { bytesToHex, setLengthLeft } from "@ethereumjs/util";
import { expect } from "chai";
import { executeFee } from "../../src/sdk/execute-market.js";
import { AbiCoder, getCreateAddress, keccak256, type Contract } from "ethers";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { decodeWitness, encodeWitness } from "../../src/engine/witness.js";
import { getL2Storage } from "../../src/engine/query.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { onVerdict, recentVerdicts, type ExecuteVerdict } from "../../src/precompile/run.js";
import { encodeExecuteInput } from "../../src/precompile/codec.js";
import { executeGas } from "../../src/precompile/gas.js";
import { l1Block, prepareBlock, signL2, type PreparedBlock } from "./helpers.js";

const { ethers } = await network.create();

/** `advance(claim, transactions, witness)` from `rollup`'s runner, with the proposer's gas bound. */
/** `advance` of a prepared block, paying EXECUTE's fee for the gas `claim` claims. */
async function advance(rollup: Contract, prepared: PreparedBlock, claim = prepared.claim, witness = prepared.witness) {
  const { fee } = await executeFee(rollup.runner!.provider as never, BigInt(claim.gasUsed));
  return rollup.getFunction("advance")(claim, prepared.transactions, witness, "0x", { gasLimit: prepared.gasLimit, value: fee });
}

/** A plain L2 transfer from dev wallet `from` (nonce read from the L2 state). */
async function transfer(l2: RollupFixture, from: number, value = 10n ** 15n): Promise<string> {
  const wallet = l2.wallets[from]!;
  const { nonce } = await l2.account(wallet.address);
  return signL2(l2.chain, wallet, { to: l2.wallets[19]!.address, value, nonce: Number(nonce) });
}

const ZERO_HASH = "0x" + "00".repeat(32);

for (const deployment of ["direct", "clone"] as const) describe(`NativeRollup (${deployment})`, function () {
  let l2: RollupFixture;
  let rollup: Contract;

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { deployment });
    rollup = l2.rollup;
  });

  describe("advance", function () {
    it("verifies the next block, moves the head, records its state root and emits every field of BlockAdvanced", async function () {
      const [proposer] = await ethers.getSigners();
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const { block, claim } = prepared;
      const genesis = l2.chain.headers[0]!;
      const l1Hash = (await l1Block(ethers, prepared.anchor.number)).hash;

      await expect(advance(rollup, prepared))
        .to.emit(rollup, "BlockAdvanced")
        .withArgs(
          1n,
          bytesToHex(block.header.hash()),
          await proposer!.getAddress(),
          bytesToHex(genesis.hash()),
          bytesToHex(block.header.stateRoot),
          bytesToHex(block.header.receiptTrie),
          block.header.gasUsed,
          claim.coinbase,
          block.header.timestamp,
          prepared.anchor.number,
          // prevRandao: the L1 block hash of that number, as the node reports it (not what the proposer said).
          l1Hash,
          // The anchor: that hash, with an empty queue delivered.
          keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "uint256", "bytes32"], [l1Hash, 0n, ZERO_HASH])),
          0n,
          keccak256(prepared.transactions),
          [], // calldata: no blob hashes
        );
      expect(block.header.gasUsed).to.equal(21_000n);

      const head = await rollup.getFunction("head")();
      expect(head.number).to.equal(1n);
      expect(head.blockHash).to.equal(bytesToHex(block.header.hash()));
      expect(head.stateRoot).to.equal(bytesToHex(block.header.stateRoot));
      expect(head.timestamp).to.equal(block.header.timestamp);
      expect(head.anchorBlockNumber).to.equal(prepared.anchor.number);
      expect(await rollup.getFunction("stateRootAt")(1n)).to.equal(bytesToHex(block.header.stateRoot));
      expect(await rollup.getFunction("stateRootAt")(0n)).to.equal(bytesToHex(genesis.stateRoot));
      const verdict = recentVerdicts().at(-1)!;
      expect(verdict).to.include({ ok: true, blockNumber: 1n, blockHash: bytesToHex(block.header.hash()) });
    });

    it("RevertWhen_ParentMismatch: a block built on a head that has since moved", async function () {
      const stale = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 1)] });
      const first = await l2.advance(); // block 1 on genesis, from the fixture's proposer
      await expect(advance(rollup, stale))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_ParentMismatch")
        .withArgs(first.event.blockHash, bytesToHex(l2.chain.headers[0]!.hash()));
    });

    it("RevertWhen_ParentMismatch: a parent hash that was never a block", async function () {
      const prepared = await prepareBlock(ethers, l2.chain);
      const bogus = keccak256("0x1234");
      await expect(advance(rollup, prepared, { ...prepared.claim, parentHash: bogus }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_ParentMismatch")
        .withArgs(bytesToHex(l2.chain.headers[0]!.hash()), bogus);
    });
  });

  describe("advance: EXECUTE rejects the block", function () {
    /** Sends a broken claim or witness and checks the revert and the precompile's verdict. */
    async function expectExecutionFailed(
      prepared: PreparedBlock,
      broken: { claim?: PreparedBlock["claim"]; witness?: string },
      reason: { name: string; message: RegExp },
    ) {
      await expect(advance(rollup, prepared, broken.claim ?? prepared.claim, broken.witness ?? prepared.witness))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      const verdict = recentVerdicts().at(-1)!;
      expect(verdict.ok).to.equal(false);
      expect(verdict.blockNumber).to.equal(1n);
      expect(verdict.error?.name).to.equal(reason.name);
      expect(verdict.error?.message).to.match(reason.message);
      const head = await rollup.getFunction("head")();
      expect(head.number).to.equal(0n);
      await expect(rollup.getFunction("stateRootAt")(1n)).to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable");
    }

    it("rejects a claim whose state root is not the post-state", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const wrongRoot = keccak256(prepared.claim.stateRoot);
      await expectExecutionFailed(
        prepared,
        { claim: { ...prepared.claim, stateRoot: wrongRoot } },
        { name: "CommitmentMismatchError", message: new RegExp(`postStateRoot mismatch[\\s\\S]*expected: ${wrongRoot}`) },
      );
    });

    it("rejects a claim whose gasUsed is not what the block used", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      await expectExecutionFailed(
        prepared,
        { claim: { ...prepared.claim, gasUsed: 21_001n } },
        { name: "CommitmentMismatchError", message: /gasUsed mismatch[\s\S]*expected: 21001[\s\S]*computed: 21000/ },
      );
    });

    it("rejects a witness missing a trie node", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const witness = decodeWitness(prepared.block.input.witness);
      expect(witness.nodes.length).to.be.greaterThan(1);
      // Drop the last node (not the root: that one is checked up front, see the next case).
      const dropped = { ...witness, nodes: witness.nodes.slice(0, -1) };
      await expectExecutionFailed(
        prepared,
        { witness: bytesToHex(encodeWitness(dropped)) },
        { name: "WitnessMissingNodeError", message: /missing a node/ },
      );
    });

    it("rejects a witness with one byte of a trie node altered", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const witness = decodeWitness(prepared.block.input.witness);
      const nodes = witness.nodes.map((node) => node.slice());
      const last = nodes.at(-1)!;
      last[last.length - 1] ^= 0x01;
      await expectExecutionFailed(
        prepared,
        { witness: bytesToHex(encodeWitness({ ...witness, nodes })) },
        { name: "WitnessMissingNodeError", message: /missing a node/ },
      );
    });
  });

  it("RevertWhen_ExecutionFailed: too little gas for EXECUTE (it runs out, the rollup still reverts cleanly)", async function () {
    const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
    const data = rollup.interface.encodeFunctionData("advance", [prepared.claim, prepared.transactions, prepared.witness, "0x"]);
    const { standard, floor } = calldataGas(data);
    const charge = executeGas(encodeExecuteInput(prepared.block.input).length, prepared.block.input.gasUsed);
    // 80,000 gas of execution: past the cheap checks, short of EXECUTE's charge (~106,000 here).
    const gasLimit = 21_000n + (standard + 80_000n > floor ? standard + 80_000n : floor);
    expect(gasLimit - 21_000n - standard).to.be.lessThan(charge);
    const verdicts: ExecuteVerdict[] = [];
    const stop = onVerdict((verdict) => verdicts.push(verdict));
    try {
      await expect(rollup.getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", { gasLimit, value: prepared.fee }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
    } finally {
      stop();
    }
    // The shim refused before asking the engine: out of gas is not a verdict on the block.
    expect(verdicts).to.deep.equal([]);
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
    // The same block with enough gas goes through.
    await expect(advance(rollup, prepared)).to.emit(rollup, "BlockAdvanced");
  });

  describe("advance: checks before EXECUTE", function () {
    it("RevertWhen_TimestampInFuture: a timestamp one second after the L1 block carrying it", async function () {
      const prepared = await prepareBlock(ethers, l2.chain);
      const next = (await l1Block(ethers)).timestamp + 100n;
      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(next)]);
      await expect(advance(rollup, prepared, { ...prepared.claim, timestamp: next + 1n }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_TimestampInFuture")
        .withArgs(next + 1n, next);
    });

    it("accepts a timestamp equal to the L1 block's", async function () {
      const next = (await l1Block(ethers)).timestamp + 100n;
      const prepared = await prepareBlock(ethers, l2.chain, { timestamp: next });
      await ethers.provider.send("evm_setNextBlockTimestamp", [Number(next)]);
      await expect(advance(rollup, prepared)).to.emit(rollup, "BlockAdvanced");
      expect((await rollup.getFunction("head")()).timestamp).to.equal(next);
    });

    it("RevertWhen_InvalidAnchor: the anchor is 257 L1 blocks back (BLOCKHASH no longer serves it)", async function () {
      await ethers.provider.send("hardhat_mine", ["0x12c"]); // 300 blocks
      const latest = await l1Block(ethers);
      const inclusion = latest.number + 1n;
      const prepared = await prepareBlock(ethers, l2.chain, { anchorNumber: inclusion - 257n });
      await expect(advance(rollup, prepared))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidAnchor")
        .withArgs(inclusion - 257n, 0n, inclusion);
    });

    it("accepts an anchor exactly 256 L1 blocks back", async function () {
      await ethers.provider.send("hardhat_mine", ["0x12c"]);
      const latest = await l1Block(ethers);
      const inclusion = latest.number + 1n;
      const prepared = await prepareBlock(ethers, l2.chain, { anchorNumber: inclusion - 256n });
      await expect(advance(rollup, prepared))
        .to.emit(rollup, "BlockAdvanced")
        .withArgs(1n, prepared.claim.blockHash, await (await ethers.getSigners())[0]!.getAddress(), ...anyTail(12));
      expect((await rollup.getFunction("head")()).anchorBlockNumber).to.equal(inclusion - 256n);
    });

    it("RevertWhen_InvalidAnchor: the anchor is the inclusion block itself (its hash is not known yet)", async function () {
      const prepared = await prepareBlock(ethers, l2.chain);
      const inclusion = (await l1Block(ethers)).number + 1n;
      await expect(advance(rollup, prepared, { ...prepared.claim, anchorBlockNumber: inclusion }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidAnchor")
        .withArgs(inclusion, 0n, inclusion);
    });

    it("RevertWhen_InvalidAnchor: the anchor is older than the parent's anchor", async function () {
      await ethers.provider.send("hardhat_mine", ["0x5"]);
      const first = await l2.advance();
      const parentAnchor = first.event.anchorBlockNumber;
      const prepared = await prepareBlock(ethers, l2.chain, { anchorNumber: parentAnchor - 1n });
      const inclusion = (await l1Block(ethers)).number + 1n;
      await expect(advance(rollup, prepared))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidAnchor")
        .withArgs(parentAnchor - 1n, parentAnchor, inclusion);
    });

    it("accepts an anchor equal to the parent's anchor", async function () {
      const first = await l2.advance();
      const prepared = await prepareBlock(ethers, l2.chain, { anchorNumber: first.event.anchorBlockNumber });
      await expect(advance(rollup, prepared)).to.emit(rollup, "BlockAdvanced");
      expect((await rollup.getFunction("head")()).number).to.equal(2n);
    });
  });

  describe("stateRootAt", function () {
    it("RevertWhen_StateRootUnavailable: a block above the head", async function () {
      await expect(rollup.getFunction("stateRootAt")(1n))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable")
        .withArgs(1n);
    });

    it("serves a root while fewer than STATE_ROOT_HISTORY blocks followed it, and not once its slot may be reused", async function () {
      // Move the head's number (the low 8 bytes of storage slot 0) without advancing 8,191 blocks.
      const setHeadNumber = async (n: bigint) => {
        const slot = BigInt(await ethers.provider.send("eth_getStorageAt", [await rollup.getAddress(), "0x0", "latest"]));
        const value = (slot >> 64n << 64n) | n;
        await ethers.provider.send("hardhat_setStorageAt", [await rollup.getAddress(), "0x0", "0x" + value.toString(16).padStart(64, "0")]);
      };
      const history = await rollup.getFunction("STATE_ROOT_HISTORY")();
      await setHeadNumber(history - 1n);
      expect(await rollup.getFunction("stateRootAt")(0n)).to.equal(bytesToHex(l2.chain.headers[0]!.stateRoot));
      await setHeadNumber(history);
      await expect(rollup.getFunction("stateRootAt")(0n)).to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable").withArgs(0n);
    });

    it("RevertWhen_StateRootUnavailable: a number that shares genesis's ring-buffer slot", async function () {
      const history = await rollup.getFunction("STATE_ROOT_HISTORY")();
      await expect(rollup.getFunction("stateRootAt")(history))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable")
        .withArgs(history);
    });
  });

  it("two proposers racing for one height: the first mined wins, the second reverts with ParentMismatch before EXECUTE", async function () {
    const [, second] = await ethers.getSigners();
    // Both built on genesis, with different L2 transactions: two different blocks 1.
    const a = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 2)] });
    const b = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 3)] });
    expect(a.claim.blockHash).to.not.equal(b.claim.blockHash);

    await ethers.provider.send("evm_setAutomine", [false]);
    const verdicts: ExecuteVerdict[] = [];
    let txA, txB;
    try {
      txA = await advance(rollup, a);
      txB = await advance(rollup.connect(second!) as Contract, b);
      const stop = onVerdict((verdict) => verdicts.push(verdict));
      try {
        await ethers.provider.send("evm_mine", []);
      } finally {
        stop();
      }
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const receiptA = await ethers.provider.getTransactionReceipt(txA.hash);
    const receiptB = await ethers.provider.getTransactionReceipt(txB.hash);
    expect(receiptA!.blockNumber).to.equal(receiptB!.blockNumber);
    const [winner, loser] = receiptA!.status === 1 ? [{ r: receiptA!, p: a, tx: txA }, { r: receiptB!, p: b, tx: txB }] : [{ r: receiptB!, p: b, tx: txB }, { r: receiptA!, p: a, tx: txA }];
    expect(winner.r.status).to.equal(1);
    expect(loser.r.status).to.equal(0);

    // The loser's revert: ParentMismatch(head = the winner's block, claimed = genesis).
    await expect(loser.tx)
      .to.be.revertedWithCustomError(rollup, "NativeRollup_ParentMismatch")
      .withArgs(winner.p.claim.blockHash, bytesToHex(l2.chain.headers[0]!.hash()));
    expect((await rollup.getFunction("head")()).blockHash).to.equal(winner.p.claim.blockHash);

    // Mining ran EXECUTE once: for the winner. The loser never reached it.
    expect(verdicts.map((v) => [v.ok, v.blockHash])).to.deep.equal([[true, winner.p.claim.blockHash]]);

    // Gas. The loser's receipt is dominated by its calldata (a witness of a few KiB costs more than
    // 60,000 under the EIP-7623 floor), so measure its execution from a trace of the same call on
    // the state it met. (Not debug_traceTransaction: EDR replays without the call-override hook,
    // so in that replay EXECUTE fails, the winner reverts and the loser gets past the parent check.)
    const trace = (await ethers.provider.send("debug_traceCall", [
      { from: loser.tx.from, to: loser.tx.to, data: loser.tx.data, gas: "0x" + loser.tx.gasLimit.toString(16) },
      "0x" + loser.r.blockNumber.toString(16),
    ])) as TraceResult;
    expect(trace.failed).to.equal(true);
    expect(rollup.interface.parseError("0x" + trace.returnValue.replace(/^0x/, ""))?.name).to.equal("NativeRollup_ParentMismatch");
    expect(trace.structLogs.some((log) => log.op === "STATICCALL")).to.equal(false);
    const execution = executionGas(trace);
    expect(execution).to.be.lessThan(15_000n); // a few cold SLOADs, the ABI decoding, the revert
    expect(loser.r.gasUsed).to.equal(intrinsicGas(loser.tx.data)); // the calldata floor, nothing on top
    expect(loser.r.gasUsed).to.be.lessThan(winner.r.gasUsed - 100_000n);
    expect(winner.r.gasUsed).to.be.greaterThan(200_000n);
    console.log(`      race: winner ${winner.r.gasUsed} gas, loser ${loser.r.gasUsed} gas (its execution ${execution})`);
  });

  it("verifies a sequence: an L2 contract deployed, called, then reading BLOCKHASH of older L2 blocks", async function () {
    // Runtime: sstore(number(), blockhash(calldataload(0))) — records the hash of block `arg`
    // in the slot of the block that ran it. Initcode copies and returns those 6 bytes.
    const runtime = "5f3540435500";
    const initcode = "0x" + "6006" + "80" + "6009" + "5f" + "39" + "5f" + "f3" + runtime;
    const deployer = l2.wallets[4]!;
    const recorder = getCreateAddress({ from: deployer.address, nonce: (await l2.account(deployer.address)).nonce });
    const callFor = (n: bigint) => "0x" + n.toString(16).padStart(64, "0");

    const deploy = await l2.send({ from: 4, to: null, data: initcode, gasLimit: 200_000n });
    await l2.send({ from: 5, to: l2.wallets[6]!.address, value: 1n });
    const b1 = await l2.advance();
    expect((await l2.account(recorder)).code).to.equal("0x" + runtime);
    expect(l2.receipt(deploy)?.status).to.equal(1);

    const call2 = await l2.send({ from: 4, to: recorder, data: callFor(1n), gasLimit: 100_000n }); // parent
    const b2 = await l2.advance();
    const call3 = await l2.send({ from: 4, to: recorder, data: callFor(1n), gasLimit: 100_000n }); // grandparent
    const b3 = await l2.advance();
    const call4 = await l2.send({ from: 4, to: recorder, data: callFor(0n), gasLimit: 100_000n }); // genesis
    const b4 = await l2.advance();
    for (const hash of [call2, call3, call4]) expect(l2.receipt(hash)?.status).to.equal(1);

    // Each block's witness carries the header chain back to the oldest BLOCKHASH read.
    expect(b3.block.witness.headers.length).to.equal(2);
    expect(b4.block.witness.headers.length).to.equal(4);

    const slot = async (n: bigint) =>
      bytesToHex(setLengthLeft(await getL2Storage(l2.chain, recorder, word32(n)), 32));
    const hashOf = (n: number) => bytesToHex(l2.chain.headers[n]!.hash());
    expect(await slot(2n)).to.equal(hashOf(1));
    expect(await slot(3n)).to.equal(hashOf(1));
    expect(await slot(4n)).to.equal(hashOf(0));
    expect(hashOf(1)).to.not.equal(ZERO_HASH);

    const head = await rollup.getFunction("head")();
    expect(head.number).to.equal(4n);
    expect(head.blockHash).to.equal(b4.event.blockHash);
    for (const [n, b] of [b1, b2, b3, b4].entries()) {
      expect(b.event.number).to.equal(BigInt(n + 1));
      expect(await rollup.getFunction("stateRootAt")(BigInt(n + 1))).to.equal(bytesToHex(b.block.header.stateRoot));
    }
  });
});

/** Placeholders for `withArgs` fields a test does not pin (checked elsewhere). */
function anyTail(count: number): (typeof anyValue)[] {
  return Array.from({ length: count }, () => anyValue);
}

/** The part of `debug_traceTransaction`'s default (struct-log) output these tests read. */
interface TraceResult {
  failed: boolean;
  returnValue: string;
  structLogs: { op: string; gas: number; gasCost: number; depth: number }[];
}

/** Gas spent by the EVM execution of a traced transaction (without intrinsic gas). */
function executionGas(trace: TraceResult): bigint {
  const first = trace.structLogs[0]!;
  const last = trace.structLogs.at(-1)!;
  return BigInt(first.gas - last.gas + last.gasCost);
}

/** A number as a 32-byte big-endian word (a storage slot). */
function word32(n: bigint): Uint8Array {
  const hex = n.toString(16).padStart(64, "0");
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/**
 * The intrinsic gas of a transaction's calldata under Prague/Osaka (EIP-7623): 21,000 plus the
 * larger of the standard cost (4 per zero byte, 16 per other) and the floor (10 per token).
 */
function intrinsicGas(data: string): bigint {
  const { standard, floor } = calldataGas(data);
  return 21_000n + (standard > floor ? standard : floor);
}

/** Calldata gas: the standard cost (4 per zero byte, 16 per other) and the EIP-7623 floor (10 per token). */
function calldataGas(data: string): { standard: bigint; floor: bigint } {
  const bytes = Buffer.from(data.slice(2), "hex");
  const zeros = BigInt(bytes.filter((b) => b === 0).length);
  const nonZeros = BigInt(bytes.length) - zeros;
  return { standard: 4n * zeros + 16n * nonZeros, floor: 10n * (zeros + 4n * nonZeros) };
}
