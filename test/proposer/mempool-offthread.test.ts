import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { RLP } from "@ethereumjs/rlp";
import { Transaction, Wallet } from "ethers";
import { createL2Chain, devGenesis, devAccounts } from "../../src/engine/index.js";
import { createMempool, TransactionRejectedError } from "../../src/proposer/index.js";
import { mempoolChainOf } from "../../src/proposer/mempool-types.js";
import { recoverSenderOffThread } from "../../src/proposer/senders-offthread.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const GWEI = 1_000_000_000n;

describe("mempool: sender recovery on a worker thread", function () {
  this.timeout(60_000);

  it("recovers on the worker the same sender key as the signer's, and none for another chain's transaction or a bad signature", async function () {
    const chain = await createL2Chain(devGenesis());
    const chainId = chain.genesis.chainId;
    const wallet = wallets[3]!;
    const raw = await wallet.signTransaction({ type: 2, chainId, nonce: 0, to: wallets[4]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
    const found = await recoverSenderOffThread(Buffer.from(raw.slice(2), "hex"), chainId);
    expect(found && "0x04" + Buffer.from(found.publicKey).toString("hex")).to.equal(wallet.signingKey.publicKey);
    // The hash too (the RPC thread no longer re-serialises the transaction to compute it).
    expect(found && bytesToHex(found.hash)).to.equal(Transaction.from(raw).hash);
    expect(await recoverSenderOffThread(Buffer.from(raw.slice(2), "hex"), chainId + 1n)).to.equal(undefined);
    // s above n/2 (EIP-2): no key from the worker, and the mempool refuses it in its own words.
    const fields = RLP.decode(Buffer.from(raw.slice(4), "hex")) as Uint8Array[];
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    fields[9] = fields[9]!.length === 0 ? Uint8Array.from([1]) : new Uint8Array(0);
    fields[11] = Buffer.from((n - BigInt(bytesToHex(fields[11]!))).toString(16).padStart(64, "0"), "hex");
    const highS = "0x02" + Buffer.from(RLP.encode(fields)).toString("hex");
    expect(await recoverSenderOffThread(Buffer.from(highS.slice(2), "hex"), chainId)).to.equal(undefined);
    const mempool = createMempool(chain);
    const refused = await mempool.add(highS).then(() => undefined, (error: Error) => error);
    expect(refused).to.be.instanceOf(TransactionRejectedError);
    expect((refused as TransactionRejectedError).reason).to.match(/^transaction does not decode: Invalid Signature/);
  });

  it("admits 200 transactions of 4 senders sent at once in call order, each under its signer's address (the keys come back from the worker while earlier adds run)", async function () {
    const chain = await createL2Chain(devGenesis());
    const mempool = createMempool(chain, { maxPerSender: 1000 });
    const raws: string[] = [];
    for (let i = 0; i < 200; i++) {
      const wallet = wallets[i % 4]!;
      raws.push(await wallet.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce: Math.floor(i / 4), to: wallets[5]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI }));
    }
    const hashes = await Promise.all(raws.map((raw) => mempool.add(raw)));
    expect(hashes).to.deep.equal(raws.map((raw) => Transaction.from(raw).hash));
    const pending = mempool.pending();
    expect(pending).to.have.length(200);
    for (const tx of pending) expect(tx.getSenderAddress().toString()).to.equal(Transaction.from(bytesToHex(tx.serialize())).from!.toLowerCase());
    expect(mempool.counts()).to.deep.equal({ pending: 200, queued: 0 });
  });

  it("reads the chain's head once per admitted transaction (a node's head is a checked store read; it was read three times)", async function () {
    const chain = await createL2Chain(devGenesis());
    const inner = mempoolChainOf(chain);
    let heads = 0;
    const counted = { ...inner, chainId: inner.chainId, db: inner.db, head: () => (heads++, inner.head()), includedAt: inner.includedAt };
    const mempool = createMempool(counted);
    const raws: string[] = [];
    for (let i = 0; i < 20; i++) {
      raws.push(await wallets[8]!.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce: i, to: wallets[5]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI }));
    }
    heads = 0;
    await Promise.all(raws.map((raw) => mempool.add(raw)));
    expect(heads, "head reads for 20 adds").to.be.at.most(20);
    expect(mempool.counts()).to.deep.equal({ pending: 20, queued: 0 });
  });

  it("still expires a queued transaction once its lifetime passed, though the sweep no longer runs on every add", async function () {
    const chain = await createL2Chain(devGenesis());
    const mempool = createMempool(chain, { queueLifetimeMs: 150 });
    const sign = (wallet: Wallet, nonce: number) =>
      wallet.signTransaction({ type: 2, chainId: chain.genesis.chainId, nonce, to: wallets[5]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI });
    const gapped = await mempool.add(await sign(wallets[6]!, 1)); // nonce 0 missing: queued
    await mempool.add(await sign(wallets[7]!, 0));
    expect(mempool.status(gapped).status).to.equal("queued");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await mempool.add(await sign(wallets[7]!, 1));
    expect(mempool.status(gapped)).to.deep.include({ status: "dropped" });
    expect((mempool.status(gapped) as { reason: string }).reason).to.match(/^expired: waited/);
  });
});
