/**
 * A shared round's L1 reads of all its rollups at once (src/proposer/multi-reads.ts): the values
 * each rollup's own calls read, at the round's anchor block, and the round makes no per-rollup
 * L1 call for them any more. Real EDR, real EXECUTE, real KZG, real LMDB nodes.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { Contract } from "ethers";
import { devGenesis } from "../../src/engine/index.js";
import { readRollups } from "../../src/proposer/multi-reads.js";
import { deployBundler } from "../../src/sdk/bundle.js";
import { deployRollup, nativeRollupInterface } from "../../src/sdk/index.js";
import { sharedEnv } from "./shared-helpers.js";

describe("proposer: a shared round reads every rollup's head and queue in two L1 calls", function () {
  this.timeout(240_000);

  it("reads what each rollup's own calls read, at the block asked for; a rolling hash elsewhere in the queue is read on its own; an L1 that refuses gives undefined", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const rollups = [];
    for (let i = 0; i < 3; i++) rollups.push((await deployRollup(signer!, devGenesis({ chainId: 232_001n + BigInt(i) }))).rollup);
    const bundler = await deployBundler(signer!);
    const to = await signer!.getAddress();
    for (let k = 0; k < 2; k++) await (await rollups[1]!.getFunction("deposit")(to, { value: 10n ** 15n })).wait();
    await (await rollups[2]!.getFunction("deposit")(to, { value: 10n ** 15n })).wait();
    const at = BigInt(await ethers.provider.send("eth_blockNumber", []));
    // Queued after the block read: not in what is read at it.
    await (await rollups[2]!.getFunction("deposit")(to, { value: 10n ** 15n })).wait();

    const reads = (await readRollups(bundler, ethers.provider as never, rollups, at))!;
    expect(reads).to.have.length(3);
    for (const [i, rollup] of rollups.entries()) {
      const head = (await rollup.getFunction("head")({ blockTag: Number(at) })) as { blockHash: string };
      expect(reads[i]!.l1Head.toLowerCase(), `rollup ${i}`).to.equal(head.blockHash.toLowerCase());
      const count = (await rollup.getFunction("messageCount")({ blockTag: Number(at) })) as bigint;
      expect(await reads[i]!.queue.messageCount(), `rollup ${i}`).to.equal(count);
      if (count > 0n) expect(await reads[i]!.queue.rollingHash(count), `rollup ${i}`).to.equal(await rollup.getFunction("rollingHash")(count));
    }
    expect(await reads[0]!.queue.messageCount()).to.equal(0n);
    expect(await reads[1]!.queue.messageCount()).to.equal(2n);
    expect(await reads[2]!.queue.messageCount(), "the deposit after the block read is not counted").to.equal(1n);
    expect(await reads[1]!.queue.rollingHash(1n), "another position: the rollup's own read").to.equal(await rollups[1]!.getFunction("rollingHash")(1n));
    expect(await reads[1]!.queue.rollingHash(1n)).to.not.equal(await reads[1]!.queue.rollingHash(2n));

    // A "bundler" with no code answers nothing decodable: undefined, and the caller reads each rollup on its own.
    const nowhere = new Contract("0x00000000000000000000000000000000000badbd", bundler.interface, signer);
    expect(await readRollups(nowhere, ethers.provider as never, rollups, at)).to.equal(undefined);
    expect(await readRollups(bundler, ethers.provider as never, [], at)).to.deep.equal([]);
  });

  it("a shared round over four rollups calls no rollup's messageCount, rollingHash or head on its own, and their blocks deliver the deposits and land", async function () {
    const env = await sharedEnv(4, 232_101n);
    // Every eth_call the proposer makes, by the function it calls (the node's reads go elsewhere: it is moved by sync() only, between calls).
    const rollupInterface = nativeRollupInterface();
    const perRollup: string[] = [];
    const provider = env.connection.provider as { request: (args: { method: string; params?: unknown[] }) => Promise<unknown> };
    const request = provider.request.bind(provider);
    const addresses = new Set(env.rollups.map((r) => r.address.toLowerCase()));
    provider.request = async (args) => {
      if (args.method === "eth_call") {
        const call = (args.params?.[0] ?? {}) as { to?: string; data?: string; input?: string };
        const data = call.data ?? call.input ?? "0x";
        if (addresses.has(String(call.to).toLowerCase())) {
          const name = rollupInterface.parseTransaction({ data })?.name;
          if (name === "messageCount" || name === "rollingHash" || name === "head") perRollup.push(name);
        }
      }
      return request(args);
    };
    try {
      const to = await env.signer.getAddress();
      for (const r of env.rollups) await (await r.rollup.getFunction("deposit")(to, { value: 10n ** 15n })).wait();
      await env.multi.sync();
      const proposer = env.proposerOn();
      perRollup.length = 0;
      const outcomes = [await proposer.proposeNext()];
      while (proposer.outcomesWaiting > 0) outcomes.push(await proposer.proposeNext());
      const proposed = outcomes.flatMap((o) => (o.kind === "rollup" && o.outcome.kind === "proposed" ? [o.outcome.proposed] : []));
      expect(proposed, env.lines.join("\n")).to.have.length(4);
      expect(new Set(proposed.map((p) => p.l1Receipt.hash)).size, "one shared advance").to.equal(1);
      for (const p of proposed) expect(p.event.messageCount, "each block delivers its rollup's deposit").to.equal(1n);
      expect(perRollup, "no per-rollup L1 read in the round").to.deep.equal([]);
      await env.multi.sync();
      for (const chainId of env.chainIds) expect((await env.multi.rollup(chainId)).status().l2.head, `rollup ${chainId}`).to.equal(1n);
    } finally {
      provider.request = request;
      await env.stop();
    }
  });
});
