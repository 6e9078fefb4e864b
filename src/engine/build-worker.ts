/**
 * The builder thread's side of build-offthread.ts: a mirror of each replicated state database
 * (its writes applied from each request, its own sent back with each answer), the headers, and
 * `buildBlockHere` — the one builder, on this thread. Requests are served one at a time, in the
 * order they came: each one's writes and headers are the state after the previous one.
 */
import { createBlockHeaderFromRLP, type BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { MapDB } from "@ethereumjs/util";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { threadId, type MessagePort } from "node:worker_threads";
import { buildBlockHere } from "./build.js";
import type { BuildAnswer, BuildRequest } from "./build-offthread.js";
import { errorToWire, JournalMap, pack, transferables, unpack } from "./build-wire.js";
import { createL2Common } from "./chain.js";
import type { GenesisConfig } from "./genesis.js";
import type { L2Chain } from "./state.js";
import { decodeTransaction } from "./transactions.js";

interface Mirror {
  map: JournalMap;
  db: MapDB<string, Uint8Array>;
  headers: BlockHeader[];
}

/**
 * The builder thread's nice value (Linux: a thread is a task of its own). On two cores shared
 * by the RPC's thread, the L1 and this one, a build at the same priority took the core the RPC
 * needed; niced, it gets what the RPC leaves — a block may take longer, a request waits less.
 */
const BUILDER_NICE = 10;

const mirrors = new Map<number, Mirror>();

/**
 * Serves build requests from `port` (the builder thread's `parentPort`; build.worker.mjs calls
 * it): one at a time, in order, at a lower priority. Importing this module does nothing else, so
 * a module scan (test/shared/imports) or another thread may load it.
 */
export function serveBuilds(port: MessagePort): void {
  try {
    setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), BUILDER_NICE);
  } catch {
    // No /proc (not Linux), or not allowed: the builder runs at the process's priority.
  }
  let queue: Promise<void> = Promise.resolve();
  port.on("message", (request: BuildRequest) => {
    // A request that fails outside the build (an answer that does not clone) is answered with
    // that error: the queue goes on, and the caller is not left waiting.
    queue = queue.then(() => serve(port, request)).catch((error: unknown) => {
      port.postMessage({ id: request.id, error: errorToWire(error), writes: mirrors.get(request.replica)?.map.take() ?? { keys: [], values: pack([]) } });
    });
  });
}

async function serve(port: MessagePort, request: BuildRequest): Promise<void> {
  let mirror = mirrors.get(request.replica);
  if (mirror === undefined) {
    const map = new JournalMap();
    mirrors.set(request.replica, (mirror = { map, db: new MapDB<string, Uint8Array>(map), headers: [] }));
  }
  mirror.map.apply(request.writes);
  const common = createL2Common(request.chainId);
  mirror.headers.length = request.headersFrom;
  for (const bytes of unpack(request.headers)) mirror.headers.push(createBlockHeaderFromRLP(bytes, { common, setHardfork: false }));

  // Every transaction decoded here, with its sender (the caller's key when it had one), so the
  // builder takes each object as it is and the answer names them by index.
  const keys = unpack(request.senders);
  const indexOf = new Map<TypedTransaction, number>();
  const items = unpack(request.transactions).map((raw, i): TypedTransaction | Uint8Array => {
    let tx: TypedTransaction;
    try {
      tx = decodeTransaction(raw, common, i);
    } catch {
      return raw; // the builder leaves it out, with the decoder's reason
    }
    if (keys[i]!.length > 0) (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = keys[i];
    else tx.getSenderPublicKey();
    indexOf.set(tx, i);
    return tx;
  });
  const genesis = { chainId: request.chainId, ...(request.nestingDepth === undefined ? {} : { nestingDepth: request.nestingDepth }) } as GenesisConfig;
  const chain: L2Chain = { genesis, db: mirror.db, headers: mirror.headers, blocks: [], transactionIndex: new Map() };
  let answer: BuildAnswer;
  try {
    const built = await buildBlockHere(chain, { ...request.options, transactions: items });
    const senderKey = (tx: TypedTransaction) => (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey ?? new Uint8Array(0);
    answer = {
      id: request.id,
      threadId,
      writes: mirror.map.take(),
      header: built.header.serialize(),
      included: built.transactions.map((tx) => indexOf.get(tx)!),
      includedSenders: pack(built.transactions.map(senderKey)),
      skipped: built.skipped.map((s) => ({ hash: s.hash, reason: s.reason, ...(s.tx === undefined || !indexOf.has(s.tx) ? {} : { index: indexOf.get(s.tx)! }) })),
      receipts: built.receipts,
      input: built.input,
      burnedFees: built.burnedFees,
      deliveryGasUsed: built.deliveryGasUsed,
      deliveryLogs: built.deliveryLogs,
    };
  } catch (error) {
    answer = { id: request.id, error: errorToWire(error), writes: mirror.map.take() };
  }
  const moved = [answer.writes.values, ...(answer.error === undefined ? [answer.includedSenders] : [])];
  try {
    port.postMessage(answer, transferables(...moved));
  } catch (cloneError) {
    // Details that do not clone (an object of a class): the error still goes, with its message.
    if (answer.error === undefined) throw cloneError;
    port.postMessage({ ...answer, error: { ...answer.error, details: undefined } }, transferables(...moved));
  }
}
