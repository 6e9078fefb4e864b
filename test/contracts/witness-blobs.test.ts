/**
 * Issue 10: the witness travels in the blobs with the transactions. Real Hardhat L1, real KZG,
 * the proposer's own layout choice; EXECUTE must reject every blob that is missing, altered,
 * reordered, truncated or taken from another block, saying which.
 */
import { expect } from "chai";
import { hexToBytes } from "@ethereumjs/util";
import { keccak256, Wallet, type TransactionResponse } from "ethers";
import { network } from "hardhat";
import { blobsToBlockData, blockDataToBlobs, createBlobDataResolver } from "../../src/blobs/da.js";
import { blobToCommitment, makeSidecar, toVersionedHash, type BlobSidecar } from "../../src/blobs/kzg.js";
import { createBlobPool } from "../../src/blobs/pool.js";
import { decodeWitness, encodeTransactions } from "../../src/engine/index.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { configureHardhatExecute, defaultHardhatExecuteOptions } from "../../src/hardhat/edr-hook.js";
import { advanceGasLimit, chooseLayout } from "../../src/proposer/propose.js";
import { onVerdict, type ExecuteVerdict } from "../../src/precompile/run.js";
import { prepareBlock, signL2, type PreparedBlock } from "./helpers.js";

const { ethers } = await network.create();

/** 3,000 funded accounts at hash-spread addresses: transfers to many of them make a witness of incompressible trie nodes. */
const HOLDERS = Array.from({ length: 3_000 }, (_, i) => "0x" + keccak256("0x" + i.toString(16).padStart(8, "0")).slice(26));

/** Transfers from dev wallet `from` to `count` distinct holders, from its current nonce. */
async function transfers(l2: RollupFixture, from: number, count: number, first = 0): Promise<string[]> {
  const wallet = l2.wallets[from]!;
  const { nonce } = await l2.account(wallet.address);
  return Promise.all(Array.from({ length: count }, (_, i) => signL2(l2.chain, wallet, { to: HOLDERS[first + i]!, value: 1n, nonce: Number(nonce) + i, gasLimit: 21_000n })));
}

