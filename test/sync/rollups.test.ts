/**
 * Rollup A → rollup B synchronously through L1 (docs/sync.md, "Rollup A → rollup B"), on the
 * real EDR + EXECUTE + engine: A's contract calls L1 (`callL1`) at B's L2Proxy of a pool, the L1
 * call is answered by a sync L1 → B call, and one L1 transaction verifies both blocks.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { prepareCrossRollup, sendPreparedCrossRollup, type PreparedCrossRollup } from "../../src/sdk/cross-rollup.js";
import { SyncFailedError } from "../../src/sdk/sync.js";
import { proveStorage } from "../../src/sdk/bundle.js";
import { blockClaim } from "../../src/sdk/contracts.js";
import { l1CallsConsumedSlot, l1CallsDelivery } from "../../src/sdk/l1-calls.js";
import { PREDEPLOYS } from "../../src/engine/chain.js";
import { buildOn, latestL1Block } from "../../src/proposer/propose.js";
import type { Signer } from "ethers";
import { buyerInterface, crossBuy, deployCrossRollup, poolInterface, readView } from "../../examples/sync/rollups.js";
import { followerReachesHead } from "./helpers.js";

async function setup() {
  const connection = await network.create();
  const a = await loadRollupFixture({ ethers: connection.ethers }, { dataAvailability: "calldata" });
  const b = await loadRollupFixture({ ethers: connection.ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
  const d = await deployCrossRollup(a, b);
  return { connection, a, b, d };
}

const head = async (l2: RollupFixture) => (await l2.rollup.getFunction("head")()) as { number: bigint; blockHash: string };

describe("sync: rollup A → rollup B through L1, both blocks in one L1 transaction (docs/sync.md)", function () {
  it("A's contract gets B's pool's answer in its L2 transaction; both rollups advance in one L1 transaction", async function () {
    const { a, b, d } = await setup();
    const expected = (await readView(b, poolInterface(), d.pool, "quote", [1000n])) as bigint;
    const [headA, headB] = [await head(a), await head(b)];
    const sent = await crossBuy(a, b, d, 1000n, expected);
    // A: the transaction succeeded and booked exactly what B's pool sold.
    expect(sent.prepared.a.block.transactions).to.have.length(1);
    expect((sent.prepared.a.block.receipts[0] as { status?: number }).status).to.equal(1);
    expect(await readView(a, buyerInterface(), d.buyer, "lastOut")).to.equal(expected);
    expect(await readView(a, buyerInterface(), d.buyer, "totalBought")).to.equal(expected);
    // B: the pool sold it, to rollup A's L1 contract (the proxy's caller).
    expect(await readView(b, poolInterface(), d.pool, "purchases")).to.equal(1n);
    expect(await readView(b, poolInterface(), d.pool, "reserveIn")).to.equal(1_001_000n);
    expect(((await readView(b, poolInterface(), d.pool, "lastL1Caller")) as string).toLowerCase()).to.equal(a.address.toLowerCase());
    // The tables: A's one L1 call is B's proxy; B's one sync call comes from rollup A.
    expect(sent.prepared.a.calls.map((c) => [c.target.toLowerCase(), c.success])).to.deep.equal([[d.poolProxy.toLowerCase(), true]]);
    expect(sent.prepared.b.calls.map((c) => [c.caller.toLowerCase(), c.to.toLowerCase(), c.success])).to.deep.equal([[a.address.toLowerCase(), d.pool.toLowerCase(), true]]);
    // One L1 transaction advanced both, A first (inside B's L1 call), each verified by EXECUTE.
    const advanced = sent.receipt.logs.filter((l) => nativeRollupInterface().parseLog(l)?.name === "BlockAdvanced").map((l) => l.address.toLowerCase());
    expect(advanced).to.deep.equal([a.address.toLowerCase(), b.address.toLowerCase()]);
    expect((await head(a)).number).to.equal(headA.number + 1n);
    expect((await head(b)).number).to.equal(headB.number + 1n);
    expect((await head(a)).blockHash).to.equal(sent.events.a.blockHash);
    expect((await head(b)).blockHash).to.equal(sent.events.b.blockHash);
    expect(a.mempool.pending()).to.have.length(0);
    // A second purchase moves the price: A sees B's new state in the same way.
    const next = (await readView(b, poolInterface(), d.pool, "quote", [1000n])) as bigint;
    expect(next < expected).to.equal(true);
    await crossBuy(a, b, d, 1000n);
    expect(await readView(a, buyerInterface(), d.buyer, "totalBought")).to.equal(expected + next);
    console.log(`      L1 gas ${sent.receipt.gasUsed} (1 A → B call, ${sent.prepared.rounds} build rounds, ${sent.ms} ms)`);
  });

  it("B's pool refuses (its revert data reaches A's contract, which keeps it); both blocks still land", async function () {
    const { a, b, d } = await setup();
    const quote = (await readView(b, poolInterface(), d.pool, "quote", [1000n])) as bigint;
    const sent = await crossBuy(a, b, d, 1000n, quote + 1n, "tryBuy");
    expect(sent.prepared.a.calls[0]!.success).to.equal(false);
    expect(sent.prepared.b.calls[0]!.success).to.equal(false);
    const refusal = poolInterface().encodeErrorResult("SyncPool_BadAmount", [1000n, quote, quote + 1n]);
    expect(await readView(a, buyerInterface(), d.buyer, "lastRevert")).to.equal(refusal);
    expect(await readView(a, buyerInterface(), d.buyer, "purchases")).to.equal(0n);
    expect(await readView(b, poolInterface(), d.pool, "purchases")).to.equal(0n);
  });

  it("a tampered result reverts all of it, A's advance inside included: neither rollup moves", async function () {
    const { a, b, d } = await setup();
    await a.send({ to: d.buyer, data: buyerInterface().encodeFunctionData("buy", [d.poolProxy, 1000n, 0n]), gasLimit: 1_000_000n });
    await a.mempool.sync();
    const provider = a.rollup.runner!.provider as never;
    const anchor = await latestL1Block(provider);
    const options = { a: { rollup: a.rollup, chain: a.chain, transactions: a.mempool.pending() }, b: { rollup: b.rollup, chain: b.chain }, provider, anchor };
    const prepared = await prepareCrossRollup(options);
    expect(prepared.simulation.ok).to.equal(true);
    const iface = nativeRollupInterface();
    const lie = "0x" + (999_999n).toString(16).padStart(64, "0");
    const from = await (b.rollup.runner as Signer).getAddress();
    /**
     * Re-encodes the transaction with a lied result in A's table, in B's, or in both with A's
     * block rebuilt on the lie (A's contract books 999,999: a consistent lie up to B's check).
     */
    const tamper = async (side: "a" | "b" | "both"): Promise<PreparedCrossRollup> => {
      const [claimB, txsB, witnessB, messagesB, sync] = iface.decodeFunctionData("syncExecute", prepared.data);
      const callsA = prepared.a.calls.map((c) => ({ ...c, returnData: side === "b" ? c.returnData : lie }));
      const callsB = prepared.b.calls.map((c) => ({ ...c, returnData: side === "a" ? c.returnData : lie }));
      let dataA: string;
      if (side === "both") {
        const delivery = await l1CallsDelivery({ rollup: a.rollup, chain: a.chain, provider }, anchor, callsA, b.address);
        const block = await buildOn(a.chain, anchor, from, options.a.transactions, delivery);
        const proof = await proveStorage(a.chain, block.header.stateRoot, PREDEPLOYS.messenger, [l1CallsConsumedSlot(block.header.number)]);
        dataA = iface.encodeFunctionData("advanceWithL1Calls", [
          blockClaim(block.header, anchor.number, delivery.messageCount), block.input.transactions, block.input.witness, block.input.messages,
          { calls: callsA, accountProof: proof.account, storageProof: proof.storage[0]!.proof },
        ]);
      } else {
        const [claimA, txsA, witnessA, messagesA, l1] = iface.decodeFunctionData("advanceWithL1Calls", sync.data);
        dataA = iface.encodeFunctionData("advanceWithL1Calls", [claimA, txsA, witnessA, messagesA, { calls: callsA, accountProof: [...l1.accountProof], storageProof: [...l1.storageProof] }]);
      }
      const data = iface.encodeFunctionData("syncExecute", [claimB, txsB, witnessB, messagesB, { calls: callsB, target: sync.target, data: dataA, executeFee: sync.executeFee, accountProof: [...sync.accountProof], storageProof: [...sync.storageProof] }]);
      return { ...prepared, data };
    };
    const [headA, headB] = [await head(a), await head(b)];
    const queued = [await a.rollup.getFunction("messageCount")(), await b.rollup.getFunction("messageCount")()];
    const failure = async (p: PreparedCrossRollup) => sendPreparedCrossRollup(options, p, 16_000_000n).then(() => undefined, (e: unknown) => e as SyncFailedError);
    // A's table lies: L1's answer (B's proxy, from B's table) differs from it.
    expect((await failure(await tamper("a")))?.details.errorName).to.equal("NativeRollup_L1CallResultMismatch");
    // B's table lies to A: A's L1 check catches it before anything is enqueued.
    expect((await failure(await tamper("b")))?.details.errorName).to.equal("NativeRollup_L1CallResultMismatch");
    // Both lie and A's block used the lie: A's checks pass and A advances inside B's L1 call, then
    // B's block proves the pool answered otherwise, and the revert takes A's advance with it.
    expect((await failure(await tamper("both")))?.details.errorName).to.equal("NativeRollup_SyncResultsMismatch");
    for (const [l2, before] of [[a, headA], [b, headB]] as const) expect((await head(l2)).blockHash).to.equal(before.blockHash);
    expect([await a.rollup.getFunction("messageCount")(), await b.rollup.getFunction("messageCount")()]).to.deep.equal(queued);
    expect(a.chain.headers.at(-1)!.number).to.equal(headA.number);
    // The honest one still lands.
    const sent = await sendPreparedCrossRollup(options, prepared);
    expect([sent.events.a.number, sent.events.b.number]).to.deep.equal([headA.number + 1n, headB.number + 1n]);
  });

  it("a follower node of each rollup derives its head from L1 alone (A's block is inside B's syncExecute)", async function () {
    const { connection, a, b, d } = await setup();
    await crossBuy(a, b, d, 1000n);
    await a.advance();
    await crossBuy(a, b, d, 500n);
    for (const l2 of [a, b]) {
      await followerReachesHead(connection.provider, l2);
    }
  });
});
