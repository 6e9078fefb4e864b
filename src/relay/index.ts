/**
 * The relayer: claims every L2→L1 message (a withdrawal) on L1 and forwards every rollup→rollup
 * message as soon as the L2 block that sent it is verified on L1 — what Optimism's supersim
 * does for its chains (issue 18 part 2). It reads each rollup's node over JSON-RPC (the
 * messenger's `MessageSent` logs up to the node's `safe` block, `eth_getProof` for the storage
 * proof) and sends `claim` / `forward` with its own L1 key. It never claims twice: `claimed` is
 * checked first, and a revert of a message someone claimed meanwhile (the user, by hand) is
 * counted as claimed, not as an error. Standalone: `npm run relay -- --l1 <url> --l2 <url>`.
 *
 *   L2 node ──MessageSent (≤ safe)──▶ relayer ──claim / forward (storage proof)──▶ rollup on L1
 */
import { JsonRpcProvider, keccak256, toUtf8Bytes, type Signer } from "ethers";
import { PREDEPLOYS } from "../engine/chain.js";
import { l2MessengerInterface, parseSentMessages, proofFor } from "../sdk/bridge.js";
import { hashL2Message, type L2Message } from "../bridge/messages.js";
import { nativeRollupAt } from "../sdk/contracts.js";

/** The key of the devnet's relayer on L1 (its own: no user script shares its nonces). */
export const DEV_RELAYER_KEY = keccak256(toUtf8Bytes("ultrasound devnet relayer"));

/** Most L2 blocks one `eth_getLogs` of the relayer spans (the node serves at most 10,000). */
const LOG_RANGE = 5_000n;

/** One source rollup the relayer watches. */
export interface RelayedRollup {
  /** Its L1 contract. */
  address: string;
  /** Its node's L2 JSON-RPC URL. */
  l2Url: string;
}

/** Options of {@link startRelay}. */
export interface RelayOptions {
  /** Pays for and sends `claim` / `forward` on L1 (connected to the L1 provider). */
  signer: Signer;
  /** The rollups whose messages it relays (a function: a devnet of many may grow). */
  rollups: RelayedRollup[] | (() => RelayedRollup[]);
  /** How often it looks for newly verified blocks, in ms. Default 500. */
  pollMs?: number;
  log?: (line: string) => void;
}

/** What the relayer did with one message. */
export interface RelayedMessage {
  hash: string;
  message: L2Message;
  /** The source rollup's L1 contract. */
  rollup: string;
  l2BlockNumber: bigint;
  /** "claimed": by this relayer on L1 (a withdrawal); "forwarded": enqueued on the destination rollup; "claimed-already": someone else did it. */
  outcome: "claimed" | "forwarded" | "claimed-already";
  /** The L1 transaction that claimed or forwarded it (this relayer's). */
  l1TransactionHash?: string;
}

/** A running relayer. */
export interface Relay {
  /** One pass over every rollup: relays what is verified and not yet relayed. */
  sync(): Promise<void>;
  /** What it did with the message of `hash` (undefined: not seen yet, or not relayable yet). */
  outcome(hash: string): RelayedMessage | undefined;
  stop(): Promise<void>;
}

/** Per rollup: the last L2 block scanned, and the messages seen that still wait (a forward that failed, …). */
interface Cursor {
  scanned: bigint;
  waiting: Map<string, { message: L2Message; l2BlockNumber: bigint }>;
  l2: JsonRpcProvider;
}

