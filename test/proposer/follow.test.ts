import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { createL2Chain } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { createMempool, createProposer, followBlocks, LostRaceError, proposeBlock } from "../../src/proposer/index.js";
import { l1WithRollup, tempDir, transfers } from "../node/helpers.js";

describe("proposer: following a node after a lost race or an L1 reorg", function () {
  this.timeout(120_000);

  it("a proposer that lost a race takes the winner's block from the node and includes its own pending transactions on top", async function () {
    const l1 = await l1WithRollup();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), follow: false });
    try {
      // Our proposer, with its own chain and mempool, and a pending transfer of its own.
      const chain = await createL2Chain(l1.chain.genesis);
      const mempool = createMempool(chain);
      const [ours] = await transfers(chain, 1, 7, 5);
      await mempool.add(ours!.serialize());
      const proposer = createProposer({ chain, rollup: l1.rollup, provider: l1.ethersProvider as never, mempool, coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });

      // A rival advances the rollup first (two blocks, on its own copy of the chain).
      for (const salt of [1, 2]) {
        await proposeBlock({ chain: l1.chain, rollup: l1.rollup, provider: l1.ethersProvider as never, transactions: await transfers(l1.chain, 3, salt), coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
      }
      const lost = await proposer.proposeNext();
      expect(lost.kind).to.equal("lost-race");
      expect((lost as { error: Error }).error).to.be.instanceOf(LostRaceError);

      await node.sync();
      expect(await followBlocks(chain, node)).to.deep.equal({ rewound: 0, appended: 2, rewoundTransactions: [] });
      expect(bytesToHex(chain.headers.at(-1)!.hash())).to.equal(node.getBlock("latest")!.hash);
      await mempool.sync();

      // It backs off after the lost race (nothing dropped), then builds on the new head.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, proposer.retryAt - Date.now())));
      const outcome = await proposer.proposeNext();
      expect(outcome.kind).to.equal("proposed");
      const proposed = (outcome as { proposed: { block: { header: { number: bigint }; transactions: { hash(): Uint8Array }[] } } }).proposed;
      expect(proposed.block.header.number).to.equal(3n);
      expect(proposed.block.transactions.map((tx) => bytesToHex(tx.hash()))).to.deep.equal([bytesToHex(ours!.hash())]);
    } finally {
      await node.stop();
    }
  });

  it("after an L1 reorg, rewinds the blocks the node no longer has and appends the new ones", async function () {
    const l1 = await l1WithRollup();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), follow: false });
    try {
      const chain = await createL2Chain(l1.chain.genesis);
      await node.sync();
      const snapshot = await l1.provider.request({ method: "evm_snapshot", params: [] });
      await proposeBlock({ chain: l1.chain, rollup: l1.rollup, provider: l1.ethersProvider as never, transactions: await transfers(l1.chain, 2, 1), coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
      await node.sync();
      expect(await followBlocks(chain, node)).to.deep.equal({ rewound: 0, appended: 1, rewoundTransactions: [] });
      const before = bytesToHex(chain.headers.at(-1)!.hash());

      // L1 forgets that block; another block 1 (and a block 2) take its place.
      await l1.provider.request({ method: "evm_revert", params: [snapshot] });
      const fork = await createL2Chain(l1.chain.genesis);
      for (const salt of [5, 6]) {
        await proposeBlock({ chain: fork, rollup: l1.rollup, provider: l1.ethersProvider as never, transactions: await transfers(fork, 2, salt), coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
      }
      await node.sync();
      const followed = await followBlocks(chain, node);
      expect({ rewound: followed.rewound, appended: followed.appended }).to.deep.equal({ rewound: 1, appended: 2 });
      // The rewound block's transactions come back, for the pool (nothing else holds them now).
      expect(followed.rewoundTransactions.length).to.be.greaterThan(0);
      expect(bytesToHex(chain.headers.at(-1)!.hash())).to.equal(node.getBlock("latest")!.hash);
      expect(bytesToHex(chain.headers[1]!.hash())).to.not.equal(before);
    } finally {
      await node.stop();
    }
  });
});
