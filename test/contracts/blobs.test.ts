/**
 * NativeRollup.advanceWithBlobs on a real Hardhat L1: real KZG (c-kzg), the blob capture of the
 * ultrasound plugin, EXECUTE resolving the blobs (pool, then archive), the archive and its
 * beacon-shaped HTTP server. Blob transactions are signed with an ethers Wallet (Hardhat refuses
 * `eth_sendTransaction` of type 3) and go through `eth_sendRawTransaction`, so a revert comes
 * back with its data and the chai matchers decode the custom error.
 */
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hexlify, keccak256, solidityPacked, Wallet, type TransactionResponse } from "ethers";
import { network } from "hardhat";
import { openBlobArchive, type BlobArchive } from "../../src/blobs/archive.js";
import { BYTES_PER_BLOB, encodeBlobs } from "../../src/blobs/codec.js";
import { compressBatch } from "../../src/blobs/compression.js";
import { blobsToBlockData, blockDataToBlobs, createBlobDataResolver } from "../../src/blobs/da.js";
import { encodeBlockData } from "../../src/engine/block-data.js";
import { blobToCommitment, makeSidecar, toVersionedHash, type BlobSidecar } from "../../src/blobs/kzg.js";
import { createBlobPool, processBlobPool } from "../../src/blobs/pool.js";
import { startBlobArchiveServer, type BlobArchiveServer } from "../../src/blobs/server.js";
import { encodeTransactions } from "../../src/engine/transactions.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { configureBlobArchive, currentBlobArchive } from "../../src/hardhat/blob-capture.js";
import { configureHardhatExecute } from "../../src/hardhat/edr-hook.js";
import { AdvanceFailedError, advanceGasLimit } from "../../src/proposer/propose.js";
import { onVerdict, recentVerdicts, type ExecuteVerdict } from "../../src/precompile/run.js";
import { createRng, randomBytes } from "../blobs/fixtures.js";
import { prepareBlock, signL2, type BlockClaim, type PreparedBlock } from "./helpers.js";

const connection = await network.create();
const { ethers } = connection;

const ZERO_HASH = "0x" + "00".repeat(32);
/** A well-formed versioned hash (version 0x01) of no blob anyone sent. */
const UNKNOWN_HASH = "0x01" + "ab".repeat(31);

/** `length` deterministic pseudo-random (incompressible) bytes for `seed`. */
function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  return randomBytes(createRng(seed), length);
}

/** A plain L2 transfer from dev wallet `from` to wallet 19 (nonce from the L2 state plus `offset`). */
async function transfer(l2: RollupFixture, from: number, offset = 0): Promise<string> {
  const wallet = l2.wallets[from]!;
  const { nonce } = await l2.account(wallet.address);
  return signL2(l2.chain, wallet, { to: l2.wallets[19]!.address, value: 10n ** 15n, nonce: Number(nonce) + offset });
}

/** The sidecar the proposer would publish for a prepared block. */
function sidecarOf(prepared: PreparedBlock): BlobSidecar {
  return makeSidecar(blockDataToBlobs(prepared.block.input.transactions));
}

/**
 * Sends `advanceWithBlobs(claim, hashes, witness)` in a type-3 transaction carrying `sidecar`'s
 * blobs, from the fixture's proposer (L1 account 0), with the proposer's gas bound for an input
 * that references `hashes`. Resolves to the response once mined; rejects (with the revert data)
 * when it reverts — the transaction and its blobs are on L1 either way.
 */
