import { expect } from "chai";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex } from "@ethereumjs/util";
import { keccak256 } from "../../src/engine/crypto.js";
import { orderedTrieRoot } from "../../src/engine/ordered-trie.js";

/** The root `MerklePatriciaTrie` computes for the same entries, put one by one. */
async function referenceRoot(entries: [Uint8Array, Uint8Array][]): Promise<string> {
  const trie = new MerklePatriciaTrie();
  for (const [key, value] of entries) await trie.put(key, value);
  return bytesToHex(trie.root());
}

describe("engine: orderedTrieRoot (one-pass Merkle-Patricia root of the transactions and receipts tries)", function () {
  // A seeded generator: a failure names a case that can be made again.
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const bytes = (length: number) => new Uint8Array(length).map(() => next() & 0xff);

  it("matches MerklePatriciaTrie for RLP(index) keys, 0 to 3,000 entries, values of 1 to 300 bytes (small ones embedded)", async function () {
    for (const count of [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 255, 256, 257, 1000, 3000]) {
      const entries: [Uint8Array, Uint8Array][] = Array.from({ length: count }, (_, i) => [RLP.encode(i), bytes(1 + (next() % 300))]);
      expect(bytesToHex(orderedTrieRoot(entries, keccak256)), `${count} entries`).to.equal(await referenceRoot(entries));
    }
  });

  it("matches MerklePatriciaTrie for random keys of random lengths, keys that are prefixes of others included", async function () {
    for (let round = 0; round < 60; round++) {
      const keys = new Map<string, Uint8Array>();
      const count = 1 + (next() % 40);
      while (keys.size < count) {
        // Short keys over a small alphabet share prefixes and are prefixes of each other.
        const key = new Uint8Array(1 + (next() % 4)).map(() => [0x00, 0x01, 0x10, 0x11, 0xff][next() % 5]!);
        keys.set(bytesToHex(key), key);
      }
      const entries: [Uint8Array, Uint8Array][] = [...keys.values()].map((key) => [key, bytes(1 + (next() % (round % 2 === 0 ? 8 : 100)))]);
      expect(bytesToHex(orderedTrieRoot(entries, keccak256)), `round ${round}`).to.equal(await referenceRoot(entries));
    }
  });
});
