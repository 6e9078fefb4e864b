/**
 * The devnet's proposer round (src/devnet/start.ts), for one rollup or many: at most one block
 * per rollup with work — pending transactions, queued messages, or an `evm_mine` asked on its
 * URL — then the node derives them; while an `evm_revert` unwinds, the round only brings every
 * proposer chain back to the node's head.
 */
import { chainHead, forgetBlockBodies, type L2Chain } from "../engine/state.js";
import type { MultiNode } from "../node/index.js";
import type { ProposedBlock } from "../proposer/propose.js";
import type { MultiNodeRpc } from "../node/rpc.js";
import { followBlocks, followBlocksKeepingTransactions } from "../proposer/follow.js";
import type { MultiProposer } from "../proposer/multi.js";
import { createMineRequests, type MineRequests, type MineWaiter } from "./dev-methods.js";
import type { ProposerLoop } from "./loop.js";
import { firstLine } from "./text.js";
import { KEPT_BODIES, proposedLine } from "./common.js";

/** What a {@link createRound} works with. */
export interface RoundContext {
  multi: MultiNode;
  proposer: MultiProposer;
  /** The proposer's chain of each rollup that had work (or that a restart took from the node). */
  chains: Map<bigint, L2Chain>;
  /** The L2 JSON-RPC once it serves (its mempools). */
  rpc: () => MultiNodeRpc | undefined;
  loop: () => ProposerLoop;
  /** Whether an `evm_revert` is unwinding (src/devnet/dev-methods.ts `DevShared`). */
  reverting: () => boolean;
  log: (line: string) => void;
  /** Brings the node up to L1 after the round's blocks (default `multi.sync()`). */
  sync?: () => Promise<unknown>;
  /** How a rollup's lines begin (default `rollup <chainId>: `; a devnet of one names none). */
  label?: (chainId: bigint) => string;
  /** Called with each block verified on L1. */
  onProposed?: (chainId: bigint, proposed: ProposedBlock) => void;
}

/** The round and the `evm_mine` requests it serves, per rollup. */
export interface Round {
  round(): Promise<void>;
  /** The `evm_mine` queue of rollup `chainId`. */
  mines(chainId: bigint): MineRequests;
  /** Whether rollup `chainId` has an `evm_mine` taken by the round running now (the proposer then proposes even an empty block). */
  blockWanted(chainId: bigint): boolean;
}

/** Creates the devnet's round (see the file's comment). */
export function createRound(ctx: RoundContext): Round {
  const { multi, chains, log } = ctx;
  const label = ctx.label ?? ((chainId: bigint) => `rollup ${chainId}: `);
  const sync = ctx.sync ?? (() => multi.sync());
  const queues = new Map<bigint, MineRequests>();
  const mines = (chainId: bigint) => {
    let queue = queues.get(chainId);
    if (queue === undefined) queues.set(chainId, (queue = createMineRequests()));
    return queue;
  };
  /** The `evm_mine` requests the running round took, by rollup, until its block is proposed. */
  let wanted = new Map<bigint, MineWaiter[]>();

  /** After an `evm_revert`: every proposer chain back on the node's head, every mempool on its state. */
  const followAll = async () => {
    await multi.sync().catch(() => undefined);
    for (const [chainId, chain] of chains) {
      const followed = await followBlocks(chain, await multi.rollup(chainId)).catch((error: Error) => error);
      if (followed instanceof Error) log(`proposer: ${label(chainId)}could not follow the node after a revert: ${firstLine(followed.message)}`);
      await ctx.rpc()?.mempool(chainId)?.sync();
    }
  };

  const round = async () => {
    if (ctx.reverting()) return followAll();
    const loop = ctx.loop();
    wanted = new Map();
    for (const [chainId, queue] of queues) {
      const taken = queue.take();
      if (taken.length > 0) wanted.set(chainId, taken);
    }
    const served = new Map<bigint, { waiters: MineWaiter[]; number: bigint }>();
    try {
      const most = Math.max(chains.size, multi.list().length);
      // A shared advance's outcomes are all taken in this round, even past `most`: left for the
      // next, one would serve that round's `evm_mine` with a block made before it was asked for.
      for (let i = 0; (i < most || ctx.proposer.outcomesWaiting > 0) && !loop.stopped; i++) {
        const result = await ctx.proposer.proposeNext().catch((error: Error) => ({ kind: "unavailable" as const, error }));
        if (result.kind === "idle") break;
        if (result.kind === "unavailable") {
          const pauseMs = loop.backOff(500);
          log(`proposer: ${firstLine(result.error.message)} (retrying in ${pauseMs / 1000} s)`);
          return;
        }
        const { chainId, outcome } = result;
        switch (outcome.kind) {
          case "idle":
          case "dropped":
          case "waiting":
            break;
          case "proposed": {
            loop.succeeded();
            served.set(chainId, { waiters: wanted.get(chainId) ?? [], number: outcome.proposed.block.header.number });
            // Served: a second block this round would be another empty one.
            wanted.delete(chainId);
            log(`${label(chainId)}${proposedLine(outcome.proposed, outcome.deferred)}${outcome.builtAhead === true ? ", built while its parent was mined" : ""}`);
            ctx.onProposed?.(chainId, outcome.proposed);
            break;
          }
          case "failed":
            log(`proposer: ${label(chainId)}block failed: ${firstLine(outcome.error.message)}`);
            break;
          case "lost-race": {
            const chain = chains.get(chainId);
            if (chain === undefined) break;
            await multi.sync().catch(() => undefined);
            const followed = await followBlocksKeepingTransactions(chain, await multi.rollup(chainId), ctx.rpc()?.mempool(chainId), { handBack: !ctx.reverting() }).catch((error: Error) => error);
            if (followed instanceof Error) {
              log(`proposer: ${label(chainId)}lost a race and could not follow the node: ${firstLine(followed.message)}`);
              break;
            }
            log(`proposer: ${label(chainId)}another proposer advanced it; followed ${followed.appended} block(s) from the node, now on L2 block ${chainHead(chain).number}`);
            break;
          }
        }
      }
      if (served.size === 0) return;
      // The node derives the blocks now rather than at its next poll: receipts come sooner.
      await sync().catch(() => undefined);
      for (const [chainId, chain] of chains) {
        const node = multi.opened(chainId);
        if (node !== undefined) forgetBlockBodies(chain, node.blockNumber("latest") - KEPT_BODIES);
      }
      for (const { waiters, number } of served.values()) for (const waiter of waiters) waiter.resolve(number);
    } finally {
      // Requests of rollups the round did not serve wait for the next.
      for (const [chainId, waiters] of wanted) mines(chainId).giveBack(waiters);
      wanted = new Map();
    }
  };

  return { round, mines, blockWanted: (chainId) => (wanted.get(chainId)?.length ?? 0) > 0 };
}
