import { expect } from "chai";
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { createL2Common } from "../../src/engine/index.js";
import { nativeEcrecover } from "../../src/engine/crypto.js";
import { prefetchSenders } from "../../src/engine/senders.js";

describe("engine: sender recovery ahead on a worker thread (a memo of ecrecover)", function () {
  const CHAIN_ID = 167_001n;
  let raws: Uint8Array[];
  let senders: string[];

  before(async function () {
    const wallets = Array.from({ length: 40 }, () => Wallet.createRandom());
    senders = wallets.map((w) => w.address.toLowerCase());
    raws = await Promise.all(
      wallets.map(async (wallet, i) =>
        hexToBytes(
          (await wallet.signTransaction({
            type: i % 3 === 0 ? 0 : 2, // EIP-155 legacy ones too: their v carries the chain id
            chainId: CHAIN_ID,
            nonce: i,
            to: wallet.address,
            gasLimit: 21_000n,
            ...(i % 3 === 0 ? { gasPrice: 10n ** 10n } : { maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n }),
          })) as `0x${string}`,
        ),
      ),
    );
  });

  it("answers from the worker's entries, with the senders the main thread would recover, in any order", async function () {
    const common = createL2Common(CHAIN_ID);
    const prefetch = prefetchSenders(common, raws);
    await prefetch.during(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500)); // let the worker finish
      for (let i = 0; i < raws.length; i++) {
        const tx = createTxFromRLP(raws[i]!, { common });
        expect(tx.getSenderAddress().toString(), `transaction ${i}`).to.equal(senders[i]);
      }
      // Out of order: found or recovered here, the same answer.
      for (const i of [39, 3, 17, 0]) expect(createTxFromRLP(raws[i]!, { common }).getSenderAddress().toString()).to.equal(senders[i]);
    });
    expect(prefetch.hits(), "the worker's entries were used").to.be.greaterThan(30);
    expect(common.customCrypto.ecrecover).to.equal(nativeEcrecover); // put back afterwards
  });

  it("computes any call whose inputs are not an entry exactly (another message, another v)", async function () {
    const common = createL2Common(CHAIN_ID);
    const prefetch = prefetchSenders(common, raws);
    await prefetch.during(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const tx = createTxFromRLP(raws[1]!, { common });
      const hash = tx.getHashedMessageToSign();
      const r = hexToBytes(`0x${tx.r!.toString(16).padStart(64, "0")}`);
      const s = hexToBytes(`0x${tx.s!.toString(16).padStart(64, "0")}`);
      const other = hash.slice();
      other[0]! ^= 1;
      for (const [h, v] of [[other, tx.v!], [hash, 1n - tx.v!]] as const) {
        let expected: string;
        try {
          expected = bytesToHex(nativeEcrecover!(h, v, r, s));
        } catch (error) {
          expected = `throws ${(error as Error).message}`;
        }
        let got: string;
        try {
          got = bytesToHex(common.customCrypto.ecrecover!(h, v, r, s));
        } catch (error) {
          got = `throws ${(error as Error).message}`;
        }
        expect(got).to.equal(expected);
      }
    });
  });
});
