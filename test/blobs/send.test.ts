import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import {
  BlobSignerError,
  BlobTransactionError,
  BlobTransactionRevertedError,
  MAX_BLOBS_PER_TRANSACTION,
  decodeBlobs,
  encodeBlobs,
  makeSidecar,
  openBlobArchive,
  sendBlobTransaction,
  type BlobArchive,
} from "../../src/blobs/index.js";
import { defaultWallet } from "./fixtures.js";

const { ethers, provider } = await network.create();

describe("blobs/send (in-process Hardhat network)", function () {
  // The node's first blob transaction loads its own KZG setup (~2.5 s), ours another ~2.5 s.
  this.timeout(60_000);
  let dir: string;
  let archive: BlobArchive;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "ultrasound-blobs-send-"));
    archive = await openBlobArchive(dir);
  });
  after(() => {
    archive.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("sends a type-3 tx from a Hardhat default account; the node reports our blobVersionedHashes", async () => {
    const [signer] = await ethers.getSigners();
    const payload = new TextEncoder().encode("batch #1");
    const sent = await sendBlobTransaction(signer, {
      to: "0x000000000000000000000000000000000000dEaD",
      blobs: encodeBlobs(payload),
    });
    expect(sent.versionedHashes).to.have.length(1);
    expect(sent.versionedHashes[0]).to.match(/^0x01[0-9a-f]{62}$/);
    expect(BigInt(sent.receipt.status)).to.equal(1n);
    const tx = (await provider.request({ method: "eth_getTransactionByHash", params: [sent.hash] })) as {
      type: string;
      blobVersionedHashes: string[];
      blockHash: string;
      maxFeePerBlobGas: string;
    };
    expect(tx.type).to.equal("0x3");
    expect(tx.blobVersionedHashes).to.deep.equal(sent.versionedHashes);
    expect(tx.blockHash).to.equal(sent.blockHash);
    const block = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      number: string;
      blobGasUsed: string;
    };
    expect(Number(block.number)).to.equal(sent.blockNumber);
    expect(BigInt(block.blobGasUsed)).to.equal(131_072n);
    expect(new TextDecoder().decode(decodeBlobs(sent.sidecar.blobs))).to.equal("batch #1");
  });

  it("sends two blobs from an ethers Wallet and archives the sidecar under the inclusion block", async () => {
    const wallet = defaultWallet(3).connect(ethers.provider);
    const blobs = encodeBlobs(new Uint8Array(150_000).fill(0x42));
    const sent = await sendBlobTransaction(wallet, { to: wallet.address, blobs, archive });
    const tx = (await provider.request({ method: "eth_getTransactionByHash", params: [sent.hash] })) as {
      from: string;
      blobVersionedHashes: string[];
    };
    expect(tx.from.toLowerCase()).to.equal(wallet.address.toLowerCase());
    expect(tx.blobVersionedHashes).to.deep.equal(sent.versionedHashes);
    const stored = archive.getByBlock(sent.blockNumber)!;
    expect(stored.blockHash).to.equal(sent.blockHash.toLowerCase());
    expect(stored.sidecars.map((s) => s.versionedHash)).to.deep.equal(sent.versionedHashes);
    expect(stored.sidecars.map((s) => s.txHash)).to.deep.equal([sent.hash, sent.hash]);
  });

  it("throws BlobTransactionRevertedError for a reverted blob tx, after archiving its blobs", async () => {
    const reverter = "0x00000000000000000000000000000000000bad01";
    await provider.request({ method: "hardhat_setCode", params: [reverter, "0x60006000fd"] }); // REVERT(0, 0)
    const [signer] = await ethers.getSigners();
    const sidecar = makeSidecar(encodeBlobs(new TextEncoder().encode("reverted")));
    let err: unknown;
    try {
      await sendBlobTransaction(signer, { to: reverter, sidecar, gasLimit: 100_000n, archive });
    } catch (e) {
      err = e;
    }
    expect(err, String(err)).to.be.instanceOf(BlobTransactionRevertedError);
    expect((err as BlobTransactionRevertedError).versionedHashes).to.deep.equal(sidecar.versionedHashes);
    expect(archive.getByVersionedHash(sidecar.versionedHashes[0])?.blockNumber).to.equal(
      (err as BlobTransactionRevertedError).blockNumber,
    );
  });

  it("refuses a signer whose key it cannot get (not a Wallet, not a default account)", async () => {
    const stranger = await ethers.getSigner("0x1234567890123456789012345678901234567890");
    let err: unknown;
    try {
      await sendBlobTransaction(stranger, { to: stranger.address, blobs: [] });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(BlobSignerError);
    expect((err as Error).message).to.contain("0x1234567890123456789012345678901234567890");
  });

  it(`refuses more than ${MAX_BLOBS_PER_TRANSACTION} blobs per transaction (EIP-7594 cap)`, async () => {
    const one = makeSidecar(encodeBlobs(new Uint8Array(0)));
    const n = MAX_BLOBS_PER_TRANSACTION + 1;
    const sidecar = {
      blobs: Array(n).fill(one.blobs[0]),
      commitments: Array(n).fill(one.commitments[0]),
      proofs: Array(n).fill(one.proofs[0]),
      versionedHashes: Array(n).fill(one.versionedHashes[0]),
    };
    const [signer] = await ethers.getSigners();
    let err: unknown;
    try {
      await sendBlobTransaction(signer, { to: signer.address, sidecar, gasLimit: 21_000n });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(BlobTransactionError);
    expect((err as Error).message).to.contain("7 blobs");
  });
});
