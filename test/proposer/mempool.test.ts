import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { Transaction, Wallet, type TransactionLike } from "ethers";
import { appendBlock, buildBlock, chainHead, createL2Chain, devGenesis, devAccounts, type L2Chain } from "../../src/engine/index.js";
import { createMempool, TransactionRejectedError, type Mempool, type MempoolOptions } from "../../src/proposer/index.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const [alice, bob, carol, dave] = wallets as [Wallet, Wallet, Wallet, Wallet];
const GWEI = 1_000_000_000n;

/** A signed EIP-1559 L2 transfer of `chain` (fees comfortably above the base fee unless given). */
function sign(chain: L2Chain, wallet: Wallet, fields: TransactionLike = {}): Promise<string> {
  return wallet.signTransaction({
    type: 2,
    chainId: chain.genesis.chainId,
    nonce: 0,
    to: dave.address,
    value: 1n,
    gasLimit: 21_000n,
    maxFeePerGas: 10n * GWEI,
    maxPriorityFeePerGas: GWEI,
    ...fields,
  });
}

/** What `add` rejects `raw` with: the geth-worded reason. */
async function rejection(mempool: Mempool, raw: string): Promise<string> {
  try {
    await mempool.add(raw);
  } catch (error) {
    expect(error).to.be.instanceOf(TransactionRejectedError);
    const reason = (error as TransactionRejectedError).reason;
    expect(reason, "one line").to.not.contain("\n");
    return reason;
  }
  return expect.fail("the mempool accepted it");
}

