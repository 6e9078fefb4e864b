import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider } from "ethers";
import type { SkippedTransaction } from "../engine/apply.js";
import { InvalidTransactionError } from "../engine/errors.js";
import type { L2Chain } from "../engine/state.js";
import { deliveredCount, QueueInconsistentError } from "../bridge/queue.js";
import { oneLine, type DroppedTransaction, type Mempool } from "./mempool.js";
import {
  AdvanceFailedError,
  BlockTooLargeForL1Error,
  buildFittingBlock,
  LostRaceError,
  publishBlock,
  type DataAvailability,
  type ProposedBlock,
} from "./propose.js";

/** Options of {@link createProposer}. */
export interface ProposerOptions {
  chain: L2Chain;
  /** The NativeRollup contract, connected to the signer that pays for `advance`. */
  rollup: Contract;
  provider: JsonRpcApiProvider;
  mempool: Mempool;
  /** The L2 fee recipient. */
  coinbase: string;
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  /** The most gas one L1 transaction may use (default: EIP-7825's 2^24). */
  l1GasCap?: bigint;
  /** Where the proposer says what it did and why it dropped what it dropped. Default: nowhere. */
  log?: (line: string) => void;
}

/** What one {@link Proposer.proposeNext} did. */
export type ProposalOutcome =
  /** Nothing executable was pending: no block (an empty block would still cost L1 gas and a blob). */
  | { kind: "idle" }
  /** A block was verified on L1. `deferred`: candidates left for the next block (it was full). */
  | { kind: "proposed"; proposed: ProposedBlock; dropped: DroppedTransaction[]; deferred: number }
  /** Every candidate was dropped while building: no block was sent. */
  | { kind: "dropped"; dropped: DroppedTransaction[] }
  /** Another proposer advanced the rollup first; nothing was dropped. */
  | { kind: "lost-race"; error: LostRaceError }
  /**
   * The block failed: `dropped` holds the transaction blamed for it when one could be named; else
   * the next attempt proposes half as many (`nextLimit`), down to one, which is then dropped.
   */
  | { kind: "failed"; error: Error; dropped: DroppedTransaction[]; nextLimit?: number }
  /** Could not reach L1 (or another fault outside the block): nothing dropped, retry later. */
  | { kind: "unavailable"; error: Error };

/** A based proposer over a mempool: one {@link proposeNext} at a time. */
export interface Proposer {
  /**
   * Proposes the next block from the mempool, if anything is pending: as many transactions as
   * one `advance` can carry (the rest wait for the next block). Never proposes an empty block,
   * never retries a failing block as it was: what fails is narrowed down and dropped, with the
   * reason logged and kept in the mempool (`status`).
   */
  proposeNext(): Promise<ProposalOutcome>;
}

