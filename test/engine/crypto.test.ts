import { expect } from "chai";
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, ecrecover, hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { createL2Common, nativeEcrecoverStatus } from "../../src/engine/index.js";

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
