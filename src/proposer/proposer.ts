import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider } from "ethers";
import type { SkippedTransaction } from "../engine/apply.js";
import type { BuiltBlock } from "../engine/build.js";
import { InvalidTransactionError } from "../engine/errors.js";
import { chainHead, type L2Chain } from "../engine/state.js";
import { deliveredCount, QueueInconsistentError, type QueueReads } from "../bridge/queue.js";
import { oneLine, type DroppedTransaction, type Mempool } from "./mempool.js";
import {
  AdvanceFailedError,
  BlockTooLargeForL1Error,
  buildFittingBlock,
  deliveryFor,
  latestL1Block,
  LostRaceError,
  publishBlock,
  type DataAvailability,
  type ProposedBlock,
} from "./propose.js";
import { faultAlone, predecessorsOf, type AloneContext } from "./blame.js";
import { followBlocksKeepingTransactions, type BlockSource } from "./follow.js";
import type { FittedBlock, L1Anchor } from "./fit.js";
import type { ExecuteMarketView } from "../precompile/market-oracle.js";
import { buildAhead, staleAhead, type BuiltAhead } from "./ahead.js";

/** Options of {@link createRollupProposer} (and of `createProposer` for one rollup). */
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
  /**
   * The rollup node whose head every block is built on. Before each block, when the proposer's
   * chain is not the rollup's head on L1, it is brought up to the node's ({@link followBlocks}):
   * in a based rollup other proposers advancing it is the normal case. Without a node the
   * proposer knows only its own blocks (a test's single proposer).
   */
  node?: () => BlockSource | undefined | Promise<BlockSource | undefined>;
  /**
   * Whether the transactions of its own blocks that L1 took back before the node derived them go
   * back to the pool (default: always). A devnet's `evm_revert` says no: reverted means gone, as
   * on Hardhat.
   */
  handBackRewound?: () => boolean;
  /** Pause after a block that did not land for no fault of its transactions: the first, doubling up to `max`, in ms. Default 500 and 10,000. */
  retryMs?: { first?: number; max?: number };
  /** Where the proposer says what it did and why it dropped what it dropped. Default: nowhere. */
  log?: (line: string) => void;
  /**
   * Called with each block built to be carried on L1, before it is sent: a node in the same
   * process takes it (`RollupNode.offerBuilt`) and adopts it instead of re-executing it, once L1
   * accepted its hash. Default: nobody.
   */
  onBuilt?: (block: BuiltBlock) => void;
  /**
   * Whether `proposeNext` builds the next block while this one's advance is on its way to L1
   * (ahead.ts), and sends that one next if it still applies (default true; false builds each
   * block only after the last one landed: the baseline `npm run bench`'s adoption section measures against).
   */
  overlap?: boolean;
}

/** What one {@link Proposer.proposeNext} did. */
export type ProposalOutcome =
  /** Nothing executable was pending: no block (an empty block would still cost L1 gas and a blob). */
  | { kind: "idle" }
  /** A block was verified on L1. `deferred`: candidates left for the next block (it was full). `dropped`: proven at fault alone. */
  | { kind: "proposed"; proposed: ProposedBlock; dropped: DroppedTransaction[]; deferred: number; builtAhead?: true }
  /** Every candidate was dropped while building (each proven at fault alone): no block was sent. */
  | { kind: "dropped"; dropped: DroppedTransaction[] }
  /** Another proposer advanced the rollup first, or the node has not derived L1's head yet: nothing dropped, retried after `retryInMs`. */
  | { kind: "lost-race"; error: LostRaceError; retryInMs: number }
  /**
   * L1 refused or reverted the block's `advance` (or the build threw): retried after `retryInMs`.
   * `dropped` holds only transactions proven at fault alone (EXECUTE named one that also fails
   * built alone on the head, or one that makes the build throw).
   */
  | { kind: "failed"; error: Error; dropped: DroppedTransaction[]; retryInMs: number }
  /** Could not reach L1 (or L1 changed under a read): nothing dropped, retried after `retryInMs`. */
  | { kind: "unavailable"; error: Error; retryInMs: number }
  /** Backing off after one of the three above: nothing tried before `retryAt` (ms since the epoch). */
  | { kind: "waiting"; retryAt: number };