/** Sends `advanceWithBlobs(claim, hashes, "0x")` with `sidecar`'s blobs: the witness is in the blobs. */
async function advanceWithWitnessInBlobs(l2: RollupFixture, prepared: PreparedBlock, sidecar: BlobSidecar): Promise<TransactionResponse> {
  const input = { ...prepared.block.input, transactions: new Uint8Array(0), witness: new Uint8Array(0), blobVersionedHashes: sidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`)) };
  return new Wallet(l2.wallets[0]!.privateKey, ethers.provider).sendTransaction({
    type: 3,
    to: l2.address,
    data: l2.rollup.interface.encodeFunctionData("advanceWithBlobs", [prepared.claim, sidecar.versionedHashes, "0x", "0x"]),
    gasLimit: advanceGasLimit(input),
    value: prepared.fee,
    maxFeePerBlobGas: 10n,
    blobs: sidecar.blobs.map((data, i) => ({ data, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
  });
}

describe("witness in blobs (issue 10)", function () {
  this.timeout(180_000);
  let l2: RollupFixture;
  let seen: ExecuteVerdict[];
  let stop: () => void;

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { genesis: { alloc: Object.fromEntries(HOLDERS.map((a) => [a, { balance: 1n }])) } });
    seen = [];
    stop = onVerdict((v) => seen.push(v));
  });
  afterEach(() => {
    stop();
    configureHardhatExecute(defaultHardhatExecuteOptions());
  });

  it("the proposer puts the witness in the blobs, a block larger than one blob spans several, and EXECUTE accepts it", async function () {
    for (const raw of await transfers(l2, 1, 700)) await l2.sendRaw(raw);
    const { event, block, sidecar } = await l2.advance();
    expect(event.number).to.equal(1n);
    expect(block.transactions).to.have.length(700);
    expect(block.input.witness, "no witness in the calldata").to.have.length(0);
    expect(sidecar!.blobs.length, "spans several blobs").to.be.greaterThan(1);
    const carried = blobsToBlockData(sidecar!.blobs);
    expect(decodeWitness(carried.witness).nodes.length).to.be.greaterThan(500);
    expect(carried.transactions).to.deep.equal(encodeTransactions(block.transactions));
    expect(seen.map((v) => v.ok)).to.deep.equal([true]);
  });

  it("the layout falls back to a calldata witness only when asked or when it cannot fit", async function () {
    const prepared = await prepareBlock(ethers, l2.chain, { transactions: await transfers(l2, 1, 5) });
    const inBlobs = chooseLayout(prepared.block.input);
    expect(inBlobs.witnessInBlobs).to.equal(true);
    expect(chooseLayout(prepared.block.input, "blobs", "calldata").witnessInBlobs).to.equal(false);
    expect(chooseLayout(prepared.block.input, "calldata").blobs).to.equal(undefined);
  });

  describe("EXECUTE rejects, saying which blob", function () {
    let prepared: PreparedBlock;
    let sidecar: BlobSidecar;

    beforeEach(async function () {
      prepared = await prepareBlock(ethers, l2.chain, { transactions: await transfers(l2, 1, 700) });
      sidecar = makeSidecar(blockDataToBlobs(prepared.block.input.transactions, prepared.block.input.witness));
      expect(sidecar.blobs.length).to.be.greaterThan(1);
    });

    /** Sends the block with `blobs` (their own sidecar), expects EXECUTE to fail, returns the verdict's message. */
    async function rejectedWith(blobs: BlobSidecar, hashesFrom?: BlobSidecar): Promise<{ message: string; cause?: string }> {
      if (hashesFrom !== undefined) {
        // The blob source serves `blobs` under the hashes the input claims (a source lying).
        const pool = createBlobPool();
        hashesFrom.versionedHashes.forEach((h, i) => blobs.blobs[i] !== undefined && pool.put(h, blobs.blobs[i]!));
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool }) });
      }
      await expect(advanceWithWitnessInBlobs(l2, prepared, hashesFrom ?? blobs)).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed");
      const verdict = seen.at(-1)!;
      expect(verdict.ok).to.equal(false);
      expect(verdict.error!.name).to.equal("BlobDataUnavailableError");
      return verdict.error!;
    }

    it("accepts the untouched blobs (the control)", async function () {
      await (await advanceWithWitnessInBlobs(l2, prepared, sidecar)).wait();
      expect(seen.map((v) => v.ok)).to.deep.equal([true]);
    });

    it("a missing witness blob: the source does not have it", async function () {
      const pool = createBlobPool();
      pool.put(sidecar.versionedHashes[0]!, sidecar.blobs[0]!);
      configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool }) });
      const { message, cause } = await rejectedWith(sidecar);
      expect(cause).to.equal("BlobNotFoundError");
      expect(message).to.contain(`blob ${sidecar.versionedHashes[1]!} not found`);
    });

    it("an altered witness blob: its versioned hash does not match", async function () {
      const altered = sidecar.blobs.map((b) => b.slice());
      altered[1]![100] ^= 0x01;
      const { message, cause } = await rejectedWith({ ...sidecar, blobs: altered }, sidecar);
      expect(cause).to.equal("BlobHashMismatchError");
      expect(message).to.contain(`blob versioned hash mismatch: expected ${sidecar.versionedHashes[1]!}, got ${toVersionedHash(blobToCommitment(altered[1]!))}`);
    });

    it("reordered blobs: the batch does not decode", async function () {
      const reordered = makeSidecar([...sidecar.blobs].reverse());
      const { message, cause } = await rejectedWith(reordered);
      expect(cause).to.equal("BlobSequenceError");
      expect(message).to.match(/blob 0 of 2 carries \d+ bytes, expected 130044 \(a non-final blob is full\)/);
    });

    it("a truncated batch (its last blob left out): the batch does not decode", async function () {
      const truncated = makeSidecar(sidecar.blobs.slice(0, -1));
      const { message, cause } = await rejectedWith(truncated);
      expect(cause).to.equal("BatchCorruptError");
      expect(message).to.match(/corrupt compressed batch \(declared \d+ bytes\): brotli: unexpected end of file/);
    });

    it("one block's first blob with another block's witness blob", async function () {
      const other = await prepareBlock(ethers, l2.chain, { transactions: await transfers(l2, 2, 700, 1_000) });
      const otherBlobs = blockDataToBlobs(other.block.input.transactions, other.block.input.witness);
      const mixed = makeSidecar([sidecar.blobs[0]!, ...otherBlobs.slice(1, sidecar.blobs.length)]);
      const { message, cause } = await rejectedWith(mixed);
      expect(cause).to.equal("BatchCorruptError");
      expect(message).to.match(/corrupt compressed batch \(declared \d+ bytes\)/);
    });
  });
});
