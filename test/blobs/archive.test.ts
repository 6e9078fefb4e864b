import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { expect } from "chai";
import { network } from "hardhat";
import {
  BLOB_ARCHIVE_FILE,
  BeaconApiError,
  BlobArchiveError,
  BlobBlockIdRequiredError,
  BlobHashMismatchError,
  BlobNotFoundError,
  InvalidBlockIdError,
  bytesToHex,
  createBlobReader,
  decodeBlobs,
  encodeBlobs,
  makeSidecar,
  openBlobArchive,
  sendBlobTransaction,
  startBlobArchiveServer,
  type BlobArchive,
  type BlobArchiveServer,
  type BlobSidecar,
} from "../../src/blobs/index.js";

const h = (byte: string) => "0x" + byte.repeat(32); // a made-up 32-byte hash
const BLOCK_A = { blockNumber: 10, blockHash: h("aa") };
const BLOCK_B = { blockNumber: 12, blockHash: h("bb") };

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected a rejection, none came");
}

describe("blobs/archive, server and reader", function () {
  this.timeout(60_000);
  let dir: string;
  let archive: BlobArchive;
  let server: BlobArchiveServer;
  // Three sidecars: tx 1 (2 blobs) and tx 2 (1 blob) in block A, tx 3 (1 blob) in block B.
  let s1: BlobSidecar, s2: BlobSidecar, s3: BlobSidecar;
  const data1 = new Uint8Array(140_000).map((_, i) => i & 0xff);

  before(async () => {
    s1 = makeSidecar(encodeBlobs(data1));
    s2 = makeSidecar(encodeBlobs(new TextEncoder().encode("second tx")));
    s3 = makeSidecar(encodeBlobs(new TextEncoder().encode("block b")));
    dir = mkdtempSync(path.join(tmpdir(), "ultrasound-blobs-archive-"));
    archive = await openBlobArchive(dir);
    // Stored out of block order on purpose: txIndex decides the order inside a block.
    archive.put({ ...BLOCK_A, txHash: h("02"), txIndex: 5, sidecar: s2 });
    archive.put({ ...BLOCK_A, txHash: h("01"), txIndex: 1, sidecar: s1 });
    archive.put({ ...BLOCK_B, txHash: h("03"), txIndex: 0, sidecar: s3 });
    server = await startBlobArchiveServer({ archive, port: 0 });
  });
  after(async () => {
    await server?.close();
    archive?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe("archive", () => {
    it("returns a block's blobs in block order by number, by hash and as head", () => {
      const a = archive.getByBlock(10)!;
      expect(a.blockHash).to.equal(h("aa"));
      expect(a.slot).to.equal(10);
      expect(a.sidecars.map((s) => s.versionedHash)).to.deep.equal([...s1.versionedHashes, ...s2.versionedHashes]);
      expect(a.sidecars.map((s) => [s.index, s.blobIndex])).to.deep.equal([[0, 0], [1, 1], [2, 0]]);
      expect(archive.getByBlock(h("AA").replace("0X", "0x"))?.blockNumber).to.equal(10);
      expect(archive.getByBlock("10")?.blockHash).to.equal(h("aa"));
      expect(archive.getByBlock("head")?.blockHash).to.equal(h("bb"));
      expect(archive.head()).to.deep.equal({ blockNumber: 12, blockHash: h("bb"), slot: 12 });
      expect(archive.getByBlock(11)).to.equal(undefined);
    });

    it("finds a blob by versioned hash with its block", () => {
      const hit = archive.getByVersionedHash(s2.versionedHashes[0])!;
      expect(hit).to.include({ blockNumber: 10, blockHash: h("aa"), txHash: h("02"), index: 2 });
      expect(Buffer.from(hit.blob).equals(Buffer.from(s2.blobs[0]))).to.equal(true);
      expect(archive.getByVersionedHash(h("01"))).to.equal(undefined);
    });

    it("is idempotent: storing the same sidecar again changes nothing", () => {
      archive.put({ ...BLOCK_A, txHash: h("02"), txIndex: 5, sidecar: s2 });
      expect(archive.getByBlock(10)!.sidecars).to.have.length(3);
    });

    it("rejects malformed input with BlobArchiveError and bad block ids with InvalidBlockIdError", () => {
      expect(() => archive.put({ ...BLOCK_A, blockHash: "0x1234", txHash: h("09"), sidecar: s2 })).to.throw(BlobArchiveError, /blockHash/);
      expect(() =>
        archive.put({ ...BLOCK_A, txHash: h("09"), sidecar: { ...s2, versionedHashes: [h("01")] } }),
      ).to.throw(BlobArchiveError, /hashes to/);
      expect(() => archive.put({ ...BLOCK_A, blockNumber: 11, txHash: h("09"), sidecar: s2 })).to.throw(BlobArchiveError, /number 10/);
      expect(() => archive.getByBlock("finalized")).to.throw(InvalidBlockIdError);
      expect(() => archive.getByBlock(-1)).to.throw(InvalidBlockIdError);
    });

    it("serves the newest block stored at a height after a reorg, and forgets removed blocks", () => {
      archive.put({ blockNumber: 20, blockHash: h("c1"), txHash: h("21"), sidecar: s3 });
      archive.put({ blockNumber: 20, blockHash: h("c2"), txHash: h("22"), sidecar: s3 });
      expect(archive.getByBlock(20)?.blockHash).to.equal(h("c2"));
      expect(archive.getByBlock(h("c1"))?.blockNumber).to.equal(20);
      expect(archive.removeBlock(h("c2"))).to.equal(true);
      expect(archive.getByBlock(20)?.blockHash).to.equal(h("c1"));
      expect(archive.removeBlock(h("c1"))).to.equal(true);
      expect(archive.removeBlock(h("c1"))).to.equal(false);
      expect(archive.getByBlock(20)).to.equal(undefined);
      expect(archive.getByBlock("head")?.blockHash).to.equal(h("bb"));
    });

    it("persists across close and reopen of the same directory", async () => {
      const other = mkdtempSync(path.join(tmpdir(), "ultrasound-blobs-persist-"));
      try {
        const first = await openBlobArchive(other);
        first.put({ ...BLOCK_B, txHash: h("03"), sidecar: s3 });
        first.close();
        expect(() => first.getByBlock(12)).to.throw(BlobArchiveError, /closed/);
        const second = await openBlobArchive(other);
        const block = second.getByBlock(12)!;
        expect(block.blockHash).to.equal(h("bb"));
        expect(Buffer.from(block.sidecars[0].blob).equals(Buffer.from(s3.blobs[0]))).to.equal(true);
        expect(Buffer.from(block.sidecars[0].proof).equals(Buffer.from(s3.proofs[0]))).to.equal(true);
        second.close();
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    });
  });

  describe("beacon-API server", () => {
    it("GET blob_sidecars/{number} returns the block's sidecars with string indices", async () => {
      const { status, body } = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/10`);
      expect(status).to.equal(200);
      expect(body).to.include({ execution_optimistic: false, finalized: false });
      expect(body.data).to.have.length(3);
      expect(body.data[0]).to.deep.equal({
        index: "0",
        blob: bytesToHex(s1.blobs[0]),
        kzg_commitment: bytesToHex(s1.commitments[0]),
        kzg_proof: bytesToHex(s1.proofs[0]),
      });
      expect(body.data.map((d: { index: string }) => d.index)).to.deep.equal(["0", "1", "2"]);
    });

    it("GET blob_sidecars/head and /{hash} and ?indices= filter", async () => {
      const head = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/head`);
      expect(head.body.data.map((d: { kzg_commitment: string }) => d.kzg_commitment)).to.deep.equal([bytesToHex(s3.commitments[0])]);
      const byHash = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/${h("aa")}?indices=2`);
      expect(byHash.body.data).to.have.length(1);
      expect(byHash.body.data[0].blob).to.equal(bytesToHex(s2.blobs[0]));
      const both = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/10?indices=0&indices=2`);
      expect(both.body.data.map((d: { index: string }) => d.index)).to.deep.equal(["0", "2"]);
    });

    it("GET blobs/{block_id} returns blob hex, filtered by ?versioned_hashes=", async () => {
      const all = await getJson(`${server.url}/eth/v1/beacon/blobs/10`);
      expect(all.status).to.equal(200);
      expect(all.body.data).to.deep.equal([...s1.blobs, ...s2.blobs].map(bytesToHex));
      const filtered = await getJson(
        `${server.url}/eth/v1/beacon/blobs/${h("aa")}?versioned_hashes=${s2.versionedHashes[0]},${s1.versionedHashes[1]}`,
      );
      expect(filtered.body.data).to.deep.equal([bytesToHex(s1.blobs[1]), bytesToHex(s2.blobs[0])]);
      const none = await getJson(`${server.url}/eth/v1/beacon/blobs/10?versioned_hashes=${h("01")}`);
      expect(none.body.data).to.deep.equal([]);
    });

    it("answers 400 in the beacon error shape for bad block ids, indices and versioned hashes", async () => {
      for (const bad of [
        "/eth/v1/beacon/blob_sidecars/latest",
        "/eth/v1/beacon/blob_sidecars/-1",
        "/eth/v1/beacon/blob_sidecars/0x1234",
        "/eth/v1/beacon/blob_sidecars/99999999999999999999",
        "/eth/v1/beacon/blob_sidecars/%ff%00",
        "/eth/v1/beacon/blob_sidecars/10?indices=x",
        "/eth/v1/beacon/blobs/10?versioned_hashes=0x12",
      ]) {
        const { status, body } = await getJson(server.url + bad);
        expect(status, bad).to.equal(400);
        expect(body.code, bad).to.equal(400);
        expect(body.message, bad).to.be.a("string").and.not.equal("");
      }
    });

    it("answers 404 for unknown blocks and routes, 405 for other methods, and keeps serving", async () => {
      const unknownBlock = await getJson(`${server.url}/eth/v1/beacon/blob_sidecars/11`);
      expect(unknownBlock).to.deep.equal({ status: 404, body: { code: 404, message: "Block not found: 11" } });
      expect((await getJson(`${server.url}/eth/v1/beacon/blobs/${h("ee")}`)).status).to.equal(404);
      for (const route of ["/", "/eth/v1/beacon/blob_sidecars", "/eth/v1/beacon/blob_sidecars/10/extra", "/../../etc/passwd"]) {
        const { status, body } = await getJson(server.url + route);
        expect(status, route).to.equal(404);
        expect(body.code).to.equal(404);
      }
      const post = await getJson(`${server.url}/eth/v1/beacon/blobs/10`, { method: "POST", body: "{}" });
      expect(post.status).to.equal(405);
      const long = await getJson(`${server.url}/eth/v1/beacon/blobs/${"9".repeat(5000)}`);
      expect(long.status).to.equal(400);
      expect(long.body.message.length).to.be.lessThan(200);
      expect((await getJson(`${server.url}/eth/v1/beacon/blobs/10`)).status).to.equal(200);
    });

    it("with an L1 node: resolves head and numbers on L1, and answers [] for a block without blobs", async () => {
      const { ethers, provider } = await network.create();
      const [signer] = await ethers.getSigners();
      const sent = await sendBlobTransaction(signer, { to: signer.address, sidecar: s2, gasLimit: 21_000n, archive });
      await provider.request({ method: "evm_mine", params: [] }); // a newer block, without blobs
      const l1Server = await startBlobArchiveServer({ archive, port: 0, l1: provider });
      try {
        const head = await getJson(`${l1Server.url}/eth/v1/beacon/blob_sidecars/head`);
        expect(head).to.deep.equal({ status: 200, body: { execution_optimistic: false, finalized: false, data: [] } });
        const atBlock = await getJson(`${l1Server.url}/eth/v1/beacon/blobs/${sent.blockNumber}`);
        expect(atBlock.body.data).to.deep.equal(s2.blobs.map(bytesToHex));
        expect((await getJson(`${l1Server.url}/eth/v1/beacon/blobs/1000`)).status).to.equal(404);
        // The reader reads the sent blob back through the L1-backed server.
        const reader = createBlobReader({ beaconUrl: l1Server.url });
        const blobs = await reader.getBlobsByVersionedHashes(sent.versionedHashes, { blockId: sent.blockHash });
        expect(new TextDecoder().decode(decodeBlobs(blobs))).to.equal("second tx");
      } finally {
        await l1Server.close();
      }
    });
  });

  describe("reader", () => {
    const hashes = () => [s2.versionedHashes[0], s1.versionedHashes[0], s1.versionedHashes[1]];

    it("reads verified blobs by versioned hash from the archive, with or without a block id", async () => {
      const reader = createBlobReader({ archive });
      const blobs = await reader.getBlobsByVersionedHashes(hashes());
      expect(blobs.map(bytesToHex)).to.deep.equal([s2.blobs[0], s1.blobs[0], s1.blobs[1]].map(bytesToHex));
      const inBlock = await reader.getBlobsByVersionedHashes(s1.versionedHashes, { blockId: 10 });
      expect(Buffer.from(decodeBlobs(inBlock)).equals(Buffer.from(data1))).to.equal(true);
    });

    it("keeps blobs once checked: every leg of a shared advance asks for the same blob, fetched and KZG-checked once", async () => {
      let fetches = 0;
      const counting: typeof fetch = (input, init) => {
        fetches++;
        return fetch(input, init);
      };
      const reader = createBlobReader({ beaconUrl: server.url, fetch: counting });
      for (let leg = 0; leg < 5; leg++) {
        const blobs = await reader.getBlobsByVersionedHashes(s1.versionedHashes, { blockId: 10 });
        expect(Buffer.from(decodeBlobs(blobs)).equals(Buffer.from(data1))).to.equal(true);
      }
      expect(fetches).to.equal(1);
      // A hash not kept yet: fetched (the block's sidecars), then kept beside the others.
      await reader.getBlobsByVersionedHashes([s2.versionedHashes[0]!, s1.versionedHashes[0]!], { blockId: h("aa") });
      await reader.getBlobsByVersionedHashes([s2.versionedHashes[0]!], { blockId: h("aa") });
      expect(fetches).to.equal(2);
    });

    it("reads the same blobs through the beacon API of the archive server", async () => {
      const reader = createBlobReader({ beaconUrl: server.url + "/" });
      const blobs = await reader.getBlobsByVersionedHashes(hashes(), { blockId: h("aa") });
      expect(blobs.map(bytesToHex)).to.deep.equal([s2.blobs[0], s1.blobs[0], s1.blobs[1]].map(bytesToHex));
    });

    it("throws BlobNotFoundError for a hash not in the block or unknown block, and needs a block id for beacon", async () => {
      const beacon = createBlobReader({ beaconUrl: server.url });
      const notInBlock = await rejection(beacon.getBlobsByVersionedHashes([s3.versionedHashes[0]], { blockId: 10 }));
      expect(notInBlock).to.be.instanceOf(BlobNotFoundError).and.include({ versionedHash: s3.versionedHashes[0], blockId: "10" });
      expect(await rejection(beacon.getBlobsByVersionedHashes([s3.versionedHashes[0]], { blockId: 11 }))).to.be.instanceOf(
        BlobNotFoundError,
      );
      expect(await rejection(beacon.getBlobsByVersionedHashes([s3.versionedHashes[0]]))).to.be.instanceOf(
        BlobBlockIdRequiredError,
      );
      const local = createBlobReader({ archive });
      expect(await rejection(local.getBlobsByVersionedHashes([h("01")]))).to.be.instanceOf(BlobNotFoundError);
    });

    it("throws BeaconApiError when the beacon API fails or answers garbage", async () => {
      const stub = http.createServer((req, res) => {
        if (req.url!.includes("/500")) {
          res.writeHead(500).end(JSON.stringify({ code: 500, message: "boom" }));
        } else {
          res.writeHead(200).end(JSON.stringify({ data: [{ blob: "0x12", kzg_commitment: "0x34" }] }));
        }
      });
      await new Promise<void>((r) => stub.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
      try {
        const reader = createBlobReader({ beaconUrl: url });
        const failed = await rejection(reader.getBlobsByVersionedHashes([h("01")], { blockId: 500 }));
        expect(failed).to.be.instanceOf(BeaconApiError).and.include({ status: 500 });
        expect(failed.message).to.contain("boom");
        const garbage = await rejection(reader.getBlobsByVersionedHashes([h("01")], { blockId: 1 }));
        expect(garbage).to.be.instanceOf(BeaconApiError);
        expect(garbage.message).to.contain("sidecar 0");
      } finally {
        stub.closeAllConnections();
        await new Promise((r) => stub.close(r));
      }
    });

    it("throws BlobHashMismatchError for a tampered archive entry, locally and over HTTP", async () => {
      // Flip one payload byte of the stored blob behind the archive's back (the top byte stays
      // < 0x40, so it is still a valid blob — just not the one committed to).
      const db = new DatabaseSync(path.join(dir, BLOB_ARCHIVE_FILE));
      const target = s3.versionedHashes[0];
      const row = db.prepare("SELECT blob FROM sidecars WHERE versioned_hash = ?").get(target) as { blob: Uint8Array };
      const tampered = Uint8Array.from(row.blob);
      tampered[40] ^= 0x01;
      db.prepare("UPDATE sidecars SET blob = ? WHERE versioned_hash = ?").run(tampered, target);
      db.close();

      const local = await rejection(createBlobReader({ archive }).getBlobsByVersionedHashes([target]));
      expect(local).to.be.instanceOf(BlobHashMismatchError).and.include({ expected: target });
      expect(local.got).to.match(/^0x01[0-9a-f]{62}$/).and.not.equal(target);
      const remote = await rejection(
        createBlobReader({ beaconUrl: server.url }).getBlobsByVersionedHashes([target], { blockId: 12 }),
      );
      expect(remote).to.be.instanceOf(BlobHashMismatchError).and.include({ expected: target, got: local.got });
    });
  });
});