/** A block {@link Proposer.prepareNext} built, for its caller to carry on L1. */
export interface PreparedProposal {
  kind: "prepared";
  fitted: FittedBlock;
  /** Built while the block before it was on its way to L1 (ahead.ts). */
  builtAhead?: true;
  /** The block landed (and is appended to the proposer's chain): its transactions leave the pool, the back-off ends. */
  landed(proposed: ProposedBlock): ProposalOutcome;
  /** L1 refused the block's carrier: a lost race, unavailable, or failed (a transaction EXECUTE names, proven at fault alone, is dropped). */
  failed(error: unknown): Promise<ProposalOutcome>;
}

/** {@link Proposer.prepareNext}'s options: the L1 reads a caller of many rollups made for all of them at once. */
export interface PrepareOptions {
  evenEmpty?: boolean;
  anchor?: L1Anchor;
  market?: ExecuteMarketView;
  /** The rollup's L1 queue (`messageCount`, `rollingHash`) as read for this round (default: read now). */
  queue?: QueueReads;
  /** The rollup's head block hash on L1 as read for this round (default: read now, when the proposer follows a node). */
  l1Head?: string;
}

/** A based proposer over a mempool: one {@link proposeNext} at a time. */
export interface Proposer {
  /**
   * Proposes the next block from the mempool, if anything is pending: as many transactions as
   * one `advance` can carry (the rest wait for the next block), built on the rollup's head.
   * Proposes no empty block unless `evenEmpty` (a devnet's `evm_mine`: a block now, anchored to
   * L1's latest block, with whatever is pending or nothing). Drops a transaction only for a fault of its own, proven by
   * building it alone on the head (the reason logged and kept in the mempool: `status`); any
   * other failure is retried as it was, with a pause that doubles up to a bound.
   */
  proposeNext(options?: { evenEmpty?: boolean }): Promise<ProposalOutcome>;
  /**
   * {@link proposeNext}'s first half, for a caller that carries the block on L1 itself (a shared
   * advance of many rollups' blocks: multi-shared.ts): follows the node, syncs the mempool, builds
   * the block (on `anchor` and `market` when given: one for all the legs of one L1 transaction)
   * and drops what is proven at fault. Returns the outcome when there is no block to carry, else
   * the block with `landed` (call it once L1 verified the block and it is appended to the chain)
   * and `failed` (call it with what L1 said): they do what `proposeNext` does after its `advance`.
   */
  prepareNext(options?: PrepareOptions): Promise<ProposalOutcome | PreparedProposal>;
  /** Until when (ms since the epoch) the proposer backs off; 0 when it does not. */
  readonly retryAt: number;
}

/**
 * One rollup's proposer: publishes the mempool's transactions on `rollup` (see {@link Proposer}).
 * What `createProposer` (create.ts) returns for one rollup's options, and runs for each rollup of a set.
 */
