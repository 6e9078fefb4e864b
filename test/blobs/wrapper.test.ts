import { expect } from "chai";
import { Transaction, Wallet } from "ethers";
import { makeSidecar } from "../../src/blobs/kzg.js";
import { blobNetworkWrapper } from "../../src/blobs/send.js";

describe("blobs: the EIP-4844 network wrapper", function () {
  this.timeout(60_000);

  it("encodes the same bytes as ethers' serialization of the transaction with its blobs, from the canonical encoding and the sidecar", async function () {
    const blobs = [1, 2].map((seed) => {
      const blob = new Uint8Array(131_072);
      for (let i = 0; i < blob.length; i += 32) blob[i + 1 + (seed % 30)] = (i / 32 + seed) & 0xff;
      return blob;
    });
    const sidecar = makeSidecar(blobs);
    const wallet = Wallet.createRandom();
    const fields = { type: 3, chainId: 31337n, nonce: 7, to: wallet.address, data: "0x1234", gasLimit: 100_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, maxFeePerBlobGas: 2n };
    const full = Transaction.from({ ...fields, blobs: sidecar.blobs.map((b, i) => ({ data: b, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })) });
    const hashesOnly = Transaction.from({ ...fields, blobVersionedHashes: sidecar.versionedHashes });
    expect(hashesOnly.unsignedHash).to.equal(full.unsignedHash);
    const signature = wallet.signingKey.sign(full.unsignedHash);
    full.signature = signature;
    hashesOnly.signature = signature;
    expect(blobNetworkWrapper(hashesOnly.serialized, sidecar)).to.equal(full.serialized);
    expect(hashesOnly.hash).to.equal(full.hash);
    expect(() => blobNetworkWrapper(Transaction.from({ ...fields, type: 2, maxFeePerBlobGas: undefined, signature }).serialized, sidecar)).to.throw(/not a type-3 transaction/);
  });
});
