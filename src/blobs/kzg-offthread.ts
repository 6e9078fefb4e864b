/**
 * KZG off the calling thread: {@link makeSidecarOffThread} computes a sidecar's commitments and
 * proofs in a worker thread (src/blobs/kzg.worker.mjs), so the thread that builds and publishes
 * blocks — the devnet's L2 JSON-RPC thread — is not held ≈ 100 ms per blob, nor the seconds of
 * loading the trusted setup. The result is the same bytes as `makeSidecar`; where no worker can
 * run (one core, or it failed) or it reports an error, `makeSidecar` runs here instead, with its
 * own specific errors.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { BlobHashMismatchError } from "./errors.js";
import { assertBlobMatchesHash, makeSidecar, toVersionedHash, type BlobSidecar } from "./kzg.js";

let worker: Worker | undefined;
let unavailable = availableParallelism() < 2;
let nextId = 1;
const waiting = new Map<number, (answer: { commitments?: Uint8Array[]; proofs?: Uint8Array[]; error?: string }) => void>();

function kzgWorker(): Worker | undefined {
  if (unavailable) return undefined;
  if (worker === undefined) {
    try {
      worker = new Worker(new URL("./kzg.worker.mjs", import.meta.url));
      worker.on("message", (answer: { id: number; commitments?: Uint8Array[]; proofs?: Uint8Array[]; error?: string }) => {
        waiting.get(answer.id)?.(answer);
        waiting.delete(answer.id);
        if (waiting.size === 0) worker?.unref();
      });
      worker.on("error", (error) => fail(error.message));
      worker.on("exit", () => fail("the KZG worker exited"));
      // After the listeners (adding a 'message' listener refs the worker again): never keeps a process alive.
      worker.unref();
    } catch {
      unavailable = true;
      worker = undefined;
    }
  }
  return worker;
}

/** The worker is gone: every job waiting on it is answered with the error (and redone here). */
function fail(message: string): void {
  unavailable = true;
  worker = undefined;
  for (const resolve of waiting.values()) resolve({ error: message });
  waiting.clear();
}

/** Starts the worker and its trusted-setup load now, so the first block does not wait for it. */
export function warmKzgWorker(): void {
  kzgWorker();
}

/** `makeSidecar(blobs)`, computed on a worker thread (see the module's comment). */
export async function makeSidecarOffThread(blobs: readonly Uint8Array[]): Promise<BlobSidecar> {
  const answer = await job(blobs, false);
  if (answer?.error !== undefined || answer?.commitments === undefined || answer.proofs === undefined) return makeSidecar(blobs);
  const commitments = answer.commitments.map((c) => new Uint8Array(c));
  return { blobs: [...blobs], commitments, proofs: answer.proofs.map((p) => new Uint8Array(p)), versionedHashes: commitments.map(toVersionedHash) };
}

/**
 * Checks each blob against its versioned hash (`assertBlobMatchesHash` of a bare blob: its KZG
 * commitment, ≈ 25–50 ms per blob, computed on the worker thread — the rollup node runs this for
 * every blob it derives, on the thread that serves its JSON-RPC). Throws `BlobHashMismatchError`
 * for the first that does not match; without a worker, checks here.
 */
export async function assertBlobsMatchHashesOffThread(blobs: readonly Uint8Array[], versionedHashes: readonly string[]): Promise<void> {
  const answer = await job(blobs, true);
  blobs.forEach((blob, i) => {
    const commitment = answer?.commitments?.[i];
    if (answer?.error !== undefined || commitment === undefined) return assertBlobMatchesHash(blob, versionedHashes[i]!);
    const got = toVersionedHash(new Uint8Array(commitment));
    if (got !== versionedHashes[i]!.toLowerCase()) throw new BlobHashMismatchError(versionedHashes[i]!, got);
  });
}

/** Sends one job to the worker; undefined when no worker can run (the caller computes here). */
async function job(blobs: readonly Uint8Array[], commitmentsOnly: boolean): Promise<{ commitments?: Uint8Array[]; proofs?: Uint8Array[]; error?: string } | undefined> {
  const target = blobs.length === 0 ? undefined : kzgWorker();
  if (target === undefined) return undefined;
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    // Held while a job is out (the process waits for its answer), let go when none is.
    target.ref();
    // Copies, not transfers: the caller keeps its blobs.
    target.postMessage({ id, blobs: blobs.map((b) => Uint8Array.from(b)), commitmentsOnly });
  });
}
