import { expect } from "chai";
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, ecrecover, hexToBytes } from "@ethereumjs/util";
import { keccak_256 as nobleKeccak256 } from "@noble/hashes/sha3.js";
import { Wallet } from "ethers";
import { createL2Common, nativeEcrecoverStatus } from "../../src/engine/index.js";
import { keccak256 } from "../../src/engine/crypto.js";

describe("engine: native sender recovery", function () {
  it("loads the native libsecp256k1 binding (not a silent JS fallback)", function () {
    const status = nativeEcrecoverStatus();
    expect(status.native, status.reason).to.equal(true);
  });

  it("recovers the same senders as ethereumjs's default, for typed and EIP-155 legacy transactions", async function () {
    const l2 = createL2Common(167_001n);
    const plain = createCustomCommon({ chainId: 167_001 }, Mainnet, { hardfork: Hardfork.Osaka });
    for (let i = 0; i < 40; i++) {
      const wallet = Wallet.createRandom();
      const raw = await wallet.signTransaction({
        type: i % 2 === 0 ? 2 : 0,
        chainId: 167_001n,
        nonce: i,
        to: wallet.address,
        gasLimit: 21_000n,
        ...(i % 2 === 0 ? { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n } : { gasPrice: 10n ** 10n }),
      });
      const fast = createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: l2 });
      const slow = createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: plain });
      expect(fast.getSenderAddress().toString()).to.equal(wallet.address.toLowerCase());
      expect(bytesToHex(fast.getSenderPublicKey())).to.equal(bytesToHex(slow.getSenderPublicKey()));
    }
  });

  it("rejects a bad recovery id like the default", function () {
    const ecrecoverNative = createL2Common(1n).customCrypto.ecrecover!;
    const hash = new Uint8Array(32).fill(1);
    const r = new Uint8Array(32).fill(2);
    expect(() => ecrecoverNative(hash, 5n, r, r)).to.throw(/v value/);
    expect(() => ecrecover(hash, 5n, r, r)).to.throw(/v value/);
  });
});

describe("engine: keccak-256 (hash-wasm, Common.customCrypto.keccak256)", function () {
  it("is the engine Common's keccak", function () {
    expect(createL2Common(1n).customCrypto.keccak256).to.equal(keccak256);
  });

  it("gives the same digests as @noble/hashes on 3,000 random inputs of random lengths, views included", function () {
    // A seeded generator: a failure names an input that can be made again.
    let state = 0x9e3779b9;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return state >>> 0;
    };
    for (let i = 0; i < 3000; i++) {
      // Mostly the trie's sizes (0–600 bytes), around the 136-byte rate, and some large inputs
      // (contract code, initcode: past hash-wasm's 16 KiB chunk).
      const length = i % 50 === 0 ? next() % 70_000 : i % 3 === 0 ? 130 + (next() % 14) : next() % 600;
      const buffer = new Uint8Array(length + 16).map(() => next() & 0xff);
      const offset = next() % 16;
      const input = buffer.subarray(offset, offset + length); // a view with a byte offset
      const got = keccak256(input);
      expect(bytesToHex(got), `input ${i}, ${length} bytes at offset ${offset}`).to.equal(bytesToHex(nobleKeccak256(input)));
      expect(got.length).to.equal(32);
    }
  });

  it("returns a fresh array each call (not a view into WebAssembly memory)", function () {
    const a = keccak256(new Uint8Array([1]));
    const copy = bytesToHex(a);
    keccak256(new Uint8Array([2]));
    expect(bytesToHex(a)).to.equal(copy);
  });
});
