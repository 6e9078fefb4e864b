import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { appendBlock, buildBlock, chainHead, createL2Chain, devGenesis, devAccounts, type L2Chain } from "../../src/engine/index.js";
import { createMempool } from "../../src/proposer/index.js";
import { mempoolChainOf, type MempoolChain } from "../../src/proposer/mempool-types.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const GWEI = 1_000_000_000n;

/** `chain`'s mempool view with its index look-ups (`includedAt`: a store read on a node) counted. */
function counted(chain: L2Chain): { view: MempoolChain; reads: () => number } {
  const inner = mempoolChainOf(chain);
  let reads = 0;
  const view: MempoolChain = { chainId: inner.chainId, db: inner.db, head: () => inner.head(), includedAt: (hash) => (reads++, inner.includedAt(hash)) };
  return { view, reads: () => reads };
}

function sign(chain: L2Chain, wallet: Wallet, nonce: number): Promise<string> {
  return wallet.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce, to: wallets[9]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
}

describe("mempool: what it reads of the chain's index (issue 14 item 8)", function () {
  this.timeout(60_000);

  it("pending() on a pool synced with the head asks the chain about none of its entries (it asked about every one: a store read each on a node, on every tick of the proposer loop)", async function () {
    const chain = await createL2Chain(devGenesis());
    const { view, reads } = counted(chain);
    const mempool = createMempool(view);
    const raws: string[] = [];
    for (let sender = 0; sender < 4; sender++) for (let nonce = 0; nonce < 25; nonce++) raws.push(await sign(chain, wallets[sender]!, nonce));
    await Promise.all(raws.map((raw) => mempool.add(raw)));
    const before = reads();
    expect(mempool.pending()).to.have.length(100);
    expect(mempool.pending()).to.have.length(100);
    expect(reads() - before, "index reads of two pending() calls over 100 entries").to.equal(0);
  });

  it("between a head move and the next sync it still leaves out what the new block included, and after the sync reads nothing again", async function () {
    const chain = await createL2Chain(devGenesis());
    const { view, reads } = counted(chain);
    const mempool = createMempool(view);
    const hashes: string[] = [];
    for (let nonce = 0; nonce < 3; nonce++) hashes.push(await mempool.add(await sign(chain, wallets[0]!, nonce)));
    // The block with nonce 0 lands (built elsewhere) before the pool synced.
    const head = chainHead(chain);
    const block = await buildBlock(chain, {
      transactions: [Buffer.from((await sign(chain, wallets[0]!, 0)).slice(2), "hex")],
      timestamp: head.timestamp + 1n,
      coinbase: new Uint8Array(20),
      prevRandao: new Uint8Array(32),
      anchor: new Uint8Array(32),
    });
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    expect(mempool.pending().map((tx) => bytesToHex(tx.hash()))).to.deep.equal(hashes.slice(1));
    await mempool.sync();
    const before = reads();
    expect(mempool.pending().map((tx) => bytesToHex(tx.hash()))).to.deep.equal(hashes.slice(1));
    expect(reads() - before, "index reads once synced").to.equal(0);
  });
});
