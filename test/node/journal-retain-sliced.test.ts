import { expect } from "chai";
import { rmSync } from "node:fs";
import { keccak256 } from "../../src/engine/crypto.js";
import { RETAIN_SLICE, transactionJournal } from "../../src/node/journal.js";
import { openNodeStore } from "../../src/node/store.js";
import { bytesToHex } from "../../src/shared/bytes.js";
import { seeded, tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: when a block of hundreds of journaled transactions is included, the journal
 * forgot them all in one commit (≈ 1,000 checksummed removes) on the thread that serves the L2
 * JSON-RPC. It now forgets them at once in its own view and removes them from the table in slices,
 * the event loop running between them. Counted, not timed.
 */
describe("node: the journal forgets a block's worth of transactions in slices", function () {
  it("retains 100 of 700 journaled transactions: the 600 leave its view at once and the table in commits of at most RETAIN_SLICE, with event-loop turns between them", async function () {
    const dir = tempDir();
    const store = openNodeStore(dir);
    try {
      const random = seeded(8);
      const raws = Array.from({ length: 700 }, () => Uint8Array.from({ length: 120 }, () => Math.floor(random() * 256)));
      const hashes = raws.map((raw) => bytesToHex(keccak256(raw)));
      const journal = transactionJournal(store);
      await Promise.all(raws.map((raw) => journal.put(raw)));
      const live = new Set(hashes.slice(600));

      const commits: { removes: number; loopRanBefore: boolean }[] = [];
      let loopRan = true;
      const remove = store.pending.removeSync;
      store.pending.removeSync = (key) => {
        commits.at(-1)!.removes++;
        return remove(key);
      };
      const transaction = store.transaction;
      store.transaction = <T>(write: () => T): T => {
        commits.push({ removes: 0, loopRanBefore: loopRan });
        const result = transaction(write);
        loopRan = false;
        setImmediate(() => (loopRan = true));
        return result;
      };
      journal.retain(live);
      expect(journal.hashes().sort(), "the journal's view, at once").to.deep.equal([...live].sort());
      expect(journal.get(hashes[0]!)).to.equal(undefined);
      await journal.settled();
      store.pending.removeSync = remove;
      store.transaction = transaction;

      expect(commits.reduce((n, c) => n + c.removes, 0)).to.equal(600);
      expect(commits.length).to.equal(Math.ceil(600 / RETAIN_SLICE));
      for (const [i, c] of commits.entries()) {
        expect(c.removes, `removes in commit ${i}`).to.be.at.most(RETAIN_SLICE);
        expect(c.loopRanBefore, `the event loop ran before commit ${i}`).to.equal(true);
      }
      // The table holds exactly the live ones, as a restart reads it.
      expect(transactionJournal(store).hashes().sort()).to.deep.equal([...live].sort());
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
