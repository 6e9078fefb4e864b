import { expect } from "chai";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { blobsToBlockData, blockDataToBlobs } from "../../src/blobs/da.js";
import { compressBatch } from "../../src/blobs/compression.js";
import { blobToCommitment, toVersionedHash } from "../../src/blobs/kzg.js";
import { decodeBlockData, encodeBlockData } from "../../src/engine/block-data.js";

const bytes = (hex: string) => hexToBytes(hex as `0x${string}`);

describe("blobs/da: a block's blob payload RLP([transactions, witness]) (docs/blobs.md §8)", function () {
  this.timeout(30_000);

  // The vectors of docs/blobs.md: payload, batch and the versioned hash of the one blob.
  for (const [transactions, witness, payload, batch, hash] of [
    ["0xc0", "0x", "0xc381c080", "0x0000000004c381c080", "0x0165a8403f9a168fb0d8f1bb433d857bd77b8487c86c10610450eeee9c29eb2b"],
    ["0xc0", "0xc3c0c0c0", "0xc781c084c3c0c0c0", "0x0000000008c781c084c3c0c0c0", "0x01d8583251037af21f6b02f2387be11ba65a094762f2fe4f1612868238f5a684"],
  ] as const) {
    it(`vector: transactions ${transactions}, witness ${witness}`, function () {
      const data = { transactions: bytes(transactions), witness: bytes(witness) };
      expect(bytesToHex(encodeBlockData(data))).to.equal(payload);
      expect(bytesToHex(compressBatch(encodeBlockData(data)))).to.equal(batch);
      const blobs = blockDataToBlobs(data.transactions, data.witness);
      expect(blobs).to.have.length(1);
      expect(toVersionedHash(blobToCommitment(blobs[0]!))).to.equal(hash);
      const back = blobsToBlockData(blobs);
      expect(bytesToHex(back.transactions)).to.equal(transactions);
      expect(bytesToHex(back.witness)).to.equal(witness);
    });
  }

  it("refuses a payload that is not exactly two byte strings", function () {
    for (const bad of ["0xc0", "0xc180", "0xc3808080", "0xc2c080", "0x80"]) {
      expect(() => decodeBlockData(bytes(bad)), bad).to.throw();
    }
  });
});
