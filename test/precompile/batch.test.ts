/**
 * EXECUTE over k blocks (docs/execute.md, "Batches"): the layout (TypeScript and Solidity agree),
 * hostile batches (each refused with its reason, before work it does not pay for), the engine's
 * verdicts (blocks of two chains and consecutive blocks of one; one tampered block rejected
 * alone; a shared blob payload resolved once; a forged range rejected alone), and both
 * installations: the charge `40,000 + 20,000 × k + 8 × len (+ blobs)` and the verdicts EXECUTE
 * remembers for `executeVerdict` for the rest of the L1 transaction (and not after it).
 */
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createBlock } from "@ethereumjs/block";
import { bytesToHex, createAccount, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM } from "@ethereumjs/vm";
import { expect } from "chai";
import { Interface } from "ethers";
import { network } from "hardhat";
import { appendBlock, buildBlock, createL2Chain, devGenesis, PREDEPLOYS, type BuiltBlock, type L2Chain } from "../../src/engine/index.js";
import { encodeBlobRange } from "../../src/engine/blob-range.js";
import { encodeBlockData } from "../../src/engine/block-data.js";
import type { ExecuteInput } from "../../src/engine/types.js";
import { EXECUTE_ADDRESS, encodeExecuteInput } from "../../src/precompile/codec.js";
import {
  decodeBatchOutput, decodeExecuteBatch, encodeExecuteBatch, ExecuteBatchDecodeError, MAX_EXECUTE_BATCH, verdictKey,
} from "../../src/precompile/batch.js";
import { executePrecompile } from "../../src/precompile/ethereumjs.js";
import { EXECUTE_BATCH_BASE_GAS, EXECUTE_BATCH_BLOCK_GAS, executeMarketGas } from "../../src/precompile/gas.js";
import { onVerdict, runExecute, type ExecuteVerdict } from "../../src/precompile/run.js";
import { setExecutePricing } from "../../src/hardhat/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { wallets, sign } from "../engine/helpers.js";

const harnessArtifact = loadArtifact("test/ExecuteHarness.sol", "ExecuteHarness");
const harnessInterface = new Interface(harnessArtifact.abi as never);

/** Builds and appends the next block of `chain` with one transfer from wallet `from` (each wallet sends once). */
async function next(chain: L2Chain, from: number): Promise<BuiltBlock> {
  const n = BigInt(chain.headers.length);
  const tx = await sign(chain, from, { nonce: 0, to: wallets[from + 1]!.address, value: 1n });
  const block = await buildBlock(chain, {
    transactions: [tx],
    timestamp: 1_700_000_000n + n * 12n,
    coinbase: new Uint8Array(20).fill(0xc0),
    prevRandao: new Uint8Array(32).fill(Number(n) + 1),
    anchor: new Uint8Array(32).fill(0xa0 + Number(n)),
  });
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return block;
}

/** Three real blocks: chain A's blocks 1 and 2 (consecutive), chain B's block 1 (another chain id). */
async function threeBlocks(): Promise<ExecuteInput[]> {
  const a = await createL2Chain(devGenesis());
  const b = await createL2Chain(devGenesis({ chainId: 167_777n }));
  const a1 = await next(a, 0);
  const b1 = await next(b, 2);
  const a2 = await next(a, 4);
  return [a1.input, b1.input, a2.input];
}

const entryBytes = (inputs: ExecuteInput[]) => inputs.map((input) => encodeExecuteInput(input));

