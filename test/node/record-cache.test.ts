import { expect } from "chai";
import { createBlockHeader } from "@ethereumjs/block";
import { chainHead, createL2Chain, createL2Common, devGenesis } from "../../src/engine/index.js";
import { readBlockRecord, writeBlock } from "../../src/node/stages/execute.js";
import { openNodeStore } from "../../src/node/store.js";
import { tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: every receipt lookup and every subscription tick reads a block record, and
 * decoding its header costs ≈ 0.1–0.2 ms of the RPC's thread. A record is decoded once while its
 * stored bytes stay the same.
 */
describe("node: block records are decoded once while their stored bytes stay the same", function () {
  it("the same record twice is one decoded object; a rewritten record is decoded afresh", async function () {
    const chain = await createL2Chain(devGenesis());
    const common = createL2Common(chain.genesis.chainId);
    const store = openNodeStore(tempDir());
    try {
      const ctx = { store, common };
      const origin = { number: 7n, hash: "0x" + "11".repeat(32), txHash: "0x" + "22".repeat(32), logIndex: 0 };
      store.transaction(() => writeBlock(store, { header: chainHead(chain), l1: origin }, [], []));
      const first = readBlockRecord(ctx, 0n)!;
      expect(readBlockRecord(ctx, 0n), "decoded again").to.equal(first);
      expect(first.l1).to.deep.equal(origin);

      // Another block 0 (another time): the stored bytes differ, so the record is read anew.
      const other = createBlockHeader({ ...chainHead(chain).toJSON(), timestamp: 99n }, { common });
      store.transaction(() => {
        store.hashes.removeSync(Buffer.from(chainHead(chain).hash()));
        writeBlock(store, { header: other, l1: { ...origin, number: 8n } }, [], []);
      });
      const second = readBlockRecord(ctx, 0n)!;
      expect(second).to.not.equal(first);
      expect(second.header.timestamp).to.equal(99n);
      expect(second.l1.number).to.equal(8n);
    } finally {
      await store.close();
    }
  });
});
