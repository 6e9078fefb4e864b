import { createHash } from "node:crypto";
import { expect } from "chai";
import {
  BYTES_PER_BLOB,
  BlobKzgError,
  BlobHashMismatchError,
  assertBlobMatchesHash,
  blobToCommitment,
  computeBlobProof,
  encodeBlobs,
  getKzg,
  makeSidecar,
  toVersionedHash,
  verifyBlobProof,
} from "../../src/blobs/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("blobs/kzg", function () {
  // The first call loads the trusted setup (~2–3 s).
  this.timeout(60_000);
  before(() => getKzg());

  it("commits to the zero blob with the point at infinity and its well-known versioned hash", () => {
    const commitment = blobToCommitment(new Uint8Array(BYTES_PER_BLOB));
    expect(hex(commitment)).to.equal("c0" + "00".repeat(47));
    expect(toVersionedHash(commitment)).to.equal("0x010657f37554c781402a22917dee2f75def7ab966d7b770905398eba3c444014");
  });

  it("computes the versioned hash as 0x01 ‖ sha256(commitment)[1:] (checked by an independent computation)", () => {
    const [blob] = encodeBlobs(new TextEncoder().encode("hello, blobs"));
    const commitment = blobToCommitment(blob);
    const digest = createHash("sha256").update(commitment).digest("hex");
    expect(toVersionedHash(commitment)).to.equal("0x01" + digest.slice(2));
    // Pinned (docs/blobs.md): the commitment of the "hello, blobs" blob.
    expect(hex(commitment)).to.equal(
      "a3f9c1bf192854e43f65f20617a987368e127efc18373e8f32f3da99dc4fbfbd02c810995959469bab4b4a3b3f00c05f",
    );
    expect(toVersionedHash(commitment)).to.equal("0x01b1214c0495b524aab1197c4039e4e81e3d893fc5981961662c8b37d713b5e3");
  });

  it("produces a blob proof that verifies, and rejects it for another blob or commitment", () => {
    const [a] = encodeBlobs(new TextEncoder().encode("blob a"));
    const [b] = encodeBlobs(new TextEncoder().encode("blob b"));
    const ca = blobToCommitment(a);
    const pa = computeBlobProof(a, ca);
    expect(pa).to.have.length(48);
    expect(verifyBlobProof(a, ca, pa)).to.equal(true);
    expect(verifyBlobProof(b, ca, pa)).to.equal(false);
    expect(verifyBlobProof(a, blobToCommitment(b), pa)).to.equal(false);
    expect(verifyBlobProof(a, ca, new Uint8Array(48))).to.equal(false); // not a curve point
  });

  it("builds a sidecar with one commitment, proof and versioned hash per blob", () => {
    const blobs = encodeBlobs(new Uint8Array(200_000).fill(7));
    const sidecar = makeSidecar(blobs);
    expect(sidecar.blobs).to.have.length(2);
    expect(sidecar.commitments).to.have.length(2);
    expect(sidecar.proofs).to.have.length(2);
    expect(sidecar.versionedHashes).to.deep.equal(sidecar.commitments.map(toVersionedHash));
    sidecar.blobs.forEach((blob, i) => expect(verifyBlobProof(blob, sidecar.commitments[i], sidecar.proofs[i])).to.equal(true));
  });

  it("throws BlobKzgError for a blob with a field element ≥ the BLS modulus or the wrong size", () => {
    const bad = new Uint8Array(BYTES_PER_BLOB);
    bad.fill(0xff, 0, 32);
    expect(() => blobToCommitment(bad)).to.throw(BlobKzgError, /blobToCommitment/);
    expect(() => blobToCommitment(new Uint8Array(10))).to.throw(BlobKzgError, /10 bytes/);
  });

  it("checks a blob against its versioned hash with the sidecar's proof, or by recomputing the commitment", () => {
    const [blobA, blobB] = encodeBlobs(new Uint8Array(200_000).map((_, i) => (i * 31) % 256));
    const { commitments, proofs, versionedHashes } = makeSidecar([blobA!, blobB!]);
    const [commitment, proof, hash] = [commitments[0]!, proofs[0]!, versionedHashes[0]!];
    assertBlobMatchesHash({ blob: blobA!, commitment, proof }, hash);
    assertBlobMatchesHash(blobA!, hash);
    // Another blob under the right commitment and proof: the proof does not verify.
    expect(() => assertBlobMatchesHash({ blob: blobB!, commitment, proof }, hash)).to.throw(BlobHashMismatchError, /proof does not verify/);
    // Another blob's commitment and proof: the commitment hashes to another versioned hash.
    expect(() => assertBlobMatchesHash({ blob: blobB!, commitment: commitments[1]!, proof: proofs[1]! }, hash)).to.throw(BlobHashMismatchError, versionedHashes[1]!);
    expect(() => assertBlobMatchesHash(blobB!, hash)).to.throw(BlobHashMismatchError);
  });
});
