import { expect } from "chai";
import { keccak256, Wallet } from "ethers";
import { createL2Chain, devAccounts, devGenesis } from "../../src/engine/index.js";
import { transactionJournal } from "../../src/node/journal.js";
import { journaledMempool } from "../../src/node/journaled-mempool.js";
import { openNodeStore, type NodeStore } from "../../src/node/store.js";
import { createMempool } from "../../src/proposer/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: a burst of eth_sendRawTransaction arrives concurrently (each add waits for its
 * sender's recovery on another thread). The journal must neither list the pool for every add
 * (quadratic in the burst) nor hold the serving thread for a commit per transaction.
 */
describe("node: the mempool journal under a burst of concurrent adds", function () {
  this.timeout(120_000);

  /** The store with its synchronous and asynchronous commits counted (and the asynchronous ones held while `gate` is shut). */
  function counting(store: NodeStore) {
    const counts = { sync: 0, async: 0 };
    let open: () => void = () => {};
    let gate: Promise<void> = Promise.resolve();
    const counted: NodeStore = {
      ...store,
      transaction: (write) => (counts.sync++, store.transaction(write)),
      transactionAsync: async (write) => {
        counts.async++;
        await gate;
        return store.transactionAsync(write);
      },
    };
    return {
      store: counted,
      counts,
      shut: () => void (gate = new Promise((resolve) => (open = resolve))),
      open: () => open(),
    };
  }

  it("200 adds in flight at once: no commit on the serving thread, the pool listed only when one left it, and the journal is exactly the pool", async function () {
    const chain = await createL2Chain(devGenesis());
    const store = openNodeStore(tempDir());
    try {
      const pool = createMempool(chain, { maxPerSender: 100 });
      let listings = 0;
      const counted = counting(store);
      const mempool = journaledMempool({ ...pool, pending: () => (listings++, pool.pending()) }, transactionJournal(counted.store));
      const wallets = devAccounts().slice(0, 10).map((account) => new Wallet(account.privateKey));
      const raws: string[] = [];
      for (let i = 0; i < 200; i++) raws.push(await signL2Transaction(chain, wallets[i % 10]!, { nonce: Math.floor(i / 10), to: wallets[(i + 3) % 10]!.address, value: 1n, gasLimit: 21_000n }));

      const hashes = await Promise.all(raws.map((raw) => mempool.add(raw)));
      expect(hashes).to.deep.equal(raws.map((raw) => keccak256(raw)));
      expect(counted.counts.sync, "synchronous commits (each holds the serving thread)").to.equal(0);
      expect(counted.counts.async).to.equal(200);
      expect(listings, "plain adds, however concurrent, do not list the pool").to.equal(0);
      const journaled = transactionJournal(store).list().map((raw) => keccak256(raw)).sort();
      expect(journaled).to.deep.equal([...hashes].sort());

      // A replacement racing other adds still takes the replaced one out of the journal.
      const replacement = await signL2Transaction(chain, wallets[0]!, { nonce: 0, to: wallets[0]!.address, value: 2n, gasLimit: 21_000n, maxPriorityFeePerGas: 10n ** 10n, maxFeePerGas: 10n ** 11n });
      const more = [];
      for (let i = 200; i < 220; i++) more.push(await signL2Transaction(chain, wallets[i % 10]!, { nonce: Math.floor(i / 10), to: wallets[(i + 3) % 10]!.address, value: 1n, gasLimit: 21_000n }));
      await Promise.all([...more.slice(0, 10), replacement, ...more.slice(10)].map((raw) => mempool.add(raw)));
      const inPool = [...pool.pending(), ...pool.queued()].map((tx) => "0x" + Buffer.from(tx.hash()).toString("hex")).sort();
      expect(inPool).to.have.length(220).and.include(keccak256(replacement)).and.not.include(hashes[0]);
      expect(transactionJournal(store).list().map((raw) => keccak256(raw)).sort()).to.deep.equal(inPool);
    } finally {
      await store.close();
    }
  });

  it("a transaction dropped while its journal write is still committing leaves the journal once the write lands", async function () {
    const chain = await createL2Chain(devGenesis());
    const store = openNodeStore(tempDir());
    try {
      const pool = createMempool(chain);
      const counted = counting(store);
      const mempool = journaledMempool(pool, transactionJournal(counted.store));
      const wallet = new Wallet(devAccounts()[0]!.privateKey);
      const kept = await signL2Transaction(chain, wallet, { nonce: 0, to: wallet.address, value: 1n, gasLimit: 21_000n });
      const raw = await signL2Transaction(chain, wallet, { nonce: 1, to: wallet.address, value: 1n, gasLimit: 21_000n });
      await mempool.add(kept);

      counted.shut();
      const acknowledged = mempool.add(raw);
      // In the pool, its journal write queued and held.
      for (let i = 0; i < 1_000 && pool.status(keccak256(raw)).status !== "pending"; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(pool.status(keccak256(raw)).status).to.equal("pending");
      mempool.drop(keccak256(raw), "dropped for the test");
      counted.open();
      expect(await acknowledged).to.equal(keccak256(raw));

      expect(transactionJournal(store).list().map((r) => keccak256(r))).to.deep.equal([keccak256(kept)]);
      expect(mempool.status(keccak256(raw))).to.include({ status: "dropped", reason: "dropped for the test" });
      // And after a restart: dropped with its reason, not pending again.
      expect(transactionJournal(store).dropped(keccak256(raw))?.reason).to.equal("dropped for the test");
    } finally {
      await store.close();
    }
  });

  it("a transaction taken out and journaled again while its first write is still committing stays journaled", async function () {
    const store = openNodeStore(tempDir());
    try {
      const counted = counting(store);
      const journal = transactionJournal(counted.store);
      const raw = Uint8Array.from([0x02, 1, 2, 3]);
      counted.shut();
      const first = journal.put(raw);
      await new Promise((resolve) => setImmediate(resolve));
      journal.retain(new Set()); // included or dropped meanwhile: out of the journal
      const again = journal.put(raw); // handed back (a reorg): in again
      counted.open();
      await Promise.all([first, again]);
      expect(transactionJournal(store).list()).to.deep.equal([raw]);
    } finally {
      await store.close();
    }
  });
});
