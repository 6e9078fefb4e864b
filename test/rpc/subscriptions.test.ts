import { expect } from "chai";
import { Wallet } from "ethers";
import { appendBlock, buildBlock, chainHead, createL2Chain, devGenesis, devAccounts, rewindTo, type L2Chain } from "../../src/engine/index.js";
import { createFilters } from "../../src/rpc/filters.js";
import { chainViewOf } from "../../src/rpc/view.js";
import { signL2Transaction } from "../../src/sdk/index.js";

/** `PUSH1 0 PUSH1 0 LOG0 STOP`: one empty log. */
const LOGGER = "0x0000000000000000000000000000000000100002";
const alice = new Wallet(devAccounts()[0]!.privateKey);

type Json = any;

describe("rpc: subscriptions across an L2 reorg", function () {
  let chain: L2Chain;
  /** Appends a block of `count` calls to the logger (salted so two forks differ), as a proposer would once L1 verified it. */
  async function mine(count: number, salt: number): Promise<void> {
    const head = chainHead(chain);
    const nonce = Number(head.number) === 0 ? 0 : chain.blocks.reduce((n, b) => n + b.transactions.length, 0);
    const txs = [];
    for (let i = 0; i < count; i++) txs.push(await signL2Transaction(chain, alice, { nonce: nonce + i, to: LOGGER, value: BigInt(salt), gasLimit: 100_000n }));
    const block = await buildBlock(chain, { transactions: txs.map((t) => Buffer.from(t.slice(2), "hex")), timestamp: head.timestamp + 12n + BigInt(salt), coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  }
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it("a reorg sends the replaced blocks' logs again with removed: true, then the new chain's heads and logs", async function () {
    chain = await createL2Chain(devGenesis({ alloc: { [LOGGER]: { code: "0x60006000a000" } } }));
    const filters = createFilters(chainViewOf(chain), { logRange: 10_000n, logCount: 10_000 }, 10);
    const heads: Json[] = [];
    const logs: Json[] = [];
    filters.subscribe("newHeads", undefined, (m: Json) => heads.push(m.params.result));
    filters.subscribe("logs", { address: LOGGER }, (m: Json) => logs.push(m.params.result));
    try {
      await mine(1, 0);
      await mine(2, 0);
      await until(() => heads.length === 2 && logs.length === 3);
      const replaced = heads[1].hash;
      rewindTo(chain, 1n); // block 2 is gone …
      await mine(1, 1); // … and another block 2 and a block 3 take its place
      await mine(1, 1);
      await until(() => heads.length === 4 && logs.length === 7);
      expect(heads.map((h) => Number(h.number))).to.deep.equal([1, 2, 2, 3]);
      expect(heads[2].hash).to.not.equal(replaced);
      expect(logs.map((l) => [Number(l.blockNumber), l.removed])).to.deep.equal([
        [1, false],
        [2, false],
        [2, false],
        [2, true],
        [2, true],
        [2, false],
        [3, false],
      ]);
      expect(logs[3].blockHash).to.equal(replaced);
    } finally {
      filters.close();
    }
  });
});

describe("rpc: polled filters across an L2 reorg", function () {
  it("eth_getFilterChanges reports the replaced blocks' logs with removed: true, then the new chain's logs; a block filter the new hashes", async function () {
    const chain = await createL2Chain(devGenesis({ alloc: { [LOGGER]: { code: "0x60006000a000" } } }));
    let nonce = 0;
    const mine = async (count: number, salt: number) => {
      const head = chainHead(chain);
      const txs = [];
      for (let i = 0; i < count; i++) txs.push(await signL2Transaction(chain, alice, { nonce: nonce + i, to: LOGGER, value: BigInt(salt), gasLimit: 100_000n }));
      const block = await buildBlock(chain, { transactions: txs.map((t) => Buffer.from(t.slice(2), "hex")), timestamp: head.timestamp + 12n + BigInt(salt), coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
      nonce += count;
      return block.header;
    };
    const filters = createFilters(chainViewOf(chain), { logRange: 10_000n, logCount: 10_000 });
    try {
      const logFilter = filters.newLogFilter({ address: [LOGGER], topics: [] });
      const blockFilter = filters.newBlockFilter();
      await mine(1, 0);
      const replaced = await mine(2, 0);
      expect((filters.changes(logFilter) as Json[]).map((l) => [Number(l.blockNumber), l.removed])).to.deep.equal([[1, false], [2, false], [2, false]]);
      expect(filters.changes(blockFilter)).to.have.length(2);
      rewindTo(chain, 1n); // block 2 is gone …
      nonce = 1;
      const second = await mine(1, 1); // … and another block 2 and a block 3 take its place
      const third = await mine(1, 1);
      const changes = filters.changes(logFilter) as Json[];
      expect(changes.map((l) => [Number(l.blockNumber), l.removed])).to.deep.equal([
        [2, true],
        [2, true],
        [2, false],
        [3, false],
      ]);
      expect(changes[0].blockHash).to.equal("0x" + Buffer.from(replaced.hash()).toString("hex"));
      expect(changes[0].logIndex).to.equal("0x1"); // newest first, as the subscriptions send them
      // Each log carries its own block's time: a removed one the replaced block's, not the new block 2's.
      expect(changes.map((l) => l.blockTimestamp)).to.deep.equal([replaced, replaced, second, third].map((h) => "0x" + h.timestamp.toString(16)));
      expect(filters.changes(blockFilter)).to.deep.equal([second, third].map((h) => "0x" + Buffer.from(h.hash()).toString("hex")));
      // Nothing new: nothing reported again.
      expect(filters.changes(logFilter)).to.deep.equal([]);
      expect(filters.changes(blockFilter)).to.deep.equal([]);
    } finally {
      filters.close();
    }
  });
});
