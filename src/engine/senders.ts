import type { Common } from "@ethereumjs/common";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

type Ecrecover = NonNullable<Common["customCrypto"]["ecrecover"]>;

/**
 * Sender recovery ahead of execution, on a second core (issue 9).
 *
 * Sender recovery is the largest single cost left in verifying simple transactions (native
 * libsecp256k1, ≈ 0.1 ms each: a sixth of verifying 1,000 ERC20 transfers). A worker thread
 * decodes the block's transactions and recovers their senders in order while the main thread
 * executes; each recovery it makes — the exact inputs of the `ecrecover` call and its output —
 * lands in shared memory. The engine's `ecrecover` then answers a call whose inputs match an
 * entry with that entry's output, and computes any other itself: a memo of a pure function, so
 * the result is the same whatever the worker did, finished or failed. Nothing waits for the
 * worker: a transaction it has not reached yet is recovered on the main thread, as before.
 *
 * Only where there is a second core, and only for the transactions the claimed gas can pay for
 * (21,000 gas each at least), so a block cannot make the worker do unpaid work.
 */
export interface SenderPrefetch {
  /** Runs `work` with the prefetch in place, then tells the worker to stop on this block. */
  during<T>(work: () => Promise<T>): Promise<T>;
  /** How many ecrecover calls the worker's entries answered (for tests and measurements). */
  hits(): number;
}

/** Bytes per transaction in shared memory: the ecrecover inputs (165), the public key (64). */
const SLOT = 256;
const READY = 1;
/** How far ahead of the expected transaction an entry is looked for. */
const WINDOW = 4;

let worker: Worker | undefined;
let workerUnavailable = availableParallelism() < 2;

function senderWorker(): Worker | undefined {
  if (workerUnavailable) return undefined;
  if (worker === undefined) {
    try {
      worker = new Worker(new URL("./senders.worker.mjs", import.meta.url));
      worker.unref(); // never keeps a process alive
      worker.on("error", () => {
        // Recovery simply stays on the main thread from now on.
        workerUnavailable = true;
        worker = undefined;
      });
    } catch {
      workerUnavailable = true;
      return undefined;
    }
  }
  return worker;
}

/**
 * Starts recovering the senders of `transactions` (raw, in block order) on the worker, and
 * installs the memo as `common.customCrypto.ecrecover` (every copy of `common` shares it).
 * `gasBudget`, when given, bounds how many transactions are prefetched (21,000 gas each).
 */
export function prefetchSenders(common: Common, transactions: Uint8Array[], gasBudget?: bigint): SenderPrefetch {
  const fallback = common.customCrypto.ecrecover;
  const paid = gasBudget === undefined ? transactions.length : Number(gasBudget / 21_000n < BigInt(transactions.length) ? gasBudget / 21_000n : BigInt(transactions.length));
  const thread = fallback === undefined || paid < 2 ? undefined : senderWorker();
  if (thread === undefined) return { during: (work) => work(), hits: () => 0 };

  const status = new SharedArrayBuffer(4 * (paid + 1)); // [0]: stop flag; [i + 1]: transaction i
  const slots = new SharedArrayBuffer(SLOT * paid);
  const flags = new Int32Array(status);
  const bytes = new Uint8Array(slots);
  // Copies: a view would carry its whole underlying buffer into the structured clone.
  thread.postMessage({ transactions: transactions.slice(0, paid).map((tx) => tx.slice()), chainId: common.chainId(), status, slots });

  const key = new Uint8Array(165);
  let next = 0;
  let hits = 0;
  const memo: Ecrecover = (messageHash, v, r, s, chainId) => {
    if (messageHash.length === 32 && v >= 0n && v < 1n << 256n && r.length <= 32 && s.length <= 32) {
      key.fill(0);
      key.set(messageHash, 0);
      writeWord(key, 32, bigintBytes(v));
      writeWord(key, 65, r);
      writeWord(key, 98, s);
      key[131] = chainId === undefined ? 0 : 1;
      if (chainId !== undefined) {
        const id = bigintBytes(chainId);
        if (id.length <= 32) writeWord(key, 132, id);
      }
      for (let i = Math.max(0, next - 1); i < Math.min(paid, next + WINDOW); i++) {
        if (Atomics.load(flags, i + 1) !== READY) continue;
        const at = i * SLOT;
        if (equalBytes(bytes, at, key)) {
          next = i + 1;
          hits++;
          return bytes.slice(at + 165, at + 229);
        }
      }
    }
    next++; // most likely the transaction the worker has not reached: it recovers on this thread
    return fallback!(messageHash, v, r, s, chainId);
  };
  common.customCrypto.ecrecover = memo;
  return {
    hits: () => hits,
    async during(work) {
      try {
        return await work();
      } finally {
        Atomics.store(flags, 0, 1);
        common.customCrypto.ecrecover = fallback;
      }
    },
  };
}

function equalBytes(slots: Uint8Array, at: number, key: Uint8Array): boolean {
  for (let i = 0; i < key.length; i++) if (slots[at + i] !== key[i]) return false;
  return true;
}

/** A value of up to 32 bytes as [length, zeros, bytes] over 33 bytes (the worker writes the same). */
function writeWord(out: Uint8Array, offset: number, value: Uint8Array): void {
  out[offset] = value.length;
  out.set(value, offset + 1 + 32 - value.length);
}

function bigintBytes(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
