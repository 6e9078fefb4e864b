// The KZG worker of src/blobs/kzg-offthread.ts (plain JavaScript: it runs in a worker thread,
// where the TypeScript loader of the main thread may not be). It loads c-kzg's trusted setup
// once (≈ 2 s, more on a loaded machine) and answers each job with the blobs' commitments and
// EIP-4844 proofs — ≈ 100 ms of native work per full blob that would otherwise hold the thread
// that serves the L2 JSON-RPC.
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const ckzg = createRequire(import.meta.url)("c-kzg");
ckzg.loadTrustedSetup(0);

parentPort.on("message", ({ id, blobs, commitmentsOnly }) => {
  try {
    const commitments = blobs.map((blob) => ckzg.blobToKzgCommitment(blob));
    // A reader checking blobs against their versioned hashes needs no proofs.
    const proofs = commitmentsOnly ? [] : blobs.map((blob, i) => ckzg.computeBlobKzgProof(blob, commitments[i]));
    parentPort.postMessage({ id, commitments, proofs });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error?.message ?? error) });
  }
});
