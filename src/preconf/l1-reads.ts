/**
 * What a preconfirmed block needs from L1 — L1's latest block (its anchor), EXECUTE's market and
 * the L1→L2 queue's delivery — read at most once per `l1ReadMs`: four L1 round trips a block were
 * most of a preconfirmation's time. A block may anchor to an L1 block that old (the anchor only
 * has to be recent, not the newest). Past half that age they are read again in the background
 * (`refresh`), so a receipt waits for L1 only when the preconfer was idle longer than `l1ReadMs`
 * or L1 reorged (`forget`).
 */
import type { JsonRpcApiProvider, Contract } from "ethers";
import { deliveredCount, type NextDelivery } from "../bridge/queue.js";
import type { L2Chain } from "../engine/state.js";
import { deliveryFor, latestL1Block, type L1Anchor } from "../proposer/propose.js";
import { readExecuteMarket } from "../sdk/execute-market.js";

/** One set of L1 reads: a block built with them commits its delivery to this anchor. */
export interface L1Reads {
  /** When they were read (ms since the epoch). */
  at: number;
  anchor: L1Anchor;
  market: Awaited<ReturnType<typeof readExecuteMarket>>;
  /** The delivery for the chain's delivered count `delivered` (recomputed when it moved). */
  delivery?: { delivered: bigint; value: NextDelivery };
}

/** The cache of {@link createL1Reads}. */
export interface L1ReadCache {
  /** Fresh enough reads: the cached ones, the background read in flight, or a new read. */
  current(): Promise<L1Reads>;
  /** Starts a background read when the cached one is past half its life (or missing); never throws. */
  refresh(): void;
  /** Throws the cached reads away (L1 reorged): a background read started before is dropped. */
  forget(): void;
}

/** A cache of L1 reads for the preconfer of `options.chain` (see the file comment). */
export function createL1Reads(options: { provider: JsonRpcApiProvider; rollup: Contract; chain: L2Chain; l1ReadMs?: number }): L1ReadCache {
  const { chain } = options;
  const l1ReadMs = options.l1ReadMs ?? 1_000;
  let cached: L1Reads | undefined;
  let generation = 0;
  let refreshing: Promise<void> | undefined;
  const read = async (): Promise<L1Reads> => {
    const [anchor, market, delivered] = await Promise.all([latestL1Block(options.provider), readExecuteMarket(options.provider), deliveredCount(chain)]);
    return { at: Date.now(), anchor, market, delivery: { delivered, value: await deliveryFor({ ...options, chain }, anchor) } };
  };
  // Reads as old as l1ReadMs are stale (`>=`): with 0, every block reads L1 afresh, even within the
  // millisecond of the last read (with `>` two blocks that quick shared an anchor).
  const stale = () => cached === undefined || Date.now() - cached.at >= l1ReadMs;
  return {
    async current() {
      if (stale() && refreshing !== undefined) await refreshing;
      if (stale()) cached = await read();
      return cached!;
    },
    refresh() {
      if (refreshing !== undefined || (cached !== undefined && Date.now() - cached.at < l1ReadMs / 2)) return;
      const started = generation;
      refreshing = read()
        .then((fresh) => {
          if (started === generation) cached = fresh;
        })
        .catch(() => undefined)
        .finally(() => (refreshing = undefined));
    },
    forget() {
      cached = undefined;
      generation++;
    },
  };
}
