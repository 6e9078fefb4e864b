/**
 * Giving the thread back during long block work (issue 14 item 8): in the devnet the builder, the
 * node's re-execution and the L2 JSON-RPC share one thread, so work that takes seconds in all
 * (a block of hundreds of transactions, its state root) is cut into slices of a few ms.
 */

/** How long block work may hold the thread before it gives it back, in ms. */
export const SLICE_MS = 8;

/** A function that yields the thread (setImmediate) once {@link SLICE_MS} have passed since the last yield. */
export type Slicer = () => Promise<void>;

/** A new {@link Slicer}; its clock starts now. */
export function createSlicer(): Slicer {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise((resolve) => setImmediate(resolve));
    since = performance.now();
  };
}

/** A slicer that never yields: for callers with nothing else on their thread. */
export const NO_SLICES: Slicer = async () => {};
