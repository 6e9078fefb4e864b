/**
 * MerkleTrie (contracts/libraries/MerkleTrie.sol) against proofs made by @ethereumjs/mpt: random
 * secure tries of many sizes (inclusion and exclusion), raw tries with embedded nodes, and
 * forged, truncated, extended and reordered proofs, each of which must revert with its own error.
 */
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { expect } from "chai";
import { keccak256, type Contract } from "ethers";
import { network } from "hardhat";
import { createRng } from "../../blobs/fixtures.js";

const { ethers } = await network.create();

const EMPTY_TRIE_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

/** A 32-byte word from a seeded generator. */
function word(rng: () => number): Uint8Array {
  return Uint8Array.from({ length: 32 }, () => Math.floor(rng() * 256));
}

/** The RLP of a storage value as a trie stores it: the big-endian integer without leading zeros. */
function storageRlp(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  return RLP.encode(hexToBytes(`0x${hex}`));
}

async function proofOf(trie: MerklePatriciaTrie, key: Uint8Array): Promise<string[]> {
  return (await createMerkleProof(trie, key)).map((node) => bytesToHex(node));
}

describe("MerkleTrie", function () {
  let harness: Contract;

  before(async function () {
    harness = (await ethers.deployContract("MerkleTrieHarness")) as unknown as Contract;
  });

  it("proves every present slot and absent slots of random secure tries of 1 to 2,000 slots", async function () {
    const rng = createRng(7);
    for (const size of [1, 2, 3, 5, 17, 40, 150, 600, 2000]) {
      const trie = await createMPT({ useKeyHashing: true });
      const slots: [Uint8Array, bigint][] = [];
      for (let i = 0; i < size; i++) {
        const slot = word(rng);
        // Values of every length: 1 byte to 32 bytes.
        const value = BigInt(bytesToHex(word(rng))) >> BigInt(8 * Math.floor(rng() * 32));
        const nonZero = value === 0n ? 1n : value;
        await trie.put(slot, storageRlp(nonZero));
        slots.push([slot, nonZero]);
      }
      const root = bytesToHex(trie.root());
      const sample = slots.filter((_, i) => i < 6 || i === slots.length - 1);
      for (const [slot, value] of sample) {
        const proof = await proofOf(trie, slot);
        expect(await harness.getFunction("storageValue")(root, bytesToHex(slot), proof)).to.equal(value);
      }
      for (let i = 0; i < 4; i++) {
        const absent = word(rng);
        const proof = await proofOf(trie, absent);
        expect(await harness.getFunction("storageValue")(root, bytesToHex(absent), proof), `size ${size}`).to.equal(0n);
      }
    }
  });

  it("proves an account's storage root, and an absent account as the empty root", async function () {
    const rng = createRng(11);
    const trie = await createMPT({ useKeyHashing: true });
    const accounts: [string, string][] = [];
    for (let i = 0; i < 300; i++) {
      const address = bytesToHex(word(rng).slice(0, 20));
      const storageRoot = bytesToHex(word(rng));
      const account = RLP.encode([BigInt(i), 10n ** 18n * BigInt(i), hexToBytes(storageRoot as `0x${string}`), word(rng)]);
      await trie.put(hexToBytes(address as `0x${string}`), account);
      accounts.push([address, storageRoot]);
    }
    const root = bytesToHex(trie.root());
    for (const [address, storageRoot] of accounts.slice(0, 5)) {
      const proof = await proofOf(trie, hexToBytes(address as `0x${string}`));
      const [exists, got] = await harness.getFunction("storageRoot")(root, address, proof);
      expect([exists, got]).to.deep.equal([true, storageRoot]);
    }
    const absent = "0x5500000000000000000000000000000000000002";
    const [exists, got] = await harness.getFunction("storageRoot")(root, absent, await proofOf(trie, hexToBytes(absent)));
    expect([exists, got]).to.deep.equal([false, EMPTY_TRIE_ROOT]);
  });

  it("proves absence in the empty trie (no node, or the node rlp(''))", async function () {
    const slot = keccak256("0x01");
    expect(await harness.getFunction("storageValue")(EMPTY_TRIE_ROOT, slot, [])).to.equal(0n);
    expect(await harness.getFunction("storageValue")(EMPTY_TRIE_ROOT, slot, ["0x80"])).to.equal(0n);
    await expect(harness.getFunction("storageValue")(EMPTY_TRIE_ROOT, slot, ["0x80", "0x80"]))
      .to.be.revertedWithCustomError(harness, "MerkleTrie_ProofTooLong")
      .withArgs(0n, 2n);
  });

  it("walks embedded (< 32-byte) nodes, whether the proof repeats them or not", async function () {
    // Raw (unhashed) keys sharing 31 bytes: the leaves below the last branch are tiny and embedded.
    const trie = await createMPT();
    const prefix = new Uint8Array(31).fill(0xab);
    const keys = [0x00, 0x01, 0x10, 0x11, 0x12, 0xf0].map((last) => Uint8Array.from([...prefix, last]));
    for (const [i, key] of keys.entries()) await trie.put(key, Uint8Array.from([i + 1]));
    // A few far keys so the root is a branch.
    for (let i = 0; i < 20; i++) await trie.put(Uint8Array.from({ length: 32 }, (_, j) => (i * 13 + j) & 0xff), Uint8Array.from([0x42, i]));
    const root = bytesToHex(trie.root());
    let sawEmbedded = false;
    for (const [i, key] of keys.entries()) {
      const full = await proofOf(trie, key);
      if (full.some((node) => node.length < 2 + 64)) sawEmbedded = true;
      // As geth sends it: embedded nodes are not separate entries.
      const geth = full.filter((node, j) => j === 0 || node.length >= 2 + 64);
      for (const proof of [full, geth]) {
        const [exists, value] = await harness.getFunction("get")(root, bytesToHex(key), proof);
        expect([exists, value]).to.deep.equal([true, bytesToHex(Uint8Array.from([i + 1]))]);
      }
    }
    expect(sawEmbedded).to.equal(true);
    const absent = Uint8Array.from([...prefix, 0x13]);
    const [exists] = await harness.getFunction("get")(root, bytesToHex(absent), await proofOf(trie, absent));
    expect(exists).to.equal(false);
  });

  it("proves storage values at the RLP boundaries: 0x7f, 0x80, 0xff, 2^255 and 2^256 - 1 (exactly 32 bytes)", async function () {
    const rng = createRng(23);
    const trie = await createMPT({ useKeyHashing: true });
    const values = [0x7fn, 0x80n, 0xffn, 1n << 255n, (1n << 256n) - 1n];
    const slots = values.map(() => word(rng));
    for (const [i, value] of values.entries()) await trie.put(slots[i]!, storageRlp(value));
    for (let i = 0; i < 50; i++) await trie.put(word(rng), storageRlp(BigInt(i + 1)));
    const root = bytesToHex(trie.root());
    for (const [i, value] of values.entries()) {
      const proof = await proofOf(trie, slots[i]!);
      expect(await harness.getFunction("storageValue")(root, bytesToHex(slots[i]!), proof)).to.equal(value);
    }
  });

  it("walks extension nodes: inclusion below one, exclusion where the key leaves its path", async function () {
    // Raw keys sharing 16 bytes: an extension over the shared part, a branch (by hash) below it.
    const rng = createRng(29);
    const trie = await createMPT();
    const prefix = Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
    const keys = [0, 1, 2].map((i) => Uint8Array.from([...prefix, i * 0x40, ...word(rng).slice(0, 15)]));
    for (const [i, key] of keys.entries()) await trie.put(key, Uint8Array.from([0xee, i]));
    const root = bytesToHex(trie.root());
    const isExtension = (node: string) => {
      const items = RLP.decode(node) as Uint8Array[];
      return items.length === 2 && items[0]![0]! >> 4 < 2;
    };
    for (const [i, key] of keys.entries()) {
      const proof = await proofOf(trie, key);
      expect(proof.some(isExtension), "the proof walks an extension").to.equal(true);
      const [exists, value] = await harness.getFunction("get")(root, bytesToHex(key), proof);
      expect([exists, value]).to.deep.equal([true, bytesToHex(Uint8Array.from([0xee, i]))]);
    }
    // Diverges inside the extension's path (byte 5): the proof ends at the extension.
    const absent = Uint8Array.from(keys[0]!);
    absent[5] ^= 0x01;
    const proof = await proofOf(trie, absent);
    expect(isExtension(proof.at(-1)!)).to.equal(true);
    const [exists] = await harness.getFunction("get")(root, bytesToHex(absent), proof);
    expect(exists).to.equal(false);
  });

  it("reads long-form headers: values of 56 and 300 bytes in nodes longer than 55 bytes", async function () {
    const trie = await createMPT();
    const values = [56, 300].map((n) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));
    const keys = [Uint8Array.from([0x12, 0x34]), Uint8Array.from([0x56, 0x78])];
    for (const [i, key] of keys.entries()) await trie.put(key, values[i]!);
    const root = bytesToHex(trie.root());
    for (const [i, key] of keys.entries()) {
      const proof = await proofOf(trie, key);
      // 0xf8/0xf9: a list whose length takes 1 or 2 more bytes.
      expect(proof.every((node) => node.startsWith("0xf8") || node.startsWith("0xf9"))).to.equal(true);
      const [exists, value] = await harness.getFunction("get")(root, bytesToHex(key), proof);
      expect([exists, value]).to.deep.equal([true, bytesToHex(values[i]!)]);
    }
  });

  it("reads a branch's own value (keys of different lengths), present and absent", async function () {
    const trie = await createMPT();
    await trie.put(Uint8Array.from([0xab]), Uint8Array.from({ length: 40 }, () => 0x01));
    await trie.put(Uint8Array.from([0xab, 0xcd]), Uint8Array.from({ length: 40 }, () => 0x02));
    await trie.put(Uint8Array.from([0xab, 0xef]), Uint8Array.from({ length: 40 }, () => 0x03));
    const root = bytesToHex(trie.root());
    const key = Uint8Array.from([0xab]);
    const [exists, value] = await harness.getFunction("get")(root, bytesToHex(key), await proofOf(trie, key));
    expect([exists, value]).to.deep.equal([true, bytesToHex(Uint8Array.from({ length: 40 }, () => 0x01))]);
    const other = await createMPT();
    await other.put(Uint8Array.from([0xab, 0xcd]), Uint8Array.from({ length: 40 }, () => 0x02));
    await other.put(Uint8Array.from([0xab, 0xef]), Uint8Array.from({ length: 40 }, () => 0x03));
    const [absent] = await harness.getFunction("get")(bytesToHex(other.root()), bytesToHex(key), await proofOf(other, key));
    expect(absent).to.equal(false);
  });

  it("rejects a repeated embedded node that differs from the embedded bytes", async function () {
    const trie = await createMPT();
    const prefix = new Uint8Array(31).fill(0xab);
    for (const last of [0x00, 0x01, 0x10]) await trie.put(Uint8Array.from([...prefix, last]), Uint8Array.from([last + 1]));
    for (let i = 0; i < 20; i++) await trie.put(Uint8Array.from({ length: 32 }, (_, j) => (i * 13 + j) & 0xff), Uint8Array.from([0x42, i]));
    const root = bytesToHex(trie.root());
    const key = Uint8Array.from([...prefix, 0x01]);
    const full = await proofOf(trie, key);
    const last = full.at(-1)!;
    expect(last.length).to.be.lessThan(2 + 64); // embedded, repeated
    // Same length, one byte changed: not taken as the copy, so it is an extra node.
    const changed = last.slice(0, -2) + (last.endsWith("ff") ? "fe" : "ff");
    await expect(harness.getFunction("get")(root, bytesToHex(key), [...full.slice(0, -1), changed]))
      .to.be.revertedWithCustomError(harness, "MerkleTrie_ProofTooLong")
      .withArgs(BigInt(full.length - 1), BigInt(full.length));
  });

  describe("rejects proofs that prove nothing", function () {
    let trie: MerklePatriciaTrie;
    let root: string;
    let slot: Uint8Array;
    let proof: string[];

    before(async function () {
      const rng = createRng(3);
      trie = await createMPT({ useKeyHashing: true });
      for (let i = 0; i < 500; i++) await trie.put(word(rng), storageRlp(BigInt(i + 1)));
      slot = word(rng);
      await trie.put(slot, storageRlp(1n));
      root = bytesToHex(trie.root());
      proof = await proofOf(trie, slot);
      expect(proof.length).to.be.greaterThan(2);
    });

    const value = (p: string[], r = root, s = bytesToHex(slot)) => harness.getFunction("storageValue")(r, s, p);

    it("a proof against another root", async function () {
      const other = keccak256("0x1234");
      await expect(value(proof, other))
        .to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNodeHash")
        .withArgs(0n, other, keccak256(proof[0]!));
    });

    it("a forged leaf (value changed to 2)", async function () {
      const leaf = RLP.decode(proof.at(-1)!) as Uint8Array[];
      const forged = bytesToHex(RLP.encode([leaf[0]!, storageRlp(2n)]));
      const parentRef = keccak256(proof.at(-1)!);
      await expect(value([...proof.slice(0, -1), forged]))
        .to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNodeHash")
        .withArgs(BigInt(proof.length - 1), parentRef, keccak256(forged));
    });

    it("a truncated proof (last node dropped)", async function () {
      await expect(value(proof.slice(0, -1)))
        .to.be.revertedWithCustomError(harness, "MerkleTrie_ProofTooShort")
        .withArgs(BigInt(proof.length - 1));
    });

    it("an empty proof for a non-empty trie", async function () {
      await expect(value([])).to.be.revertedWithCustomError(harness, "MerkleTrie_ProofTooShort").withArgs(0n);
    });

    it("an extra node after the leaf", async function () {
      await expect(value([...proof, proof.at(-1)!]))
        .to.be.revertedWithCustomError(harness, "MerkleTrie_ProofTooLong")
        .withArgs(BigInt(proof.length), BigInt(proof.length + 1));
    });

    it("reordered nodes", async function () {
      const swapped = [proof[1]!, proof[0]!, ...proof.slice(2)];
      await expect(value(swapped)).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNodeHash").withArgs(0n, root, keccak256(proof[1]!));
      const tail = [...proof.slice(0, -2), proof.at(-1)!, proof.at(-2)!];
      await expect(value(tail)).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNodeHash");
    });

    it("another slot's proof for this slot (the path leads elsewhere: absent, not its value)", async function () {
      const other = word(createRng(99));
      // The proof of `slot`, read for `other`: it either proves `other` absent or fails a hash.
      const result = await value(proof, root, bytesToHex(other)).catch((error: Error) => error);
      if (typeof result === "bigint") expect(result).to.equal(0n);
      else expect(String(result)).to.match(/MerkleTrie_(InvalidNodeHash|ProofTooLong|ProofTooShort)/);
    });

    it("a root that is a malformed node (not a list)", async function () {
      const node = "0x8412345678";
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
    });

    it("a node of 3 items", async function () {
      const node = bytesToHex(RLP.encode([Uint8Array.from([0x20]), Uint8Array.from([1]), Uint8Array.from([2])]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNode").withArgs(0n, 3n);
    });

    it("a node with trailing bytes after its list", async function () {
      const node = proof[0]! + "00";
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
    });

    it("a non-canonical long length (leading zero)", async function () {
      // 0xb9 0x00 0x40: a 64-byte string whose 2-byte length starts with zero.
      const node = bytesToHex(Uint8Array.from([0xf8, 0x45, 0x81, 0x20, 0xb9, 0x00, 0x40, ...new Uint8Array(64)]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
    });

    it("a bad hex-prefix flag", async function () {
      const node = bytesToHex(RLP.encode([Uint8Array.from([0x40]), storageRlp(1n)]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidPath").withArgs(0n);
    });

    it("a branch child that is neither a hash nor embedded (a 5-byte string)", async function () {
      const items: Uint8Array[] = Array.from({ length: 17 }, () => new Uint8Array(0));
      for (let i = 0; i < 16; i++) items[i] = Uint8Array.from([1, 2, 3, 4, 5]);
      const node = bytesToHex(RLP.encode(items));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidChildReference").withArgs(0n, 5n);
    });

    it("a leaf with an empty value", async function () {
      const key = hexToBytes(keccak256(slot) as `0x${string}`);
      const node = bytesToHex(RLP.encode([Uint8Array.from([0x20, ...key]), new Uint8Array(0)]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_EmptyValue").withArgs(0n);
    });

    it("a storage value longer than 32 bytes", async function () {
      const key = hexToBytes(keccak256(slot) as `0x${string}`);
      const node = bytesToHex(RLP.encode([Uint8Array.from([0x20, ...key]), RLP.encode(new Uint8Array(33).fill(1))]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidStorageValue");
    });

    it("a non-canonical item: a single byte below 0x80 in a header, a long length below 56", async function () {
      // rlp([0x8105 (must be 0x05), value]): 0x81 0x05 is a non-canonical single byte.
      const single = bytesToHex(Uint8Array.from([0xc4, 0x81, 0x05, 0x81, 0x99]));
      await expect(value([single], keccak256(single))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
      // A 32-byte string in long form (0xb8 0x20): canonical is 0xa0.
      const long = bytesToHex(Uint8Array.from([0xe4, 0xb8, 0x20, ...new Uint8Array(32).fill(7), 0x01]));
      await expect(value([long], keccak256(long))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
    });

    it("a branch whose last 32-byte reference overruns the node", async function () {
      // 16 empty slots, then 0xa0 with 10 of its 32 bytes: the list's length covers only those.
      const node = bytesToHex(Uint8Array.from([0xc0 + 27, ...new Uint8Array(16).fill(0x80), 0xa0, ...new Uint8Array(10).fill(1)]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidRlp").withArgs(0n);
    });

    it("a node of 18 items", async function () {
      const node = bytesToHex(RLP.encode(Array.from({ length: 18 }, () => new Uint8Array(0))));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidNode").withArgs(0n, 18n);
    });

    it("an extension with an empty path", async function () {
      const node = bytesToHex(RLP.encode([Uint8Array.from([0x00]), hexToBytes(keccak256("0x01") as `0x${string}`)]));
      await expect(value([node], keccak256(node))).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidPath").withArgs(0n);
    });

    it("a storage value in a non-canonical or oversized encoding", async function () {
      const key = hexToBytes(keccak256(slot) as `0x${string}`);
      const leaf = (stored: Uint8Array) => bytesToHex(RLP.encode([Uint8Array.from([0x20, ...key]), stored]));
      // 0x81 0x05: the byte 0x05 must be encoded as itself; 0x80: the empty string; a list.
      for (const stored of [Uint8Array.from([0x81, 0x05]), Uint8Array.from([0x80]), Uint8Array.from([0xc1, 0x01]), Uint8Array.from([0x83, 0x01, 0x02])]) {
        const node = leaf(stored);
        await expect(value([node], keccak256(node)), bytesToHex(stored)).to.be.revertedWithCustomError(harness, "MerkleTrie_InvalidStorageValue");
      }
      const ok = leaf(Uint8Array.from([0x82, 0x01, 0x02]));
      expect(await value([ok], keccak256(ok))).to.equal(0x0102n);
    });

    it("costs: one storage proof of a 501-slot trie", async function () {
      const gas = await harness.getFunction("storageValueGas")(root, bytesToHex(slot), proof);
      console.log(`      MerkleTrie.storageValue: ${gas} gas for ${proof.length} nodes (${proof.reduce((n, p) => n + (p.length - 2) / 2, 0)} bytes)`);
      expect(gas).to.be.lessThan(150_000n);
    });
  });
});
