/**
 * KZG commitments and proofs through c-kzg (native; ~8 ms per commitment, ~60 ms per proof —
 * 7–10× faster than the WASM and pure-JS alternatives, see docs/blobs.md).
 *
 * The trusted setup (the mainnet KZG ceremony output bundled with c-kzg) is loaded once, on the
 * first call that needs it, because loading takes ~2 s and most processes that import this
 * module never touch KZG.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { BYTES_PER_BLOB } from "./codec.js";
import { BlobHashMismatchError, BlobKzgError } from "./errors.js";

type CKzg = typeof import("c-kzg");
// c-kzg is CommonJS whose exports Node's ESM loader cannot list statically; require it directly.
const ckzg = createRequire(import.meta.url)("c-kzg") as CKzg;

/** Version byte of a KZG versioned hash (EIP-4844 `VERSIONED_HASH_VERSION_KZG`). */
export const VERSIONED_HASH_VERSION_KZG = 0x01;
/** Bytes of a KZG commitment or proof (a compressed BLS12-381 G1 point). */
export const BYTES_PER_COMMITMENT = 48;

/** One EIP-4844 sidecar: blob `i` has commitment `i`, proof `i` and versioned hash `i`. */
export interface BlobSidecar {
  blobs: Uint8Array[];
  commitments: Uint8Array[];
  proofs: Uint8Array[];
  /** 0x-prefixed lowercase hex, as in `blobVersionedHashes` of the transaction. */
  versionedHashes: string[];
}

let loaded = false;

/**
 * Returns the c-kzg module with its trusted setup loaded (loading it on first use). Exported so
 * other components share this one loader: c-kzg keeps one global setup and a second
 * `loadTrustedSetup` throws.
 */
export function getKzg(): CKzg {
  if (!loaded) {
    try {
      ckzg.loadTrustedSetup(0);
    } catch (e) {
      // Someone else in the process loaded it first: the setup is global, so that is fine.
      if (!/already loaded/i.test((e as Error).message)) {
        throw new BlobKzgError("loadTrustedSetup", (e as Error).message, { cause: e });
      }
    }
    loaded = true;
  }
  return ckzg;
}

function checkBlob(blob: Uint8Array, operation: string): void {
  if (!(blob instanceof Uint8Array) || blob.length !== BYTES_PER_BLOB) {
    throw new BlobKzgError(operation, `blob is ${blob?.length ?? 0} bytes, expected ${BYTES_PER_BLOB}`);
  }
}

function wrap<T>(operation: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof BlobKzgError) throw e;
    // c-kzg throws a bare TypeError/Error, e.g. for a field element ≥ the BLS modulus.
    throw new BlobKzgError(operation, (e as Error).message, { cause: e });
  }
}

/** KZG commitment (48 bytes) of a blob. Throws `BlobKzgError` if a field element is not canonical. */
export function blobToCommitment(blob: Uint8Array): Uint8Array {
  checkBlob(blob, "blobToCommitment");
  return wrap("blobToCommitment", () => getKzg().blobToKzgCommitment(blob));
}

/** EIP-4844 blob proof (48 bytes) of `blob` against `commitment`: the one the sidecar carries. */
export function computeBlobProof(blob: Uint8Array, commitment: Uint8Array): Uint8Array {
  checkBlob(blob, "computeBlobProof");
  return wrap("computeBlobProof", () => getKzg().computeBlobKzgProof(blob, commitment));
}

/** True iff `proof` shows that `commitment` commits to `blob`. False (not a throw) for a bad proof. */
export function verifyBlobProof(blob: Uint8Array, commitment: Uint8Array, proof: Uint8Array): boolean {
  checkBlob(blob, "verifyBlobProof");
  try {
    return getKzg().verifyBlobKzgProof(blob, commitment, proof);
  } catch {
    // c-kzg throws on points that are not on the curve: for a verifier that is just "invalid".
    return false;
  }
}

/** EIP-4844 versioned hash: `0x01 ‖ sha256(commitment)[1:]`, as 0x-prefixed lowercase hex. */
export function toVersionedHash(commitment: Uint8Array): string {
  if (commitment.length !== BYTES_PER_COMMITMENT) {
    throw new BlobKzgError("toVersionedHash", `commitment is ${commitment.length} bytes, expected ${BYTES_PER_COMMITMENT}`);
  }
  const hash = createHash("sha256").update(commitment).digest();
  hash[0] = VERSIONED_HASH_VERSION_KZG;
  return "0x" + hash.toString("hex");
}

/** Commitments, proofs and versioned hashes for `blobs` (one EIP-4844 proof per blob). */
export function makeSidecar(blobs: readonly Uint8Array[]): BlobSidecar {
  const commitments = blobs.map((b) => blobToCommitment(b));
  const proofs = blobs.map((b, i) => computeBlobProof(b, commitments[i]));
  return {
    blobs: [...blobs],
    commitments,
    proofs,
    versionedHashes: commitments.map(toVersionedHash),
  };
}

/** A blob with the commitment and proof its sidecar carried (what a beacon node keeps). */
export interface BlobWithProof {
  blob: Uint8Array;
  commitment?: Uint8Array;
  proof?: Uint8Array;
}

/**
 * Checks that `blob` is the blob of `versionedHash` (whatever a source claims is never trusted).
 * With the sidecar's commitment and proof: the commitment must hash to `versionedHash` and the
 * proof must show it commits to the blob (≈ 2 ms, as consensus clients check sidecars). Without
 * them: recompute the commitment (≈ 50 ms for a full blob). Throws `BlobHashMismatchError`, or
 * `BlobKzgError` for a blob that is not canonical field elements.
 */
export function assertBlobMatchesHash(source: Uint8Array | BlobWithProof, versionedHash: string): void {
  const { blob, commitment, proof } = source instanceof Uint8Array ? { blob: source, commitment: undefined, proof: undefined } : source;
  if (commitment !== undefined && proof !== undefined && commitment.length === BYTES_PER_COMMITMENT) {
    const claimed = toVersionedHash(commitment);
    if (claimed !== versionedHash) throw new BlobHashMismatchError(versionedHash, claimed);
    if (!verifyBlobProof(blob, commitment, proof)) throw new BlobHashMismatchError(versionedHash, `${claimed} (its KZG proof does not verify against the blob)`);
    return;
  }
  const got = toVersionedHash(blobToCommitment(blob));
  if (got !== versionedHash) throw new BlobHashMismatchError(versionedHash, got);
}