async function sendAdvanceWithBlobs(
  l2: RollupFixture,
  prepared: PreparedBlock,
  options: { sidecar: BlobSidecar; hashes?: string[]; claim?: BlockClaim; witness?: string },
): Promise<TransactionResponse> {
  const hashes = options.hashes ?? options.sidecar.versionedHashes;
  const input = {
    ...prepared.block.input,
    transactions: new Uint8Array(0),
    blobVersionedHashes: hashes.map((h) => hexToBytes(h as `0x${string}`)),
  };
  const proposer = new Wallet(l2.wallets[0]!.privateKey, ethers.provider);
  const { sidecar } = options;
  return proposer.sendTransaction({
    type: 3,
    to: l2.address,
    data: l2.rollup.interface.encodeFunctionData("advanceWithBlobs", [
      options.claim ?? prepared.claim,
      hashes,
      options.witness ?? prepared.witness,
      "0x",
    ]),
    gasLimit: advanceGasLimit(input),
    value: prepared.fee,
    maxFeePerBlobGas: 10n,
    blobs: sidecar.blobs.map((data, i) => ({ data, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
  });
}

/** The one EXECUTE verdict `seen` holds: a rejection of block `number` by `name`, whose message matches. */
function expectRejection(seen: ExecuteVerdict[], number: bigint, name: string, message: RegExp): void {
  expect(seen, "exactly one EXECUTE call").to.have.length(1);
  const [verdict] = seen;
  expect(verdict!.ok).to.equal(false);
  expect(verdict!.blockNumber).to.equal(number);
  expect(verdict!.error?.name).to.equal(name);
  expect(verdict!.error?.message).to.match(message);
  // The process-wide log has it too, newest last (what the proposer explains a failure with).
  expect(recentVerdicts().at(-1)).to.deep.equal(verdict);
}

/** `keccak256(abi.encodePacked(hashes))`: `dataHash` of a block carried in blobs. */
function dataHashOf(hashes: string[]): string {
  return keccak256(solidityPacked(hashes.map(() => "bytes32"), hashes));
}

/** Resolver the Hardhat plugin installs by default (captured blobs, then the configured archive). */
function restoreDefaultResolver(): void {
  configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ archive: currentBlobArchive }) });
}

async function head(l2: RollupFixture): Promise<{ number: bigint; blockHash: string }> {
  return l2.rollup.getFunction("head")();
}

