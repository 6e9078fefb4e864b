/**
 * The preconfer on timers: blocks at most every `intervalMs` (250 ms by default) while anything
 * is pending — the first transaction after a quiet spell is built at once (checked every 10 ms),
 * so on an idle chain a receipt takes a build, not half an interval — and apart from it the advance loop, which sends what was preconfirmed to L1 (oldest
 * first, consecutive ones together in one L1 transaction) every `advanceIntervalMs`, lets the node derive it, and drops what L1
 * contradicts. Apart so a slow L1 never holds up the next preconfirmation.
 */
import type { Preconfer, PreconfirmedBlock } from "./preconfer.js";

/** Options of {@link startPreconfLoops}. */
export interface PreconfLoopsOptions {
  preconfer: Preconfer;
  /** The node: `sync()` after an advance, so `safe` moves at once. */
  node: { sync(): Promise<unknown> };
  /** Between preconfirmed blocks, in ms (default 250). */
  intervalMs?: number;
  /** How many transactions are pending (the mempool's count): a block is built as soon as one is, the interval allowing. */
  pending?: () => number;
  /**
   * Between advance rounds, in ms (default 250). The blocks preconfirmed meanwhile go to L1 in
   * one transaction (up to the preconfer's `together`): waiting longer shares an L1 transaction
   * among more blocks and delays `safe` by as much.
   */
  advanceIntervalMs?: number;
  /** Called with each block L1 verified (after the node derived it). */
  onAdvanced?: (blocks: PreconfirmedBlock[]) => void;
  log?: (line: string) => void;
}

/** Running loops: `stop()` waits for the round in progress. */
export interface PreconfLoops {
  /** A transaction arrived: the idle build loop looks at the pool now instead of at its next 10 ms tick. */
  wake(): void;
  stop(): Promise<void>;
}

/** Starts both loops (see the file comment). */
export function startPreconfLoops(options: PreconfLoopsOptions): PreconfLoops {
  const log = options.log ?? (() => {});
  let stopped = false;
  // Sleeps that stop() cuts short.
  const sleeping = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleeping.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleeping.add(wake);
    });
  let lastError = "";
  const said = (error: Error, what: string) => {
    const line = `preconf: ${what}: ${error.message.split("\n")[0]}`;
    if (line !== lastError) log(line);
    lastError = line;
  };
  const intervalMs = options.intervalMs ?? 250;
  let idle: (() => void) | undefined;
  const build = (async () => {
    let lastBlockAt = 0;
    let lastTryAt = 0;
    while (!stopped) {
      const now = Date.now();
      if (now - lastBlockAt < intervalMs) {
        await sleep(intervalMs - (now - lastBlockAt));
        continue;
      }
      // Idle: look at the pool every 10 ms (or at once when woken), and L1's queue (a deposit to deliver) every interval.
      if ((options.pending?.() ?? 1) === 0 && now - lastTryAt < intervalMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 10);
          idle = done;
          function done() {
            clearTimeout(timer);
            idle = undefined;
            resolve();
          }
        });
        continue;
      }
      lastTryAt = now;
      const block = await options.preconfer.preconfirmNext().catch((error: Error) => void said(error, "could not preconfirm a block"));
      if (block !== undefined) {
        lastBlockAt = now;
        log(`preconf: L2 block ${block.number} ${block.hash} preconfirmed: ${block.transactions.length} tx, signed ${Date.now() - now} ms after the build started`);
      }
    }
  })();
  const advance = (async () => {
    while (!stopped) {
      await sleep(options.advanceIntervalMs ?? 250);
      if (stopped) break;
      try {
        const advanced = await options.preconfer.advancePending();
        if (advanced.length > 0) {
          await options.node.sync().catch(() => undefined);
          const gas = advanced.reduce((sum, b) => sum + (b.advanced?.l1Gas ?? 0n), 0n);
          const transactions = new Set(advanced.map((b) => b.advanced?.l1Transaction)).size;
          log(`preconf: L2 block(s) ${advanced[0]!.number}…${advanced[advanced.length - 1]!.number} advanced on L1 (${transactions} L1 transaction(s), ${gas} L1 gas)`);
          options.onAdvanced?.(advanced);
        }
        await options.preconfer.reconcile();
      } catch (error) {
        said(error as Error, "advance failed (retried)");
      }
    }
  })();
  return {
    wake: () => idle?.(),
    async stop() {
      stopped = true;
      idle?.();
      for (const wake of [...sleeping]) wake();
      await Promise.all([build, advance]);
    },
  };
}
