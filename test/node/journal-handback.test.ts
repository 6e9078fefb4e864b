/**
 * The journal keeps a transaction until its fate is known (issue 22: what the kill/reorg
 * campaign lost). Each case is a moment the campaign hit, made exact: a real engine chain, a real
 * mempool, a real LMDB store; "a kill" is the store closed where the process stood and opened
 * again — what a SIGKILL leaves, since every journal write is committed before it returns.
 */
import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { rmSync } from "node:fs";
import { appendBlock, buildBlock, chainHead, createL2Chain, devAccounts, devGenesis, rewindTo, type L2Chain } from "../../src/engine/index.js";
import { transactionJournal, type TransactionJournal } from "../../src/node/journal.js";
import { journaledMempool, type JournaledMempool } from "../../src/node/journaled-mempool.js";
import { openNodeStore, type NodeStore } from "../../src/node/store.js";
import { createMempool } from "../../src/proposer/index.js";
import { tempDir } from "./helpers.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const GWEI = 1_000_000_000n;

function sign(chain: L2Chain, wallet: Wallet, nonce: number): Promise<string> {
  return wallet.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce, to: wallets[19]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
}

/** Builds and appends a block of `raws` on the chain (what a proposer does when its `advance` lands). */
async function appendBlockOf(chain: L2Chain, raws: string[]): Promise<string[]> {
  const head = chainHead(chain);
  const block = await buildBlock(chain, { transactions: raws.map((raw) => Buffer.from(raw.slice(2), "hex")), timestamp: head.timestamp + 1n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
  expect(block.skipped, "every transaction applies").to.have.length(0);
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return block.transactions.map((tx) => bytesToHex(tx.hash()));
}

describe("node: the journal keeps a transaction until its fate is known", function () {
  this.timeout(60_000);
  let dir: string;
  let store: NodeStore;
  let chain: L2Chain;
  // The node's journal: the unwind writes to it (`keep`) and the pool reads it.
  let journal: TransactionJournal;
  const pool = (): JournaledMempool => journaledMempool(createMempool(chain), (journal = transactionJournal(store)));
  /** What a SIGKILL leaves: the store as committed, a new process's pool over it. */
  const restart = async (): Promise<JournaledMempool> => {
    await store.close();
    store = openNodeStore(dir);
    const mempool = pool();
    await mempool.restore();
    return mempool;
  };
  beforeEach(async () => {
    dir = tempDir();
    store = openNodeStore(dir);
    chain = await createL2Chain(devGenesis());
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Three transactions acknowledged, proposed and included (their senders have more in the pool,
   * as in the campaign); then L1 takes their block back: the unwind journals them in its commit
   * and the chain goes back.
   */
  async function includedThenUnwound(mempool: JournaledMempool) {
    const raws = [await sign(chain, wallets[1]!, 0), await sign(chain, wallets[1]!, 1), await sign(chain, wallets[2]!, 0)];
    const hashes: string[] = [];
    for (const raw of raws) hashes.push(await mempool.add(raw));
    hashes.push(await mempool.add(await sign(chain, wallets[1]!, 2)), await mempool.add(await sign(chain, wallets[2]!, 1)));
    await mempool.sync(); // the pool has seen the head the block goes on
    mempool.remove(await appendBlockOf(chain, raws)); // the proposer took them; its block landed
    for (const hash of hashes.slice(0, 3)) expect(mempool.status(hash).status).to.equal("included");
    // The unwind: its commit journals what it takes out of the chain (`keep`), then the chain goes back.
    store.transaction(() => journal.keep(raws.map((raw) => Buffer.from(raw.slice(2), "hex"))));
    rewindTo(chain, 0n);
    return { hashes, raws };
  }

  it("an unwind's transactions stay journaled through a proposer round that runs before the hand-back, and are pending after a kill there (the campaign lost whole blocks this way)", async function () {
    const mempool = pool();
    const { hashes } = await includedThenUnwound(mempool);
    // Before any hand-back: pending (journaled), not unknown.
    for (const hash of hashes) expect(mempool.status(hash).status, hash).to.equal("pending");
    // The proposer's next round runs first (the hand-back is still recovering senders): its sync walked the journal by the pool and forgot them.
    await mempool.sync();
    expect(journal.hashes(), "still journaled").to.include.members(hashes);
    // Killed there: the next process has every one pending, and offers them for a block.
    const next = await restart();
    for (const hash of hashes) expect(next.status(hash).status, hash).to.equal("pending");
    expect(next.pending().map((tx) => bytesToHex(tx.hash()))).to.have.members(hashes);
  });

  it("a hand-back the pool refuses as 'nonce too low' (it counted the proposer's block as used and saw no new head) goes back at the next sync instead of being forgotten", async function () {
    const mempool = pool();
    const { hashes, raws } = await includedThenUnwound(mempool);
    // The head is the one the pool last synced with: it still counts nonces 0 and 1 of sender 1 as used.
    let refused = 0;
    for (const raw of raws.slice(0, 2)) await mempool.add(raw).catch(() => refused++);
    expect(refused, "the pool refused the hand-back").to.equal(2);
    await mempool.sync();
    for (const hash of hashes) expect(mempool.status(hash).status, hash).to.equal("pending");
    expect(mempool.pending().map((tx) => bytesToHex(tx.hash()))).to.have.members(hashes);
  });

  it("an unwound transaction whose nonce the new chain used for another one is dropped with that reason when put back, never unknown", async function () {
    const mempool = pool();
    const { hashes } = await includedThenUnwound(mempool);
    // The new chain: sender 2's nonce 0 went to another transaction (not through this pool).
    const other = await wallets[2]!.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce: 0, to: wallets[18]!.address, value: 7n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
    await appendBlockOf(chain, [other]);
    await mempool.sync();
    const status = mempool.status(hashes[2]!);
    expect(status.status).to.equal("dropped");
    expect((status as { reason: string }).reason).to.match(/nonce too low/);
    // Said again after a restart.
    expect((await restart()).status(hashes[2]!).status).to.equal("dropped");
  });

  it("a restart puts the journal back in nonce order: a sender's unwound low nonces journaled after 70 later ones do not leave the later ones beyond the gap queue's bound (64)", async function () {
    const mempool = pool();
    const sender = wallets[3]!;
    const late: string[] = [];
    for (let nonce = 2; nonce < 72; nonce++) late.push(await sign(chain, sender, nonce));
    const early = [await sign(chain, sender, 0), await sign(chain, sender, 1)];
    // Nonces 0 and 1 were in a block an unwind took back: journaled after 2…71.
    for (const raw of early) await mempool.add(raw);
    await mempool.sync();
    mempool.remove(await appendBlockOf(chain, early));
    for (const raw of late) await mempool.add(raw);
    store.transaction(() => journal.keep(early.map((raw) => Buffer.from(raw.slice(2), "hex"))));
    rewindTo(chain, 0n);
    const next = await restart();
    const pending = new Set(next.pending().map((tx) => bytesToHex(tx.hash())));
    expect(pending.size, "all 72 pending again").to.equal(72);
  });
});
