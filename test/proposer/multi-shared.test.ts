/**
 * The multi-rollup proposer's default packing (src/proposer/multi-shared.ts; issue 17 item 3):
 * the blocks of every rollup with work in ONE shared advance per round, each rollup's mempool,
 * journal, drops and back-off kept. Real EDR, real EXECUTE, real KZG, real LMDB nodes.
 */
import { expect } from "chai";
import { Interface } from "ethers";
import { recentVerdicts } from "../../src/precompile/index.js";
import { encodeExecuteInput } from "../../src/precompile/codec.js";
import { encodeExecuteBatch } from "../../src/precompile/batch.js";
import { hexToBytes } from "@ethereumjs/util";
import { AdvanceFailedError, followBlocks, ProposerConfigError } from "../../src/proposer/index.js";
import { nativeRollupInterface, parseBlockAdvanced } from "../../src/sdk/contracts.js";
import { propose, transfers } from "../node/helpers.js";
import { sharedEnv } from "./shared-helpers.js";

type Outcomes = Awaited<ReturnType<Awaited<ReturnType<typeof sharedEnv>>["drain"]>>;
const proposedIn = (outcomes: Outcomes) => outcomes.flatMap((o) => (o.kind === "rollup" && o.outcome.kind === "proposed" ? [{ chainId: o.chainId, proposed: o.outcome.proposed }] : []));
const droppedIn = (outcomes: Outcomes) => outcomes.flatMap((o) => (o.kind === "rollup" && "dropped" in o.outcome ? o.outcome.dropped : []));

