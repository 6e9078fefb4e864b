/**
 * The many-rollup node's L1 scan: the events it follows (a factory's `RollupCreated`, a rollup's
 * `BlockAdvanced`, `Retired` and `MessageQueued`), one `eth_getLogs` for all the addresses of a
 * range, and the check that a range's logs are still canonical before they are committed.
 */
import { Interface } from "ethers";
import { nativeRollupInterface } from "../sdk/contracts.js";
import { l1BlockHash, toQuantity, type L1Client, type RawLog } from "./l1.js";
import { blockAdvancedTopic, ScanRaceError } from "./stages/follow-l1.js";
import { preparedTopics } from "./prepared.js";

/** The factory's event (docs/rollups.md fixes it). */
export const ROLLUP_CREATED_EVENT = "event RollupCreated(uint64 indexed chainId, address indexed rollup, uint256 index)";
/** A rollup's retirement (docs/rollups.md). */
export const RETIRED_EVENT = "event Retired(uint64 number)";

/** The factory's and a rollup's own events, for decoding. */
export const events = new Interface([ROLLUP_CREATED_EVENT, RETIRED_EVENT]);
let topicsOnce: { created: string; retired: string; advanced: string; queued: string } | undefined;
/**
 * The topics the node follows, read from the contracts' artifacts on first use: never when the
 * module is imported, since a clean clone has no artifacts until the devnet builds them.
 */
export function topics(): { created: string; retired: string; advanced: string; queued: string } {
  topicsOnce ??= {
    created: events.getEvent("RollupCreated")!.topicHash,
    retired: events.getEvent("Retired")!.topicHash,
    advanced: blockAdvancedTopic(),
    queued: nativeRollupInterface().getEvent("MessageQueued")!.topicHash,
  };
  return topicsOnce;
}

/** Every event the node follows (advances, retirements, queued messages, creations) of `addresses` in L1 blocks `from`..`to`: one `eth_getLogs`. */
export async function getFollowedLogs(l1: L1Client, addresses: string[], from: bigint, to: bigint): Promise<RawLog[]> {
  if (addresses.length === 0) return [];
  return l1.send<RawLog[]>("eth_getLogs", [
    { address: addresses, topics: [[topics().advanced, topics().retired, topics().queued, topics().created, preparedTopics().prepared, preparedTopics().adopted]], fromBlock: toQuantity(from), toBlock: toQuantity(to) },
  ]);
}

/** Every log's block is canonical, and the range's end and the previous checkpoint did not move (else a ScanRaceError: nothing written). */
export async function checkCanonical(l1: L1Client, logs: RawLog[], from: bigint, to: bigint, toHash: string, previous: { number: bigint; hash: string }): Promise<void> {
  const hashes = new Map<bigint, string>([[to, toHash]]);
  for (const log of logs) {
    const number = BigInt(log.blockNumber);
    if (!hashes.has(number)) hashes.set(number, (await l1BlockHash(l1, number)) ?? "");
    if (log.removed === true || hashes.get(number) !== log.blockHash.toLowerCase()) {
      throw new ScanRaceError("An event's L1 block is no longer canonical", { l1Block: number, logBlockHash: log.blockHash });
    }
  }
  if ((await l1BlockHash(l1, to)) !== toHash || (await l1BlockHash(l1, previous.number)) !== previous.hash) {
    throw new ScanRaceError("L1 changed during the scan", { from, to });
  }
}
