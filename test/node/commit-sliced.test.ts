import { expect } from "chai";
import { rmSync } from "node:fs";
import { chainHead, createL2Chain, createL2Common, devGenesis } from "../../src/engine/index.js";
import { keccak256 } from "../../src/engine/crypto.js";
import { commitBlocks, TRIE_NODES_PER_TRANSACTION } from "../../src/node/stages/commit.js";
import { readBlockRecord } from "../../src/node/stages/execute.js";
import { transactionPlace } from "../../src/node/read.js";
import { bytesToHex } from "../../src/shared/bytes.js";
import { decodeReceipts, type StoredReceipt } from "../../src/node/records.js";
import { BlockWriteDB, numberKey, openNodeStore, readMeta } from "../../src/node/store.js";
import { checkpointKey } from "../../src/node/stage.js";
import { seeded, tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: in the devnet the node shares its thread with the L2 JSON-RPC, and the execute
 * stage committed a block of hundreds of transactions in one synchronous store transaction
 * (encode, hash, thousands of checksummed puts: 40–60 ms), during which no
 * eth_sendRawTransaction could be answered. The commit now writes the trie nodes in transactions
 * of a bounded size and lets the event loop run after each; the block and the checkpoint become
 * visible together, in the last one. Counted, not timed.
 */
describe("node: a block's commit gives the event loop back between slices", function () {
  this.timeout(120_000);

  it("commits a 600-transaction block with 1,500 trie nodes in bounded store transactions, the event loop running between them; the block appears whole, in the last one", async function () {
    const chain = await createL2Chain(devGenesis());
    const common = createL2Common(chain.genesis.chainId);
    const dir = tempDir();
    const store = openNodeStore(dir);
    try {
      const random = seeded(14);
      const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
      // Content-addressed trie nodes, as a block's execution leaves them in its write layer.
      const db = new BlockWriteDB();
      for (let i = 0; i < 1_500; i++) {
        const node = bytes(100);
        db.pending.set(Buffer.from(keccak256(node)).toString("hex"), node);
      }
      const transactions = Array.from({ length: 600 }, () => bytes(110));
      const receipts: StoredReceipt[] = transactions.map((_, i) => ({ type: 2, status: 1, cumulativeGasUsed: 21_000n * BigInt(i + 1), gasUsed: 21_000n, from: bytes(20), logs: [] }));
      const header = chainHead(chain);
      const record = { header, l1: { number: 3n, hash: "0x" + "11".repeat(32), txHash: "0x" + "22".repeat(32), logIndex: 0 } };

      // Each store transaction: how many trie nodes it wrote, whether the block was there when it
      // began, and whether the event loop ran (a setImmediate queued in the one before) since.
      const writes: { trieNodes: number; loopRanBefore: boolean }[] = [];
      let loopRan = true;
      const trie = store.trie.putSync;
      store.trie.putSync = (key, value) => {
        writes.at(-1)!.trieNodes++;
        return trie(key, value);
      };
      const transaction = store.transaction;
      store.transaction = <T>(write: () => T): T => {
        writes.push({ trieNodes: 0, loopRanBefore: loopRan });
        const result = transaction(write);
        loopRan = false;
        setImmediate(() => (loopRan = true));
        return result;
      };
      let visibleWhileCommitting = false;
      const watch = setInterval(() => {
        if (writes.length > 0 && store.blocks.getBinary(numberKey(0n)) !== undefined && readMeta<string>(store, checkpointKey("execute")) === undefined) visibleWhileCommitting = true;
      }, 0);
      await commitBlocks(store, db, [{ record, receipts, transactions }]);
      clearInterval(watch);
      store.trie.putSync = trie;
      store.transaction = transaction;

      expect(writes.reduce((n, w) => n + w.trieNodes, 0)).to.equal(1_500);
      expect(writes.length, "store transactions").to.be.at.least(Math.ceil(1_500 / TRIE_NODES_PER_TRANSACTION));
      for (const [i, w] of writes.entries()) {
        expect(w.trieNodes, `trie nodes in transaction ${i}`).to.be.at.most(TRIE_NODES_PER_TRANSACTION);
        expect(w.loopRanBefore, `the event loop ran before transaction ${i}`).to.equal(true);
      }
      expect(visibleWhileCommitting, "the block visible before its checkpoint").to.equal(false);
      // All of it there, readable as the node reads it.
      expect(readMeta<string>(store, checkpointKey("execute"))).to.equal("0");
      expect(readBlockRecord({ store, common }, 0n)!.l1).to.deep.equal(record.l1);
      expect(decodeReceipts(store.receipts.getBinary(numberKey(0n))!)).to.have.length(600);
      for (const [index, raw] of transactions.entries()) {
        const at = store.txs.getBinary(Buffer.from(keccak256(raw)))!;
        expect(at.readUInt32BE(8)).to.equal(index);
      }
      for (const key of db.pending.keys()) expect(store.trie.getBinary(Buffer.from(key, "hex"))).to.not.equal(undefined);
      // What the node's mempool asks after each block, from the index alone (no block decoded): the same places.
      const ctx = { store, common } as unknown as Parameters<typeof transactionPlace>[0];
      for (const [index, raw] of transactions.entries()) {
        expect(transactionPlace(ctx, bytesToHex(keccak256(raw)))).to.deep.equal({ blockNumber: 0n, index });
      }
      expect(transactionPlace(ctx, "0x" + "ab".repeat(32))).to.equal(undefined);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
