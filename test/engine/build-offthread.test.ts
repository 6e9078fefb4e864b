import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { encodeReceipt } from "@ethereumjs/vm";
import type { TypedTransaction } from "@ethereumjs/tx";
import { threadId } from "node:worker_threads";
import { appendBlock, buildBlock, createL2Common, decodeTransaction, execute, InvalidBuildOptionsError, rewindTo, type BuiltBlock, type L2Chain } from "../../src/engine/index.js";
import { buildBlockHere } from "../../src/engine/build.js";
import { buildOffThread, NotReplicableError, offThreadBuildStats } from "../../src/engine/build-offthread.js";
import { build, chainWithContracts, mixedBlockTransactions, sign, twinChain, wallets } from "./helpers.js";

/** Everything a build produces, as bytes (the witness too). */
function fingerprint(block: BuiltBlock): unknown {
  return {
    header: bytesToHex(block.header.serialize()),
    transactions: block.transactions.map((tx) => bytesToHex(tx.serialize())),
    skipped: block.skipped.map((s) => [s.hash, s.reason, s.tx === undefined ? undefined : bytesToHex(s.tx.hash())]),
    receipts: block.receipts.map((r, i) => bytesToHex(encodeReceipt(r, block.transactions[i]!.type))),
    input: Object.entries(block.input).map(([k, v]) => [k, v instanceof Uint8Array ? bytesToHex(v) : Array.isArray(v) ? v.map((x) => bytesToHex(x)) : String(v)]),
    witness: [block.witness.nodes, block.witness.codes, block.witness.headers].map((items) => items.map((x) => bytesToHex(x))),
    burnedFees: block.burnedFees,
    deliveryGasUsed: block.deliveryGasUsed,
    // What a node in the same process adopts instead of re-executing the block.
    writes: [...(block.writes ?? new Map())].map(([k, v]) => [k, bytesToHex(v)]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
  };
}

/** As the mempool holds transactions: decoded for the chain, sender recovered. */
function mempoolObjects(chain: L2Chain, raws: Uint8Array[]): TypedTransaction[] {
  const common = createL2Common(chain.genesis.chainId);
  return raws.map((raw) => {
    const tx = decodeTransaction(raw, common);
    tx.getSenderAddress();
    return tx;
  });
}

/**
 * Blocks of a chain marked `buildOffThread` are built on the builder thread (issue 14 item 8), by
 * the same builder: the same block, byte for byte, as the calling thread builds, and `execute`
 * accepts it. The calling thread's state gets the block's nodes back (it can build the next one
 * itself), and the builder's mirror follows appends and rewinds.
 */
describe("engine: buildBlock on the builder thread (buildOffThread)", function () {
  this.timeout(180_000);

  it("builds on another thread the very block this thread builds, from raw bytes and from the mempool's objects, and execute accepts it", async function () {
    const { chain: here, tokenAddress, historyAddress } = await chainWithContracts();
    const there = twinChain(here);
    buildOffThread(there);
    const raws = await mixedBlockTransactions(here, tokenAddress, historyAddress);
    // One that cannot apply (a nonce from the future): left out on both, named by the caller's own object.
    const gap = await sign(here, 9, { nonce: 5, to: wallets[1]!.address, value: 1n, gasLimit: 21_000n });
    const before = offThreadBuildStats();

    const local = await build(here, [...raws, gap]);
    const remote = await build(there, [...raws, gap]);
    expect(fingerprint(remote)).to.deep.equal(fingerprint(local));
    const objects = mempoolObjects(here, [...raws, gap]);
    const fromObjects = await build(there, objects);
    expect(fingerprint(fromObjects)).to.deep.equal(fingerprint(local));
    // The caller's own objects come back (their cached sender with them), not copies.
    expect(fromObjects.transactions).to.deep.equal(objects.slice(0, raws.length));
    expect(fromObjects.transactions.every((tx, i) => tx === objects[i])).to.equal(true);
    expect(fromObjects.skipped.map((s) => s.tx)).to.deep.equal([objects[raws.length]]);

    const after = offThreadBuildStats();
    expect(after.offThread - before.offThread, "blocks built on the builder thread").to.equal(2);
    expect(after.here - before.here, "blocks of the marked chain built here").to.equal(0);
    expect(after.workerThreadId).to.be.a("number").and.not.equal(threadId);

    const verdict = await execute(remote.input);
    expect(bytesToHex(verdict.blockHash)).to.equal(bytesToHex(remote.header.hash()));
  });

  it("hands the block's state back: this thread builds the next block itself on it, and the builder follows appends and rewinds", async function () {
    const { chain: here, tokenAddress, historyAddress } = await chainWithContracts();
    const there = twinChain(here);
    buildOffThread(there);
    const raws = await mixedBlockTransactions(here, tokenAddress, historyAddress);
    const first = await build(there, raws);
    appendBlock(there, { header: first.header, transactions: first.transactions, receipts: first.receipts });
    const next = [await sign(there, 3, { nonce: 1, to: wallets[9]!.address, value: 7n, gasLimit: 21_000n })];
    // Only the builder thread executed block 4: its nodes must be here now for this to build.
    const onThisThread = await buildBlockHere(there, { transactions: next, timestamp: first.header.timestamp + 12n, coinbase: first.header.coinbase.bytes, prevRandao: new Uint8Array(32).fill(9), anchor: new Uint8Array(32).fill(8) });
    expect(onThisThread.skipped).to.deep.equal([]);
    const onBuilder = await build(there, next);
    expect(bytesToHex(onBuilder.header.parentHash)).to.equal(bytesToHex(first.header.hash()));
    expect(onBuilder.transactions).to.have.length(1);

    // Block 4 rewound and another one built in its place: the builder builds on block 3 again.
    rewindTo(there, 3n);
    const other = await build(there, [await sign(there, 3, { nonce: 0, to: wallets[2]!.address, value: 3n, gasLimit: 21_000n })]);
    expect(other.header.number).to.equal(4n);
    expect(bytesToHex(other.header.parentHash)).to.equal(bytesToHex(here.headers[3]!.hash()));
    const again = await build(here, [await sign(here, 3, { nonce: 0, to: wallets[2]!.address, value: 3n, gasLimit: 21_000n })]);
    expect(fingerprint(other)).to.deep.equal(fingerprint(again));
  });

  it("throws the builder's own error class, with its message and details", async function () {
    const { chain } = await chainWithContracts();
    buildOffThread(chain);
    const parent = chain.headers.at(-1)!;
    const thrown = await buildBlock(chain, { transactions: [], timestamp: parent.timestamp - 1n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(thrown).to.be.instanceOf(InvalidBuildOptionsError);
    expect((thrown as InvalidBuildOptionsError).details.field).to.equal("timestamp");
    expect(thrown!.message).to.match(/timestamp must be >= the parent's/);
    expect(thrown!.stack).to.include("thrown on the builder thread");
  });

  it("refuses a state database it cannot replicate", async function () {
    const { chain } = await chainWithContracts();
    const other: L2Chain = { ...chain, db: { get: async () => undefined, put: async () => {}, del: async () => {}, batch: async () => {}, shallowCopy: () => other.db, open: async () => {} } as never };
    expect(() => buildOffThread(other)).to.throw(NotReplicableError);
  });
});
