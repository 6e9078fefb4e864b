/**
 * Sender recovery for the mempool off the calling thread: {@link recoverSenderOffThread} decodes
 * a raw transaction and recovers its sender's public key on a worker thread
 * (src/proposer/senders.worker.mjs), so the thread that serves `eth_sendRawTransaction` — the
 * devnet's L2 JSON-RPC thread, which also builds and verifies blocks — spends no time in
 * ecrecover and the signing hash (under load, ≈ 0.5 ms of the ≈ 1.7 ms a transaction's
 * acceptance took there; issue 14 item 8). The worker also answers the transaction's hash
 * (keccak of its serialisation, which the RPC thread would otherwise re-serialise to compute).
 * Both are pure functions of the bytes and the chain id; the mempool still decodes and checks
 * everything else itself, and recovers and hashes on its own thread when no worker can run (one
 * core, or it failed) or the worker found no key.
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

let worker: Worker | undefined;
let unavailable = availableParallelism() < 2;
let nextId = 1;
const waiting = new Map<number, (recovered: RecoveredSender | undefined) => void>();

/** What the worker found for one raw transaction: its sender's public key and its hash. */
export interface RecoveredSender {
  publicKey: Uint8Array;
  hash: Uint8Array;
}

function sendersWorker(): Worker | undefined {
  if (unavailable) return undefined;
  if (worker === undefined) {
    try {
      worker = new Worker(new URL("./senders.worker.mjs", import.meta.url));
      worker.on("message", (answers: { id: number; publicKey?: Uint8Array; hash?: Uint8Array }[]) => {
        for (const answer of answers) {
          const found = answer.publicKey === undefined || answer.hash === undefined ? undefined : { publicKey: new Uint8Array(answer.publicKey), hash: new Uint8Array(answer.hash) };
          waiting.get(answer.id)?.(found);
          waiting.delete(answer.id);
        }
        if (waiting.size === 0) worker?.unref();
      });
      worker.on("error", () => fail());
      worker.on("exit", () => fail());
      // After the listeners (adding a 'message' listener refs the worker again): never keeps a process alive.
      worker.unref();
    } catch {
      unavailable = true;
      worker = undefined;
    }
  }
  return worker;
}

/** The worker is gone: every waiting job is answered "no key" (recovered on the caller's thread). */
function fail(): void {
  unavailable = true;
  worker = undefined;
  for (const resolve of waiting.values()) resolve(undefined);
  waiting.clear();
}

/** Jobs asked for in this turn of the event loop: posted together (one message each costs ≈ 0.1 ms here). */
let batch: { id: number; raw: Uint8Array; chainId: bigint }[] = [];

/** The sender's public key (and the hash) of `raw` for chain `chainId`, recovered on the worker; undefined when it cannot be. */
export function recoverSenderOffThread(raw: Uint8Array, chainId: bigint): Promise<RecoveredSender | undefined> {
  const target = sendersWorker();
  if (target === undefined) return Promise.resolve(undefined);
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    // Held while a job is out, let go when none is.
    target.ref();
    // A copy (the caller keeps its bytes), moved to the worker rather than cloned again.
    batch.push({ id, raw: Uint8Array.from(raw), chainId });
    if (batch.length === 1) queueMicrotask(() => post(target));
  });
}

function post(target: Worker): void {
  const jobs = batch;
  batch = [];
  if (worker !== target) {
    // The worker failed meanwhile: these jobs get no key (recovered on the caller's thread).
    for (const job of jobs) waiting.get(job.id)?.(undefined), waiting.delete(job.id);
    return;
  }
  target.postMessage(jobs, jobs.map((job) => job.raw.buffer as ArrayBuffer));
}

/**
 * Gives `tx` the sender key and hash the worker computed from the same bytes: `getSenderAddress`
 * and `hash` then read them instead of recovering and re-serialising (ethereumjs keeps a frozen
 * transaction's key and hash in `cache`).
 */
export function presetSender(tx: TypedTransaction, recovered: RecoveredSender): void {
  const cache = (tx as unknown as { cache: { senderPubKey?: Uint8Array; hash?: Uint8Array } }).cache;
  cache.senderPubKey = recovered.publicKey;
  cache.hash = recovered.hash;
}
