/**
 * A rollup's stages and its reorg walk. The node scans L1 once for all its rollups (multi.ts);
 * each rollup's run (part.ts) is then a reorg check, and derive and execute forward to the last
 * advance scanned.
 *
 *   run:     reorg? ─yes─▶ unwind execute ◀ derive ◀ follow-l1 (one transaction) ─┐
 *              │no                                                               │
 *              ▼                                                                 ▼
 *            derive ─▶ execute ─▶ up to the last advance the node's L1 scan stored
 */
import { L1ChangedError } from "./errors.js";
import { l1BlockHash } from "./l1.js";
import { decodeAdvance } from "./records.js";
import { l1Checkpoint, storedL1BlocksDownFrom } from "./stages/follow-l1.js";
import type { NodeContext, Stage, UnwindStage, UnwoundBlock } from "./stage.js";

/** The three stages, in forward order (follow-l1 only unwinds here: the node's one L1 scan moves it). */
export interface Stages {
  follow: UnwindStage;
  derive: Stage;
  execute: Stage;
}

/** What an unwind did. */
export interface Reorg {
  /** The common ancestor on L1, and the L2 head left. */
  l1Ancestor: bigint;
  l2Head: bigint;
  /** The L1 block that was replaced (the follower's old checkpoint). */
  replacedL1: { number: bigint; hash: string };
  unwound: UnwoundBlock[];
}

/** What one run reached, and the reorgs it unwound (in order). */
export interface RunResult {
  l1Head: bigint;
  reorgs: Reorg[];
}

/**
 * Detects an L1 reorg below the follower's checkpoint — the block it last scanned is no longer
 * the canonical one at its height — and unwinds every stage to the newest L1 block the node
 * relied on that still is (the common ancestor), in one transaction — with `inUnwind`'s writes
 * (the unwound transactions journaled). Nothing to do: undefined.
 * Throws `L1ChangedError` when not even the rollup's deployment block is left: another L1.
 */
export async function unwindIfReorged(ctx: NodeContext, stages: Stages, inUnwind?: (unwound: UnwoundBlock[]) => void): Promise<Reorg | undefined> {
  const checkpoint = l1Checkpoint(ctx);
  if ((await l1BlockHash(ctx.l1, checkpoint.number)) === checkpoint.hash) return undefined;

  let ancestor: bigint | undefined;
  for (const stored of storedL1BlocksDownFrom(ctx, checkpoint.number)) {
    if ((await l1BlockHash(ctx.l1, stored.number)) === stored.hash) {
      ancestor = stored.number;
      break;
    }
  }
  if (ancestor === undefined) {
    throw new L1ChangedError("The L1 no longer has the block the rollup was deployed in: this is another L1 (a restarted devnet?)", {
      rollup: ctx.rollup,
      l1: ctx.l1.description,
    });
  }
  // The last L2 block verified at or below the ancestor: advances are in L1 order.
  let l2 = 0n;
  for (const { value } of ctx.store.advances.getRange({ reverse: true })) {
    const advance = decodeAdvance(value);
    if (advance.l1.number <= ancestor) {
      l2 = advance.number;
      break;
    }
  }
  const unwindTo = { l1: ancestor, l2 };
  const unwound = ctx.store.transaction(() => {
    const out = stages.execute.unwind({ checkpoint: stages.execute.checkpoint(), unwindTo });
    stages.derive.unwind({ checkpoint: stages.derive.checkpoint(), unwindTo });
    stages.follow.unwind({ checkpoint: stages.follow.checkpoint(), unwindTo });
    const blocks = out.unwoundBlocks ?? [];
    // In the same commit: what is taken out of the chain is written where it is kept (the journal).
    inUnwind?.(blocks);
    return blocks;
  });
  const reorg: Reorg = { l1Ancestor: ancestor, l2Head: l2, replacedL1: checkpoint, unwound };
  ctx.log(
    `L1 reorg: L1 block ${checkpoint.number} ${checkpoint.hash.slice(0, 10)}… replaced; back to L1 block ${ancestor}` +
      (unwound.length > 0
        ? `, L2 blocks ${unwound[0]!.number}–${unwound.at(-1)!.number} unwound (${unwound.reduce((n, b) => n + b.transactions.length, 0)} tx handed back), L2 head ${l2}`
        : `, no L2 block unwound`),
  );
  return reorg;
}
