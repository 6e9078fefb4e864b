/**
 * The user path's prepared blocks (docs/sync.md, "The user path"): `prepareSyncCalls` verifies
 * an L2 block and logs its `BlockAdvanced` (and its sync calls' `MessageQueued`) in the builder's
 * transaction, but the block is the rollup's only if a later transaction of the same L1 block
 * adopted it (`SyncCallsAdopted`). A node keeps a prepared transaction's logs only then.
 */
import { nativeRollupInterface } from "../sdk/contracts.js";
import type { RawLog } from "./l1.js";

let topicsOnce: { prepared: string; adopted: string } | undefined;

/** The topics of `SyncCallsPrepared` and `SyncCallsAdopted` (ask for them beside `BlockAdvanced`). */
export function preparedTopics(): { prepared: string; adopted: string } {
  topicsOnce ??= {
    prepared: nativeRollupInterface().getEvent("SyncCallsPrepared")!.topicHash,
    adopted: nativeRollupInterface().getEvent("SyncCallsAdopted")!.topicHash,
  };
  return topicsOnce;
}

/**
 * `logs` without the two topics above and without every log of a `prepareSyncCalls`
 * transaction whose block no transaction of its L1 block adopted (its `BlockAdvanced` would
 * otherwise look like the rollup's next block). Both events are in one L1 block, so a scanned
 * range never splits them. The data word of both is the L2 block hash.
 */
export function withoutUnadopted(logs: RawLog[]): RawLog[] {
  const { prepared, adopted } = preparedTopics();
  const key = (log: RawLog) => `${log.address.toLowerCase()}:${BigInt(log.blockNumber)}:${log.data.slice(0, 66).toLowerCase()}`;
  const adoptions = new Set(logs.filter((l) => l.topics[0] === adopted).map(key));
  const dead = new Set(logs.filter((l) => l.topics[0] === prepared && !adoptions.has(key(l))).map((l) => l.transactionHash.toLowerCase()));
  return logs.filter((l) => l.topics[0] !== prepared && l.topics[0] !== adopted && !dead.has(l.transactionHash.toLowerCase()));
}
