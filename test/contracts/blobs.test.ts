import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { makeSidecar } from "../../src/blobs/kzg.js";
import { blockDataToBlobs } from "../../src/blobs/da.js";
import { advanceGasLimit } from "../../src/proposer/propose.js";
import { prepareBlock } from "./helpers.js";
import { hexToBytes } from "@ethereumjs/util";

const connection = await network.create();
const { ethers } = connection;

describe("probe", function () {
  it("probe", async function () {
    const t0 = Date.now();
    const l2 = await loadRollupFixture({ ethers });
    console.log("fixture", Date.now() - t0);
    const prepared = await prepareBlock(ethers, l2.chain, {});
    const sidecar = makeSidecar(blockDataToBlobs(prepared.block.input.transactions));
    const wallet = new Wallet(l2.wallets[0]!.privateKey, ethers.provider);
    const input = { ...prepared.block.input, transactions: new Uint8Array(0), blobVersionedHashes: sidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`)) };
    const data = l2.rollup.interface.encodeFunctionData("advanceWithBlobs", [prepared.claim, [sidecar.versionedHashes[0], "0x01" + "ab".repeat(31)], prepared.witness]);
    try {
      const tx = await wallet.sendTransaction({
        type: 3, to: l2.address, data, gasLimit: advanceGasLimit(input), maxFeePerBlobGas: 10n,
        blobs: sidecar.blobs.map((b, i) => ({ data: b, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
      });
      console.log("sent", tx.hash);
      const r = await tx.wait();
      console.log(r?.status);
    } catch (e) {
      console.log("ERR", (e as any).constructor.name, (e as any).message.slice(0, 300), (e as any).data);
    }
  });
});
