/**
 * One round of many sessions' L2 blocks in shared advances (src/sdk/shared-advance.ts): every
 * session's pending transactions (and queued L1 messages) become its next block, and all the
 * blocks go to L1 in as few transactions as fit — one when they do: one blob set, one batched
 * EXECUTE call. A group that exceeds EIP-7825's cap or the blobs one transaction carries is
 * split in halves until each part fits.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider } from "ethers";
import { BundleTooLargeError } from "../../src/sdk/bundle.js";
import { proposeSharedAdvance } from "../../src/sdk/shared-advance.js";
import { GameSessionError, type StepPhase } from "./common.js";
import type { SessionL2 } from "./common.js";

/** EIP-4844: the blob gas of one blob. */
export const GAS_PER_BLOB = 131_072;

/** A session as a round sees it: its L2 and its rollup on L1. */
export interface RoundSession {
  l2: SessionL2;
  rollup: Contract;
}

/** One shared advance of a round, measured whole. */
export interface SharedAdvanceRecord {
  phase: StepPhase;
  round: string;
  l1Tx: string;
  l1Block: number;
  l1Gas: bigint;
  /** Which sessions (indices into the round's list) had a block in it, in leg order. */
  sessions: number[];
  /** Each leg's L2 block number and L2 gas (what EXECUTE's market charges for), in leg order. */
  l2Blocks: bigint[];
  l2Gas: bigint[];
  blobs: number;
  payloadBytes: number;
  compressedBytes: number;
  /** Each leg's share of the payload (its range's length), in leg order. */
  rangeBytes: number[];
  /** The EXECUTE fee the transaction paid (its value), for all legs. */
  executeFee: bigint;
  wallMs: number;
}

/**
 * Advances every session in `sessions` by one block holding its pending transactions, in shared
 * advances sent by `bundler`'s signer: at most `maxLegs` legs a transaction, fewer when a group
 * does not fit. Every pending transaction must be included (prepareBundle refuses otherwise).
 */
export async function advanceTogether(
  options: { bundler: Contract; provider: JsonRpcApiProvider; maxLegs: number; phase: StepPhase; round: string },
  sessions: RoundSession[],
): Promise<SharedAdvanceRecord[]> {
  const records: SharedAdvanceRecord[] = [];
  const indices = sessions.map((_, i) => i);
  const groups: number[][] = [];
  for (let i = 0; i < indices.length; i += options.maxLegs) groups.push(indices.slice(i, i + options.maxLegs));
  const send = async (group: number[]): Promise<void> => {
    const started = performance.now();
    const legs = await Promise.all(group.map(async (i) => {
      const { l2, rollup } = sessions[i]!;
      await l2.mempool.sync();
      return { rollup, chain: l2.chain, transactions: l2.mempool.pending() };
    }));
    let sent: Awaited<ReturnType<typeof proposeSharedAdvance>>;
    try {
      sent = await proposeSharedAdvance({ bundler: options.bundler, provider: options.provider, legs });
    } catch (error) {
      if (!(error instanceof BundleTooLargeError) || group.length < 2) throw error;
      const half = Math.ceil(group.length / 2);
      await send(group.slice(0, half));
      await send(group.slice(half));
      return;
    }
    const p = sent.prepared;
    for (const [k, i] of group.entries()) {
      const block = p.legs[k]!.fitted.block;
      if (block.skipped.length > 0) throw new GameSessionError("An L2 transaction was left out of its block", { session: i, skipped: block.skipped.map((s) => s.reason).join("; ") });
      sessions[i]!.l2.mempool.remove(block.transactions.map((tx) => bytesToHex(tx.hash())));
    }
    records.push({
      phase: options.phase, round: options.round, l1Tx: sent.l1Receipt.hash, l1Block: sent.l1Receipt.blockNumber, l1Gas: sent.l1Receipt.gasUsed, sessions: group,
      l2Blocks: p.legs.map((leg) => leg.fitted.block.header.number), l2Gas: p.legs.map((leg) => leg.fitted.block.header.gasUsed),
      blobs: p.sidecar?.blobs.length ?? 0, payloadBytes: p.payloadBytes, compressedBytes: p.compressedBytes, rangeBytes: p.ranges.map((r) => Number(r.length)),
      executeFee: p.value, wallMs: performance.now() - started,
    });
  };
  for (const group of groups) await send(group);
  return records;
}

/** A session's share of shared advances: each transaction's L1 gas and blob gas divided evenly among its legs, its own L2 gas, fee and payload bytes. */
export interface SharedShare {
  l1Gas: bigint;
  executeGas: bigint;
  executeFee: bigint;
  blobGas: number;
  /** Its range's share of the compressed blobs' bytes. */
  blobBytes: number;
}

/** Session `session`'s share of `records` (those of one phase, or all). */
export function shareOf(records: SharedAdvanceRecord[], session: number): SharedShare {
  const share: SharedShare = { l1Gas: 0n, executeGas: 0n, executeFee: 0n, blobGas: 0, blobBytes: 0 };
  for (const r of records) {
    const k = r.sessions.indexOf(session);
    if (k < 0) continue;
    const legs = r.sessions.length;
    const totalL2 = r.l2Gas.reduce((a, b) => a + b, 0n);
    share.l1Gas += r.l1Gas / BigInt(legs);
    share.executeGas += r.l2Gas[k]!;
    share.executeFee += totalL2 === 0n ? 0n : (r.executeFee * r.l2Gas[k]!) / totalL2;
    share.blobGas += (r.blobs * GAS_PER_BLOB) / legs;
    share.blobBytes += (r.compressedBytes * r.rangeBytes[k]!) / r.payloadBytes;
  }
  return share;
}
