/**
 * The multi-rollup proposer's shared round (issue 17, item 3: "the proposer uses it by default"):
 * the next blocks of every rollup with work, each built by its own proposer (`prepareNext`: its
 * node, mempool, journal, drops and back-off), all anchored to one L1 block, carried by ONE L1
 * transaction whose blobs hold all their data (`packSharedAdvance`, one `advanceWithBlobRange`
 * per rollup in `RollupBundler.bundle`). Their heads and L1 queues are read for all of them in
 * two L1 calls first (multi-reads.ts), not one rollup at a time.
 *
 *   rollups with work ──prepareNext──▶ legs ──pack──▶ too large? send the first ones, the rest next round
 *                                                 └──send──▶ landed: each leg's `landed`
 *                                                            a leg reverted: its `failed`, the rest re-packed and sent without it
 *                                                            no leg named: every leg's `failed`, each sent alone next time
 */
import type { Contract } from "ethers";
import { onVerdict, type ExecuteVerdict } from "../precompile/run.js";
import { BundleTooLargeError, legsMovedOn, sendBundle } from "../sdk/bundle.js";
import { readExecuteMarket } from "../sdk/execute-market.js";
import { packSharedAdvance, type PreparedSharedAdvance } from "../sdk/shared-advance.js";
import { oneLine } from "./mempool.js";
import { readRollups } from "./multi-reads.js";
import { explainFailure, latestL1Block, LostRaceError, type ProposedBlock } from "./propose.js";
import type { PreparedProposal, ProposalOutcome, Proposer } from "./proposer.js";
import type { L2Chain } from "../engine/state.js";

/** A rollup with work, for {@link proposeSharedRound}. */
export interface SharedCandidate {
  chainId: bigint;
  /** Its NativeRollup, connected to the signer that pays. */
  rollup: Contract;
  chain: L2Chain;
  proposer: Proposer;
  evenEmpty: boolean;
}

/** Options of {@link proposeSharedRound}. */
export interface SharedRoundOptions {
  bundler: Contract;
  provider: Parameters<typeof packSharedAdvance>[0]["provider"];
  l1GasCap?: bigint;
  log: (line: string) => void;
  label: (chainId: bigint) => string;
  /** Called with each shared advance packed, before it is sent. */
  onPacked?: (packed: PreparedSharedAdvance, chainIds: bigint[]) => void | Promise<void>;
}

/** What a shared round did, per rollup; `alone`: rollups whose failure named no leg (send each alone next time). */
export interface SharedRoundResult {
  outcomes: { chainId: bigint; outcome: ProposalOutcome }[];
  alone: bigint[];
}

/** How many times a round re-packs the legs left after one reverted. */
const MAX_SENDS_PER_ROUND = 4;

/**
 * One shared round over `candidates` (in order): builds each one's next block, packs as many as
 * one L1 transaction carries (gas bound and blobs; the rest are left untouched for the next
 * round), sends them, and settles each leg's proposer with what L1 said. A leg that reverts is
 * settled as failed (its proposer backs off and blames as after its own `advance`) and the others
 * are re-packed and sent without it in the same round: one rollup's failure never holds the
 * others' transactions back.
 */
