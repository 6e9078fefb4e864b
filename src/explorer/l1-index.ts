/**
 * The rollup events of L1, indexed as L1 moves: every `BlockAdvanced` (an L2 block verified by
 * EXECUTE, with its L1 transaction), `MessageQueued`, `MessageClaimed`, `MessageForwarded` and
 * `RollupCreated`, of every contract (rollups created later are found too). One `eth_getLogs`
 * per refresh over the new L1 blocks; the last {@link REORG_MARGIN} blocks are read again each
 * time, so a reorg of the devnet's L1 (tests make them) replaces what it changed.
 */
import { preparedTopics, withoutUnadopted } from "../node/prepared.js";
import { abiOf, plain } from "./abi.js";
import { quantity, type RpcClient } from "./rpc.js";

/** L1 blocks re-read at every refresh: deeper than any reorg the devnet sees. */
export const REORG_MARGIN = 64n;

/** Where an event is on L1. */
export interface L1Place {
  /** L1 block number (decimal string in JSON). */
  number: bigint;
  hash: string;
  txHash: string;
  logIndex: number;
}

/** An L2 block verified on L1: its `BlockAdvanced` event. */
export interface AdvanceEntry {
  rollup: string;
  number: bigint;
  blockHash: string;
  proposer: string;
  gasUsed: bigint;
  messageCount: bigint;
  anchorBlockNumber: bigint;
  dataHash: string;
  blobHashes: string[];
  l1: L1Place;
}

/** An L1→L2 message queued on a rollup (by `deposit`, `sendMessage` or a forward). */
export interface QueuedEntry {
  rollup: string;
  index: bigint;
  message: Record<string, unknown>;
  l1: L1Place;
}

/** An L2→L1 message consumed on L1: claimed, or forwarded to another rollup. */
export interface ConsumedEntry {
  rollup: string;
  kind: "claimed" | "forwarded";
  hash: string;
  /** For a forward: the destination rollup. */
  destination?: string;
  l1: L1Place;
}

/** A rollup created by a factory. */
export interface CreatedEntry {
  factory: string;
  chainId: bigint;
  rollup: string;
  l1: L1Place;
}

/** The index: what it holds, and `refresh()` to read L1 up to its head. */
export interface L1Index {
  advances: AdvanceEntry[];
  queued: QueuedEntry[];
  consumed: ConsumedEntry[];
  created: CreatedEntry[];
  /** The last L1 block read. */
  head: bigint;
  /** Reads the L1 blocks since the last refresh, up to L1's head at the call or later (one read at a time). */
  refresh(): Promise<void>;
}

/** One parsed event and the list of the index it goes in. */
type Indexed =
  | { list: "advances"; entry: AdvanceEntry }
  | { list: "queued"; entry: QueuedEntry }
  | { list: "consumed"; entry: ConsumedEntry }
  | { list: "created"; entry: CreatedEntry };

interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
}

/** An empty index over `l1`; the first `refresh()` reads L1 from its genesis. */
export function createL1Index(l1: RpcClient): L1Index {
  const rollup = abiOf("NativeRollup");
  const factory = abiOf("RollupFactory");
  const topics = [
    rollup.getEvent("BlockAdvanced")!.topicHash,
    rollup.getEvent("MessageQueued")!.topicHash,
    rollup.getEvent("MessageClaimed")!.topicHash,
    rollup.getEvent("MessageForwarded")!.topicHash,
    factory.getEvent("RollupCreated")!.topicHash,
    // A user-path block counts once adopted (docs/sync.md): these two say which.
    preparedTopics().prepared,
    preparedTopics().adopted,
  ];
  let scanned = -1n;
  // The last read's logs, parsed, by block hash, log index and address: the re-read window's
  // events are not parsed again at every refresh (≈ 2 % of the devnet's RPC thread under load).
  let lastParsed = new Map<string, Indexed | null>();
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const index: L1Index = {
    advances: [],
    queued: [],
    consumed: [],
    created: [],
    head: -1n,
    refresh() {
      if (running === undefined) {
        running = read().finally(() => (running = undefined));
        return running;
      }
      // A read under way may have started before what the caller just saw on L1: one more read
      // follows it (shared by every caller meanwhile), so each caller's refresh reaches its L1 head.
      next ??= running.catch(() => undefined).then(() => {
        next = undefined;
        return index.refresh();
      });
      return next;
    },
  };

  async function read(): Promise<void> {
    const head = BigInt(await l1.call<string>("eth_blockNumber"));
    const from = scanned - REORG_MARGIN + 1n > 0n ? scanned - REORG_MARGIN + 1n : 0n;
    const logs = await l1.call<RpcLog[]>("eth_getLogs", [{ fromBlock: quantity(from), toBlock: quantity(head), topics: [topics] }]);
    const keep = <T extends { l1: L1Place }>(list: T[]) => list.filter((e) => e.l1.number < from);
    index.advances = keep(index.advances);
    index.queued = keep(index.queued);
    index.consumed = keep(index.consumed);
    index.created = keep(index.created);
    const parsed = new Map<string, Indexed | null>();
    for (const log of withoutUnadopted(logs as never) as unknown as RpcLog[]) {
      // The same log (block hash and position) as the last read's: parsed then (a reorg changes the hash).
      const key = `${log.blockHash}:${log.logIndex}:${log.address}`;
      const entry = lastParsed.has(key) ? lastParsed.get(key)! : parse(log);
      parsed.set(key, entry);
      if (entry !== null) (index[entry.list] as unknown[]).push(entry.entry);
    }
    lastParsed = parsed;
    scanned = head;
    index.head = head;
  }

  function parse(log: RpcLog): Indexed | null {
    const l1Place: L1Place = { number: BigInt(log.blockNumber), hash: log.blockHash, txHash: log.transactionHash, logIndex: Number(log.logIndex) };
    const address = log.address.toLowerCase();
    let parsed;
    try {
      parsed = (log.topics[0] === topics[4] ? factory : rollup).parseLog(log);
    } catch {
      return null; // another contract's event with the same signature but another shape
    }
    if (parsed === null) return null;
    const a = parsed.args;
    switch (parsed.name) {
      case "BlockAdvanced":
        return { list: "advances", entry: {
          rollup: address,
          number: a.number as bigint,
          blockHash: a.blockHash as string,
          proposer: (a.proposer as string).toLowerCase(),
          gasUsed: a.gasUsed as bigint,
          messageCount: a.messageCount as bigint,
          anchorBlockNumber: a.anchorBlockNumber as bigint,
          dataHash: a.dataHash as string,
          blobHashes: [...(a.blobHashes as string[])],
          l1: l1Place,
        } };
      case "MessageQueued":
        return { list: "queued", entry: { rollup: address, index: a.index as bigint, message: plain(a.message) as Record<string, unknown>, l1: l1Place } };
      case "MessageClaimed":
        return { list: "consumed", entry: { rollup: address, kind: "claimed", hash: a.hash as string, l1: l1Place } };
      case "MessageForwarded":
        return { list: "consumed", entry: { rollup: address, kind: "forwarded", hash: a.hash as string, destination: (a.destination as string).toLowerCase(), l1: l1Place } };
      case "RollupCreated":
        return { list: "created", entry: { factory: address, chainId: a.chainId as bigint, rollup: (a.rollup as string).toLowerCase(), l1: l1Place } };
    }
    return null;
  }
  return index;
}
