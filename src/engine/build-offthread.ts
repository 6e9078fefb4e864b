/**
 * Building blocks on a worker thread (issue 14 item 8: "one thread does everything").
 *
 * The devnet's L2 JSON-RPC shares its thread with the proposer, whose blocks of 500+
 * transactions took seconds of that thread (sliced, but every slice a request waited behind).
 * {@link buildOffThread} marks a chain whose blocks are built from then on by the builder thread
 * (build-worker.ts): the same `buildBlockHere` of build.ts, on a replica of the chain's state.
 *
 * The replica is kept by journaling: the state database's map records what each side writes
 * (`JournalMap`), and each request carries this thread's writes since the last one, each answer
 * the builder's. State nodes are content-addressed and never rewritten with another value, so
 * the order the two sides learn them in does not matter: the builder has every node of the
 * parent's state when it builds (written by an earlier build there, or shipped with the request),
 * and this thread has every node of the block once the answer is in — as if it had built it.
 * When no worker can run (one core, or it failed), the block is built here, as before.
 */
import { createBlockHeaderFromRLP, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTransaction } from "@ethereumjs/tx";
import { MapDB } from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { availableParallelism } from "node:os";
import { threadId, Worker } from "node:worker_threads";
import type { EvmLog } from "./system-calls.js";
import type { BuildOptions, BuiltBlock } from "./build-types.js";
import { errorFromWire, JournalMap, pack, transferables, type Packed, type PackedWrites, type WireError } from "./build-wire.js";
import { createL2Common } from "./chain.js";
import type { L2Chain } from "./state.js";
import { decodeTransaction, transactionBytes } from "./transactions.js";
import type { ExecuteInput } from "./types.js";
import { decodeWitness, type Witness } from "./witness.js";
import { UltrasoundError } from "../shared/errors.js";

/** A chain's state database cannot be shared with the builder thread (only an in-memory `MapDB` can). */
export class NotReplicableError extends UltrasoundError {
  override name = "NotReplicableError";
}

/** What this thread knows of one state database the builder thread replicates. */
interface Replica {
  id: number;
  map: JournalMap;
  /** The headers the builder's mirror holds, by number (compared by identity). */
  sent: BlockHeader[];
  /** For the headers and raw transactions that come back. */
  common: Common;
}

/** A build request as it goes to the worker (build-worker.ts reads it). */
export interface BuildRequest {
  id: number;
  replica: number;
  chainId: bigint;
  nestingDepth?: number;
  writes: PackedWrites;
  /** Headers from number `headersFrom` on, serialized: the mirror is cut there and extended. */
  headersFrom: number;
  headers: Packed;
  /** The transactions, serialized; `senders[i]` the recovered public key (64 bytes) or empty. */
  transactions: Packed;
  senders: Packed;
  options: Omit<BuildOptions, "transactions">;
}

/** The builder's answer (build-worker.ts writes it). */
export type BuildAnswer = { id: number; error: WireError; writes: PackedWrites } | ({ id: number; error?: undefined; threadId: number; writes: PackedWrites } & BuiltOnWorker);

/** A built block as it comes back: transactions by index into the request, the header as bytes. */
export interface BuiltOnWorker {
  header: Uint8Array;
  included: number[];
  /** Public keys of the included transactions (for those that came as raw bytes). */
  includedSenders: Packed;
  skipped: { hash: string; reason: string; index?: number }[];
  receipts: TxReceipt[];
  input: ExecuteInput;
  burnedFees: bigint;
  deliveryGasUsed: bigint;
  deliveryLogs: EvmLog[];
}

const replicas = new WeakMap<object, Replica>();
let nextReplica = 1;
let worker: Worker | undefined;
let unavailable = availableParallelism() < 2;
let nextId = 1;
const waiting = new Map<number, { resolve: (answer: BuildAnswer) => void; retryHere: () => void }>();
const stats = { offThread: 0, here: 0, workerThreadId: undefined as number | undefined };

/**
 * From now on, blocks on `chain` — and on any chain sharing its state database — are built on
 * the builder thread (when one can run). Call it before the chain's first block: it copies the
 * database's contents once. Throws `NotReplicableError` for a database other than a `MapDB`.
 */
export function buildOffThread(chain: L2Chain): void {
  const db = chain.db as unknown as { _database?: unknown };
  if (!(chain.db instanceof MapDB) || !(db._database instanceof Map)) throw new NotReplicableError("Only an in-memory MapDB state can be built on the builder thread", { db: chain.db.constructor.name });
  if (replicas.has(chain.db)) return;
  const map = new JournalMap();
  // Everything so far is journaled, so the first request carries it all.
  for (const [key, value] of db._database as Map<string, Uint8Array>) map.set(key, value);
  db._database = map;
  replicas.set(chain.db, { id: nextReplica++, map, sent: [], common: createL2Common(chain.genesis.chainId) });
  // Started now, it loads the engine (seconds on a busy machine) before the first block is due.
  builderWorker();
}

/** How many blocks of chains marked {@link buildOffThread} were built on the builder thread and here, and that thread's id. */
export function offThreadBuildStats(): { offThread: number; here: number; workerThreadId?: number; callerThreadId: number } {
  return { ...stats, callerThreadId: threadId };
}

