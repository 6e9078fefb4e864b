import { expect } from "chai";
import type { EVM } from "@ethereumjs/evm";
import { bytesToBigInt, bytesToHex, createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import { getCreateAddress, Interface } from "ethers";
import { createEngineVM } from "../../src/engine/vm.js";
import {
  appendBlock,
  buildBlock,
  CommitmentMismatchError,
  createL2Chain,
  createL2Common,
  devGenesis,
  encodeTransactions,
  execute,
  ExecuteNestingTooDeepError,
  GasBudgetExceededError,
  MAX_EXECUTE_NESTING,
  NestedExecuteBlobsError,
  type BuiltBlock,
  type ExecuteInput,
  type L2Chain,
} from "../../src/engine/index.js";
import { EXECUTE_ADDRESS, encodeExecuteInput, executeGas } from "../../src/precompile/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { build, COINBASE, extend, sign, wallets } from "./helpers.js";

const probeArtifact = loadArtifact("test/NestedExecuteProbe.sol", "NestedExecuteProbe");
const probe = new Interface(probeArtifact.abi as never);
const L3_CHAIN_ID = 3_000_003n;

/** The probe's `verdict` slot (0) in the state `stateRoot` of `chain`: 1 accepted, 2 failed, 0 never called. */
async function verdictAt(chain: L2Chain, stateRoot: Uint8Array, address: string): Promise<bigint> {
  const vm = await createEngineVM({ common: createL2Common(chain.genesis.chainId), db: chain.db, stateRoot, ancestors: () => chain.headers[0]! });
  return bytesToBigInt(await vm.stateManager.getStorage(createAddressFromString(address), setLengthLeft(new Uint8Array([0]), 32)));
}

/** EXECUTE's exact price for `input`: the L1 formula (src/precompile/gas.ts), with the claimed gasUsed. */
const priceOf = (input: ExecuteInput, encoded: Uint8Array) => executeGas(encoded.length, input.gasUsed, input.blobVersionedHashes.length);

describe("engine: EXECUTE inside the L2 (nested rollups, docs/nested.md)", function () {
  let l3: L2Chain;
  let l3Block: BuiltBlock;
  let l3Input: Uint8Array;
  let l2: L2Chain;
  let probeAddress: string;

  /** Builds (without appending) the L2 block whose one transaction calls the probe with `data`. */
  const l2BlockCalling = async (data: string, gasLimit = 4_000_000n) => {
    const block = await build(l2, [await sign(l2, 0, { nonce: 1, to: probeAddress, data, gasLimit })]);
    expect(block.skipped.map((s) => s.reason)).to.deep.equal([]);
    expect("status" in block.receipts[0]! && block.receipts[0].status).to.equal(1);
    return block;
  };

  before(async function () {
    // The child rollup (L3): one block with an ETH transfer, built by the engine.
    l3 = await createL2Chain(devGenesis({ chainId: L3_CHAIN_ID }));
    l3Block = await build(l3, [await sign(l3, 1, { nonce: 0, to: wallets[2]!.address, value: 10n ** 18n, gasLimit: 21_000n })]);
    expect(l3Block.transactions).to.have.length(1);
    l3Input = encodeExecuteInput(l3Block.input);
    // The L2: the probe deployed in block 1.
    l2 = await createL2Chain(devGenesis());
    await extend(l2, [await sign(l2, 0, { nonce: 0, data: probeArtifact.bytecode, gasLimit: 2_000_000n })]);
    probeAddress = getCreateAddress({ from: wallets[0]!.address, nonce: 0 });
  });

  it("an L2 block whose transaction verifies an L3 block is accepted by L1's execute, and the L2 saw the verdict true", async function () {
    const block = await l2BlockCalling(probe.encodeFunctionData("record", [l3Input]));
    expect(await verdictAt(l2, block.header.stateRoot, probeAddress)).to.equal(1n);
    // The output EXECUTE gave the L2 transaction: the L3 block's hash and burned fees.
    const [log] = block.receipts[0]!.logs;
    expect(log, "ChildBlockVerified").to.not.equal(undefined);
    const parsed = probe.parseLog({ topics: log![1].map((t) => bytesToHex(t)), data: bytesToHex(log![2]) })!;
    expect(parsed.args.blockHash).to.equal(bytesToHex(l3Block.header.hash()));
    expect(parsed.args.burnedFees).to.equal(l3Block.burnedFees);
    // L1's semantics: only the L2 block's own input (its witness and its transaction's calldata).
    const result = await execute(block.input);
    expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
  });

  it("a hostile L3 block (wrong post-state root) gives the L2 transaction the verdict false, and L1 accepts that L2 block", async function () {
    const hostile = encodeExecuteInput({ ...l3Block.input, postStateRoot: new Uint8Array(32).fill(0x77) });
    const block = await l2BlockCalling(probe.encodeFunctionData("record", [hostile]));
    expect(await verdictAt(l2, block.header.stateRoot, probeAddress)).to.equal(2n);
    expect(block.receipts[0]!.logs).to.have.length(0);
    await execute(block.input);
  });

  it("refuses an L2 block that claims the inner verdict was true when it was false", async function () {
    // Honest: the probe pays EXECUTE its exact price, so success and failure cost the same gas.
    const honest = await l2BlockCalling(probe.encodeFunctionData("verify", [l3Input, priceOf(l3Block.input, l3Input)]));
    expect(await verdictAt(l2, honest.header.stateRoot, probeAddress)).to.equal(1n);
    await execute(honest.input);
    // The lie: the same claims (verdict 1 in the post-state), but the transaction carries an L3
    // block whose post-state root differs in one byte (non-zero either way: same calldata gas).
    const root = Uint8Array.from(l3Block.input.postStateRoot);
    const at = root.findIndex((b) => b > 1);
    root[at] = root[at]! ^ 1;
    const hostile = encodeExecuteInput({ ...l3Block.input, postStateRoot: root });
    const lyingTx = await sign(l2, 0, { nonce: 1, to: probeAddress, data: probe.encodeFunctionData("verify", [hostile, priceOf(l3Block.input, hostile)]), gasLimit: 4_000_000n });
    const lie: ExecuteInput = { ...honest.input, transactions: encodeTransactions([lyingTx]) };
    try {
      await execute(lie);
      expect.fail("execute accepted an L2 block that lies about the inner verdict");
    } catch (error) {
      expect(error, (error as Error).message).to.be.instanceOf(CommitmentMismatchError);
      // Same gas and receipts: the state root, where the verdict lives, is what disagrees.
      expect((error as CommitmentMismatchError).message).to.contain("postStateRoot");
    }
    // And built honestly, that transaction stores the verdict false.
    const truthful = await build(l2, [lyingTx]);
    expect(await verdictAt(l2, truthful.header.stateRoot, probeAddress)).to.equal(2n);
    expect(truthful.header.gasUsed).to.equal(honest.header.gasUsed);
  });

  it("charges the inner EXECUTE by the L1 formula: its exact price succeeds, one gas less fails", async function () {
    const price = priceOf(l3Block.input, l3Input);
    expect(price).to.equal(60_000n + l3Block.input.gasUsed + 8n * BigInt(l3Input.length));
    const exact = await l2BlockCalling(probe.encodeFunctionData("verify", [l3Input, price]));
    expect(await verdictAt(l2, exact.header.stateRoot, probeAddress)).to.equal(1n);
    const short = await l2BlockCalling(probe.encodeFunctionData("verify", [l3Input, price - 1n]));
    expect(await verdictAt(l2, short.header.stateRoot, probeAddress)).to.equal(2n);
    // A failing precompile consumes all it was given: one gas less than the price.
    expect(short.header.gasUsed).to.equal(exact.header.gasUsed - 1n);
    await execute(short.input);
  });

  it("bounds the inner EXECUTE by the outer block's claimed gas (the meter gives it only what is left)", async function () {
    const block = await l2BlockCalling(probe.encodeFunctionData("record", [l3Input]));
    // A claim below what the inner EXECUTE alone is charged: the verifier stops, never runs past it.
    const claim = block.input.gasUsed - priceOf(l3Block.input, l3Input);
    try {
      await execute({ ...block.input, gasUsed: claim });
      expect.fail("execute accepted an L2 block claiming less gas than its inner EXECUTE costs");
    } catch (error) {
      expect(error, (error as Error).message).to.be.instanceOf(GasBudgetExceededError);
    }
  });

  it("an inner EXECUTE with blob versioned hashes fails at once, saying blobs are L1-only", async function () {
    const withBlobs = encodeExecuteInput({ ...l3Block.input, transactions: new Uint8Array(0), blobVersionedHashes: [new Uint8Array(32).fill(1)] });
    const block = await l2BlockCalling(probe.encodeFunctionData("record", [withBlobs]));
    expect(await verdictAt(l2, block.header.stateRoot, probeAddress)).to.equal(2n);
    await execute(block.input);
    // The call's error names the reason.
    const vm = await createEngineVM({ common: createL2Common(l2.genesis.chainId), db: l2.db, stateRoot: l2.headers[1]!.stateRoot, ancestors: () => l2.headers[0]! });
    const result = await (vm.evm as EVM).runCall({ to: createAddressFromString(EXECUTE_ADDRESS), data: withBlobs, gasLimit: 10_000_000n });
    expect(result.execResult.exceptionError?.error).to.contain(new NestedExecuteBlobsError(1n).name);
    expect(result.execResult.executionGasUsed).to.equal(10_000_000n);
  });

  it(`serves EXECUTE only ${MAX_EXECUTE_NESTING} level deep: an L3 block built at its depth sees EXECUTE fail, and so does the L2's verification of it`, async function () {
    // The L3 chain gets a probe too; its block at depth 1 calls EXECUTE (on any input).
    const deep = await createL2Chain(devGenesis({ chainId: L3_CHAIN_ID + 1n }));
    const deployed = await buildBlock(deep, {
      transactions: [await sign(deep, 0, { nonce: 0, data: probeArtifact.bytecode, gasLimit: 2_000_000n })],
      timestamp: 1_700_000_012n, coinbase: COINBASE, prevRandao: new Uint8Array(32).fill(1), anchor: new Uint8Array(32).fill(0xa1),
      nestingDepth: MAX_EXECUTE_NESTING,
    });
    appendBlock(deep, { header: deployed.header, transactions: deployed.transactions, receipts: deployed.receipts });
    const deepProbe = getCreateAddress({ from: wallets[0]!.address, nonce: 0 });
    const deepBlock = await buildBlock(deep, {
      transactions: [await sign(deep, 0, { nonce: 1, to: deepProbe, data: probe.encodeFunctionData("record", [l3Input]), gasLimit: 4_000_000n })],
      timestamp: 1_700_000_024n, coinbase: COINBASE, prevRandao: new Uint8Array(32).fill(2), anchor: new Uint8Array(32).fill(0xa2),
      nestingDepth: MAX_EXECUTE_NESTING,
    });
    expect(await verdictAt(deep, deepBlock.header.stateRoot, deepProbe)).to.equal(2n);
    // The L2 verifies that L3 block (whose EXECUTE failed) and accepts it: builder and verifier agree.
    const deepInput = encodeExecuteInput(deepBlock.input);
    const block = await l2BlockCalling(probe.encodeFunctionData("record", [deepInput]), 8_000_000n);
    expect(await verdictAt(l2, block.header.stateRoot, probeAddress)).to.equal(1n);
    await execute(block.input);
    // The error a too-deep call gets.
    const vm = await createEngineVM({ common: createL2Common(deep.genesis.chainId), db: deep.db, stateRoot: deployed.header.stateRoot, ancestors: () => deep.headers[0]!, nestingDepth: MAX_EXECUTE_NESTING });
    const result = await (vm.evm as EVM).runCall({ to: createAddressFromString(EXECUTE_ADDRESS), data: l3Input, gasLimit: 1_000_000n });
    expect(result.execResult.exceptionError?.error).to.contain(new ExecuteNestingTooDeepError(1).name);
  });

  it("a transaction sent straight to 0x…0101 runs EXECUTE too, and pays its exact price", async function () {
    const tx = await sign(l2, 0, { nonce: 1, to: EXECUTE_ADDRESS, data: bytesToHex(l3Input), gasLimit: 4_000_000n });
    const block = await build(l2, [tx]);
    expect("status" in block.receipts[0]! && block.receipts[0].status).to.equal(1);
    // The transaction paid its intrinsic gas and EXECUTE's exact price (an empty account costs nothing).
    const tokens = l3Input.reduce((sum, byte) => sum + (byte === 0 ? 1n : 4n), 0n);
    const standard = 21_000n + 4n * tokens + priceOf(l3Block.input, l3Input);
    const floor = 21_000n + 10n * tokens; // EIP-7623
    expect(block.header.gasUsed).to.equal(standard > floor ? standard : floor);
    expect(standard).to.be.greaterThan(floor);
    await execute(block.input);
  });
});
