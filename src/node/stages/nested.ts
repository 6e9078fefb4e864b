/**
 * Finding a rollup's advance inside another rollup's sync transaction (docs/sync.md, "Rollup A →
 * rollup B"): the L1 transaction of an A → B call calls B's `syncExecute`, whose L1 call is A's
 * `advanceWithL1Calls`. A's follower finds A's calldata there.
 */
import { nativeRollupInterface } from "../../sdk/contracts.js";

/** How deep {@link syncedAdvance} looks (sync transactions inside sync transactions' L1 calls). */
export const MAX_NESTED_SYNC = 4;

/**
 * The calldata of the call, inside a `syncExecute` input (0x-hex) — as its L1 call, or deeper in
 * the L1 call of a `syncExecute` found there — that advanced `rollup`
 * to the block `blockHash`: its target is `rollup`, its selector one of `selectors`, and its
 * claim's second word the block hash. Undefined if there is none (or the input is malformed):
 * what is read from it is checked against the event's commitments anyway.
 */
export function syncedAdvance(input: string, rollup: string, blockHash: string, selectors: string[], depth = 0): string | undefined {
  if (depth >= MAX_NESTED_SYNC) return undefined;
  const iface = nativeRollupInterface();
  const syncExecute = iface.getFunction("syncExecute")!.selector;
  if (!input.toLowerCase().startsWith(syncExecute)) return undefined;
  let target: string;
  let data: string;
  try {
    const sync = iface.decodeFunctionData("syncExecute", input)[4] as { target: string; data: string };
    [target, data] = [sync.target, sync.data];
  } catch {
    return undefined;
  }
  const hex = data.toLowerCase();
  if (target.toLowerCase() === rollup.toLowerCase() && selectors.some((s) => hex.slice(2, 10) === s.toLowerCase().replace(/^0x/, ""))) {
    if (hex.slice(10 + 64, 10 + 128) === blockHash.toLowerCase().replace(/^0x/, "")) return data;
  }
  return syncedAdvance(data, rollup, blockHash, selectors, depth + 1);
}
