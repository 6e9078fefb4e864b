/**
 * A node derives blocks advanced by a shared advance (docs/execute.md, "Shared advances";
 * src/sdk/shared-advance.ts) from L1 alone: the block's bytes are a range of a blob shared with
 * another rollup's block, named by the `advanceWithBlobRange` call inside the bundle and checked
 * against the event's dataHash; one of them delivers a deposit (its messages read from that call).
 */
import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { rmSync } from "node:fs";
import { startMultiNode, startNode } from "../../src/node/index.js";
import { blobRangeOf } from "../../src/node/stages/blob-range.js";
import { devGenesis } from "../../src/engine/index.js";
import { deployRollup } from "../../src/sdk/index.js";
import { deployBundler } from "../../src/sdk/bundle.js";
import { deposit } from "../../src/sdk/bridge.js";
import { proposeSharedAdvance } from "../../src/sdk/shared-advance.js";
import { blobArchiveFor, chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

describe("node: derivation of shared advances (one blob, ranges)", function () {
  it("derives our rollup's blocks read from ranges of blobs shared with another rollup, between direct advances, a deposit delivered in one", async function () {
    const l1 = await l1WithRollup();
    const other = await deployRollup(l1.signer, devGenesis({ chainId: 167_004n }));
    const bundler = await deployBundler(l1.signer);
    const blobs = await blobArchiveFor(l1.provider);
    const dataDir = tempDir();
    const recipient = "0x00000000000000000000000000000000000b0b02";
    try {
      await propose(l1, await transfers(l1.chain, 2, 0));
      await deposit(l1.signer, l1.rollup, { value: 10n ** 18n, to: recipient });
      const shared = async (salt: number) =>
        proposeSharedAdvance({
          bundler,
          provider: l1.ethersProvider as never,
          legs: [
            { rollup: other.rollup, chain: other.chain, transactions: await transfers(other.chain, 1, salt) },
            { rollup: l1.rollup, chain: l1.chain, transactions: await transfers(l1.chain, 2, salt) },
          ],
        });
      const first = await shared(1);
      expect(first.events[1]!.messageCount, "our leg delivered the deposit").to.equal(1n);
      expect(first.prepared.sidecar!.blobs).to.have.length(1);
      const hashes = first.events[1]!.blobHashes;
      expect(blobRangeOf(first.prepared.calls[1]!.data, first.prepared.calls[1]!.data.slice(2, 10), hashes, first.events[1]!.dataHash)).to.deep.equal(first.prepared.ranges[1]);
      // A range that does not hash to the event's dataHash is no source (the other leg's range).
      expect(blobRangeOf(first.prepared.calls[0]!.data, first.prepared.calls[0]!.data.slice(2, 10), hashes, first.events[1]!.dataHash)).to.equal(undefined);
      await shared(2);
      await propose(l1, await transfers(l1.chain, 1, 3), "blobs");

      const lines: string[] = [];
      const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, blobSource: blobs.url, dataDir, follow: false, log: (l) => lines.push(l) });
      try {
        const status = await node.sync();
        const head = chainHeadOf(l1.chain);
        expect(status.l2.head, lines.join("\n")).to.equal(4n);
        expect(status.l2.headHash).to.equal(head.hash);
        expect(bytesToHex(node.getBlock("latest")!.header.stateRoot)).to.equal(head.stateRoot);
        for (const n of [2n, 3n]) {
          const derived = node.getBlock(n)!;
          expect(derived.hash).to.equal(bytesToHex(l1.chain.headers[Number(n)]!.hash()));
          expect(derived.rawTransactions).to.have.length(2);
        }
        expect((await (await node.stateAt(2n))!.getAccount(recipient))?.balance).to.equal(10n ** 18n);
      } finally {
        await node.stop();
      }
    } finally {
      await blobs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a many-rollup node reads a shared advance's L1 transaction and blob once for all its legs (not once per rollup-block)", async function () {
    const l1 = await l1WithRollup();
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await deployRollup(l1.signer, devGenesis({ chainId: 167_010n + BigInt(i) })));
    const bundler = await deployBundler(l1.signer);
    const blobs = await blobArchiveFor(l1.provider);
    const dataDir = tempDir();
    const legs = [{ rollup: l1.rollup, chain: l1.chain, address: l1.address }, ...others];
    try {
      await proposeSharedAdvance({
        bundler,
        provider: l1.ethersProvider as never,
        legs: await Promise.all(legs.map(async (leg, i) => ({ rollup: leg.rollup, chain: leg.chain, transactions: await transfers(leg.chain, 1, i) }))),
      });
      const calls = new Map<string, number>();
      const counted = { request: (args: { method: string; params?: unknown[] }) => (calls.set(args.method, (calls.get(args.method) ?? 0) + 1), l1.provider.request(args as never)) };
      let fetches = 0;
      const counting: typeof fetch = (input, init) => (fetches++, fetch(input, init));
      const node = await startMultiNode({
        l1Provider: counted as never,
        rollups: legs.map((leg) => ({ address: leg.address, genesis: leg.chain.genesis })),
        blobSource: { beaconUrl: blobs.url, fetch: counting },
        dataDir,
        follow: false,
      });
      try {
        await node.sync();
        for (const leg of legs) {
          const rollup = await node.rollup(leg.chain.genesis.chainId);
          expect(rollup.getBlock(1n)?.hash, `rollup ${leg.chain.genesis.chainId}`).to.equal(chainHeadOf(leg.chain).hash);
        }
        expect(calls.get("eth_getTransactionByHash"), "the bundle's L1 transaction").to.equal(1);
        expect(fetches, "the shared blob's block").to.equal(1);
      } finally {
        await node.stop();
      }
    } finally {
      await blobs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