for (const deployment of ["direct", "clone"] as const) describe(`NativeRollup.advanceWithBlobs, ${deployment} (real KZG, blob capture, EXECUTE resolving blobs)`, function () {
  let l2: RollupFixture;
  /** The EXECUTE verdicts of the current test, in order. */
  let seen: ExecuteVerdict[];
  let stopListening: () => void;

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { deployment });
    seen = [];
    stopListening = onVerdict((verdict) => seen.push(verdict));
  });

  afterEach(function () {
    stopListening();
  });

  describe("blocks that verify", function () {
    it("a one-transfer block: the head moves; BlockAdvanced's blobHashes = sidecar = the L1 tx's blobVersionedHashes; dataHash = keccak(packed hashes); EXECUTE's verdict is ok", async function () {
      await l2.send({ to: l2.wallets[1]!.address, value: 1n });
      const { block, l1Receipt, event, sidecar } = await l2.advance();

      expect(sidecar, "published in blobs").to.not.equal(undefined);
      expect(sidecar!.versionedHashes).to.have.length(1);
      expect(event.blobHashes).to.deep.equal(sidecar!.versionedHashes);
      const l1Tx = (await ethers.provider.send("eth_getTransactionByHash", [l1Receipt.hash])) as {
        type: string;
        blobVersionedHashes: string[];
      };
      expect(BigInt(l1Tx.type)).to.equal(3n);
      expect(l1Tx.blobVersionedHashes).to.deep.equal(sidecar!.versionedHashes);
      expect(event.dataHash).to.equal(dataHashOf(sidecar!.versionedHashes));
      // The versioned hash is the blob's own: recomputed from the blob, not taken from the sidecar.
      expect(toVersionedHash(blobToCommitment(sidecar!.blobs[0]!))).to.equal(sidecar!.versionedHashes[0]);
      // What the blobs carry is the block's transaction list.
      expect(bytesToHex(blobsToBlockData(sidecar!.blobs).transactions)).to.equal(bytesToHex(encodeTransactions(block.transactions)));

      const blockHash = bytesToHex(block.header.hash());
      expect(event.number).to.equal(1n);
      expect(event.blockHash).to.equal(blockHash);
      const h = await head(l2);
      expect(h.number).to.equal(1n);
      expect(h.blockHash).to.equal(blockHash);

      expect(seen).to.have.length(1);
      expect(seen[0]).to.include({ ok: true, blockNumber: 1n, blockHash });
      expect(recentVerdicts().at(-1)).to.deep.equal(seen[0]);
    });

    it("a block of 30 transfers, then an empty block (one blob carrying RLP([])), both verify in blobs", async function () {
      for (let i = 0; i < 30; i++) await l2.send({ from: i % 10, to: l2.wallets[19]!.address, value: BigInt(i + 1) });
      const full = await l2.advance();
      expect(full.block.transactions).to.have.length(30);
      expect(full.event.blobHashes).to.deep.equal(full.sidecar!.versionedHashes);
      expect(bytesToHex(blobsToBlockData(full.sidecar!.blobs).transactions)).to.equal(bytesToHex(encodeTransactions(full.block.transactions)));
      expect(full.block.header.gasUsed).to.equal(30n * 21_000n);

      const empty = await l2.advance();
      expect(empty.block.transactions).to.have.length(0);
      expect(empty.sidecar!.blobs).to.have.length(1);
      expect(bytesToHex(blobsToBlockData(empty.sidecar!.blobs).transactions)).to.equal("0xc0");
      expect(empty.event.dataHash).to.equal(dataHashOf(empty.sidecar!.versionedHashes));
      // Two blocks, two blob sets: an empty block's blob differs from the full one's.
      expect(empty.sidecar!.versionedHashes[0]).to.not.equal(full.sidecar!.versionedHashes[0]);

      expect((await head(l2)).number).to.equal(2n);
      expect(seen.map((v) => [v.ok, v.blockNumber])).to.deep.equal([
        [true, 1n],
        [true, 2n],
      ]);
    });

    it("a block whose data needs two blobs (≈140 KB of incompressible calldata) verifies; the event lists both hashes in order", async function () {
      for (let i = 0; i < 2; i++) {
        await l2.send({ from: i, to: l2.wallets[19]!.address, data: hexlify(pseudoRandomBytes(70_000, 100 + i)), gasLimit: 3_500_000n });
      }
      const { block, event, sidecar, l1Receipt } = await l2.advance();
      expect(sidecar!.blobs).to.have.length(2);
      expect(event.blobHashes).to.deep.equal(sidecar!.versionedHashes);
      expect(event.dataHash).to.equal(dataHashOf(sidecar!.versionedHashes));
      const l1Tx = (await ethers.provider.send("eth_getTransactionByHash", [l1Receipt.hash])) as { blobVersionedHashes: string[] };
      expect(l1Tx.blobVersionedHashes).to.deep.equal(sidecar!.versionedHashes);
      expect(block.transactions).to.have.length(2);
      expect(seen.map((v) => v.ok)).to.deep.equal([true]);
    });
  });

  describe("blob references checked by the contract (before EXECUTE)", function () {
    let prepared: PreparedBlock;
    let sidecar: BlobSidecar;
    beforeEach(async function () {
      prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      sidecar = sidecarOf(prepared);
    });

    /** Nothing reached EXECUTE and the head did not move. */
    async function expectStoppedBeforeExecute(): Promise<void> {
      expect(seen, "no EXECUTE call").to.have.length(0);
      expect((await head(l2)).number).to.equal(0n);
    }

    it("RevertWhen_BlobNotInTransaction: two hashes referenced, the transaction carries one blob (index 1, actual 0)", async function () {
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, hashes: [sidecar.versionedHashes[0]!, UNKNOWN_HASH] }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_BlobNotInTransaction")
        .withArgs(1n, UNKNOWN_HASH, ZERO_HASH);
      await expectStoppedBeforeExecute();
    });

    it("RevertWhen_BlobNotInTransaction: a wrong hash at index 0 (actual = the blob the transaction carries)", async function () {
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, hashes: [UNKNOWN_HASH] }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_BlobNotInTransaction")
        .withArgs(0n, UNKNOWN_HASH, sidecar.versionedHashes[0]);
      await expectStoppedBeforeExecute();
    });

    it("a blob at any index: the block's blob at index 1, after another rollup's blob at index 0 (a bundle's transaction), verifies", async function () {
      const other = encodeBlobs(new Uint8Array([1, 2, 3]))[0]!;
      const two = makeSidecar([other, sidecar.blobs[0]!]);
      const mine = two.versionedHashes[1]!;
      expect(mine).to.equal(sidecar.versionedHashes[0]);
      const receipt = await (await sendAdvanceWithBlobs(l2, prepared, { sidecar: two, hashes: [mine] })).wait();
      const [event] = receipt!.logs.map((log) => l2.rollup.interface.parseLog(log)).filter((e) => e?.name === "BlockAdvanced");
      expect([...event!.args.blobHashes]).to.deep.equal([mine]);
      expect(seen.map((v) => v.ok)).to.deep.equal([true]);
      expect((await head(l2)).blockHash).to.equal(prepared.claim.blockHash);
    });

    it("the transaction's two blobs referenced in the wrong order pass the contract (any index) and EXECUTE reads them in the referenced order: it rejects", async function () {
      const two = makeSidecar([sidecar.blobs[0]!, encodeBlobs(new Uint8Array([1, 2, 3]))[0]!]);
      const [a, b] = two.versionedHashes as [string, string];
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar: two, hashes: [b, a] }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      expectRejection(seen, 1n, "BlobDataUnavailableError", /blob 0 of 2 carries \d+ bytes, expected 130044 \(a non-final blob is full\)/);
      expect((await head(l2)).number).to.equal(0n);
    });

    it("RevertWhen_BlobNotInTransaction: a plain (type-2) transaction, which carries no blob (actual 0)", async function () {
      await expect(l2.rollup.getFunction("advanceWithBlobs")(prepared.claim, sidecar.versionedHashes, prepared.witness, "0x", { gasLimit: 2_000_000n }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_BlobNotInTransaction")
        .withArgs(0n, sidecar.versionedHashes[0], ZERO_HASH);
      await expectStoppedBeforeExecute();
    });

    it("RevertWhen_NoBlobs: an empty hash list, from a plain transaction and from a blob transaction", async function () {
      await expect(l2.rollup.getFunction("advanceWithBlobs")(prepared.claim, [], prepared.witness, "0x", { gasLimit: 2_000_000n }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_NoBlobs");
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, hashes: [] }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_NoBlobs");
      await expectStoppedBeforeExecute();
    });
  });

  describe("EXECUTE fails the block when its blob data is altered, unavailable or malformed", function () {
    let prepared: PreparedBlock;
    beforeEach(async function () {
      prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
    });

    afterEach(function () {
      restoreDefaultResolver(); // whatever a test did to it
    });

    /** Sends the block with `sidecar` and expects ExecutionFailed(1), the head unmoved. */
    async function expectExecutionFailed(sidecar: BlobSidecar, hashes?: string[]): Promise<void> {
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, hashes }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      expect((await head(l2)).number, "the head did not move").to.equal(0n);
    }

    it("altered data: the blob source returns a tampered blob (one payload byte flipped): verdict says versioned hash mismatch", async function () {
      const sidecar = sidecarOf(prepared);
      const hash = sidecar.versionedHashes[0]!;
      const tampered = sidecar.blobs[0]!.slice();
      tampered[5] ^= 0x01; // inside the first field element, whose top byte stays 0: still a canonical blob
      const pool = createBlobPool();
      pool.put(hash, tampered);
      try {
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool }) });
        await expectExecutionFailed(sidecar);
      } finally {
        restoreDefaultResolver();
      }
      const got = toVersionedHash(blobToCommitment(tampered));
      expectRejection(seen, 1n, "BlobDataUnavailableError", new RegExp(`blob versioned hash mismatch: expected ${hash}, got ${got}`));
    });

    it("altered data: the blob source returns a non-canonical blob (a field element ≥ the BLS modulus): KZG refuses it", async function () {
      const sidecar = sidecarOf(prepared);
      const bad = sidecar.blobs[0]!.slice();
      bad.fill(0xff, 0, 32);
      const pool = createBlobPool();
      pool.put(sidecar.versionedHashes[0]!, bad);
      try {
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool }) });
        await expectExecutionFailed(sidecar);
      } finally {
        restoreDefaultResolver();
      }
      expectRejection(seen, 1n, "BlobDataUnavailableError", /KZG blobToCommitment failed/);
    });

    it("unavailable data: an empty pool and no archive: verdict says blob not found", async function () {
      const sidecar = sidecarOf(prepared);
      try {
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool: createBlobPool() }) });
        await expectExecutionFailed(sidecar);
      } finally {
        restoreDefaultResolver();
      }
      expectRejection(seen, 1n, "BlobDataUnavailableError", new RegExp(`blob ${sidecar.versionedHashes[0]} not found`));
    });

    it("no blob source at all (resolveBlobData unset): rejected as unavailable", async function () {
      const sidecar = sidecarOf(prepared);
      try {
        configureHardhatExecute({});
        await expectExecutionFailed(sidecar);
      } finally {
        restoreDefaultResolver();
      }
      expectRejection(seen, 1n, "BlobDataUnavailableError", /no blob source is configured/);
    });

    it("through the proposer: l2.advance() with the data unavailable throws AdvanceFailedError naming the missing blob; the L2 chain stays put", async function () {
      await l2.send({ to: l2.wallets[1]!.address, value: 1n });
      let error: unknown;
      try {
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool: createBlobPool() }) });
        await l2.advance().catch((e: unknown) => (error = e));
      } finally {
        restoreDefaultResolver();
      }
      expect(error).to.be.instanceOf(AdvanceFailedError);
      const { details } = error as AdvanceFailedError;
      expect(details.blockNumber).to.equal(1n);
      expect(details.reason).to.match(/Blob data unavailable or invalid\n\s+reason: blob 0x01[0-9a-f]{62} not found/);
      expect(l2.chain.headers).to.have.length(1);
      expect(l2.mempool.pending()).to.have.length(1);
      expect((await head(l2)).number).to.equal(0n);
      expect(seen.map((v) => v.ok)).to.deep.equal([false]);
    });

    describe("blobs that do not decode as a compressed batch (the claim is for a real block)", function () {
      /** A blob whose field elements all start with 0x00 except the bytes written by `edit`. */
      function blobWith(edit: (blob: Uint8Array) => void): Uint8Array {
        const blob = new Uint8Array(BYTES_PER_BLOB);
        edit(blob);
        return blob;
      }
      const cases: { name: string; blobs: () => Uint8Array[]; reason: RegExp }[] = [
        {
          name: "encodeBlobs of bytes that are no compressed batch (format byte 0x07)",
          blobs: () => encodeBlobs(new Uint8Array([0x07, 0, 0, 0, 1, 0xaa])),
          reason: /malformed compressed batch: unknown format byte 0x7/,
        },
        {
          name: "encodeBlobs of nothing (shorter than the batch header)",
          blobs: () => encodeBlobs(new Uint8Array(0)),
          reason: /malformed compressed batch: 0 bytes is shorter than the 5-byte header/,
        },
        {
          name: "a brotli batch whose stream is garbage",
          blobs: () => encodeBlobs(new Uint8Array([0x01, 0, 0, 0, 64, ...pseudoRandomBytes(40, 2)])),
          reason: /corrupt compressed batch \(declared 64 bytes\)/,
        },
        {
          name: "a stored batch that declares more bytes than it holds",
          blobs: () => encodeBlobs(new Uint8Array([0x00, 0, 0, 1, 0, 0xc0])),
          reason: /corrupt compressed batch \(declared 256 bytes\): stored body is 1 bytes/,
        },
        {
          name: "arbitrary valid field elements (random bytes, every element below the BLS modulus)",
          blobs: () =>
            [blobWith((blob) => {
              blob.set(pseudoRandomBytes(BYTES_PER_BLOB, 3));
              for (let fe = 0; fe < BYTES_PER_BLOB; fe += 32) blob[fe] = 0x40 + (blob[fe]! % 0x30); // 0x40..0x6f < 0x73
            })],
          reason: /blob 0 field element 0 has top byte 0x[4-6][0-9a-f]; its two high bits must be zero/,
        },
        {
          name: "an unknown encoding version byte",
          blobs: () => [blobWith((blob) => (blob[1] = 0x01))],
          reason: /blob 0 has encoding version 1, expected 0/,
        },
        {
          name: "non-zero bytes after the declared payload",
          blobs: () => {
            const [blob] = blockDataToBlobs(prepared.block.input.transactions);
            blob![BYTES_PER_BLOB - 1] = 0x01;
            return [blob!];
          },
          reason: /blob 0 has a non-zero byte at payload offset \d+ .* after its declared length/,
        },
      ];
      for (const c of cases) {
        it(c.name, async function () {
          await expectExecutionFailed(makeSidecar(c.blobs()));
          expectRejection(seen, 1n, "BlobDataUnavailableError", c.reason);
        });
      }
    });

    describe("blobs that decode to a valid batch whose contents are not the block's transaction list", function () {
      const cases: { name: string; contents: () => Uint8Array; error: string; reason: RegExp }[] = [
        {
          name: "bytes that are not RLP at all",
          contents: () => new Uint8Array([0xff, 0xff, 0xff]),
          error: "TransactionDecodeError",
          reason: /index: list\n\s+reason: not an RLP list/,
        },
        {
          name: "an RLP string, not a list",
          contents: () => RLP.encode(new TextEncoder().encode("hello, blobs")),
          error: "TransactionDecodeError",
          reason: /reason: not an RLP list of transactions: transactions: expected a list at byte 0$/,
        },
        {
          name: "an RLP list whose item is a list",
          contents: () => RLP.encode([[new Uint8Array([1])]]),
          error: "TransactionDecodeError",
          reason: /reason: not an RLP list of transactions: transactions: item 0 is a list, expected bytes/,
        },
        {
          name: "an RLP list whose item is not a transaction",
          contents: () => RLP.encode([new Uint8Array([0x02, 0x12, 0x34])]),
          error: "TransactionDecodeError",
          reason: /index: 0/,
        },
        {
          name: "the block's transaction list followed by one trailing byte",
          contents: () => new Uint8Array([...prepared.block.input.transactions, 0x00]),
          error: "TransactionDecodeError",
          reason: /not an RLP list/,
        },
        {
          name: "a valid but different transaction list (empty) under a claim for a block with one transfer",
          contents: () => RLP.encode([]),
          error: "CommitmentMismatchError",
          reason: /gasUsed/,
        },
      ];
      for (const c of cases) {
        it(c.name, async function () {
          // The payload is `[transactions, witness]` (witness in calldata here): only the first is changed.
          await expectExecutionFailed(makeSidecar(encodeBlobs(compressBatch(encodeBlockData({ transactions: c.contents(), witness: new Uint8Array(0) })))));
          expectRejection(seen, 1n, c.error, c.reason);
        });
      }
    });
  });

  describe("multi-blob data: every blob referenced, in order", function () {
    it("a two-blob block referencing only its first blob fails EXECUTE (a truncated batch); referencing both, it verifies", async function () {
      const big = await Promise.all(
        [0, 1].map((i) =>
          signL2(l2.chain, l2.wallets[i]!, {
            to: l2.wallets[19]!.address,
            data: hexlify(pseudoRandomBytes(70_000, 200 + i)),
            gasLimit: 3_500_000n,
            nonce: 0,
          }),
        ),
      );
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: big });
      const sidecar = sidecarOf(prepared);
      expect(sidecar.blobs).to.have.length(2);

      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, hashes: [sidecar.versionedHashes[0]!] }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      expectRejection(seen, 1n, "BlobDataUnavailableError", /corrupt compressed batch .*stored body is 130039 bytes/);
      expect((await head(l2)).number).to.equal(0n);

      const receipt = await (await sendAdvanceWithBlobs(l2, prepared, { sidecar })).wait();
      const [event] = receipt!.logs.map((log) => l2.rollup.interface.parseLog(log)).filter((e) => e?.name === "BlockAdvanced");
      expect([...event!.args.blobHashes]).to.deep.equal(sidecar.versionedHashes);
      expect(event!.args.dataHash).to.equal(dataHashOf(sidecar.versionedHashes));
      expect(seen.map((v) => v.ok)).to.deep.equal([false, true]);
      expect((await head(l2)).blockHash).to.equal(prepared.claim.blockHash);
    });

    it("two blobs carried and referenced in swapped order fail EXECUTE: a non-final blob must be full", async function () {
      // The claim's block is small (a cheap revert); the two blobs are a 140 KB batch, swapped.
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const [first, second] = encodeBlobs(compressBatch(pseudoRandomBytes(140_000, 4)));
      expect(second, "the batch needs two blobs").to.not.equal(undefined);
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar: makeSidecar([second!, first!]) }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      expectRejection(seen, 1n, "BlobDataUnavailableError", /blob 0 of 2 carries \d+ bytes, expected 130044 \(a non-final blob is full\)/);
      expect((await head(l2)).number).to.equal(0n);
    });
  });

  describe("blob capture", function () {
    it("a blob transaction the node refuses (a blob that does not match its commitment) leaves no blob that breaks a later honest advance", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const sidecar = sidecarOf(prepared);
      const hash = sidecar.versionedHashes[0]!;
      const garbage = encodeBlobs(new Uint8Array([9, 9, 9]))[0]!;
      // The honest block's commitment and proof, with another blob: the versioned hash is the honest one.
      const forged = { ...sidecar, blobs: [garbage] };
      const before = await ethers.provider.send("eth_blockNumber", []);
      // The node checks the blob against its commitment (KZG proof) and refuses the transaction.
      const refused = await sendAdvanceWithBlobs(l2, prepared, { sidecar: forged }).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(refused?.message).to.match(/Failed to RLP decode Eip4844PooledTransaction/);
      expect(await ethers.provider.send("eth_blockNumber", []), "not mined").to.equal(before);
      expect(seen, "the forged transaction never ran").to.have.length(0);

      const receipt = await (await sendAdvanceWithBlobs(l2, prepared, { sidecar })).wait();
      expect(receipt!.status).to.equal(1);
      expect(seen.map((v) => v.ok)).to.deep.equal([true]);
      expect(bytesToHex(processBlobPool.get(hash)!.blob)).to.equal(bytesToHex(sidecar.blobs[0]!));
    });
  });

  describe("blob archive", function () {
    let dir: string;
    let archive: BlobArchive | undefined;
    let servers: BlobArchiveServer[];

    beforeEach(async function () {
      dir = mkdtempSync(path.join(tmpdir(), "ultrasound-blobs-test-"));
      archive = await openBlobArchive(dir);
      servers = [];
    });

    afterEach(async function () {
      configureBlobArchive(undefined);
      restoreDefaultResolver();
      for (const server of servers) await server.close();
      archive?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function getJson(url: string): Promise<{ status: number; body: any }> {
      const response = await fetch(url);
      return { status: response.status, body: await response.json() };
    }

    it("keeps an advance's blobs at the receipt's L1 block and serves them over the beacon API; they survive close and reopen", async function () {
      configureBlobArchive(archive);
      await l2.send({ to: l2.wallets[1]!.address, value: 1n });
      const { block, l1Receipt, sidecar, event } = await l2.advance();
      const hash = sidecar!.versionedHashes[0]!;

      const stored = archive!.getByVersionedHash(hash);
      expect(stored, "archived once mined").to.not.equal(undefined);
      expect(stored!.blockNumber).to.equal(l1Receipt.blockNumber);
      expect(stored!.blockHash).to.equal(l1Receipt.blockHash);
      expect(stored!.txHash).to.equal(l1Receipt.hash);
      expect(stored!.txIndex).to.equal(l1Receipt.index);
      expect(stored!.blobIndex).to.equal(0);
      expect(bytesToHex(stored!.blob)).to.equal(bytesToHex(sidecar!.blobs[0]!));
      expect(bytesToHex(stored!.commitment)).to.equal(bytesToHex(sidecar!.commitments[0]!));
      expect(bytesToHex(stored!.proof)).to.equal(bytesToHex(sidecar!.proofs[0]!));

      // Port 0: the OS picks a free port, and the returned url names it.
      const server = await startBlobArchiveServer({ archive: archive!, port: 0, l1: connection.provider });
      servers.push(server);
      expect(Number(new URL(server.url).port)).to.be.greaterThan(0);
      const blobsUrl = `${server.url}/eth/v1/beacon/blobs/${l1Receipt.blockNumber}`;
      const first = await getJson(blobsUrl);
      expect(first.status).to.equal(200);
      expect(first.body.data).to.deep.equal([bytesToHex(sidecar!.blobs[0]!)]);
      // A follower with only this API rebuilds the block's transactions and checks the commitment.
      const fetched = (first.body.data as string[]).map((b) => hexToBytes(b as `0x${string}`));
      expect(bytesToHex(blobsToBlockData(fetched).transactions)).to.equal(bytesToHex(encodeTransactions(block.transactions)));
      expect(dataHashOf(fetched.map((b) => toVersionedHash(blobToCommitment(b))))).to.equal(event.dataHash);
      const sidecars = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/${l1Receipt.blockHash}`);
      expect(sidecars.body.data).to.have.length(1);
      expect(sidecars.body.data[0].kzg_commitment).to.equal(bytesToHex(sidecar!.commitments[0]!));
      expect(sidecars.body.data[0].kzg_proof).to.equal(bytesToHex(sidecar!.proofs[0]!));

      // Persistence: close everything, reopen the same directory, serve again.
      configureBlobArchive(undefined);
      await server.close();
      servers = [];
      archive!.close();
      archive = await openBlobArchive(dir);
      const reopened = await startBlobArchiveServer({ archive, port: 0, l1: connection.provider });
      servers.push(reopened);
      const again = await getJson(`${reopened.url}/eth/v1/beacon/blobs/${l1Receipt.blockNumber}`);
      expect(again.status).to.equal(200);
      expect(again.body.data).to.deep.equal([bytesToHex(sidecar!.blobs[0]!)]);
      expect(archive.getByVersionedHash(hash)!.blockHash).to.equal(l1Receipt.blockHash);
    });

    it("EXECUTE resolves from the archive alone: blobs archived by an earlier (reverted) attempt verify with an empty pool", async function () {
      const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2, 0)] });
      const sidecar = sidecarOf(prepared);
      const hash = sidecar.versionedHashes[0]!;

      // Attempt 1: a wrong state root. EXECUTE rejects it, the transaction reverts, but it was
      // mined with its blobs, and the capture archived them.
      configureBlobArchive(archive);
      const wrongClaim = { ...prepared.claim, stateRoot: "0x" + "11".repeat(32) };
      await expect(sendAdvanceWithBlobs(l2, prepared, { sidecar, claim: wrongClaim }))
        .to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecutionFailed")
        .withArgs(1n);
      expectRejection(seen, 1n, "CommitmentMismatchError", /postStateRoot/);
      const firstL1Block = (await ethers.provider.send("eth_getBlockByNumber", ["latest", false])) as { number: string; hash: string };
      const archived = archive!.getByVersionedHash(hash);
      expect(archived, "a reverted blob transaction's blobs are archived too").to.not.equal(undefined);
      expect(archived!.blockHash).to.equal(firstL1Block.hash);
      configureBlobArchive(undefined);

      // Attempt 2: the same blobs, the right claim; EXECUTE's only source is the archive.
      const lookups: string[] = [];
      const spy = {
        ...archive!,
        getByVersionedHash(h: string) {
          lookups.push(h);
          return archive!.getByVersionedHash(h);
        },
      };
      const emptyPool = createBlobPool();
      seen.length = 0;
      try {
        configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ pool: emptyPool, archive: () => spy }) });
        const receipt = await (await sendAdvanceWithBlobs(l2, prepared, { sidecar })).wait();
        expect(receipt!.status).to.equal(1);
      } finally {
        restoreDefaultResolver();
      }
      expect(emptyPool.size()).to.equal(0);
      expect(lookups).to.deep.equal([hash]);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.include({ ok: true, blockNumber: 1n, blockHash: prepared.claim.blockHash });
      expect((await head(l2)).blockHash).to.equal(prepared.claim.blockHash);
    });
  });
});