export function createRollupProposer(options: ProposerOptions): Proposer {
  const { mempool, chain } = options;
  const log = options.log ?? (() => {});
  const firstPauseMs = options.retryMs?.first ?? 500;
  const maxPauseMs = options.retryMs?.max ?? 10_000;
  // Failures in a row (none once a block lands), and when the next attempt may run.
  let failures = 0;
  let retryAt = 0;
  // A block too large for one L1 transaction with no transaction to blame: how many to try next.
  let limit: number | undefined;
  // The block built while the last one was on its way to L1 (ahead.ts): sent next if it still applies.
  let ahead: BuiltAhead | undefined;

  const drop = (tx: TypedTransaction, reason: string): DroppedTransaction[] => dropLogged(mempool, tx, reason, log);

  /** A failure that is no transaction's: pause (doubling), say which failure, drop nothing. */
  function retry<K extends "lost-race" | "failed" | "unavailable">(kind: K, error: Error, dropped: DroppedTransaction[] = []) {
    failures++;
    const pauseMs = Math.min(firstPauseMs * 2 ** Math.min(failures - 1, 30), maxPauseMs);
    retryAt = Date.now() + pauseMs;
    const what = { "lost-race": "the rollup's head moved (another proposer, or an L1 reorg)", failed: "L1 refused or reverted the block", unavailable: "L1 could not be read" }[kind];
    const pending = mempool.counts();
    log(`proposer: ${what}: ${oneLine(error.message)}; ${pending.pending + pending.queued} transaction(s) kept, retrying in ${pauseMs / 1000} s (failure ${failures} in a row)`);
    return { kind, error, retryInMs: pauseMs, ...(kind === "failed" ? { dropped } : {}) } as unknown as Extract<ProposalOutcome, { kind: K }>;
  }

  /**
   * Brings the proposer's chain to the rollup's head on L1 through the node. Undefined when it
   * is there; else the outcome to return (the node has not derived that head yet: retry).
   */
  async function followNode(l1Head?: string): Promise<ProposalOutcome | undefined> {
    if (options.node === undefined) return undefined;
    let onL1: string;
    try {
      onL1 = (l1Head ?? String(((await options.rollup.getFunction("head")()) as { blockHash: string }).blockHash)).toLowerCase();
    } catch (error) {
      return retry("unavailable", error as Error);
    }
    if (bytesToHex(chainHead(chain).hash()) === onL1) return undefined;
    const node = await options.node();
    if (node !== undefined) {
      // Blocks of ours that L1 took back before the node derived them: their transactions go back to the pool.
      const followed = await followBlocksKeepingTransactions(chain, node, mempool, { handBack: options.handBackRewound?.() ?? true }).catch((error: Error) => error);
      if (followed instanceof Error) return retry("unavailable", followed);
      if (followed.rewound + followed.appended > 0) {
        log(
          `proposer: built on the node's head: ${followed.rewound} block(s) rewound, ${followed.appended} followed, now on L2 block ${chainHead(chain).number}` +
            (followed.handedBack > 0 ? `; ${followed.handedBack} transaction(s) of rewound blocks pending again` : ""),
        );
      }
      if (bytesToHex(chainHead(chain).hash()) === onL1) return undefined;
    }
    return retry("lost-race", new LostRaceError("The node has not derived the rollup's head on L1 yet", { l1Head: onL1, proposerHead: bytesToHex(chainHead(chain).hash()) }));
  }

  /** Drops the candidates proven at fault alone (the build of their block threw). */
  async function blameEach(candidates: TypedTransaction[], pending: TypedTransaction[]): Promise<DroppedTransaction[]> {
    const anchor = await latestL1Block(options.provider);
    const context: AloneContext = { chain, coinbase: options.coinbase, anchor, delivery: await deliveryFor(options, anchor) };
    const out: DroppedTransaction[] = [];
    for (const tx of candidates) {
      const reason = await faultAlone(context, tx, predecessorsOf(tx, pending));
      if (reason !== undefined) out.push(...drop(tx, reason));
    }
    return out;
  }

  return {
    get retryAt() {
      return retryAt;
    },
    async proposeNext(next: { evenEmpty?: boolean } = {}) {
      const prepared = await prepareNext(next);
      if (prepared.kind !== "prepared") return prepared;
      // The next block, built meanwhile on this one (never on the chain: it is not there before L1 verified it).
      const building = options.overlap === false ? undefined : buildAhead({ ...options, mempool }, prepared.fitted, limit);
      let proposed: ProposedBlock;
      try {
        proposed = await publishBlock({ ...options, fitted: prepared.fitted });
      } catch (error) {
        // Built on a block that did not land: discarded (its transactions never left the pool).
        await building;
        return prepared.failed(error);
      }
      const outcome = prepared.landed(proposed);
      ahead = await building;
      return outcome;
    },
    prepareNext,
  };

  async function prepareNext(next: PrepareOptions = {}): Promise<ProposalOutcome | PreparedProposal> {
    const evenEmpty = next.evenEmpty === true;
    if (Date.now() < retryAt) return { kind: "waiting", retryAt };
    const behind = await followNode(next.l1Head);
    if (behind !== undefined) return behind;
    const dropped = await mempool.sync();
    for (const record of dropped) log(`proposer: dropped ${record.hash} (sender ${record.sender}, nonce ${record.nonce}): ${record.reason}`);
    const pending = mempool.pending();
    const early = takeAhead(next, pending);
    if (early !== undefined) return early;
    // Queued L1→L2 messages are worth a block of their own: a deposit must not wait for traffic.
    if (pending.length === 0 && !evenEmpty && !(await undeliveredMessages(options, next.queue).catch(() => false))) return { kind: "idle" };
    const candidates = limit === undefined ? pending : pending.slice(0, limit);

    let fitted;
    try {
      fitted = await buildFittingBlock({
        ...options,
        transactions: candidates,
        ...(next.anchor === undefined ? {} : { anchor: next.anchor }),
        ...(next.market === undefined ? {} : { market: next.market }),
        ...(next.queue === undefined ? {} : { queue: next.queue }),
      });
    } catch (error) {
      if (error instanceof BlockTooLargeForL1Error) {
        const { hash, transactions, delivery } = error.details as { hash?: string; transactions?: number; delivery?: boolean };
        const alone = candidates.find((tx) => bytesToHex(tx.hash()) === hash);
        if (alone !== undefined && transactions === 1 && delivery !== true) {
          // It was built alone on the head (no delivery with it) and does not fit in one L1 transaction: it never will.
          const { executeGasRoom, gasUsed } = error.details as { executeGasRoom?: bigint; gasUsed?: bigint };
          const reason = executeGasRoom !== undefined && gasUsed !== undefined && gasUsed > executeGasRoom
            ? `its block would use ${gasUsed} L2 gas, above the ${executeGasRoom} EXECUTE's cumulative limit allows in one L1 block`
            : `its block would need ${error.details.gasLimit} L1 gas (${error.details.blobs} blobs), above the ${error.details.cap} one advance() may use`;
          return { kind: "dropped", dropped: drop(alone, reason) };
        }
        // Too large with others (or with a delivery): fewer next time, none dropped.
        limit = Math.floor(Math.min(candidates.length, transactions ?? candidates.length) / 2);
        return retry("failed", error);
      }
      if (isUnavailable(error)) return retry("unavailable", error as Error);
      // The build threw (an engine fault on some transaction): each candidate alone on the head.
      const proven = await blameEach(candidates, pending).catch((blameError: Error) => (isUnavailable(blameError) ? [] : Promise.reject(blameError)));
      return retry("failed", error as Error, proven);
    }

    const context: AloneContext = { chain, coinbase: options.coinbase, anchor: fitted.anchor, delivery: fitted.delivery };
    const records = await dropProven(mempool, fitted.block.skipped, context, pending, log);
    if (fitted.block.transactions.length === 0 && fitted.delivery.delivery === undefined && !evenEmpty) return { kind: "dropped", dropped: records };

    return preparedOf(fitted, records, context, pending);
  }

  /** The block built ahead, if one is kept and still applies (`staleAhead`); it is forgotten either way. */
  function takeAhead(next: { evenEmpty?: boolean; anchor?: L1Anchor; market?: ExecuteMarketView }, pending: TypedTransaction[]): PreparedProposal | undefined {
    const kept = ahead;
    ahead = undefined;
    if (kept === undefined) return undefined;
    // A caller's own anchor or market (a shared advance), or a block wanted now (evm_mine: anchored to L1's latest), is built afresh.
    const stale = next.evenEmpty === true || next.anchor !== undefined || next.market !== undefined ? "the caller asked for a block of its own" : staleAhead(kept, chain, mempool, pending.length);
    if (stale !== undefined) {
      log(`proposer: discarded the block built ahead of L2 block ${chainHead(chain).number}: ${stale}; rebuilding from the head`);
      return undefined;
    }
    const { fitted } = kept;
    return preparedOf(fitted, [], { chain, coinbase: options.coinbase, anchor: fitted.anchor, delivery: fitted.delivery }, pending, true);
  }

  /** A built block to carry on L1, with what to do once L1 said yes or no. */
  function preparedOf(fitted: FittedBlock, records: DroppedTransaction[], context: AloneContext, pending: TypedTransaction[], builtAhead = false): PreparedProposal {
    const settled = fitted;
    options.onBuilt?.(fitted.block);
    return {
      kind: "prepared",
      fitted,
      ...(builtAhead ? { builtAhead: true as const } : {}),
      landed(proposed: ProposedBlock): ProposalOutcome {
        limit = undefined;
        failures = 0;
        retryAt = 0;
        mempool.remove(proposed.block.transactions.map((tx) => bytesToHex(tx.hash())));
        return { kind: "proposed", proposed, dropped: records, deferred: settled.deferred.length, ...(builtAhead ? { builtAhead: true as const } : {}) };
      },
      async failed(error: unknown): Promise<ProposalOutcome> {
        if (error instanceof LostRaceError) return retry("lost-race", error);
        if (isUnavailable(error)) return retry("unavailable", error as Error);
        // L1 refused or reverted the carrier. Only a transaction EXECUTE names, and that fails
        // alone on the head too, is at fault; the block is otherwise retried as it was.
        const blamed = blamedIndex(error as Error);
        const tx = blamed === undefined ? undefined : settled.block.transactions[blamed];
        if (tx !== undefined) {
          const reason = await faultAlone(context, tx, predecessorsOf(tx, pending));
          if (reason !== undefined) records.push(...drop(tx, `EXECUTE rejected its block, and built alone on the head: ${reason}`));
        }
        return retry("failed", error as Error, records);
      },
    };
  }
}