/**
 * The block built on the builder thread when `chain` is marked {@link buildOffThread} and the
 * worker runs (`here` builds it on this thread if the worker fails meanwhile); undefined when
 * the caller should build it itself (`buildBlock` does).
 */
export function builtOffThread(chain: L2Chain, options: BuildOptions, here: () => Promise<BuiltBlock>): Promise<BuiltBlock> | undefined {
  const replica = replicas.get(chain.db);
  if (replica === undefined) return undefined;
  const target = builderWorker();
  if (target === undefined) {
    stats.here++;
    return undefined;
  }
  return new Promise<BuildAnswer | undefined>((resolve) => {
    const id = nextId++;
    waiting.set(id, { resolve, retryHere: () => resolve(undefined) });
    target.ref();
    const request = requestFor(id, replica, chain, options);
    target.postMessage(request, transferables(request.writes.values, request.headers, request.transactions, request.senders));
  }).then((answer) => {
    if (answer === undefined) {
      // The worker failed: this thread has every node the build needs (it only ever gets more).
      stats.here++;
      return here();
    }
    const writes = replica.map.apply(answer.writes);
    if (answer.error !== undefined) throw errorFromWire(answer.error);
    stats.offThread++;
    stats.workerThreadId = answer.threadId;
    // The builder's journal holds exactly what this build put (it took the journal before and
    // after it): the block's writes, which a node in this process adopts (node/stages/adopt.ts).
    return { ...builtBlockOf(answer, options, replica.common), writes };
  });
}

function requestFor(id: number, replica: Replica, chain: L2Chain, options: BuildOptions): BuildRequest {
  // The headers from the first one the mirror lacks or holds another of (a rewind) on.
  let from = 0;
  const { headers } = chain;
  while (from < headers.length && from < replica.sent.length && replica.sent[from] === headers[from]) from++;
  replica.sent = headers.slice();
  const raws: Uint8Array[] = [];
  const senders: Uint8Array[] = [];
  for (const item of options.transactions) {
    if (item instanceof Uint8Array) {
      raws.push(item);
      senders.push(new Uint8Array(0));
      continue;
    }
    raws.push(transactionBytes(item));
    // The mempool's objects carry their recovered sender (its worker's): not recovered again there.
    senders.push((item as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey ?? new Uint8Array(0));
  }
  const { transactions: _, ...rest } = options;
  return {
    id,
    replica: replica.id,
    chainId: chain.genesis.chainId,
    ...(chain.genesis.nestingDepth === undefined ? {} : { nestingDepth: chain.genesis.nestingDepth }),
    writes: replica.map.take(),
    headersFrom: from,
    headers: pack(headers.slice(from).map((h) => h.serialize())),
    transactions: pack(raws),
    senders: pack(senders),
    options: rest,
  };
}

/** The {@link BuiltBlock} of an answer, with the caller's own transaction objects where it gave objects. */
function builtBlockOf(answer: BuiltOnWorker, options: BuildOptions, common: Common): BuiltBlock {
  const keys = answer.includedSenders;
  const objectAt = (index: number, key?: Uint8Array): TypedTransaction => {
    const item = options.transactions[index]!;
    if (!(item instanceof Uint8Array)) return item;
    const tx = decodeTransaction(item, common, index);
    // The worker recovered it from these very bytes: not recovered again on this thread.
    if (key !== undefined && key.length > 0) (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = key;
    return tx;
  };
  const transactions = answer.included.map((index, i) => objectAt(index, keys.bytes.subarray(keys.offsets[i]!, keys.offsets[i + 1]!)));
  const skipped = answer.skipped.map((s) => ({ hash: s.hash, reason: s.reason, ...(s.index === undefined ? {} : { tx: objectAt(s.index) }) }));
  return {
    header: createBlockHeaderFromRLP(answer.header, { common, setHardfork: false }),
    transactions,
    skipped,
    receipts: answer.receipts,
    witness: lazyWitness(answer.input.witness),
    input: answer.input,
    burnedFees: answer.burnedFees,
    deliveryGasUsed: answer.deliveryGasUsed,
    deliveryLogs: answer.deliveryLogs,
  };
}

/** The witness of the encoding, decoded on first use: the proposer needs only the encoding. */
function lazyWitness(encoded: Uint8Array): Witness {
  let decoded: Witness | undefined;
  const get = () => (decoded ??= decodeWitness(encoded));
  return {
    get nodes() {
      return get().nodes;
    },
    get codes() {
      return get().codes;
    },
    get headers() {
      return get().headers;
    },
  };
}

function builderWorker(): Worker | undefined {
  if (unavailable) return undefined;
  if (worker === undefined) {
    try {
      const started = new Worker(new URL("./build.worker.mjs", import.meta.url));
      started.on("message", (answer: BuildAnswer) => {
        waiting.get(answer.id)?.resolve(answer);
        waiting.delete(answer.id);
        if (waiting.size === 0) started.unref();
      });
      started.on("error", () => fail(started));
      started.on("exit", () => fail(started));
      started.unref();
      worker = started;
    } catch {
      unavailable = true;
    }
  }
  return worker;
}

/** The worker is gone: no more requests go there, and those waiting are built here. */
function fail(failed: Worker): void {
  if (worker !== failed) return;
  unavailable = true;
  worker = undefined;
  for (const job of waiting.values()) job.retryHere();
  waiting.clear();
}
