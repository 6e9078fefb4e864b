/**
 * A shared round's L1 reads of its rollups, made for all of them at once (issue 17, "10,000
 * rollups"): each leg's proposer needs its rollup's head (to follow its node), its queue length and
 * the queue's rolling hash there (for the block's delivery and anchor). Read one rollup at a time
 * that was two or three L1 calls per rollup-block — the largest cost of a shared round's legs
 * after building them (bench/scale.ts, docs/shared-advances.md). Here they are two L1 calls per
 * round: `RollupBundler.bundle` run by `eth_call` makes the calls in one EVM run, at the round's
 * anchor block.
 *
 *   eth_call bundle([head(), messageCount()] × rollups)  ─▶ each rollup's head and queue length
 *   eth_call bundle([rollingHash(queued)] × rollups with a queue) ─▶ the rolling hash at its end
 *
 * The values are L1's, read at one block, as each rollup's own calls would read them there; a
 * rolling hash at another position (a queue longer than one block delivers) is read on its own.
 */
import type { Contract, JsonRpcApiProvider } from "ethers";
import { queueReadsOf, type QueueReads } from "../bridge/queue.js";
import { nativeRollupInterface } from "../sdk/contracts.js";

/** What a shared round read of one rollup on L1: its head's block hash and its queue. */
export interface RollupReads {
  l1Head: string;
  queue: QueueReads;
}

/** The most calls one read's `eth_call` carries (a few thousand gas each: far below any L1 cap). */
const CALLS_PER_READ = 400;

/**
 * Each rollup's {@link RollupReads} at L1 block `blockTag`, read through `bundler` (a deployed
 * RollupBundler) in two `eth_call`s per {@link CALLS_PER_READ} calls. Undefined when L1 refused
 * a read (the caller reads each rollup on its own, as without this).
 */
export async function readRollups(bundler: Contract, provider: Pick<JsonRpcApiProvider, "call">, rollups: Contract[], blockTag: bigint): Promise<RollupReads[] | undefined> {
  if (rollups.length === 0) return [];
  const rollupInterface = nativeRollupInterface();
  const addresses = rollups.map((r) => r.target as string);
  try {
    const first = await bundledCalls(bundler, provider, blockTag, addresses.flatMap((target) => [
      { target, data: rollupInterface.encodeFunctionData("head") },
      { target, data: rollupInterface.encodeFunctionData("messageCount") },
    ]));
    const heads = addresses.map((_, i) => String((rollupInterface.decodeFunctionResult("head", first[2 * i]!)[0] as { blockHash: string }).blockHash));
    const queued = addresses.map((_, i) => rollupInterface.decodeFunctionResult("messageCount", first[2 * i + 1]!)[0] as bigint);
    const withQueue = addresses.flatMap((target, i) => (queued[i]! > 0n ? [{ i, target }] : []));
    const second = await bundledCalls(bundler, provider, blockTag, withQueue.map(({ target, i }) => ({ target, data: rollupInterface.encodeFunctionData("rollingHash", [queued[i]!]) })));
    const rolling = new Map(withQueue.map(({ i }, k) => [i, String(rollupInterface.decodeFunctionResult("rollingHash", second[k]!)[0])]));
    return rollups.map((rollup, i) => {
      const own = queueReadsOf(rollup);
      const count = queued[i]!;
      return {
        l1Head: heads[i]!,
        queue: {
          messageCount: async () => count,
          rollingHash: (n) => (n === count && rolling.has(i) ? Promise.resolve(rolling.get(i)!) : own.rollingHash(n)),
        },
      };
    });
  } catch {
    return undefined;
  }
}

/** `calls`' return data, made by `bundler.bundle` under `eth_call` at `blockTag`, in chunks of {@link CALLS_PER_READ}. */
async function bundledCalls(bundler: Contract, provider: Pick<JsonRpcApiProvider, "call">, blockTag: bigint, calls: { target: string; data: string }[]): Promise<string[]> {
  const out: string[] = [];
  const to = bundler.target as string;
  for (let start = 0; start < calls.length; start += CALLS_PER_READ) {
    const chunk = calls.slice(start, start + CALLS_PER_READ).map(({ target, data }) => ({ target, data, value: 0n }));
    const result = await provider.call({ to, data: bundler.interface.encodeFunctionData("bundle", [chunk]), blockTag: Number(blockTag) });
    out.push(...(bundler.interface.decodeFunctionResult("bundle", result)[0] as string[]));
  }
  return out;
}