export async function proposeSharedRound(candidates: SharedCandidate[], options: SharedRoundOptions): Promise<SharedRoundResult> {
  const outcomes: SharedRoundResult["outcomes"] = [];
  const alone: bigint[] = [];
  const anchor = await latestL1Block(options.provider);
  const market = await readExecuteMarket(options.provider);
  // Every rollup's head and queue in two L1 calls at the anchor, not two or three per rollup (multi-reads.ts).
  const reads = await readRollups(options.bundler, options.provider, candidates.map((c) => c.rollup), anchor.number);
  let legs: { candidate: SharedCandidate; prepared: PreparedProposal }[] = [];
  let l2GasUsed = 0n;
  for (const [i, candidate] of candidates.entries()) {
    // Each leg is built in what the earlier ones leave of EXECUTE's cumulative limit.
    const prepared = await candidate.proposer.prepareNext({ evenEmpty: candidate.evenEmpty, anchor, market: { ...market, usedInBlock: market.usedInBlock + l2GasUsed }, ...reads?.[i] });
    if (prepared.kind !== "prepared") {
      outcomes.push({ chainId: candidate.chainId, outcome: prepared });
      continue;
    }
    l2GasUsed += prepared.fitted.block.header.gasUsed;
    legs.push({ candidate, prepared });
  }

  for (let send = 1; legs.length > 0 && send <= MAX_SENDS_PER_ROUND; send++) {
    const packed = await packFitting(legs, options);
    if (packed === undefined) {
      // Its block does not fit a shared advance even alone: its own advance carries it next time.
      alone.push(legs[0]!.candidate.chainId);
      legs = legs.slice(1);
      continue;
    }
    const sent = legs.slice(0, packed.legs.length);
    // Legs that did not fit wait for the next round, untouched (nothing was sent for them).
    legs = sent;
    await options.onPacked?.(packed, sent.map((l) => l.candidate.chainId));
    const verdicts: ExecuteVerdict[] = [];
    const unsubscribe = onVerdict((verdict) => verdicts.push(verdict));
    try {
      const landed = await sendBundle({ bundler: options.bundler, provider: options.provider, legs: sent.map((l) => ({ rollup: l.candidate.rollup, chain: l.candidate.chain })) }, packed);
      for (const [i, leg] of sent.entries()) {
        const proposed: ProposedBlock = { block: { ...leg.prepared.fitted.block, input: packed.legs[i]!.input }, l1Receipt: landed.l1Receipt, event: landed.events[i]!, sidecar: packed.sidecar };
        outcomes.push({ chainId: leg.candidate.chainId, outcome: leg.prepared.landed(proposed) });
      }
      options.log(`proposer: shared advance of ${sent.length} rollup(s) in L1 transaction ${landed.l1Receipt.hash} (${landed.l1Receipt.gasUsed} gas, ${packed.sidecar!.blobs.length} blob(s), ${packed.compressedBytes} bytes)`);
      return { outcomes, alone };
    } catch (error) {
      // Which legs failed, from L1 and EXECUTE rather than from the bundler's revert data: EDR's
      // eth_call does not carry the blobs' hashes, so no replay of a shared advance can say, and
      // the SDK's error names at most the first leg that moved on (every one is needed here).
      const failing = await failingLegs(sent, packed, verdicts, options.provider);
      if (failing.length === 0) {
        // No leg named (L1 unreachable, the transaction dropped by a reorg, out of gas as a whole):
        // every leg's proposer retries after its pause; each goes alone next time, so a leg that
        // keeps failing is found by its own advance and sinks nobody else's.
        for (const leg of sent) {
          const outcome = await leg.prepared.failed(error);
          outcomes.push({ chainId: leg.candidate.chainId, outcome });
          if (outcome.kind === "failed") alone.push(leg.candidate.chainId);
        }
        return { outcomes, alone };
      }
      for (const { leg, index, moved } of failing) {
        const claimed = packed.legs[index]!.claim;
        const own = moved
          ? new LostRaceError("Another block was verified on this parent first (in a shared advance)", { rollup: packed.legs[index]!.address, claimed: claimed.parentHash }, { cause: error })
          : await explainFailure(leg.candidate.rollup, claimed.parentHash, verdicts.filter((v) => v.blockHash === claimed.blockHash), error);
        const outcome = await leg.prepared.failed(own);
        outcomes.push({ chainId: leg.candidate.chainId, outcome });
        if (outcome.kind === "failed") alone.push(leg.candidate.chainId);
        const others = sent.length - failing.length;
        options.log(`proposer: ${options.label(leg.candidate.chainId)}its leg of a shared advance failed (${oneLine(own.message)}); the ${others} other rollup(s) ${others === 0 ? "wait" : "are sent without it"}`);
      }
      legs = sent.filter((l) => !failing.some((f) => f.leg === l));
    } finally {
      unsubscribe();
    }
  }
  // Legs built and not sent (the round's sends ran out): nothing changed for them, the next round rebuilds them.
  return { outcomes, alone };
}

/**
 * The shared advance of the longest prefix of `legs` that fits one L1 transaction (its gas bound
 * and blob count): all of them, else fewer by the ratio the bound says, down to one leg. Undefined
 * when even one leg does not fit (its rollup's own advance, sent alone, carries it).
 */
async function packFitting(legs: { candidate: SharedCandidate; prepared: PreparedProposal }[], options: SharedRoundOptions): Promise<PreparedSharedAdvance | undefined> {
  let count = legs.length;
  for (;;) {
    try {
      return await packSharedAdvance(options, legs.slice(0, count).map((l) => ({ address: l.candidate.rollup.target as string, fitted: l.prepared.fitted })));
    } catch (error) {
      if (!(error instanceof BundleTooLargeError) || count === 1) {
        if (error instanceof BundleTooLargeError) return undefined;
        throw error;
      }
      const { gasLimit, cap, blobs, max } = error.details as { gasLimit?: bigint; cap?: bigint; blobs?: number; max?: number };
      const ratio = gasLimit !== undefined && cap !== undefined ? Number(cap) / Number(gasLimit) : blobs !== undefined && max !== undefined ? max / blobs : 0.5;
      count = Math.max(1, Math.min(count - 1, Math.floor(count * ratio * 0.98)));
    }
  }
}

/**
 * The legs of a reverted shared advance that failed on their own: those whose rollup's head is no
 * longer their block's parent (another proposer, a reorg: `moved`), else those EXECUTE rejected
 * in this process (its verdicts name their block). Empty when neither says.
 */
async function failingLegs(
  sent: { candidate: SharedCandidate; prepared: PreparedProposal }[],
  packed: PreparedSharedAdvance,
  verdicts: ExecuteVerdict[],
  provider: SharedRoundOptions["provider"],
): Promise<{ leg: { candidate: SharedCandidate; prepared: PreparedProposal }; index: number; moved: boolean }[]> {
  const moved = await legsMovedOn(provider, packed.legs);
  if (moved.length > 0) return moved.map(({ leg: index }) => ({ leg: sent[index]!, index, moved: true }));
  return sent.flatMap((leg, index) => (verdicts.some((v) => !v.ok && v.blockHash === packed.legs[index]!.claim.blockHash) ? [{ leg, index, moved: false }] : []));
}
