import { expect } from "chai";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { bytesToHex, hexToBytes, MapDB } from "@ethereumjs/util";
import { keccak256 } from "../../src/engine/crypto.js";
import { applyTrieWrites, type TrieWrite } from "../../src/engine/trie-batch.js";

/**
 * applyTrieWrites against MerklePatriciaTrie on random tries and random batches: inserts,
 * changes, deletions (collapsing branches and extensions), deletions of absent keys; short keys
 * over a small alphabet (shared prefixes, keys that are prefixes of others) and small values
 * (nodes embedded in their parent). The root must be that of a trie built afresh with the final
 * contents, and — for the state tries' 32-byte hashed keys — that of upstream's put/del one write
 * at a time. (With raw keys that are prefixes of others, upstream's incremental put/del can end
 * at a root other than its own fresh build of the same contents; state tries never have such keys.)
 */
describe("engine: applyTrieWrites (a batch of trie writes, each node re-hashed once)", function () {
  let state = 0x6d2b79f5;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const bytes = (length: number) => new Uint8Array(length).map(() => next() & 0xff);
  const shortKey = () => new Uint8Array(1 + (next() % 3)).map(() => [0x00, 0x01, 0x10, 0x11, 0x12, 0xf0][next() % 6]!);

  async function check(options: { hashedKeys: boolean; rounds: number; size: () => number; key: () => Uint8Array; valueLength: () => number }) {
    for (let round = 0; round < options.rounds; round++) {
      const db = new MapDB<string, Uint8Array>();
      const base = new MerklePatriciaTrie({ db, useKeyHashing: options.hashedKeys });
      const keys: Uint8Array[] = [];
      const size = options.size();
      for (let i = 0; i < size; i++) {
        const key = options.key();
        keys.push(key);
        await base.put(key, bytes(options.valueLength()));
      }
      const writes: TrieWrite[] = [];
      const count = 1 + (next() % Math.max(1, size));
      for (let i = 0; i < count; i++) {
        const existing = keys.length > 0 && next() % 2 === 0 ? keys[next() % keys.length]! : options.key();
        const kind = next() % 3;
        writes.push({ key: existing, value: kind === 0 ? undefined : kind === 1 && next() % 4 === 0 ? new Uint8Array(0) : bytes(options.valueLength()) });
      }
      // The final contents, and upstream's root for them built afresh.
      const contents = new Map<string, Uint8Array>();
      for (const key of keys) contents.set(bytesToHex(key), (await base.get(key))!);
      for (const write of writes) {
        if (write.value === undefined || write.value.length === 0) contents.delete(bytesToHex(write.key));
        else contents.set(bytesToHex(write.key), write.value);
      }
      const fresh = new MerklePatriciaTrie({ useKeyHashing: options.hashedKeys });
      for (const [key, value] of contents) await fresh.put(hexToBytes(key as `0x${string}`), value);

      const batched = base.shallowCopy(false);
      const root = await applyTrieWrites(batched, writes, keccak256);
      const label = `round ${round}: ${size} keys, ${writes.length} writes`;
      expect(bytesToHex(root), label).to.equal(bytesToHex(fresh.root()));
      expect(bytesToHex(batched.root())).to.equal(bytesToHex(root));
      if (options.hashedKeys) {
        const incremental = base.shallowCopy(false);
        for (const write of writes) {
          if (write.value === undefined || write.value.length === 0) await incremental.del(write.key);
          else await incremental.put(write.key, write.value);
        }
        expect(bytesToHex(root), `${label}, upstream one write at a time`).to.equal(bytesToHex(incremental.root()));
      }
      // The nodes it wrote are in the database: upstream reads every key back from the new root.
      for (const key of [...keys, ...writes.map((w) => w.key)]) {
        const got = await batched.get(key);
        const want = contents.get(bytesToHex(key));
        expect(got === null ? undefined : bytesToHex(got), label).to.equal(want === undefined ? undefined : bytesToHex(want));
      }
    }
  }

  it("short raw keys (prefixes of each other), small values: 400 random batches on tries of 0-40 keys", async function () {
    await check({ hashedKeys: false, rounds: 400, size: () => next() % 41, key: shortKey, valueLength: () => 1 + (next() % 40) });
  });

  it("hashed 32-byte keys as in the state tries: 40 random batches on tries of up to 400 keys", async function () {
    await check({ hashedKeys: true, rounds: 40, size: () => next() % 400, key: () => bytes(32), valueLength: () => 1 + (next() % 80) });
  });

  it("deleting every key leaves the empty trie; a batch on the empty trie builds it", async function () {
    const trie = new MerklePatriciaTrie({ db: new MapDB<string, Uint8Array>(), useKeyHashing: true });
    const keys = Array.from({ length: 50 }, () => bytes(20));
    const built = await applyTrieWrites(trie, keys.map((key) => ({ key, value: bytes(70) })), keccak256);
    const reference = new MerklePatriciaTrie({ useKeyHashing: true });
    for (const key of keys) await reference.put(key, (await trie.get(key))!);
    expect(bytesToHex(built)).to.equal(bytesToHex(reference.root()));
    const emptied = await applyTrieWrites(trie, keys.map((key) => ({ key, value: undefined })), keccak256);
    expect(bytesToHex(emptied)).to.equal(bytesToHex(trie.EMPTY_TRIE_ROOT));
  });
});
