import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { chainHead, createL2Chain, devGenesis, findTransaction, forgetBlockBodies } from "../../src/engine/index.js";
import { extend, sign, wallets } from "./helpers.js";

describe("engine: the in-memory chain", function () {
  this.timeout(60_000);

  it("forgetBlockBodies: the bodies below a block leave memory (headers stay); the proposer's chain stays bounded however long it grows", async function () {
    const chain = await createL2Chain(devGenesis());
    const hashes: string[] = [];
    for (let n = 0; n < 6; n++) {
      const raw = await sign(chain, 1, { nonce: n, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n });
      const block = await extend(chain, [raw]);
      hashes.push(bytesToHex(block.transactions[0]!.hash()));
      // What the devnet does after each block: keep the last two bodies.
      forgetBlockBodies(chain, chainHead(chain).number - 2n);
      const held = chain.blocks.filter((b) => b.transactions.length > 0).length;
      expect(held, `after block ${n + 1}`).to.be.at.most(3);
      expect(chain.transactionIndex.size).to.be.at.most(3);
    }
    expect(chain.headers).to.have.length(7);
    expect(chain.blocks).to.have.length(7);
    expect(chain.blocks[1]!.header.number).to.equal(1n);
    expect(chain.blocks[1]!.transactions).to.deep.equal([]);
    expect(findTransaction(chain, hashes[0]!)).to.equal(undefined);
    expect(findTransaction(chain, hashes[5]!)?.block.header.number).to.equal(6n);
    // Building on the pruned chain still works: the state and headers are all there.
    await extend(chain, [await sign(chain, 1, { nonce: 6, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })]);
    expect(chainHead(chain).number).to.equal(7n);
    expect(forgetBlockBodies(chain, 100n)).to.equal(4);
  });
});
