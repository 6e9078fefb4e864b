import { expect } from "chai";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, MapDB } from "@ethereumjs/util";
import { keccak256 } from "../../src/engine/crypto.js";
import { orderedTrieRoot, orderedTrieRootSliced } from "../../src/engine/ordered-trie.js";
import type { Slicer } from "../../src/engine/slice.js";
import { applyTrieWrites } from "../../src/engine/trie-batch.js";

/** A slicer that yields on every call and counts the yields (the real one yields every 8 ms). */
function everyTime(): { slice: Slicer; yields: () => number } {
  let yields = 0;
  return {
    slice: async () => {
      yields++;
      await new Promise((resolve) => setImmediate(resolve));
    },
    yields: () => yields,
  };
}

describe("engine: roots computed in slices give the thread back and the same root (issue 14 item 8)", function () {
  this.timeout(60_000);
  let state = 0x1234567;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const bytes = (length: number) => new Uint8Array(length).map(() => next() & 0xff);

  it("applyTrieWrites with a slicer: the root of the same writes without, and other work runs while it computes", async function () {
    const db = new MapDB<string, Uint8Array>();
    const base = new MerklePatriciaTrie({ db, useKeyHashing: true });
    await applyTrieWrites(base, Array.from({ length: 300 }, () => ({ key: bytes(20), value: bytes(70) })), keccak256);
    const writes = Array.from({ length: 400 }, (_, i) => ({ key: i % 2 === 0 ? bytes(20) : bytes(20), value: i % 7 === 0 ? undefined : bytes(70) }));
    const plain = await applyTrieWrites(base.shallowCopy(false), writes, keccak256);
    const { slice, yields } = everyTime();
    let ranMeanwhile = 0;
    const timer = setInterval(() => ranMeanwhile++, 0);
    const sliced = await applyTrieWrites(base.shallowCopy(false), writes, keccak256, slice);
    clearInterval(timer);
    expect(bytesToHex(sliced)).to.equal(bytesToHex(plain));
    expect(yields()).to.be.above(100);
    expect(ranMeanwhile).to.be.above(0);
  });

  it("orderedTrieRootSliced: the root orderedTrieRoot computes, for 1 to 2,000 entries keyed RLP(index), yielding only between large subtrees", async function () {
    for (const count of [1, 2, 17, 64, 65, 200, 1_000, 2_000]) {
      const entries: [Uint8Array, Uint8Array][] = Array.from({ length: count }, (_, i) => [RLP.encode(i), bytes(1 + (next() % 120))]);
      const { slice, yields } = everyTime();
      expect(bytesToHex(await orderedTrieRootSliced(entries, keccak256, slice)), `${count} entries`).to.equal(bytesToHex(orderedTrieRoot(entries, keccak256)));
      if (count <= 64) expect(yields(), `${count} entries`).to.equal(0);
      else expect(yields(), `${count} entries`).to.be.above(0);
    }
  });
});
