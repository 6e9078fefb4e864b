import { expect } from "chai";
import { keccak256, Wallet } from "ethers";
import { createL2Chain, devAccounts, devGenesis } from "../../src/engine/index.js";
import { transactionJournal, type TransactionJournal } from "../../src/node/journal.js";
import { journaledMempool } from "../../src/node/journaled-mempool.js";
import { openNodeStore } from "../../src/node/store.js";
import { createMempool } from "../../src/proposer/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: the mempool's admission already has a transaction's hash (hashed on the
 * sender-recovery worker); the journal hashed the same bytes again on the thread that serves the
 * L2 JSON-RPC, once per eth_sendRawTransaction. It takes the admission's hash now.
 */
describe("node: the journal takes the hash the mempool admitted a transaction under", function () {
  this.timeout(60_000);

  it("journaledMempool hands each put the hash it admitted, and the journal keys the entry by it; a put without one still hashes the bytes", async function () {
    const chain = await createL2Chain(devGenesis());
    const store = openNodeStore(tempDir());
    try {
      const journal = transactionJournal(store);
      const given: (string | undefined)[] = [];
      const recording: TransactionJournal = { ...journal, put: (raw, hash) => (given.push(hash), journal.put(raw, hash)) };
      const mempool = journaledMempool(createMempool(chain), recording);
      const wallet = new Wallet(devAccounts()[0]!.privateKey);
      const raws: string[] = [];
      for (let nonce = 0; nonce < 5; nonce++) raws.push(await signL2Transaction(chain, wallet, { nonce, to: wallet.address, value: 1n, gasLimit: 21_000n }));
      const hashes = await Promise.all(raws.map((raw) => mempool.add(raw)));
      expect(hashes).to.deep.equal(raws.map((raw) => keccak256(raw)));
      expect(given, "the hashes the journal was handed").to.deep.equal(hashes);
      expect(journal.hashes()).to.deep.equal(hashes);

      // The journal keys by the hash given (it does not hash the bytes again).
      const raw = Uint8Array.from({ length: 100 }, (_, i) => i);
      const label = "0x" + "ab".repeat(32);
      await journal.put(raw, label);
      expect(journal.hashes().at(-1)).to.equal(label);
      expect(journal.get(label)).to.deep.equal(raw);
      const other = Uint8Array.from({ length: 100 }, (_, i) => 255 - i);
      await journal.put(other);
      expect(journal.hashes().at(-1)).to.equal(keccak256(other));
    } finally {
      await store.close();
    }
  });
});
