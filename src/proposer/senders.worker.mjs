// The sender-recovery worker of src/proposer/senders-offthread.ts (plain JavaScript: it runs in
// a worker thread, where the TypeScript loader of the main thread may not be). For each raw
// transaction (a batch of them per message) it decodes it for the chain and recovers the
// sender's public key through the same native libsecp256k1 call as the engine
// (src/engine/crypto.ts), and answers the key — or nothing when it cannot (the mempool then
// decodes and recovers on its own thread, with its own errors).
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { createRequire } from "node:module";
import { parentPort } from "node:worker_threads";

const native = createRequire(import.meta.url)("secp256k1/bindings");

/** The engine's ecrecover contract (src/engine/crypto.ts), on the same binding. */
function ecrecover(messageHash, v, r, s, chainId) {
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  if (r.length > 32 || s.length > 32) throw new Error("Invalid signature: r or s longer than 32 bytes");
  const signature = new Uint8Array(64);
  signature.set(r, 32 - r.length);
  signature.set(s, 64 - s.length);
  return native.ecdsaRecover(signature, Number(recovery), messageHash, false).subarray(1);
}

const commons = new Map();
function commonFor(chainId) {
  let common = commons.get(chainId);
  if (common === undefined) {
    common = createCustomCommon({ chainId: chainId.toString() }, Mainnet, { hardfork: Hardfork.Osaka, customCrypto: { ecrecover } });
    commons.set(chainId, common);
  }
  return common;
}

// A message is a batch of jobs `{ id, raw, chainId }`; the answer, the batch's keys in order.
parentPort.on("message", (jobs) => {
  const answers = jobs.map(({ id, raw, chainId }) => {
    try {
      return { id, publicKey: Uint8Array.from(createTxFromRLP(raw, { common: commonFor(chainId) }).getSenderPublicKey()) };
    } catch {
      // Not decodable or not recoverable: the mempool works out why on its own thread.
      return { id, publicKey: undefined };
    }
  });
  parentPort.postMessage(answers);
});
