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
import { decodeFunctionResult, encodeFunctionData, parseAbi, type Hex } from "viem";
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
    const head = rollupInterface.encodeFunctionData("head");
    const messageCount = rollupInterface.encodeFunctionData("messageCount");
    const rollingHash = rollupInterface.getFunction("rollingHash")!.selector;
    const first = await bundledCalls(bundler, provider, blockTag, addresses.flatMap((target) => [{ target, data: head }, { target, data: messageCount }]));
    // head() is six static words (number, timestamp, anchor block, message count, block hash, state root); the others one word.
    const heads = addresses.map((_, i) => wordOf(first[2 * i]!, 4, 6));
    const queued = addresses.map((_, i) => BigInt(wordOf(first[2 * i + 1]!, 0, 1)));
    const withQueue = addresses.flatMap((target, i) => (queued[i]! > 0n ? [{ i, target }] : []));
    const second = await bundledCalls(bundler, provider, blockTag, withQueue.map(({ target, i }) => ({ target, data: rollingHash + word(queued[i]!) })));
    const rolling = new Map(withQueue.map(({ i }, k) => [i, wordOf(second[k]!, 0, 1)]));
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
    const args = [calls.slice(start, start + CALLS_PER_READ).map(({ target, data }) => ({ target: target as Hex, data: data as Hex, value: 0n }))] as const;
    const result = await provider.call({ to, data: encodeFunctionData({ abi: BUNDLE_ABI, functionName: "bundle", args }), blockTag: Number(blockTag) });
    out.push(...decodeFunctionResult({ abi: BUNDLE_ABI, functionName: "bundle", data: result as Hex }));
  }
  return out;
}

/**
 * `RollupBundler.bundle`, for viem's ABI coder: ethers' took ≈ 22 ms to encode and decode a read
 * of 200 calls (a fifth of a 100-rollup read), viem's ≈ 2 ms.
 */
const BUNDLE_ABI = parseAbi(["function bundle((address target, bytes data, uint256 value)[] calls) payable returns (bytes[])"]);

const word = (n: number | bigint) => n.toString(16).padStart(64, "0");

/** Word `index` of return data that must be `words` words long (0x-hex). */
function wordOf(data: string, index: number, words: number): string {
  if (data.length !== 2 + 64 * words) throw new RangeError(`expected ${words} word(s) of return data, got ${(data.length - 2) / 2} bytes`);
  return "0x" + data.slice(2 + 64 * index, 2 + 64 * (index + 1));
}