/** Starts the relayer (see the file's comment): a pass every `pollMs`, one at a time. */
export function startRelay(options: RelayOptions): Relay {
  const log = options.log ?? (() => {});
  const rollupsOf = typeof options.rollups === "function" ? options.rollups : () => options.rollups as RelayedRollup[];
  const cursors = new Map<string, Cursor>();
  const outcomes = new Map<string, RelayedMessage>();
  // A message that keeps failing is logged once, not at every pass.
  const reported = new Set<string>();
  const topic = l2MessengerInterface().getEvent("MessageSent")!.topicHash;

  const relayOne = async (rollup: RelayedRollup, cursor: Cursor, hash: string, entry: { message: L2Message; l2BlockNumber: bigint }) => {
    const contract = nativeRollupAt(rollup.address, options.signer);
    const record = (outcome: RelayedMessage["outcome"], l1TransactionHash?: string) => {
      outcomes.set(hash, { hash, message: entry.message, rollup: rollup.address, l2BlockNumber: entry.l2BlockNumber, outcome, l1TransactionHash });
      cursor.waiting.delete(hash);
    };
    if ((await contract.getFunction("claimed")(hash)) as boolean) return record("claimed-already");
    const toL1 = /^0x0{40}$/i.test(entry.message.destination);
    try {
      const proof = await proofFor(contract, cursor.l2, { hash, l2BlockNumber: entry.l2BlockNumber });
      const tx = await contract.getFunction(toL1 ? "claim" : "forward")(entry.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof);
      const receipt = await tx.wait();
      record(toL1 ? "claimed" : "forwarded", receipt.hash);
      log(
        `relay: ${toL1 ? `claimed withdrawal ${hash} (${entry.message.value} wei to ${entry.message.to})` : `forwarded message ${hash} to rollup ${entry.message.destination}`}` +
          ` from L2 block ${entry.l2BlockNumber} in L1 block ${receipt.blockNumber}`,
      );
    } catch (error) {
      // Claimed meanwhile (the user by hand): done, not an error.
      if ((await contract.getFunction("claimed")(hash).catch(() => false)) as boolean) return record("claimed-already");
      if (!reported.has(hash)) {
        reported.add(hash);
        log(`relay: could not ${toL1 ? "claim" : "forward"} ${hash} from L2 block ${entry.l2BlockNumber} yet: ${String((error as Error).message).split("\n")[0]} (retrying)`);
      }
    }
  };

  const syncRollup = async (rollup: RelayedRollup) => {
    let cursor = cursors.get(rollup.address.toLowerCase());
    if (cursor === undefined) {
      cursor = { scanned: -1n, waiting: new Map(), l2: new JsonRpcProvider(rollup.l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 }) };
      cursors.set(rollup.address.toLowerCase(), cursor);
    }
    // The node's `safe`: every block it derived, each verified on L1.
    const safe = (await cursor.l2.send("eth_getBlockByNumber", ["safe", false])) as { number: string } | null;
    const verified = safe === null ? -1n : BigInt(safe.number);
    // After an L1 reorg the node's safe head can go back: scan again from there.
    if (verified < cursor.scanned) cursor.scanned = verified;
    while (cursor.scanned < verified) {
      const from = cursor.scanned + 1n;
      const to = from + LOG_RANGE - 1n < verified ? from + LOG_RANGE - 1n : verified;
      const logs = (await cursor.l2.send("eth_getLogs", [{ address: PREDEPLOYS.messenger, topics: [topic], fromBlock: "0x" + from.toString(16), toBlock: "0x" + to.toString(16) }])) as {
        topics: string[];
        data: string;
        blockNumber: string;
      }[];
      for (const entry of logs) {
        for (const message of parseSentMessages([entry])) {
          const hash = hashL2Message(message);
          if (!outcomes.has(hash)) cursor.waiting.set(hash, { message, l2BlockNumber: BigInt(entry.blockNumber) });
        }
      }
      cursor.scanned = to;
    }
    for (const [hash, entry] of [...cursor.waiting]) await relayOne(rollup, cursor, hash, entry);
  };

  let running: Promise<void> | undefined;
  let stopped = false;
  const sync = async () => {
    while (running !== undefined) await running;
    running = (async () => {
      for (const rollup of rollupsOf()) {
        if (stopped) return;
        await syncRollup(rollup).catch((error: Error) => {
          const line = `relay: rollup ${rollup.address}: ${error.message.split("\n")[0]}`;
          if (!reported.has(line)) {
            reported.add(line);
            log(`${line} (retrying)`);
          }
        });
      }
    })().finally(() => (running = undefined));
    await running;
  };
  const timer = setInterval(() => {
    if (running === undefined && !stopped) void sync();
  }, options.pollMs ?? 500);
  return {
    sync,
    outcome: (hash) => outcomes.get(hash.toLowerCase()),
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      for (const cursor of cursors.values()) cursor.l2.destroy();
    },
  };
}
