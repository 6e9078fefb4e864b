// The sender-recovery worker of src/proposer/senders-offthread.ts (plain JavaScript: it runs in
// a worker thread, where the TypeScript loader of the main thread may not be). For each raw
// transaction (a batch of them per message) it decodes it for the chain and recovers the
// sender's public key through the same native libsecp256k1 call as the engine
// (src/engine/crypto.ts), and answers the key and the transaction's hash (keccak of its
// serialisation, as `tx.hash()` computes it) — or nothing when it cannot (the mempool then
// decodes and recovers on its own thread, with its own errors).
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { parentPort } from "node:worker_threads";
import { ecrecover } from "../engine/ecrecover.mjs";

const commons = new Map();
function commonFor(chainId) {
  let common = commons.get(chainId);
  if (common === undefined) {
    common = createCustomCommon({ chainId: chainId.toString() }, Mainnet, { hardfork: Hardfork.Osaka, customCrypto: { ecrecover } });
    commons.set(chainId, common);
  }
  return common;
}

// A message is a batch of jobs `{ id, raw, chainId }`; the answer, the batch's keys (and hashes) in order.
parentPort.on("message", (jobs) => {
  const answers = jobs.map(({ id, raw, chainId }) => {
    try {
      const tx = createTxFromRLP(raw, { common: commonFor(chainId) });
      return { id, publicKey: Uint8Array.from(tx.getSenderPublicKey()), hash: Uint8Array.from(tx.hash()) };
    } catch {
      // Not decodable or not recoverable: the mempool works out why on its own thread.
      return { id, publicKey: undefined };
    }
  });
  parentPort.postMessage(answers);
});
