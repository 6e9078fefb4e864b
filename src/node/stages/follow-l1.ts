import { nativeRollupInterface, parseBlockAdvanced } from "../../sdk/contracts.js";
import type { RawLog } from "../l1.js";
import { decodeAdvance, encodeAdvance, type AdvanceRecord } from "../records.js";
import { keyNumber, numberKey, readMeta, writeMeta } from "../store.js";
import { checkpointKey, type NodeContext, type UnwindInput, type UnwindOutput, type UnwindStage } from "../stage.js";
import { UltrasoundError } from "../../shared/errors.js";

/** The follow-l1 checkpoint: the last L1 block scanned, and its hash when scanned. */
export interface L1Checkpoint {
  number: string;
  hash: string;
}

/** L1 blocks per `eth_getLogs`: a range every client accepts (many cap ranges at 1,000–10,000). */
export const MAX_LOG_RANGE = 1_000n;

/** L1 moved under the scan (a reorg between two calls): nothing was written; the next run re-checks. */
export class ScanRaceError extends UltrasoundError {
  override name = "ScanRaceError";
}

/** The events of L1 out of order or with a gap: the logs the L1 returned are incomplete. */
export class AdvanceSequenceError extends UltrasoundError {
  override name = "AdvanceSequenceError";
}

/** Reads the follow-l1 checkpoint (number and hash). */
export function l1Checkpoint(ctx: Pick<NodeContext, "store">): { number: bigint; hash: string } {
  const stored = readMeta<L1Checkpoint>(ctx.store, checkpointKey("follow-l1"))!;
  return { number: BigInt(stored.number), hash: stored.hash };
}

/** Writes the follow-l1 checkpoint and remembers the block's hash for reorg detection (inside a transaction). */
export function writeL1Checkpoint(ctx: Pick<NodeContext, "store">, number: bigint, hash: string): void {
  writeMeta(ctx.store, checkpointKey("follow-l1"), { number: number.toString(), hash } satisfies L1Checkpoint);
  ctx.store.l1Blocks.putSync(numberKey(number), Buffer.from(hash.slice(2), "hex"));
}

/** The newest stored advance (the L2 number the follower has reached), or undefined. */
export function lastAdvance(ctx: Pick<NodeContext, "store">): AdvanceRecord | undefined {
  for (const { value } of ctx.store.advances.getRange({ reverse: true, limit: 1 })) return decodeAdvance(value);
  return undefined;
}

/**
 * Stage 1's unwind: the rollup's advances above the common ancestor and the L1 blocks it relied
 * on are dropped, and its checkpoint goes back to the ancestor. Its forward run is the node's one
 * L1 scan for all its rollups (multi.ts, scan.ts), which stores each rollup's events with
 * {@link storeAdvanceRecords}.
 */
export function followL1Stage(ctx: NodeContext): UnwindStage {
  return {
    id: "follow-l1",
    checkpoint: () => l1Checkpoint(ctx).number,

    unwind(input: UnwindInput): UnwindOutput {
      for (const key of [...ctx.store.advances.getKeys({ start: numberKey(input.unwindTo.l2 + 1n) })]) ctx.store.advances.removeSync(key);
      for (const key of [...ctx.store.l1Blocks.getKeys({ start: numberKey(input.unwindTo.l1 + 1n) })]) ctx.store.l1Blocks.removeSync(key);
      const hash = ctx.store.l1Blocks.getBinary(numberKey(input.unwindTo.l1))!;
      writeL1Checkpoint(ctx, input.unwindTo.l1, "0x" + hash.toString("hex"));
      return { checkpoint: input.unwindTo.l1 };
    },
  };
}

/** The topic of `BlockAdvanced`. */
export function blockAdvancedTopic(): string {
  return nativeRollupInterface().getEvent("BlockAdvanced")!.topicHash;
}

/**
 * The rollup's `BlockAdvanced` logs (sorted, canonical) as records, checked to continue its
 * stored advances without a gap. Throws `AdvanceSequenceError` otherwise.
 */
export function advanceRecords(ctx: Pick<NodeContext, "store">, logs: RawLog[]): AdvanceRecord[] {
  let next = (lastAdvance(ctx)?.number ?? 0n) + 1n;
  // One call for the range: it builds an ethers Interface per call (≈ 0.5 ms).
  const events = parseBlockAdvanced(logs as never);
  if (events.length !== logs.length) throw new AdvanceSequenceError("A log of the BlockAdvanced topic does not decode as BlockAdvanced", { count: logs.length });
  return logs.map((log, i) => {
    const event = events[i]!;
    if (event.number !== next) {
      throw new AdvanceSequenceError("BlockAdvanced events are not consecutive", { expected: next, got: event.number, l1Block: BigInt(log.blockNumber) });
    }
    next++;
    return {
      ...event,
      blockHash: event.blockHash.toLowerCase(),
      parentHash: event.parentHash.toLowerCase(),
      l1: { number: BigInt(log.blockNumber), hash: log.blockHash.toLowerCase(), txHash: log.transactionHash.toLowerCase(), logIndex: Number(BigInt(log.logIndex)) },
    };
  });
}

/** Stores advance records and moves the follow-l1 checkpoint to L1 block `to` (inside a transaction). */
export function storeAdvanceRecords(ctx: Pick<NodeContext, "store">, records: AdvanceRecord[], to: bigint, toHash: string): void {
  for (const record of records) {
    ctx.store.advances.putSync(numberKey(record.number), encodeAdvance(record));
    ctx.store.l1Blocks.putSync(numberKey(record.l1.number), Buffer.from(record.l1.hash.slice(2), "hex"));
  }
  writeL1Checkpoint(ctx, to, toHash);
}

/** The stored L1 blocks at or below `number`, newest first (the reorg walk). */
export function* storedL1BlocksDownFrom(ctx: Pick<NodeContext, "store">, number: bigint): Generator<{ number: bigint; hash: string }> {
  for (const { key, value } of ctx.store.l1Blocks.getRange({ start: numberKey(number), reverse: true })) {
    yield { number: keyNumber(key), hash: "0x" + Buffer.from(value).toString("hex") };
  }
}