/**
 * Drops what the builder left out of a block and is proven at fault alone ({@link faultAlone}):
 * the first skipped transaction of each sender, for the builder's reason. Its sender's later ones
 * failed only on the nonce: they stay, queued behind the gap (a replacement can fill it). One
 * that applies alone stays pending for a later block. Returns what was dropped.
 */
export async function dropProven(
  mempool: Mempool,
  skipped: SkippedTransaction[],
  context: AloneContext,
  pending: TypedTransaction[],
  log: (line: string) => void = () => {},
): Promise<DroppedTransaction[]> {
  const senders = new Set<string>();
  const records: DroppedTransaction[] = [];
  for (const skip of skipped) {
    if (skip.tx === undefined) continue;
    const sender = skip.tx.getSenderAddress().toString();
    if (senders.has(sender)) continue;
    senders.add(sender);
    const reason = await faultAlone(context, skip.tx, predecessorsOf(skip.tx, pending));
    if (reason === undefined) {
      log(`proposer: kept ${skip.hash}: left out of a block (${oneLine(skip.reason)}) but it applies alone on the head`);
      continue;
    }
    records.push(...dropLogged(mempool, skip.tx, reason, log));
  }
  return records;
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
async function undeliveredMessages(options: Pick<ProposerOptions, "rollup" | "chain">, queue?: QueueReads): Promise<boolean> {
  const queued = queue === undefined ? ((await options.rollup.getFunction("messageCount")()) as bigint) : await queue.messageCount();
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