/** A proposer that publishes the mempool's transactions on `rollup` (see {@link Proposer}). */
export function createProposer(options: ProposerOptions): Proposer {
  const { mempool } = options;
  const log = options.log ?? (() => {});
  // After a block failed for no nameable transaction: how many to try next (halved each time).
  let limit: number | undefined;

  const drop = (tx: TypedTransaction, reason: string): DroppedTransaction[] => dropLogged(mempool, tx, reason, log);

  return {
    async proposeNext() {
      const dropped = await mempool.sync();
      for (const record of dropped) log(`proposer: dropped ${record.hash} (sender ${record.sender}, nonce ${record.nonce}): ${record.reason}`);
      const pending = mempool.pending();
      // Queued L1→L2 messages are worth a block of their own: a deposit must not wait for traffic.
      if (pending.length === 0 && !(await undeliveredMessages(options).catch(() => false))) return { kind: "idle" };
      const candidates = limit === undefined ? pending : pending.slice(0, limit);

      let fitted;
      try {
        fitted = await buildFittingBlock({ ...options, transactions: candidates });
      } catch (error) {
        if (error instanceof BlockTooLargeForL1Error) {
          // Even the first candidate alone does not fit in one L1 transaction: it never will.
          const first = candidates.find((tx) => bytesToHex(tx.hash()) === error.details.hash) ?? candidates[0]!;
          const reason = `its block would need ${error.details.gasLimit} L1 gas (${error.details.blobs} blobs), above the ${error.details.cap} one advance() may use`;
          return { kind: "dropped", dropped: drop(first, reason) };
        }
        if (isUnavailable(error)) return { kind: "unavailable", error: error as Error };
        // A build that throws (an engine fault on some transaction): narrow it down like a failed block.
        return failed(error as Error, candidates);
      }

      const records = dropSkipped(mempool, fitted.block.skipped, log);
      if (fitted.block.transactions.length === 0 && fitted.delivery.delivery === undefined) return { kind: "dropped", dropped: records };

      try {
        const proposed = await publishBlock({ ...options, fitted });
        limit = undefined;
        mempool.remove(proposed.block.transactions.map((tx) => bytesToHex(tx.hash())));
        return { kind: "proposed", proposed, dropped: records, deferred: fitted.deferred.length };
      } catch (error) {
        if (error instanceof LostRaceError) return { kind: "lost-race", error };
        if (isUnavailable(error)) return { kind: "unavailable", error: error as Error };
        const outcome = failed(error as Error, fitted.block.transactions);
        outcome.dropped.unshift(...records);
        return outcome;
      }
    },
  };

  /**
   * A block (or its build) failed. If EXECUTE's verdict names a transaction, that one goes.
   * Otherwise bisect: next time try half as many; a single transaction that fails goes.
   */
  function failed(error: Error, transactions: TypedTransaction[]): Extract<ProposalOutcome, { kind: "failed" }> {
    const reason = oneLine(error instanceof AdvanceFailedError ? String(error.details.reason ?? error.message) : error.message);
    const blamed = blamedIndex(error);
    if (blamed !== undefined && transactions[blamed] !== undefined) {
      return { kind: "failed", error, dropped: drop(transactions[blamed]!, `its block failed on L1: ${reason}`) };
    }
    if (transactions.length <= 1) {
      limit = undefined;
      return { kind: "failed", error, dropped: transactions.length === 0 ? [] : drop(transactions[0]!, `its block failed on L1: ${reason}`) };
    }
    limit = Math.ceil(transactions.length / 2);
    log(`proposer: a block of ${transactions.length} transactions failed (${reason}); trying ${limit} next`);
    return { kind: "failed", error, dropped: [], nextLimit: limit };
  }
}

/**
 * Drops what the builder left out of a block: the first skipped transaction of each sender, for
 * the builder's reason. Its sender's later ones failed only on the nonce: they stay, queued
 * behind the gap (a replacement for the dropped one can fill it). Returns what was dropped.
 */
export function dropSkipped(mempool: Mempool, skipped: SkippedTransaction[], log: (line: string) => void = () => {}): DroppedTransaction[] {
  const senders = new Set<string>();
  const records: DroppedTransaction[] = [];
  for (const skip of skipped) {
    if (skip.tx === undefined) continue;
    const sender = skip.tx.getSenderAddress().toString();
    if (senders.has(sender)) continue;
    senders.add(sender);
    records.push(...dropLogged(mempool, skip.tx, oneLine(skip.reason), log));
  }
  return records;
}

function dropLogged(mempool: Mempool, tx: TypedTransaction, reason: string, log: (line: string) => void): DroppedTransaction[] {
  const record = mempool.drop(bytesToHex(tx.hash()), reason);
  if (record === undefined) return [];
  log(`proposer: dropped ${record.hash} (sender ${record.sender}, nonce ${record.nonce}): ${record.reason}`);
  return [record];
}

/** The transaction index an EXECUTE verdict blames (an `InvalidTransactionError`), if any. */
function blamedIndex(error: Error): number | undefined {
  const reason = error instanceof AdvanceFailedError ? String(error.details.reason ?? "") : "";
  const cause = error.cause;
  if (cause instanceof InvalidTransactionError) return cause.index;
  const match = /Transaction cannot be applied\s+index: (\d+)/.exec(reason);
  return match === null ? undefined : Number(match[1]);
}

/** Whether L1 has queued messages the proposer's chain has not delivered yet. */
async function undeliveredMessages(options: Pick<ProposerOptions, "rollup" | "chain">): Promise<boolean> {
  const queued = (await options.rollup.getFunction("messageCount")()) as bigint;
  return queued > (await deliveredCount(options.chain));
}

/**
 * Errors that say L1 could not be reached, or that what L1 holds changed under the read (an L1
 * reorg: the queue no longer matches the chain until it follows the node), not that the block is
 * bad: retried, nothing dropped.
 */
function isUnavailable(error: unknown): boolean {
  if (error instanceof QueueInconsistentError) return true;
  const code = (error as { code?: unknown }).code;
  if (code === "NETWORK_ERROR" || code === "TIMEOUT" || code === "ECONNREFUSED" || code === "ECONNRESET") return true;
  const message = (error as Error)?.message ?? "";
  return /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed/.test(message);
}