describe("proposer: several rollups' blocks in one shared advance (the default)", function () {
  this.timeout(240_000);

  it("three rollups' transactions land in ONE L1 transaction with one blob, and a node started afterwards derives the same heads from L1", async function () {
    const env = await sharedEnv(3);
    try {
      const proposer = env.proposerOn();
      const sent = [] as { i: number; hash: string }[];
      for (let i = 0; i < 3; i++) for (const from of [1, 2]) sent.push({ i, hash: await env.send(i, from) });
      // The call that packs the round hands out its first outcome and says how many wait (the devnet's round takes them all).
      const first = await proposer.proposeNext();
      expect(first.kind).to.equal("rollup");
      expect(proposer.outcomesWaiting, "the two other rollups' outcomes").to.equal(2);
      const outcomes = [first, ...(await env.drain(proposer))];
      expect(proposer.outcomesWaiting).to.equal(0);
      expect(droppedIn(outcomes), env.lines.join("\n")).to.deep.equal([]);
      const proposed = proposedIn(outcomes);
      expect(proposed.map((p) => p.chainId).sort(), env.lines.join("\n")).to.deep.equal([...env.chainIds].sort());
      const l1Hashes = new Set(proposed.map((p) => p.proposed.l1Receipt.hash));
      expect(l1Hashes.size, "one L1 transaction for the three blocks").to.equal(1);
      // From L1 itself: the transaction's receipt holds the three rollups' BlockAdvanced, and it carries one blob.
      const hash = [...l1Hashes][0]!;
      const receipt = (await env.ethers.provider.getTransactionReceipt(hash))!;
      expect(receipt.status).to.equal(1);
      const advancedBy = receipt.logs.filter((log) => parseBlockAdvanced([log]).length === 1).map((log) => log.address.toLowerCase());
      expect(advancedBy.sort()).to.deep.equal(env.rollups.map((r) => r.address.toLowerCase()).sort());
      const tx = await env.ethers.provider.send("eth_getTransactionByHash", [hash]);
      expect(tx.blobVersionedHashes, "one blob carries the three blocks").to.have.length(1);
      for (const { i, hash } of sent) expect((await env.status(i, hash)).status, hash).to.equal("included");

      const late = await env.follower();
      await late.sync();
      for (const chainId of env.chainIds) {
        const ours = (await env.multi.rollup(chainId)).status().l2;
        const theirs = (await late.rollup(chainId)).status().l2;
        expect(theirs.head, `rollup ${chainId}`).to.equal(1n);
        expect(theirs.headHash, `rollup ${chainId}`).to.equal(ours.headHash);
      }
    } finally {
      await env.stop();
    }
  });

  it("packing \"separate\" goes back to one advance per rollup-block", async function () {
    const env = await sharedEnv(2, 231_101n);
    try {
      const proposer = env.proposerOn({ packing: "separate" });
      for (let i = 0; i < 2; i++) await env.send(i, 1);
      const proposed = proposedIn(await env.drain(proposer));
      expect(proposed).to.have.length(2);
      expect(new Set(proposed.map((p) => p.proposed.l1Receipt.hash)).size).to.equal(2);
      for (const p of proposed) expect(p.proposed.l1Receipt.to!.toLowerCase()).to.equal(env.rollups[env.chainIds.indexOf(p.chainId)]!.address.toLowerCase());
    } finally {
      await env.stop();
    }
  });

  it("calldata data availability means one advance per rollup-block (shared advances are blobs); asking for both is refused (ProposerConfigError)", async function () {
    const env = await sharedEnv(2, 231_151n);
    try {
      expect(() => env.proposerOn({ packing: "shared", dataAvailability: "calldata" })).to.throw(ProposerConfigError, /calldata/);
      const proposer = env.proposerOn({ dataAvailability: "calldata" });
      for (let i = 0; i < 2; i++) await env.send(i, 1);
      const proposed = proposedIn(await env.drain(proposer));
      expect(proposed).to.have.length(2);
      expect(new Set(proposed.map((p) => p.proposed.l1Receipt.hash)).size, "one L1 transaction per rollup").to.equal(2);
      for (const p of proposed) expect(p.proposed.l1Receipt.type, "no blobs").to.not.equal(3);
    } finally {
      await env.stop();
    }
  });

  it("an L1 reorg that takes a shared advance back returns every rollup's transactions to its pool, and they land again", async function () {
    const env = await sharedEnv(2, 231_201n);
    try {
      const proposer = env.proposerOn();
      // Worked once: the proposer's chains are the node's.
      for (let i = 0; i < 2; i++) await env.send(i, 1);
      await env.drain(proposer);

      const snapshot = await env.ethers.provider.send("evm_snapshot", []);
      const ours = [] as { i: number; hash: string }[];
      for (let i = 0; i < 2; i++) for (const from of [1, 2]) ours.push({ i, hash: await env.send(i, from) });
      const first = await proposer.proposeNext();
      expect(first.kind === "rollup" && first.outcome.kind, env.lines.join("\n")).to.equal("proposed");
      const second = await proposer.proposeNext();
      expect(second.kind === "rollup" && second.outcome.kind).to.equal("proposed");
      const l1Hash = (o: typeof first) => (o.kind === "rollup" && o.outcome.kind === "proposed" ? o.outcome.proposed.l1Receipt.hash : undefined);
      expect(l1Hash(first)).to.equal(l1Hash(second));
      // The round is over: idle once (a devnet round then lets its node derive), not another shared
      // round for rollups whose only work is transactions awaiting the node's inclusion.
      expect((await proposer.proposeNext()).kind).to.equal("idle");
      for (const id of env.chainIds) expect(env.rpc.mempool(id)!.pending(), "taken from the pools").to.have.length(0);

      // L1 takes the shared advance back before the node derived it.
      await env.ethers.provider.send("evm_revert", [snapshot]);
      await env.multi.sync();
      for (const id of env.chainIds) expect((await env.multi.rollup(id)).status().l2.head).to.equal(1n);

      const outcomes = await env.drain(proposer);
      expect(droppedIn(outcomes)).to.deep.equal([]);
      for (const { i, hash } of ours) expect((await env.status(i, hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      for (const id of env.chainIds) {
        expect(env.lines.some((line) => line.includes(`rollup ${id}: built on the node's head: 1 block(s) rewound`) && /2 transaction\(s\) of rewound blocks pending again/.test(line)), env.lines.join("\n")).to.equal(true);
        expect((await env.multi.rollup(id)).status().l2.head).to.equal(2n);
      }
      // They landed together again.
      expect(new Set(proposedIn(outcomes).map((p) => p.proposed.l1Receipt.hash)).size).to.equal(1);
    } finally {
      await env.stop();
    }
  });

  it("a leg that reverts (another proposer took its parent) does not hold the other rollups back: they are sent without it in the same round, and its own transactions land after", async function () {
    const env = await sharedEnv(3, 231_301n);
    try {
      let raced = false;
      const proposer = env.proposerOn({
        // Between packing and sending, a rival proposer advances the middle rollup.
        onPacked: async () => {
          if (raced) return;
          raced = true;
          const rival = env.rollups[1]!;
          await followBlocks(rival.chain, await env.multi.rollup(env.chainIds[1]!));
          await propose({ ethersProvider: env.ethers.provider, signer: env.signer, rollup: rival.rollup, chain: rival.chain }, await transfers(rival.chain, 1, 7, 5));
        },
      });
      const ours = [] as { i: number; hash: string }[];
      for (let i = 0; i < 3; i++) for (const from of [1, 2]) ours.push({ i, hash: await env.send(i, from) });
      const outcomes = await env.drain(proposer);
      expect(raced).to.equal(true);
      expect(droppedIn(outcomes), env.lines.join("\n")).to.deep.equal([]);
      for (const { i, hash } of ours) expect((await env.status(i, hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      expect(env.lines.some((line) => /its leg of a shared advance failed \(Another block was verified on this parent first.*the 2 other rollup\(s\) are sent without it/.test(line)), env.lines.join("\n")).to.equal(true);
      const kinds = outcomes.map((o) => (o.kind === "rollup" ? `${o.chainId}:${o.outcome.kind}` : o.kind));
      expect(kinds.slice(0, 3), kinds.join(", ")).to.have.members([`${env.chainIds[1]}:lost-race`, `${env.chainIds[0]}:proposed`, `${env.chainIds[2]}:proposed`]);
      // The two others in one transaction, the raced one later on the rival's block.
      const proposed = proposedIn(outcomes);
      const together = proposed.filter((p) => p.chainId !== env.chainIds[1]);
      expect(new Set(together.map((p) => p.proposed.l1Receipt.hash)).size).to.equal(1);
      expect((await env.multi.rollup(env.chainIds[1]!)).status().l2.head).to.equal(2n);
    } finally {
      await env.stop();
    }
  });

  it("a leg EXECUTE rejects (its claimed post-state root is not its block's) is named by EXECUTE's verdict: the two others land in the same round in one L1 transaction, it fails with the verdict's reason, and its transactions land after", async function () {
    const env = await sharedEnv(3, 231_401n);
    try {
      const victim = env.chainIds[1]!;
      let tampered: { blockHash: string; l1Tx?: string } | undefined;
      const packedLegs: bigint[][] = [];
      const proposer = env.proposerOn({
        // Between packing and sending, the middle rollup's leg claims a post-state root its block
        // does not have: L1 runs the bundle and EXECUTE rejects that leg alone (the contract passes
        // the claim to EXECUTE as is). The bundle's calldata is re-encoded around the changed call.
        onPacked: (packed, chainIds) => {
          packedLegs.push(chainIds);
          if (tampered !== undefined) return;
          const index = chainIds.indexOf(victim);
          if (index < 0) return;
          const rollupInterface = nativeRollupInterface();
          const method = packed.execute === "batched" ? "advanceBatched" : "advanceWithBlobRange";
          const args = rollupInterface.decodeFunctionData(method, packed.calls[index]!.data);
          const stateRoot = "0x" + "ab".repeat(32);
          const claim = { ...args[0].toObject(), stateRoot };
          packed.calls[index]!.data = rollupInterface.encodeFunctionData(method, [claim, ...args.slice(1)]);
          const calls = packed.calls.map(({ target, data, value }) => ({ target, data, value: value ?? 0n }));
          if (packed.execute === "batched") {
            // The batch's entry is the input the rollup builds from that claim: the same root, so EXECUTE rejects it.
            const entries = packed.legs.map((leg, i) => encodeExecuteInput(i === index ? { ...leg.input, postStateRoot: hexToBytes(stateRoot as `0x${string}`) } : leg.input));
            const batch = encodeExecuteBatch(entries, packed.legs[0]!.input.blobVersionedHashes);
            const bundlerInterface = new Interface(["function executeBatch(bytes input, (address target, bytes data, uint256 value)[] calls) payable returns (bytes[])"]);
            packed.data = bundlerInterface.encodeFunctionData("executeBatch", [batch, calls]);
          } else {
            const bundlerInterface = new Interface(["function bundle((address target, bytes data, uint256 value)[] calls) payable returns (bytes[])"]);
            packed.data = bundlerInterface.encodeFunctionData("bundle", [calls]);
          }
          tampered = { blockHash: packed.legs[index]!.claim.blockHash };
        },
      });
      const ours = [] as { i: number; hash: string }[];
      for (let i = 0; i < 3; i++) for (const from of [1, 2]) ours.push({ i, hash: await env.send(i, from) });
      const outcomes = await env.drain(proposer);
      expect(tampered, "the victim's leg was tampered").to.not.equal(undefined);

      // What the proposer reports for the victim: failed, with the verdict's reason; the others proposed in the same round.
      const kinds = outcomes.map((o) => (o.kind === "rollup" ? `${o.chainId}:${o.outcome.kind}` : o.kind));
      expect(kinds.slice(0, 3), `${kinds.join(", ")}\n${env.lines.join("\n")}`).to.have.members([`${victim}:failed`, `${env.chainIds[0]}:proposed`, `${env.chainIds[2]}:proposed`]);
      // EXECUTE's own verdict on the tampered leg: rejected, for its post-state root, naming the claimed block.
      const verdict = recentVerdicts().findLast((v) => !v.ok && v.blockHash === tampered!.blockHash);
      expect(verdict, JSON.stringify(recentVerdicts().slice(-5), (_k, v) => (typeof v === "bigint" ? v.toString() : v))).to.not.equal(undefined);
      expect(verdict!.error!.name).to.equal("CommitmentMismatchError");
      expect(verdict!.error!.message).to.match(/postStateRoot mismatch/);

      const failed = outcomes.find((o) => o.kind === "rollup" && o.chainId === victim && o.outcome.kind === "failed");
      const error = failed!.kind === "rollup" && failed!.outcome.kind === "failed" ? failed!.outcome.error : undefined;
      expect(error).to.be.instanceOf(AdvanceFailedError);
      expect((error as AdvanceFailedError).details.reason).to.equal(verdict!.error!.message);
      expect(env.lines.some((line) => line.includes(`rollup ${victim}: its leg of a shared advance failed (advance() reverted: EXECUTE rejected the block: postStateRoot mismatch)`) && /the 2 other rollup\(s\) are sent without it/.test(line)), env.lines.join("\n")).to.equal(true);
      // The rejected leg sinks no one: the other two were re-packed without it in that round.
      expect(packedLegs[0], "first pack: all three").to.have.members(env.chainIds);
      expect(packedLegs[1], "re-pack: the two others").to.have.members([env.chainIds[0]!, env.chainIds[2]!]);

      // From L1: one successful transaction carries both other rollups' BlockAdvanced, not the victim's.
      const proposed = proposedIn(outcomes);
      const together = proposed.filter((p) => p.chainId !== victim);
      expect(together).to.have.length(2);
      const l1Hashes = new Set(together.map((p) => p.proposed.l1Receipt.hash));
      expect(l1Hashes.size, "the two others in one L1 transaction").to.equal(1);
      const receipt = (await env.ethers.provider.getTransactionReceipt([...l1Hashes][0]!))!;
      expect(receipt.status).to.equal(1);
      const advancedBy = receipt.logs.filter((log) => parseBlockAdvanced([log]).length === 1).map((log) => log.address.toLowerCase());
      expect(advancedBy.sort()).to.deep.equal([env.rollups[0]!.address.toLowerCase(), env.rollups[2]!.address.toLowerCase()].sort());

      // Nothing lost: every transaction ends in a receipt (the victim's with its own block, after its pause).
      expect(droppedIn(outcomes), env.lines.join("\n")).to.deep.equal([]);
      for (const { i, hash } of ours) expect((await env.status(i, hash)).status, `${hash}\n${env.lines.join("\n")}`).to.equal("included");
      const victimLanded = proposed.filter((p) => p.chainId === victim);
      expect(victimLanded).to.have.length(1);
      expect(victimLanded[0]!.proposed.l1Receipt.hash).to.not.equal([...l1Hashes][0]);
      for (const id of env.chainIds) expect((await env.multi.rollup(id)).status().l2.head, `rollup ${id}`).to.equal(1n);
    } finally {
      await env.stop();
    }
  });
});
