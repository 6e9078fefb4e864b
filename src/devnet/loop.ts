/**
 * The devnet's proposer loop (start.ts): a round every
 * interval, never two at once, held until released, and after a failure a pause that doubles
 * with each failure in a row, up to a bound.
 */

/** Longest pause of the proposer after a lost race or an unreachable L1 (it doubles up to this). */
export const MAX_BACKOFF_MS = 10_000;

/** A running {@link startProposerLoop}. */
export interface ProposerLoop {
  /** Lets rounds run (a loop started `held` runs none until then). */
  release(): void;
  /** A round failed: pauses the loop — at least `minMs`, twice the last pause if longer — and returns the pause in ms. */
  backOff(minMs: number): number;
  /** A round went well: the next failure pauses the least again. */
  succeeded(): void;
  /** Whether {@link stop} was called (a long round checks it between steps). */
  readonly stopped: boolean;
  /** Runs no more rounds; resolves once the running one is done. */
  stop(): Promise<void>;
  /** Runs `work` with no round running meanwhile (after the running one ends): e.g. the sync builder's landing, which builds on the proposer's chain. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

/** Runs `round` every `intervalMs`: one at a time (a tick that finds one running does nothing). */
export function startProposerLoop(round: () => Promise<void>, options: { intervalMs: number; held: boolean }): ProposerLoop {
  let held = options.held;
  let stopped = false;
  let busy: Promise<void> | undefined;
  // Rounds wait while one of these runs; they run one after another.
  let exclusives = 0;
  let exclusiveQueue: Promise<unknown> = Promise.resolve();
  let backoffMs = 0;
  let resumeAt = 0;
  const timer = setInterval(() => {
    if (stopped || held || exclusives > 0 || busy !== undefined || Date.now() < resumeAt) return;
    busy = round().finally(() => (busy = undefined));
  }, options.intervalMs);
  return {
    release: () => void (held = false),
    backOff(minMs) {
      backoffMs = Math.min(Math.max(backoffMs * 2, minMs), MAX_BACKOFF_MS);
      resumeAt = Date.now() + backoffMs;
      return backoffMs;
    },
    succeeded: () => void (backoffMs = 0),
    get stopped() {
      return stopped;
    },
    exclusive(work) {
      exclusives++;
      const run = exclusiveQueue.then(async () => {
        await busy;
        return work();
      });
      exclusiveQueue = run.catch(() => undefined).finally(() => exclusives--);
      return run;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
    },
  };
}
