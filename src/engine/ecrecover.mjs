// ecrecover on the native libsecp256k1 binding, with the engine's contract (src/engine/crypto.ts),
// for the worker threads that recover senders (src/engine/senders.worker.mjs,
// src/proposer/senders.worker.mjs): plain JavaScript, since a worker thread may not have the
// main thread's TypeScript loader.
import { createRequire } from "node:module";

const native = createRequire(import.meta.url)("secp256k1/bindings");

/** The uncompressed public key (64 bytes) that signed `messageHash`; throws on an invalid signature. */
export function ecrecover(messageHash, v, r, s, chainId) {
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  if (r.length > 32 || s.length > 32) throw new Error("Invalid signature: r or s longer than 32 bytes");
  const signature = new Uint8Array(64);
  signature.set(r, 32 - r.length);
  signature.set(s, 64 - s.length);
  return native.ecdsaRecover(signature, Number(recovery), messageHash, false).subarray(1);
}
