/**
 * Shared blobs (docs/execute.md, "Shared advances"): several rollups' blocks in ONE blob, each
 * `advanceWithBlobRange` naming its byte range of the payload; the real EXECUTE (Hardhat EDR,
 * real KZG) checks the blob against its versioned hash and reads only the range. A forged range
 * is refused by EXECUTE — past the payload, cutting a block, or another block's bytes — and the
 * rollup reverts `NativeRollup_ExecutionFailed(number)` (the verdict naming why); a range of length
 * 0 or not 16 bytes long is refused by the rollup before EXECUTE (`NativeRollup_InvalidBlobRange`).
 */
import { expect } from "chai";
import { keccak256, solidityPacked, Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { encodeBlobs } from "../../../src/blobs/codec.js";
import { compressBatch } from "../../../src/blobs/compression.js";
import { makeSidecar, type BlobSidecar } from "../../../src/blobs/kzg.js";
import { devAccounts } from "../../../src/engine/chain.js";
import { devGenesis } from "../../../src/engine/genesis.js";
import { encodeBlockData } from "../../../src/engine/block-data.js";
import type { L2Chain } from "../../../src/engine/state.js";
import { onVerdict, type ExecuteVerdict } from "../../../src/precompile/run.js";
import type { DeployedRollup } from "../../../src/sdk/contracts.js";
import { createRollup, deployFactory } from "../../../src/sdk/factory.js";
import { prepareBlock, signL2, type PreparedBlock } from "../helpers.js";

const { ethers } = await network.create();

async function transfer(chain: L2Chain, from: number): Promise<string> {
  const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
  return signL2(chain, wallets[from]!, { to: wallets[19]!.address, value: 10n ** 15n, nonce: 0 });
}

/** One compressed payload for all the blocks (transactions and witness each), and each block's range. */
function sharedBlob(blocks: PreparedBlock[]): { sidecar: BlobSidecar; ranges: { offset: bigint; length: bigint }[] } {
  const parts = blocks.map((p) => encodeBlockData({ transactions: p.block.input.transactions, witness: p.block.input.witness }));
  const ranges: { offset: bigint; length: bigint }[] = [];
  let offset = 0n;
  for (const part of parts) {
    ranges.push({ offset, length: BigInt(part.length) });
    offset += BigInt(part.length);
  }
  const payload = new Uint8Array(Number(offset));
  parts.forEach((part, i) => payload.set(part, Number(ranges[i]!.offset)));
  return { sidecar: makeSidecar(encodeBlobs(compressBatch(payload))), ranges };
}

describe("Shared blob: many rollups' blocks in one blob, each reading its range", function () {
  let bundler: Contract;
  let rollups: DeployedRollup[];
  let seen: ExecuteVerdict[];
  let stop: () => void;

  beforeEach(async function () {
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    rollups = [];
    for (const chainId of [6001n, 6002n, 6003n]) rollups.push(await createRollup(factory, devGenesis({ chainId })));
    bundler = (await ethers.deployContract("RollupBundler")) as unknown as Contract;
    seen = [];
    stop = onVerdict((verdict) => seen.push(verdict));
  });

  afterEach(function () {
    stop();
  });

  const rangeCall = (rollup: DeployedRollup, p: PreparedBlock, hash: string, range: { offset: bigint; length: bigint }) => ({
    target: rollup.address,
    data: rollup.rollup.interface.encodeFunctionData("advanceWithBlobRange", [p.claim, [hash], solidityPacked(["uint64", "uint64"], [range.offset, range.length]), "0x", "0x"]),
    value: p.fee,
  });

  async function sendBundle(calls: { target: string; data: string; value: bigint }[], sidecar: BlobSidecar) {
    const proposer = new Wallet(devAccounts()[0]!.privateKey, ethers.provider);
    return proposer.sendTransaction({
      type: 3,
      to: await bundler.getAddress(),
      data: bundler.interface.encodeFunctionData("bundle", [calls]),
      value: calls.reduce((sum, c) => sum + c.value, 0n),
      gasLimit: 6_000_000n,
      maxFeePerBlobGas: 10n,
      blobs: sidecar.blobs.map((data, i) => ({ data, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
    });
  }

  async function prepareAll(): Promise<PreparedBlock[]> {
    const blocks: PreparedBlock[] = [];
    for (const [i, r] of rollups.entries()) blocks.push(await prepareBlock(ethers, r.chain, { transactions: [await transfer(r.chain, i + 1)] }));
    return blocks;
  }

  it("three rollups advance in one transaction from one blob; each event's dataHash commits to its hash and range", async function () {
    const blocks = await prepareAll();
    const { sidecar, ranges } = sharedBlob(blocks);
    expect(sidecar.blobs, "one blob for all three").to.have.length(1);
    const hash = sidecar.versionedHashes[0]!;
    const tx = await sendBundle(rollups.map((r, i) => rangeCall(r, blocks[i]!, hash, ranges[i]!)), sidecar);
    const receipt = (await tx.wait())!;
    expect(receipt.status).to.equal(1);
    for (const [i, r] of rollups.entries()) expect((await r.rollup.getFunction("head")()).blockHash).to.equal(blocks[i]!.claim.blockHash);
    expect(seen.map((v) => v.ok)).to.deep.equal([true, true, true]);
    const events = receipt.logs.map((log) => rollups[0]!.rollup.interface.parseLog(log)).filter((e) => e?.name === "BlockAdvanced");
    expect(events).to.have.length(3);
    events.forEach((e, i) => {
      const range = solidityPacked(["uint64", "uint64"], [ranges[i]!.offset, ranges[i]!.length]);
      expect(e!.args.dataHash).to.equal(keccak256(solidityPacked(["bytes32", "bytes"], [hash, range])));
      expect([...e!.args.blobHashes]).to.deep.equal([hash]);
    });
    console.log(`      gas: 3 rollups from one shared blob ${receipt.gasUsed} (${receipt.gasUsed / 3n} per rollup-block)`);
  });

  it("refuses a forged range: past the payload, cutting a block (BlobRangeError), another rollup's bytes; no rollup advances", async function () {
    const blocks = await prepareAll();
    const { sidecar, ranges } = sharedBlob(blocks);
    const hash = sidecar.versionedHashes[0]!;
    const end = ranges[2]!.offset + ranges[2]!.length;
    const forgeries = [
      { range: { offset: ranges[2]!.offset, length: ranges[2]!.length + 1n }, verdict: "BlobRangeError", message: /ends past the payload/ },
      { range: { offset: ranges[0]!.offset + 1n, length: ranges[0]!.length - 1n }, verdict: "BlobRangeError", message: /not one block's/ },
      { range: ranges[1]!, verdict: undefined, message: undefined }, // rollup 2 names rollup 1's block data
    ];
    for (const forgery of forgeries) {
      seen.length = 0;
      const calls = rollups.map((r, i) => rangeCall(r, blocks[i]!, hash, ranges[i]!));
      calls[2] = rangeCall(rollups[2]!, blocks[2]!, hash, forgery.range);
      const rollup = rollups[2]!.rollup;
      const error = await sendBundle(calls, sidecar).then(
        async (tx) => (await tx.wait(), undefined),
        (e: unknown) => e as { data?: string },
      );
      expect(error, `range ${forgery.range.offset}+${forgery.range.length} (payload ${end} bytes) is refused`).to.not.equal(undefined);
      const outer = bundler.interface.parseError(error!.data!);
      expect(outer?.name).to.equal("RollupBundler_CallFailed");
      expect(outer!.args[0]).to.equal(2n);
      const inner = rollup.interface.parseError(outer!.args[1]);
      expect(inner?.name).to.equal("NativeRollup_ExecutionFailed");
      expect(inner!.args[0]).to.equal(1n);
      const last = seen.at(-1)!;
      expect(last.ok).to.equal(false);
      if (forgery.verdict !== undefined) {
        expect(last.error?.name).to.equal(forgery.verdict);
        expect(last.error?.message).to.match(forgery.message!);
      }
      for (const r of rollups) expect((await r.rollup.getFunction("head")()).number).to.equal(0n);
    }
  });

  it("RevertWhen_InvalidBlobRange: a range of length 0, or not 16 bytes (empty bytes would read the whole payload), is refused before EXECUTE", async function () {
    const blocks = await prepareAll();
    const { sidecar, ranges } = sharedBlob(blocks);
    const hash = sidecar.versionedHashes[0]!;
    const rollup = rollups[2]!.rollup;
    const bad = [solidityPacked(["uint64", "uint64"], [ranges[1]!.offset, 0n]), "0x", solidityPacked(["uint64", "uint64", "uint8"], [ranges[2]!.offset, ranges[2]!.length, 0])];
    for (const range of bad) {
      seen.length = 0;
      const calls = rollups.map((r, i) => rangeCall(r, blocks[i]!, hash, ranges[i]!));
      calls[2] = { ...calls[2]!, data: rollup.interface.encodeFunctionData("advanceWithBlobRange", [blocks[2]!.claim, [hash], range, "0x", "0x"]) };
      const error = await sendBundle(calls, sidecar).then(
        async (tx) => (await tx.wait(), undefined),
        (e: unknown) => e as { data?: string },
      );
      expect(error, `range ${range} is refused`).to.not.equal(undefined);
      const outer = bundler.interface.parseError(error!.data!);
      expect(outer?.name).to.equal("RollupBundler_CallFailed");
      expect(outer!.args[0]).to.equal(2n);
      const inner = rollup.interface.parseError(outer!.args[1]);
      expect(inner?.name, `range ${range}`).to.equal("NativeRollup_InvalidBlobRange");
      expect(inner!.args[0]).to.equal(range);
      expect(seen.map((v) => v.ok), "EXECUTE ran for the two good legs only").to.deep.equal([true, true]);
      for (const r of rollups) expect((await r.rollup.getFunction("head")()).number).to.equal(0n);
    }
  });
});
