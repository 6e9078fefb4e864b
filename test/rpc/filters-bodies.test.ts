import { expect } from "chai";
import { Wallet } from "ethers";
import { appendBlock, buildBlock, chainHead, createL2Chain, devAccounts, devGenesis, type L2Chain } from "../../src/engine/index.js";
import { createFilters } from "../../src/rpc/filters.js";
import { chainViewOf, type ChainView } from "../../src/rpc/view.js";
import { signL2Transaction } from "../../src/sdk/index.js";

/**
 * Issue 14 item 8: subscriptions and polled filters compare block hashes several times a second;
 * on the node a block read is its body too (600 transactions split on every tick of the
 * subscription watcher, on the RPC's thread). Hashes come from headers.
 */
describe("rpc: filters and subscriptions read headers, not block bodies", function () {
  it("newHeads and logs subscriptions, block and log filters: the same answers, no block body read", async function () {
    const logger = "0x0000000000000000000000000000000000100002";
    const alice = new Wallet(devAccounts()[0]!.privateKey);
    const chain: L2Chain = await createL2Chain(devGenesis({ alloc: { [logger]: { code: "0x60006000a000" } } }));
    let nonce = 0;
    const mine = async (count: number) => {
      const head = chainHead(chain);
      const txs = [];
      for (let i = 0; i < count; i++) txs.push(Buffer.from((await signL2Transaction(chain, alice, { nonce: nonce++, to: logger, gasLimit: 100_000n })).slice(2), "hex"));
      const block = await buildBlock(chain, { transactions: txs, timestamp: head.timestamp + 12n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    };
    const inner = chainViewOf(chain);
    let bodies = 0;
    const view: ChainView = { ...inner, block: (n) => (bodies++, inner.block(n)) };
    const filters = createFilters(view, { logRange: 10_000n, logCount: 10_000 }, 10);
    const heads: any[] = [];
    const logs: any[] = [];
    try {
      filters.subscribe("newHeads", undefined, (m: any) => heads.push(m.params.result));
      filters.subscribe("logs", { address: logger }, (m: any) => logs.push(m.params.result));
      const blockFilter = filters.newBlockFilter();
      const logFilter = filters.newLogFilter({ address: [logger], topics: [] });
      await mine(2);
      await mine(3);
      const deadline = Date.now() + 5_000;
      while ((heads.length < 2 || logs.length < 5) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(heads.map((h) => h.hash)).to.deep.equal([1, 2].map((n) => inner.block(BigInt(n))!.hash));
      expect(logs).to.have.length(5);
      expect(filters.changes(blockFilter)).to.deep.equal([1, 2].map((n) => inner.block(BigInt(n))!.hash));
      expect(filters.changes(logFilter)).to.have.length(5);
      expect(bodies, "block bodies read").to.equal(0);
    } finally {
      filters.close();
    }
  });

  it("a newHeads subscription alone reads no block's logs (on the node: its receipts decoded); a logs subscription still gets them", async function () {
    const logger = "0x0000000000000000000000000000000000100002";
    const alice = new Wallet(devAccounts()[0]!.privateKey);
    const chain: L2Chain = await createL2Chain(devGenesis({ alloc: { [logger]: { code: "0x60006000a000" } } }));
    let nonce = 0;
    const mine = async (count: number) => {
      const head = chainHead(chain);
      const txs = [];
      for (let i = 0; i < count; i++) txs.push(Buffer.from((await signL2Transaction(chain, alice, { nonce: nonce++, to: logger, gasLimit: 100_000n })).slice(2), "hex"));
      const block = await buildBlock(chain, { transactions: txs, timestamp: head.timestamp + 12n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    };
    const inner = chainViewOf(chain);
    let logReads = 0;
    const view: ChainView = { ...inner, logs: (query) => (logReads++, inner.logs(query)) };
    const filters = createFilters(view, { logRange: 10_000n, logCount: 10_000 }, 10);
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 5_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const heads: any[] = [];
    const logs: any[] = [];
    try {
      filters.subscribe("newHeads", undefined, (m: any) => heads.push(m.params.result));
      await mine(2);
      await mine(3);
      await until(() => heads.length >= 2, "two heads");
      expect(heads.map((h) => h.hash)).to.deep.equal([1, 2].map((n) => inner.block(BigInt(n))!.hash));
      expect(logReads, "log reads with only a newHeads subscription").to.equal(0);
      filters.subscribe("logs", { address: logger }, (m: any) => logs.push(m.params.result));
      await mine(4);
      await until(() => heads.length >= 3 && logs.length >= 4, "the third head and its four logs");
      expect(logs.map((log) => log.blockNumber)).to.deep.equal(["0x3", "0x3", "0x3", "0x3"]);
    } finally {
      filters.close();
    }
  });
});
