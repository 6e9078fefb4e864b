import { createKeccak, type IHasher } from "hash-wasm";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";

/** The part of the `secp256k1` package's API we use. */
interface Secp256k1 {
  ecdsaRecover(signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean): Uint8Array;
}

let native: Secp256k1 | undefined;
let loadError: string | undefined;
try {
  // The native libsecp256k1 binding (prebuilt for linux-x64 inside the package). Sender recovery
  // is ~14× faster than ethereumjs's pure-JS default (PITFALLS: 0.10 vs 1.42 ms per transaction),
  // and it is half the verification time of simple transfers. `secp256k1/bindings` throws when
  // the binary is missing, where the package's index silently falls back to JavaScript.
  native = createRequire(import.meta.url)("secp256k1/bindings") as Secp256k1;
} catch (error) {
  loadError = (error as Error).message;
}

/** Whether sender recovery runs on the native libsecp256k1 (otherwise ethereumjs's JS default). */
export function nativeEcrecoverStatus(): { native: boolean; reason?: string } {
  return native !== undefined ? { native: true } : { native: false, reason: loadError };
}

/**
 * `Common.customCrypto.ecrecover` on the native binding, with ethereumjs's `ecrecover` contract:
 * returns the 64-byte uncompressed public key without its 0x04 prefix; throws on a bad v or an
 * unrecoverable signature. `undefined` when the binding did not load (ethereumjs's default runs).
 */
export const nativeEcrecover = native === undefined ? undefined : ecrecover;

function ecrecover(messageHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recovery = v === 0n || v === 1n ? v : chainId === undefined ? v - 27n : v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  if (r.length > 32 || s.length > 32) throw new Error("Invalid signature: r or s longer than 32 bytes");
  const signature = new Uint8Array(64);
  signature.set(r, 32 - r.length);
  signature.set(s, 64 - s.length);
  return native!.ecdsaRecover(signature, Number(recovery), messageHash, false).subarray(1);
}

/**
 * keccak-256 on hash-wasm's WebAssembly Keccak: `Common.customCrypto.keccak256`, so ethereumjs
 * uses it for trie nodes and keys, transaction and header hashes, code hashes and the KECCAK256
 * opcode. On the trie's inputs (32–600 bytes) it is 5–8× faster than `@noble/hashes` (which
 * ethereumjs uses by default), and faster than the native `keccak` N-API binding, whose per-call
 * overhead dominates at those sizes (measurements: issue 9's report, bench/keccak.ts).
 *
 * WebAssembly has no binary to go missing; if the module cannot be instantiated, importing the
 * engine fails with this error rather than falling back to a slower hash.
 */
export const keccak256: (data: Uint8Array) => Uint8Array = await loadKeccak();

async function loadKeccak(): Promise<(data: Uint8Array) => Uint8Array> {
  let hasher: IHasher;
  try {
    hasher = await createKeccak(256);
  } catch (error) {
    throw new Error(`hash-wasm's WebAssembly keccak-256 did not load: ${(error as Error).message}`, { cause: error });
  }
  // One hasher, reused: init/update/digest run synchronously, so calls cannot interleave.
  // digest("binary") returns a fresh copy, not a view into WebAssembly memory.
  return (data) => hasher.init().update(data).digest("binary");
}

/**
 * SHA-256 on Node's OpenSSL: `Common.customCrypto.sha256`, which the SHA256 precompile (0x02)
 * uses. ethereumjs's default (`@noble/hashes`) costs ≈ 3× more per gas on short inputs, where the
 * precompile's 72 gas buy little (issue 15, bench section `hostile`).
 */
export function nativeSha256(data: Uint8Array): Uint8Array {
  const digest = createHash("sha256").update(data).digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}
