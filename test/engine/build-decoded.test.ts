import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { createFeeMarket1559TxFromRLP, FeeMarket1559Tx, type TypedTransaction } from "@ethereumjs/tx";
import { encodeReceipt } from "@ethereumjs/vm";
import { createL2Chain, createL2Common, devGenesis, execute, type BuiltBlock } from "../../src/engine/index.js";
import { createMempool } from "../../src/proposer/mempool.js";
import { decodeTransaction } from "../../src/engine/transactions.js";
import { build, sign, wallets } from "./helpers.js";

/** Runs `body` and counts the EIP-1559 serialisations made meanwhile (every test transaction is one). */
async function serialisationsDuring<T>(body: () => Promise<T>): Promise<{ result: T; count: number }> {
  const original = FeeMarket1559Tx.prototype.serialize;
  let count = 0;
  FeeMarket1559Tx.prototype.serialize = function (this: FeeMarket1559Tx) {
    count++;
    return original.call(this);
  };
  try {
    return { result: await body(), count };
  } finally {
    FeeMarket1559Tx.prototype.serialize = original;
  }
}

/** Everything a build produces, as bytes: header, body, receipts, skipped, the EXECUTE input with its witness. */
function fingerprint(block: BuiltBlock): unknown {
  return {
    header: bytesToHex(block.header.serialize()),
    transactions: block.transactions.map((tx) => bytesToHex(tx.serialize())),
    skipped: block.skipped.map((s) => [s.hash, s.reason]),
    receipts: block.receipts.map((r, i) => bytesToHex(encodeReceipt(r, block.transactions[i]!.type))),
    input: Object.entries(block.input).map(([k, v]) => [k, v instanceof Uint8Array ? bytesToHex(v) : Array.isArray(v) ? v.map((x) => bytesToHex(x)) : String(v)]),
    burnedFees: block.burnedFees,
  };
}

describe("engine: buildBlock from the mempool's decoded transactions", function () {
  this.timeout(120_000);

  it("uses them as they are (no decode, one serialisation each) and builds the same block as from raw bytes", async function () {
    const chain = await createL2Chain(devGenesis({ gasLimit: 30_000_000n }));
    const n = 60;
    const raws = await Promise.all(
      Array.from({ length: n }, (_, i) => sign(chain, 1 + (i % 10), { nonce: Math.floor(i / 10), to: wallets[0]!.address, value: 1n + BigInt(i), gasLimit: 21_000n })),
    );
    // The real mempool decodes each transaction and recovers its sender at admission.
    const pool = createMempool(chain);
    for (const raw of raws) await pool.add(raw);
    const pending = pool.pending();
    expect(pending).to.have.length(n);

    const fromRaw = await build(chain, raws);
    const { result: fromPool, count } = await serialisationsDuring(() => build(chain, pending));
    expect(fingerprint(fromPool)).to.deep.equal(fingerprint(fromRaw));
    expect(fromPool.transactions).to.have.length(n);
    // The very objects the pool decoded, with their recovered senders: nothing decoded or recovered again.
    const byHash = new Map(pending.map((tx) => [bytesToHex(tx.hash()), tx]));
    for (const tx of fromPool.transactions) expect(tx === byHash.get(bytesToHex(tx.hash())), "the mempool's object").to.equal(true);
    // Was 3 per transaction (one to re-decode, the transactions root, the EXECUTE input); now 1.
    expect(count).to.equal(n);
    await execute(fromPool.input);
  });

  it("decodes, as before, the objects it cannot vouch for: another chain's, unsigned-sender, not frozen", async function () {
    const chain = await createL2Chain(devGenesis({ gasLimit: 30_000_000n }));
    const other = await createL2Chain(devGenesis({ gasLimit: 30_000_000n, chainId: chain.genesis.chainId + 1n }));
    const raws = [
      await sign(chain, 1, { nonce: 0, to: wallets[0]!.address, value: 1n, gasLimit: 21_000n }),
      await sign(chain, 2, { nonce: 0, to: wallets[0]!.address, value: 2n, gasLimit: 21_000n }),
      await sign(chain, 3, { nonce: 0, to: wallets[0]!.address, value: 3n, gasLimit: 21_000n }),
    ];
    const foreignRaw = await sign(other, 4, { nonce: 0, to: wallets[0]!.address, value: 4n, gasLimit: 21_000n });
    const ours = createL2Common(chain.genesis.chainId);
    const noSender = decodeTransaction(raws[0]!, ours); // sender not yet recovered
    const unfrozen = createFeeMarket1559TxFromRLP(raws[1]!, { common: ours, freeze: false });
    unfrozen.getSenderAddress();
    const recovered = decodeTransaction(raws[2]!, ours);
    recovered.getSenderAddress();
    const foreign = decodeTransaction(foreignRaw, createL2Common(other.genesis.chainId));
    foreign.getSenderAddress();
    const objects: TypedTransaction[] = [noSender, unfrozen, recovered, foreign];

    const fromObjects = await build(chain, objects);
    const fromRaw = await build(chain, [...raws, foreignRaw]);
    expect(fingerprint(fromObjects)).to.deep.equal(fingerprint(fromRaw));
    expect(fromObjects.transactions).to.have.length(3);
    expect(fromObjects.skipped).to.have.length(1);
    expect(fromObjects.skipped[0]!.reason).to.match(/chain ID/i);
    // Only the frozen one of this chain with its sender is used as given.
    expect(fromObjects.transactions[0] === noSender).to.equal(false);
    expect(fromObjects.transactions[1] === unfrozen).to.equal(false);
    expect(fromObjects.transactions[2] === recovered).to.equal(true);
    await execute(fromObjects.input);
  });
});
