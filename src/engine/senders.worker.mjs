// The sender-recovery worker of src/engine/senders.ts (plain JavaScript: it runs in a worker
// thread, where the TypeScript loader of the main thread may not be). For each job it decodes
// the block's transactions in order, recovers each sender through the same native
// libsecp256k1 call as the engine, and writes every ecrecover call — its inputs and its output —
// into the job's shared memory, where the main thread finds them (layout: see senders.ts).
import { createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createTxFromRLP } from "@ethereumjs/tx";
import { parentPort } from "node:worker_threads";
import { ecrecover } from "./ecrecover.mjs";

const SLOT = 256;
const READY = 1;
const FAILED = 2;

function writeWord(bytes, offset, value) {
  bytes[offset] = value.length;
  bytes.set(value, offset + 1 + 32 - value.length);
}

function bigintBytes(value) {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = "0" + hex;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

parentPort.on("message", ({ transactions, chainId, status, slots }) => {
  const flags = new Int32Array(status);
  const bytes = new Uint8Array(slots);
  let current = -1;
  const capture = (messageHash, v, r, s, txChainId) => {
    const pub = ecrecover(messageHash, v, r, s, txChainId);
    if (current >= 0 && v >= 0n && v < 1n << 256n && r.length <= 32 && s.length <= 32) {
      const at = current * SLOT;
      bytes.set(messageHash, at);
      writeWord(bytes, at + 32, bigintBytes(v));
      writeWord(bytes, at + 65, r);
      writeWord(bytes, at + 98, s);
      bytes[at + 131] = txChainId === undefined ? 0 : 1;
      if (txChainId !== undefined) writeWord(bytes, at + 132, bigintBytes(txChainId));
      bytes.set(pub, at + 165);
      Atomics.store(flags, current + 1, READY);
    }
    return pub;
  };
  const common = createCustomCommon({ chainId: chainId.toString() }, Mainnet, { hardfork: Hardfork.Osaka, customCrypto: { ecrecover: capture } });
  for (let i = 0; i < transactions.length; i++) {
    if (Atomics.load(flags, 0) !== 0) break; // the main thread is done with this block
    current = i;
    try {
      createTxFromRLP(transactions[i], { common }).getSenderPublicKey();
    } catch {
      // Not decodable or not recoverable here: the main thread finds no entry and works it out.
    }
    if (Atomics.load(flags, i + 1) !== READY) Atomics.store(flags, i + 1, FAILED);
  }
  current = -1;
});
