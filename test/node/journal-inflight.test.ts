/**
 * A transaction the proposer has taken and L1 has verified, before the node derives its block:
 * the L2 JSON-RPC must still know it (issue 21: an L3 proposer on this L2 read the null
 * eth_getTransactionByHash of that window as "dropped by a reorg" and retried every block).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { rmSync } from "node:fs";
import { appendBlock, buildBlock, chainHead, createL2Chain, devAccounts, devGenesis } from "../../src/engine/index.js";
import { transactionJournal } from "../../src/node/journal.js";
import { journaledMempool } from "../../src/node/journaled-mempool.js";
import { openNodeStore } from "../../src/node/store.js";
import { createMempool } from "../../src/proposer/index.js";
import { chainViewOf, createRpcHandler } from "../../src/rpc/index.js";
import { tempDir } from "./helpers.js";

describe("node: a transaction in flight between the proposer's chain and the node's", function () {
  it("is pending (eth_getTransactionByHash answers it) until the node's chain includes it, then included", async function () {
    const dir = tempDir();
    const store = openNodeStore(dir);
    try {
      const chain = await createL2Chain(devGenesis());
      // The node's chain: what the JSON-RPC serves; it lags the proposer's.
      const nodeChain = await createL2Chain(devGenesis());
      let derived = false;
      const mempool = journaledMempool(createMempool(chain), transactionJournal(store), { included: () => derived });
      const [wallet] = devAccounts().map((a) => new Wallet(a.privateKey));
      const raw = await wallet!.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce: 0, to: "0x00000000000000000000000000000000000a11ce", value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
      const hash = await mempool.add(raw);
      await mempool.sync();
      // The proposer's advance landed: its chain has the block, and it took the transaction.
      const block = await buildBlock(chain, { transactions: [Buffer.from(raw.slice(2), "hex")], timestamp: chainHead(chain).timestamp + 1n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
      mempool.remove([hash]);
      await mempool.sync();
      const rpc = createRpcHandler({ view: chainViewOf(nodeChain), mempool });
      expect(mempool.status(hash).status).to.equal("pending");
      const seen = (await rpc.request({ method: "eth_getTransactionByHash", params: [hash] })) as { hash: string; blockNumber: string | null } | null;
      expect(seen?.hash).to.equal(hash);
      expect(seen?.blockNumber).to.equal(null);
      // The node derives it: included from then on.
      derived = true;
      expect(mempool.status(hash).status).to.equal("included");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
