import { expect } from "chai";
import { network } from "hardhat";
import { bytesToHex } from "@ethereumjs/util";
import { Transaction, Wallet } from "ethers";
import { createL2Chain } from "../../src/engine/index.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { createMempool, LostRaceError, proposeBlock, TransactionRejectedError } from "../../src/proposer/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";

describe("proposer", function () {
  it("a proposer whose head is stale gets LostRaceError, and its chain is left as it was", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    // A second proposer, with its own copy of the chain at genesis, on the same rollup.
    const rival = await createL2Chain(l2.chain.genesis);
    await l2.send({ to: l2.wallets[1]!.address, value: 1n });
    await l2.advance();

    const mempool = createMempool(rival);
    mempool.add(await signL2Transaction(rival, l2.wallets[2]!, { nonce: 0, to: l2.wallets[3]!.address, value: 1n }));
    const [signer] = await ethers.getSigners();
    const error = await proposeBlock({
      chain: rival,
      rollup: l2.rollup,
      provider: ethers.provider as never,
      transactions: mempool.pending(),
      coinbase: await signer!.getAddress(),
      dataAvailability: "calldata",
    }).then(
      () => expect.fail("the stale proposer advanced"),
      (e: unknown) => e as LostRaceError,
    );
    expect(error).to.be.instanceOf(LostRaceError);
    expect(error.details.head).to.equal(bytesToHex(l2.chain.headers[1]!.hash()));
    expect(rival.headers).to.have.length(1);
  });

  describe("mempool", function () {
    it("refuses garbage, unsigned, foreign-chain, blob and duplicate transactions, saying why", async function () {
      const { ethers } = await network.create();
      const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
      const mempool = createMempool(l2.chain);
      const wallet = l2.wallets[1]!;
      const good = await signL2Transaction(l2.chain, wallet, { nonce: 0, to: wallet.address, value: 1n });
      const foreign = await wallet.signTransaction({ type: 2, chainId: 1n, nonce: 0, to: wallet.address, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
      const blob = await wallet.signTransaction({
        type: 3, chainId: l2.chain.genesis.chainId, nonce: 0, to: wallet.address, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n,
        maxFeePerBlobGas: 1n, blobVersionedHashes: [`0x01${"00".repeat(31)}`],
      });
      const unsigned = Transaction.from({ type: 2, chainId: l2.chain.genesis.chainId, nonce: 0, to: wallet.address, gasLimit: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }).unsignedSerialized;
      const cases: [string, RegExp][] = [
        [unsigned, /not signed|rejected/i],
        ["0x", /does not decode|rejected/i],
        ["0x02c0", /does not decode|rejected/i],
        [foreign, /chain id/i],
        [blob, /Blob transactions \(type 3\) are not allowed/],
      ];
      for (const [raw, reason] of cases) {
        expect(() => mempool.add(raw)).to.throw(TransactionRejectedError, reason);
      }
      const hash = mempool.add(good);
      expect(() => mempool.add(good)).to.throw(TransactionRejectedError, /already known/);
      expect(mempool.pending().map((t) => bytesToHex(t.hash()))).to.deep.equal([hash]);
      expect(() => mempool.add(new Wallet(wallet.privateKey).address)).to.throw(TransactionRejectedError);
    });
  });
});