/** Builds and appends a block of `transactions` (no L1: the chain as a proposer keeps it). */
async function appendBlockOf(chain: L2Chain, transactions: Parameters<typeof buildBlock>[1]["transactions"]) {
  const head = chainHead(chain);
  const block = await buildBlock(chain, { transactions, timestamp: head.timestamp + 1n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return block;
}

const hashes = (mempool: Mempool) => mempool.pending().map((tx) => bytesToHex(tx.hash()));

describe("proposer: mempool", function () {
  let chain: L2Chain;
  let mempool: Mempool;
  const fresh = async (options?: MempoolOptions) => {
    chain = await createL2Chain(devGenesis());
    mempool = createMempool(chain, options);
  };
  beforeEach(() => fresh());

  it("refuses what cannot be included, in geth's words (ethers and viem classify by them)", async function () {
    const baseFee = chainHead(chain).calcNextBaseFee();
    const balance = 10_000n * 10n ** 18n;
    const cases: [string, Promise<string>, RegExp][] = [
      ["no chain id (pre-EIP-155)", alice.signTransaction({ type: 0, nonce: 0, to: dave.address, gasLimit: 21_000n, gasPrice: 10n * GWEI }), /^only replay-protected \(EIP-155\) transactions allowed over RPC$/],
      ["another chain", sign(chain, alice, { chainId: 1n }), /^invalid chain id for signer: have 1 want 167001$/],
      ["below the base fee", sign(chain, alice, { maxFeePerGas: baseFee - 1n, maxPriorityFeePerGas: 0n }), /^max fee per gas less than block base fee: address 0x[0-9a-f]{40}, maxFeePerGas: \d+, baseFee: \d+$/],
      ["below intrinsic gas", sign(chain, alice, { gasLimit: 20_999n }), /^intrinsic gas too low: gas 20999, minimum needed 21000$/],
      ["below the EIP-7623 floor", sign(chain, alice, { gasLimit: 40_000n, data: "0x" + "ff".repeat(1000) }), /^insufficient gas for floor data gas cost: gas 40000, minimum needed 61000$/],
      ["above the block gas limit", sign(chain, alice, { gasLimit: 60_000_001n }), /^exceeds block gas limit$/],
      ["above EIP-7825's cap", sign(chain, alice, { gasLimit: 2n ** 24n + 1n }), /^transaction gas limit too high \(cap: 16777216, tx: 16777217\)$/],
      ["more than the balance", sign(chain, alice, { value: balance }), /^insufficient funds for gas \* price \+ value: balance 10000000000000000000000, tx cost \d+, overshot \d+$/],
      ["larger than 128 KiB", sign(chain, alice, { gasLimit: 16_000_000n, data: "0x" + "01".repeat(131_072) }), /^oversized data: transaction size 13\d{4}, limit 131072$/],
      ["init code above EIP-3860's limit", sign(chain, alice, { to: null, gasLimit: 16_000_000n, data: "0x" + "01".repeat(49_153) }), /^max initcode size exceeded: code size 49153, limit 49152$/],
      [
        "a blob transaction",
        alice.signTransaction({ type: 3, chainId: chain.genesis.chainId, nonce: 0, to: dave.address, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: 1n, maxFeePerBlobGas: 1n, blobVersionedHashes: [`0x01${"00".repeat(31)}`] }),
        /^transaction type not supported$/,
      ],
      ["an unknown type", Promise.resolve("0x05c0"), /^transaction type not supported$/],
      ["garbage", Promise.resolve("0x02c0"), /^transaction does not decode/],
      ["unsigned", Promise.resolve(Transaction.from({ type: 2, chainId: chain.genesis.chainId, nonce: 0, to: dave.address, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: 1n }).unsignedSerialized), /^transaction does not decode/],
    ];
    for (const [what, raw, reason] of cases) {
      expect(await rejection(mempool, await raw), what).to.match(reason);
    }
    expect(mempool.size(), "nothing got in").to.equal(0);

    const good = await sign(chain, alice);
    const hash = await mempool.add(good);
    expect(await rejection(mempool, good)).to.equal("already known");
    // All of its transactions must be affordable together, not each one.
    expect(await rejection(mempool, await sign(chain, alice, { nonce: 1, value: balance - 21_000n * 10n * GWEI }))).to.match(
      /^insufficient funds for gas \* price \+ value: balance \d+, queued cost \d+, tx cost \d+, overshot \d+$/,
    );
    // Once included, its nonce is used.
    await appendBlockOf(chain, mempool.pending());
    mempool.remove([hash]);
    expect(await rejection(mempool, await sign(chain, alice, { value: 2n }))).to.equal("nonce too low: next nonce 1, tx nonce 0");
    expect(await rejection(mempool, good)).to.equal("already known");
  });

  it("accepts unprotected legacy transactions only when told to", async function () {
    await fresh({ allowUnprotected: true });
    const raw = await alice.signTransaction({ type: 0, nonce: 0, to: dave.address, gasLimit: 21_000n, gasPrice: 10n * GWEI });
    const hash = await mempool.add(raw);
    expect(hashes(mempool)).to.deep.equal([hash]);
    // A protected legacy one (EIP-155) is accepted either way.
    await fresh();
    await mempool.add(await alice.signTransaction({ type: 0, chainId: chain.genesis.chainId, nonce: 0, to: dave.address, gasLimit: 21_000n, gasPrice: 10n * GWEI }));
  });

  it("queues a nonce-gapped transaction, never offers it early, and promotes it when the gap fills", async function () {
    const second = await mempool.add(await sign(chain, alice, { nonce: 1 }));
    const third = await mempool.add(await sign(chain, alice, { nonce: 2 }));
    expect(mempool.pending(), "nothing executable yet").to.deep.equal([]);
    expect(mempool.counts()).to.deep.equal({ pending: 0, queued: 2 });
    expect(mempool.status(second).status).to.equal("queued");
    // The nonce a wallet must use next is the gap, not past the queued ones.
    expect(await mempool.nextNonce(alice.address)).to.equal(0n);

    const first = await mempool.add(await sign(chain, alice, { nonce: 0 }));
    expect(hashes(mempool)).to.deep.equal([first, second, third]);
    expect(await mempool.nextNonce(alice.address)).to.equal(3n);
    const block = await appendBlockOf(chain, mempool.pending());
    expect(block.skipped).to.deep.equal([]);
    expect(block.transactions.map((tx) => bytesToHex(tx.hash()))).to.deep.equal([first, second, third]);
    await mempool.sync();
    expect(mempool.size(), "included ones leave the pool").to.equal(0);
    expect(mempool.status(third)).to.deep.include({ status: "included", blockNumber: 1, index: 2 });
  });

  it("replaces a same-nonce transaction only with ≥ 10 % more on both fees", async function () {
    const original = await mempool.add(await sign(chain, alice, { maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI }));
    expect(await rejection(mempool, await sign(chain, alice, { maxFeePerGas: 11n * GWEI, maxPriorityFeePerGas: GWEI, value: 2n }))).to.equal(
      "replacement transaction underpriced",
    );
    expect(await rejection(mempool, await sign(chain, alice, { maxFeePerGas: 10n * GWEI + 1n, maxPriorityFeePerGas: 2n * GWEI, value: 2n }))).to.equal(
      "replacement transaction underpriced",
    );
    const replacement = await mempool.add(await sign(chain, alice, { maxFeePerGas: 11n * GWEI, maxPriorityFeePerGas: (11n * GWEI) / 10n, value: 2n }));
    expect(hashes(mempool)).to.deep.equal([replacement]);
    expect(mempool.status(original)).to.deep.include({ status: "dropped", reason: `replaced by ${replacement}` });
  });

  it("orders a block by tip across senders and by nonce within one", async function () {
    const cheap = await mempool.add(await sign(chain, alice, { nonce: 0, maxPriorityFeePerGas: 1n * GWEI }));
    const rich0 = await mempool.add(await sign(chain, bob, { nonce: 0, maxPriorityFeePerGas: 3n * GWEI }));
    const rich1 = await mempool.add(await sign(chain, bob, { nonce: 1, maxPriorityFeePerGas: 1n }));
    const middle = await mempool.add(await sign(chain, carol, { nonce: 0, maxPriorityFeePerGas: 2n * GWEI }));
    // bob's nonce 1 pays little, but it cannot come before his nonce 0.
    expect(hashes(mempool)).to.deep.equal([rich0, middle, cheap, rich1]);
  });

  it("keeps per-sender and global limits; a full pool evicts its cheapest transaction for a better one", async function () {
    await fresh({ maxPerSender: 3, maxQueuedPerSender: 1, maxTransactions: 4 });
    for (let nonce = 0; nonce < 3; nonce++) await mempool.add(await sign(chain, alice, { nonce }));
    expect(await rejection(mempool, await sign(chain, alice, { nonce: 3 }))).to.match(/^account limit exceeded: 3 transactions pending, limit 3$/);
    await mempool.add(await sign(chain, bob, { nonce: 5 }));
    expect(await rejection(mempool, await sign(chain, bob, { nonce: 7 }))).to.match(/^account limit exceeded: 1 transactions already wait for nonce 0, limit 1$/);

    // Full (4). A transaction that pays no more than the cheapest is refused; one that pays more
    // evicts the cheapest whose removal leaves no gap — bob's gapped one first.
    expect(await rejection(mempool, await sign(chain, carol, { maxFeePerGas: 10n * GWEI }))).to.match(/^transaction underpriced/);
    const bobs = mempool.queued().map((tx) => bytesToHex(tx.hash()));
    const better = await mempool.add(await sign(chain, carol, { maxFeePerGas: 20n * GWEI }));
    expect(mempool.size()).to.equal(4);
    expect(mempool.status(bobs[0]!)).to.deep.include({ status: "dropped" });
    expect((mempool.status(bobs[0]!) as { reason: string }).reason).to.match(/^evicted: the pool was full/);
    expect(mempool.status(better).status).to.equal("pending");
  });

  it("after a block: forgets included transactions, drops those whose nonce another one used, keeps waiting ones", async function () {
    const included = await sign(chain, alice, { nonce: 0, value: 5n });
    const rival = await mempool.add(await sign(chain, alice, { nonce: 0, value: 6n, maxFeePerGas: 9n * GWEI }));
    const next = await mempool.add(await sign(chain, alice, { nonce: 1 }));
    // Another proposer's block took nonce 0 with a transaction this pool never saw.
    await appendBlockOf(chain, [Buffer.from(included.slice(2), "hex")]);
    const dropped = await mempool.sync();
    expect(dropped.map((d) => d.hash)).to.deep.equal([rival]);
    expect(mempool.status(rival)).to.deep.include({ status: "dropped", reason: "nonce too low: nonce 0 was used by another transaction" });
    expect(hashes(mempool)).to.deep.equal([next]);
    expect(await mempool.nextNonce(alice.address)).to.equal(2n);
  });

  it("never offers a transaction the chain already includes, even before sync() has caught up with the block", async function () {
    const first = await mempool.add(await sign(chain, alice, { nonce: 0 }));
    const second = await mempool.add(await sign(chain, alice, { nonce: 1 }));
    // The block lands (this pool's own transaction, built elsewhere) while the pool has not synced yet.
    await appendBlockOf(chain, [Buffer.from((await sign(chain, alice, { nonce: 0 })).slice(2), "hex")]);
    expect(hashes(mempool), "the included one is not offered; its successor is").to.deep.equal([second]);
    await mempool.sync();
    expect(hashes(mempool)).to.deep.equal([second]);
    expect(mempool.status(first).status).to.not.equal("pending");
  });

  it("a dropped transaction leaves its sender's later ones queued behind the gap; a new one can fill it", async function () {
    const first = await mempool.add(await sign(chain, alice, { nonce: 0 }));
    const second = await mempool.add(await sign(chain, alice, { nonce: 1 }));
    expect(mempool.drop(first, "the builder could not apply it")).to.deep.include({ hash: first, nonce: 0n });
    expect(mempool.status(first)).to.deep.include({ status: "dropped", reason: "the builder could not apply it" });
    expect(mempool.status(second).status).to.equal("queued");
    expect(mempool.pending()).to.deep.equal([]);
    const refill = await mempool.add(await sign(chain, alice, { nonce: 0, value: 3n }));
    expect(hashes(mempool)).to.deep.equal([refill, second]);
    expect(mempool.status("0x" + "00".repeat(32))).to.deep.equal({ status: "unknown" });
  });
});
