/**
 * What a proposer needs of a rollup's L1→L2 queue to build the next block: how far the queue
 * reaches, the messages the block delivers (read back from `MessageQueued` logs and checked
 * against the rolling hashes L1 stores), and the anchor that commits to them.
 */
import { id, type Contract, type JsonRpcApiProvider } from "ethers";
import { callL2, readL2Slot } from "../engine/query.js";
import { PREDEPLOYS } from "../engine/chain.js";
import type { L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";
import { parseQueuedMessages } from "../sdk/bridge.js";
import { nativeRollupInterface } from "../sdk/contracts.js";
import { anchorCommitment, rollingHashOf, type Delivery, type L1Message } from "./messages.js";

/** The queue's messages as L1 logged them do not hash to what L1 stores (an L1 reorg under the read, or a bug). */
export class QueueInconsistentError extends UltrasoundError {
  override name = "QueueInconsistentError";
}

/** What the next block delivers and the anchor that commits to it. */
export interface NextDelivery {
  /** The queue length delivered once the block is applied (the claim's `messageCount`). */
  messageCount: bigint;
  /** The L1 anchor: `keccak256(abi.encode(l1BlockHash, messageCount, rollingHash))`. */
  anchor: string;
  /** The block's new messages (undefined when it delivers none: no delivery system call). */
  delivery?: Delivery;
}

const ZERO_HASH = "0x" + "00".repeat(32);
/** `deliveredCount()`. */
const DELIVERED_COUNT_SELECTOR = id("deliveredCount()").slice(0, 10);

/** L2Messenger's storage slot of `deliveredCount` (contracts/l2/L2Messenger.sol pins its layout). */
export const DELIVERED_COUNT_SLOT = 0n;

/**
 * The messenger's `deliveredCount()` at the head of `chain` (0 on a chain without the predeploy),
 * read from its storage slot: a proposer reads it for every block, and an L2 call for it built a
 * VM each time. {@link deliveredCountByCall} is the same through the contract's getter.
 */
export async function deliveredCount(chain: L2Chain): Promise<bigint> {
  return readL2Slot(chain, PREDEPLOYS.messenger, DELIVERED_COUNT_SLOT);
}

/** `deliveredCount()` at the head of `chain` by an L2 call of the getter (what {@link deliveredCount} reads from storage). */
export async function deliveredCountByCall(chain: L2Chain): Promise<bigint> {
  const out = await callL2(chain, { to: PREDEPLOYS.messenger, data: DELIVERED_COUNT_SELECTOR });
  return out === "0x" || out.length < 66 ? 0n : BigInt(out.slice(0, 66));
}

/**
 * The reads of a rollup's L1 queue that {@link nextDelivery} makes: `messageCount()` and
 * `rollingHash(n)`. A proposer of many rollups reads them for all at once (one L1 call per round,
 * src/proposer/multi-reads.ts) instead of two per rollup.
 */
export interface QueueReads {
  messageCount(): Promise<bigint>;
  rollingHash(n: bigint): Promise<string>;
}

/** The queue reads of `rollup`, each a call of its own (at L1's latest block). */
export function queueReadsOf(rollup: Contract): QueueReads {
  return {
    messageCount: async () => (await rollup.getFunction("messageCount")()) as bigint,
    rollingHash: async (n) => (await rollup.getFunction("rollingHash")(n)) as string,
  };
}

/**
 * The delivery of the next block on `chain`: up to `maxMessages` of the messages L1 has queued
 * beyond what the chain has delivered, anchored to the L1 block `l1BlockHash`. `reads` (default:
 * calls on `rollup`) gives the queue's count and rolling hashes.
 */
export async function nextDelivery(options: {
  rollup: Contract;
  provider: Pick<JsonRpcApiProvider, "getLogs">;
  chain: L2Chain;
  l1BlockHash: string;
  maxMessages: bigint;
  reads?: QueueReads;
}): Promise<NextDelivery> {
  const { rollup } = options;
  const reads = options.reads ?? queueReadsOf(rollup);
  const delivered = await deliveredCount(options.chain);
  const queued = await reads.messageCount();
  if (queued < delivered) {
    // The chain delivered messages this L1 does not hold (an L1 reorg took them): no block on it is valid.
    throw new QueueInconsistentError("The chain has delivered more messages than L1 has queued", { delivered, queued });
  }
  const count = queued < delivered + options.maxMessages ? queued : delivered + options.maxMessages;
  const rollingAt = async (n: bigint) => (n === 0n ? ZERO_HASH : await reads.rollingHash(n));
  const rollingHash = await rollingAt(count);
  const anchor = anchorCommitment(options.l1BlockHash, count, rollingHash);
  if (count === delivered) return { messageCount: count, anchor };

  const messages = await readQueue(rollup, options.provider, delivered, count);
  const start = await rollingAt(delivered);
  if (rollingHashOf(messages, start) !== rollingHash) {
    throw new QueueInconsistentError("The queued messages do not hash to the rolling hash L1 stores", { from: delivered, to: count, rollingHash });
  }
  return { messageCount: count, anchor, delivery: { l1BlockHash: options.l1BlockHash, count, rollingHash, messages } };
}

/** Messages `[from, to)` of the queue, from the `MessageQueued` logs since message `from` was queued. */
export async function readQueue(rollup: Contract, provider: Pick<JsonRpcApiProvider, "getLogs">, from: bigint, to: bigint): Promise<L1Message[]> {
  const fromBlock = (await rollup.getFunction("enqueuedAt")(from)) as bigint;
  const topic = nativeRollupInterface().getEvent("MessageQueued")!.topicHash;
  const logs = await provider.getLogs({ address: await rollup.getAddress(), topics: [topic], fromBlock: Number(fromBlock), toBlock: "latest" });
  const byIndex = new Map(parseQueuedMessages(logs).map((m) => [m.index, m]));
  const out: L1Message[] = [];
  for (let i = from; i < to; i++) {
    const message = byIndex.get(i);
    if (message === undefined) throw new QueueInconsistentError("A queued message has no MessageQueued log", { index: i, fromBlock });
    out.push(message);
  }
  return out;
}
