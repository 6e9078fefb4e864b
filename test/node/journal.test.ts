import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { devGenesis, devAccounts } from "../../src/engine/index.js";
import { deployRollup, signL2Transaction } from "../../src/sdk/index.js";
import { devGenesisFile, seeded, spawnNode, startHardhatNode, tempDir } from "./helpers.js";

/** Starts `npm run node` on `dataDir`; resolves with its RPC URL once it serves, and the process. */
async function nodeProcess(l1Url: string, rollup: string, dataDir: string, genesisFile: string) {
  let resolveUrl: (url: string) => void;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const spawned = spawnNode(["--l1", l1Url, "--rollup", rollup, "--genesis", genesisFile, "--data-dir", dataDir, "--poll-ms", "50"], (line) => {
    const match = /L2 JSON-RPC on (http:\/\/\S+)/.exec(line);
    if (match) resolveUrl(match[1]!);
  });
  const served = await Promise.race([url, spawned.exited.then(() => undefined), new Promise<undefined>((r) => setTimeout(() => r(undefined), 60_000))]);
  if (served === undefined) throw new Error(`the node did not serve:\n${spawned.output()}`);
  return { ...spawned, url: served };
}

async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error) throw new Error(body.error.message);
  return body.result;
}

describe("node: kill -9 under load loses no acknowledged transaction", function () {
  this.timeout(180_000);

  it("every hash the node returned before a SIGKILL is pending again after the restart (3 seeded kills mid-burst)", async function () {
    const hardhat = await startHardhatNode();
    const l1 = new JsonRpcProvider(hardhat.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    try {
      const { address, chain } = await deployRollup(await l1.getSigner(0), devGenesis());
      const dataDir = tempDir();
      const random = seeded(0x6a0a);
      const wallets = devAccounts().slice(0, 10).map((a) => new Wallet(a.privateKey));
      const nonces = wallets.map(() => 0);
      const acknowledged: string[] = [];
      for (let round = 0; round < 3; round++) {
        const node = await nodeProcess(hardhat.url, address, dataDir, devGenesisFile(chain.genesis));
        // Everything acknowledged so far survived the previous kill.
        for (const hash of acknowledged) {
          const status = (await rpc(node.url, "ultrasound_getTransactionStatus", [hash])) as { status: string };
          expect(status.status, `round ${round}: ${hash}`).to.be.oneOf(["pending", "queued"]);
        }
        const pool = (await rpc(node.url, "txpool_status", [])) as { pending: string; queued: string };
        // At least those: a kill that lands after the journal write but before the reply reached
        // us leaves a transaction the node kept and we never saw acknowledged.
        expect(Number(pool.pending) + Number(pool.queued), `round ${round}: pool size`).to.be.at.least(acknowledged.length);
        // A burst of sends, killed after a seeded number of acknowledgements while more are in flight.
        const killAfter = 5 + Math.floor(random() * 15);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < 30; i++) {
          const w = i % wallets.length;
          // A send the kill cuts off leaves a gap: its sender's later transactions wait queued.
          const raw = await signL2Transaction(chain, wallets[w]!, { nonce: nonces[w]!++, to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n });
          sends.push(
            rpc(node.url, "eth_sendRawTransaction", [raw]).then(
              (hash) => {
                acknowledged.push(hash as string);
                if (acknowledged.length >= killAfter * (round + 1)) node.child.kill("SIGKILL");
              },
              () => undefined, // refused or cut off by the kill: never acknowledged
            ),
          );
        }
        await Promise.all(sends);
        node.child.kill("SIGKILL");
        await node.exited;
      }
      const node = await nodeProcess(hardhat.url, address, dataDir, devGenesisFile(chain.genesis));
      try {
        for (const hash of acknowledged) {
          expect(((await rpc(node.url, "ultrasound_getTransactionStatus", [hash])) as { status: string }).status).to.be.oneOf(["pending", "queued"]);
        }
        console.log(`      ${acknowledged.length} acknowledged transactions, all pending after 3 kills`);
      } finally {
        node.child.kill("SIGKILL");
        await node.exited;
      }
    } finally {
      l1.destroy();
      await hardhat.stop();
    }
  });
});

describe("node: the mempool journal follows the pool", function () {
  it("keeps exactly the pool's transactions through adds, a replacement and an eviction, walking the journal only when one left the pool", async function () {
    const { createL2Chain } = await import("../../src/engine/index.js");
    const { createMempool } = await import("../../src/proposer/index.js");
    const { openNodeStore } = await import("../../src/node/store.js");
    const { transactionJournal } = await import("../../src/node/journal.js");
    const { journaledMempool } = await import("../../src/node/journaled-mempool.js");
    const { keccak256 } = await import("ethers");
    const chain = await createL2Chain(devGenesis());
    const store = openNodeStore(tempDir());
    try {
      const pool = createMempool(chain, { maxTransactions: 3 });
      // Every walk of the journal asks the pool where each transaction stands.
      let walks = 0;
      const counted = { ...pool, status: (hash: string) => (walks++, pool.status(hash)) };
      const mempool = journaledMempool(counted, transactionJournal(store));
      const [a, b, c, d] = devAccounts().map((account) => new Wallet(account.privateKey));
      const sign = (wallet: Wallet, nonce: number, tip: bigint) =>
        signL2Transaction(chain, wallet, { nonce, to: wallet.address, value: 1n, maxPriorityFeePerGas: tip });
      const journaled = () => transactionJournal(store).list().map((raw) => keccak256(raw)).sort();
      const inPool = () => [...pool.pending(), ...pool.queued()].map((tx) => "0x" + Buffer.from(tx.hash()).toString("hex")).sort();

      for (const [wallet, tip] of [[a!, 1n], [b!, 2n], [c!, 3n]] as const) await mempool.add(await sign(wallet, 0, tip * 10n ** 9n));
      expect(walks, "plain adds do not walk the journal").to.equal(0);
      expect(journaled()).to.deep.equal(inPool()).and.have.length(3);

      // A replacement (same sender and nonce, fees +10 %): the replaced one leaves the journal.
      await mempool.add(await sign(a!, 0, 2n * 10n ** 9n));
      expect(journaled()).to.deep.equal(inPool()).and.have.length(3);
      // The pool is full (3): a better-paying newcomer evicts the cheapest, which leaves the journal.
      await mempool.add(await sign(d!, 0, 9n * 10n ** 9n));
      expect(journaled()).to.deep.equal(inPool()).and.have.length(3);
      expect(walks, "a replacement and an eviction walk it").to.be.above(0);
    } finally {
      await store.close();
    }
  });
});