describe("precompile: EXECUTE over k blocks (a batch)", function () {
  let inputs: ExecuteInput[];
  before(async function () {
    inputs = await threeBlocks();
  });

  it("encodes as Solidity's Execute.encodeBatch does, and decodes back", async function () {
    const { ethers } = await network.create();
    const harness = await ethers.deployContract("ExecuteHarness");
    const entries = entryBytes(inputs);
    const batch = encodeExecuteBatch(entries);
    const gasUsed = inputs.reduce((n, i) => n + i.gasUsed, 0n);
    const solidity = await harness.getFunction("encodeBatch")(entries.map((e) => bytesToHex(e)), [], gasUsed);
    expect(bytesToHex(batch)).to.equal(solidity);
    const decoded = decodeExecuteBatch(batch);
    expect(decoded.gasUsed).to.equal(gasUsed);
    expect(decoded.entries.map((e) => bytesToHex(e.bytes))).to.deep.equal(entries.map((e) => bytesToHex(e)));
  });

  it("refuses a hostile batch with a specific reason: count, truncation, gas, blobs, bytes after it", function () {
    const entries = entryBytes(inputs);
    const good = encodeExecuteBatch(entries);
    const withWord = (at: number, value: bigint) => {
      const out = good.slice();
      new DataView(out.buffer).setBigUint64(at + 24, value);
      return out;
    };
    const blob = new Uint8Array(32).fill(7);
    blob[0] = 0x01;
    const cases: [string, Uint8Array, RegExp][] = [
      ["count 0", withWord(32, 0n), /0 blocks; a batch carries 1 to 256/],
      ["count beyond the bound", withWord(32, BigInt(MAX_EXECUTE_BATCH + 1)), /257 blocks/],
      ["count not the entries'", withWord(32, 2n), /the count says 2 blocks, the entries are 3/],
      ["gasUsed not the entries' sum", withWord(64, 1n), /gasUsed says 1, the entries claim/],
      ["truncated in the last entry", good.subarray(0, good.length - 100), /entry 2 of \d+ bytes runs past the input/],
      ["bytes after the encoding", Uint8Array.from([...good, ...new Uint8Array(32)]), /bytes after the encoding/],
      ["another magic", Uint8Array.from([0x46, ...good.subarray(1)]), /EXECUTE_BATCH_V1/],
      ["an entry naming a blob the batch does not pay for", encodeExecuteBatch([encodeExecuteInput({ ...inputs[0]!, blobVersionedHashes: [blob] })], []), /names blob 0x0107.*which the batch does not pay for/],
      ["duplicate blobs", encodeExecuteBatch(entries, [blob, blob]), /blobVersionedHashes\[1\] is a duplicate/],
      ["an entry that is not a single input", corruptEntry(good), /entry 0 is not a single input/],
    ];
    for (const [name, bytes, reason] of cases) {
      expect(() => decodeExecuteBatch(bytes), name).to.throw(ExecuteBatchDecodeError, reason);
    }
  });

  it("verifies blocks of two chains and consecutive blocks of one, in order; a tampered block is rejected alone", async function () {
    const tampered = { ...inputs[1]!, postStateRoot: new Uint8Array(32).fill(9) };
    const batch = encodeExecuteBatch(entryBytes([inputs[0]!, tampered, inputs[2]!]));
    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((v) => seen.push(v));
    const outcome = await runExecute(batch);
    stop();
    expect(outcome.ok).to.equal(true);
    if (!outcome.ok) return;
    const verdicts = decodeBatchOutput(outcome.output);
    expect(verdicts.map((v) => v && bytesToHex(v.blockHash))).to.deep.equal([bytesToHex(inputs[0]!.blockHash), undefined, bytesToHex(inputs[2]!.blockHash)]);
    expect(seen.map((v) => [v.ok, v.batch?.index, v.error?.name])).to.deep.equal([[true, 0, undefined], [false, 1, "CommitmentMismatchError"], [true, 2, undefined]]);
    expect(outcome.accepted!.map((a) => bytesToHex(a.key))).to.deep.equal([0, 2].map((i) => bytesToHex(verdictKey(encodeExecuteInput(inputs[i]!)))));
  });

  it("holds each block's anchor call to 100,000 gas in a batch: an anchor predeploy that burns ≈ 150,000 verifies alone, and is rejected in a batch (AnchorCallFailedError)", async function () {
    // Loops 5,770 times at 26 gas (≈ 150,000), then stops; it ignores its calldata.
    const burner = "0x61168a5b600190038060035700";
    const chain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code: burner } } }));
    const block = await next(chain, 0);
    const alone = await runExecute(encodeExecuteInput(block.input));
    expect(alone.ok, "alone: 250,000 for the anchor call").to.equal(true);
    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((v) => seen.push(v));
    const batched = await runExecute(encodeExecuteBatch([encodeExecuteInput(inputs[0]!), encodeExecuteInput(block.input)]));
    stop();
    expect(batched.ok).to.equal(true);
    if (!batched.ok) return;
    expect(decodeBatchOutput(batched.output).map((v) => v !== undefined)).to.deep.equal([true, false]);
    expect(seen[1]!.error?.name).to.equal("AnchorCallFailedError");
  });

  it("resolves a shared blob payload once for the whole batch; a forged range in one entry rejects that entry only", async function () {
    const parts = inputs.map((input) => encodeBlockData({ transactions: input.transactions, witness: input.witness }));
    const payload = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    const ranges: { offset: bigint; length: bigint }[] = [];
    let at = 0;
    for (const part of parts) {
      payload.set(part, at);
      ranges.push({ offset: BigInt(at), length: BigInt(part.length) });
      at += part.length;
    }
    const hash = new Uint8Array(32).fill(0x33);
    hash[0] = 0x01;
    const entry = (i: number, range = ranges[i]!) =>
      encodeExecuteInput({ ...inputs[i]!, transactions: encodeBlobRange(range), blobVersionedHashes: [hash], witness: new Uint8Array(0) });
    let resolved = 0;
    const resolveBlobData = async () => (resolved++, payload);
    // Entry 1 names entry 2's bytes: a forged range (another block's data).
    const batch = encodeExecuteBatch([entry(0), entry(1, ranges[2]), entry(2)]);
    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((v) => seen.push(v));
    const outcome = await runExecute(batch, { resolveBlobData });
    stop();
    expect(resolved, "one resolution for three blocks").to.equal(1);
    expect(outcome.ok).to.equal(true);
    if (!outcome.ok) return;
    expect(decodeBatchOutput(outcome.output).map((v) => v !== undefined)).to.deep.equal([true, false, true]);
    expect(seen[1]!.ok).to.equal(false);
  });

  it("@ethereumjs/evm: charges 40,000 + 20,000 × k + 8 × len, remembers accepted blocks for executeVerdict in the transaction; refuses k = 0 or k > 256 before any work", async function () {
    const vm = await createVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }), evmOpts: { customPrecompiles: [executePrecompile()] } });
    const harness = createAddressFromString("0x00000000000000000000000000000000000c0003");
    await vm.stateManager.putAccount(harness, undefined);
    await vm.stateManager.putCode(harness, hexToBytes(harnessArtifact.deployedBytecode as `0x${string}`));
    const caller = createAddressFromString("0x00000000000000000000000000000000000ca11e");
    await vm.stateManager.putAccount(caller, createAccount({ balance: 10n ** 18n }));
    // 0x…0101 exists (as on a chain where it is a precompile): a CALL with value to an empty account would add 25,000.
    await vm.stateManager.putAccount(createAddressFromString(EXECUTE_ADDRESS), createAccount({ nonce: 1n }));
    const tampered = { ...inputs[1]!, receiptsRoot: new Uint8Array(32).fill(3) };
    const entries = entryBytes([inputs[0]!, tampered, inputs[2]!]);
    const batch = encodeExecuteBatch(entries);
    const keys = [...entries, new Uint8Array(1)].map((e) => bytesToHex(verdictKey(e)));
    const run = async (input: Uint8Array) => {
      const data = hexToBytes(harnessInterface.encodeFunctionData("executeBatchThenVerdicts", [bytesToHex(input), keys]) as `0x${string}`);
      const result = await vm.evm.runCall({ caller, to: harness, data, gasLimit: 5_000_000n, value: 10n ** 9n, block: createBlock({ header: { number: 1n } }, { common: vm.common }) });
      expect(result.execResult.exceptionError?.error).to.equal(undefined);
      return harnessInterface.decodeFunctionResult("executeBatchThenVerdicts", result.execResult.returnValue);
    };
    const [ok, output, spent, hashes] = await run(batch);
    expect(ok).to.equal(true);
    expect(decodeBatchOutput(hexToBytes(output)).map((v) => v !== undefined)).to.deep.equal([true, false, true]);
    const formula = executeMarketGas(batch.length, 0, 3);
    expect(formula).to.equal(EXECUTE_BATCH_BASE_GAS + 3n * EXECUTE_BATCH_BLOCK_GAS + 8n * BigInt(batch.length));
    // The CALL's own cost on top: a cold access (2,600), the value transfer (9,000), a few pushes.
    expect(spent - formula).to.be.within(11_000n, 12_500n);
    expect(hashes).to.deep.equal([bytesToHex(inputs[0]!.blockHash), "0x" + "00".repeat(32), bytesToHex(inputs[2]!.blockHash), "0x" + "00".repeat(32)]);
    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((v) => seen.push(v));
    for (const count of [0n, BigInt(MAX_EXECUTE_BATCH + 1)]) {
      const bad = batch.slice();
      new DataView(bad.buffer).setBigUint64(32 + 24, count);
      const [badOk, , badSpent] = await run(bad);
      expect(badOk, `count ${count}`).to.equal(false);
      expect(badSpent, "all the call's gas").to.be.greaterThan(4_000_000n);
    }
    stop();
    expect(seen, "refused before the body ran: no verdict at all").to.deep.equal([]);
  });

  for (const pricing of ["market", "l1-gas"] as const) {
    it(`Hardhat shim (${pricing}): the same charge; verdicts in the same transaction, none in the next`, async function () {
      const { ethers, provider } = await network.create();
      await setExecutePricing(provider, { pricing });
      const harness = await ethers.deployContract("ExecuteHarness");
      const tampered = { ...inputs[2]!, gasUsed: inputs[2]!.gasUsed + 1n };
      const entries = entryBytes([inputs[0]!, inputs[1]!, tampered]);
      const batch = encodeExecuteBatch(entries);
      const keys = entries.map((e) => bytesToHex(verdictKey(e)));
      const value = pricing === "market" ? 10n ** 9n : 0n;
      // The market's state slot is written fresh by the first call ever (22,100): done once before.
      await (await harness.getFunction("executeBatchThenVerdicts").send(bytesToHex(batch), keys, { value })).wait();
      const [ok, output, spent, hashes, burned] = await harness.getFunction("executeBatchThenVerdicts").staticCall(bytesToHex(batch), keys, { value });
      expect(ok).to.equal(true);
      expect(decodeBatchOutput(hexToBytes(output)).map((v) => v !== undefined)).to.deep.equal([true, true, false]);
      expect(hashes).to.deep.equal([bytesToHex(inputs[0]!.blockHash), bytesToHex(inputs[1]!.blockHash), "0x" + "00".repeat(32)]);
      expect(burned[0]).to.be.greaterThan(0n);
      const gasUsed = inputs[0]!.gasUsed + inputs[1]!.gasUsed + tampered.gasUsed;
      const formula = executeMarketGas(batch.length, 0, 3) + (pricing === "l1-gas" ? gasUsed : 0n);
      // The shim's own work on top: the CALL (cold access 2,600; value 9,000 under the market), memory
      // for the input (twice under the market: the oracle's prefix) and an entry, the keys' hashing
      // and TSTOREs; under the market also its state's SLOAD and SSTORE (2,100 + 2,900).
      const overhead = spent - formula;
      if (pricing === "market") expect(overhead).to.be.within(20_000n, 30_000n);
      else expect(overhead).to.be.within(8_000n, 16_000n);
      const tx = await harness.getFunction("executeBatchThenVerdicts").send(bytesToHex(batch), keys, { value });
      expect((await tx.wait())!.status).to.equal(1);
      const [after] = await harness.getFunction("verdict")(keys[0]);
      expect(after, "transient: gone with the transaction").to.equal("0x" + "00".repeat(32));
    });
  }
});

/** `good` with its first entry's chain id word made non-canonical (a high byte set). */
function corruptEntry(good: Uint8Array): Uint8Array {
  const out = good.slice();
  const view = new DataView(out.buffer);
  const entriesAt = Number(view.getBigUint64(128 + 24));
  const first = entriesAt + 32 + Number(view.getBigUint64(entriesAt + 32 + 24));
  out[first + 32] = 0x01; // the entry's word 0 (its chain id): a high byte set
  return out;
}
