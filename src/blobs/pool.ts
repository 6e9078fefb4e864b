import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex } from "../shared/bytes.js";
import { BYTES_PER_COMMITMENT, toVersionedHash, type BlobWithProof } from "./kzg.js";

/**
 * Blobs seen on their way into L1 and not yet (or never) archived, by versioned hash: what a
 * beacon node's blob pool holds. EXECUTE runs while the L1 block that carries the blobs is being
 * built — before any archive knows that block — so it reads them from here first.
 * Bounded: the oldest entries go first.
 */
export interface BlobPool {
  /** Keeps a blob, with its sidecar's commitment and proof when known (checking is then ≈ 25× cheaper). */
  put(versionedHash: string, blob: Uint8Array | BlobWithProof): void;
  get(versionedHash: string): BlobWithProof | undefined;
  delete(versionedHash: string): void;
  size(): number;
}

/** A blob pool holding at most `limit` blobs (128 KiB each). */
export function createBlobPool(limit = 512): BlobPool {
  const blobs = new Map<string, BlobWithProof>();
  return {
    put(versionedHash, blob) {
      const key = versionedHash.toLowerCase();
      blobs.delete(key);
      blobs.set(key, blob instanceof Uint8Array ? { blob } : blob);
      while (blobs.size > limit) blobs.delete(blobs.keys().next().value!);
    },
    get: (versionedHash) => blobs.get(versionedHash.toLowerCase()),
    delete: (versionedHash) => void blobs.delete(versionedHash.toLowerCase()),
    size: () => blobs.size,
  };
}

/** This process's blob pool: the Hardhat plugin fills it from every type-3 transaction it sees. */
export const processBlobPool: BlobPool = createBlobPool();

/** The blobs of an EIP-4844 network-wrapper transaction, with their versioned hashes. */
export interface WrappedBlobs {
  /** The transaction's hash: keccak256(0x03 ‖ rlp(tx_fields)), the wrapper left out. */
  transactionHash: string;
  blobs: Uint8Array[];
  commitments: Uint8Array[];
  proofs: Uint8Array[];
  versionedHashes: string[];
}

/**
 * Reads the sidecar out of a raw type-3 transaction in the EIP-4844 network wrapper
 * (`0x03 ‖ rlp([tx_fields, blobs, commitments, proofs])`); `undefined` for anything else. The
 * versioned hashes come from the commitments (0x01 ‖ sha256(commitment)[1:]); whether the blobs
 * match them is the node's check at submission and the reader's at every use.
 */
export function blobsOfRawTransaction(raw: Uint8Array): WrappedBlobs | undefined {
  if (raw.length < 2 || raw[0] !== 0x03) return undefined;
  let decoded: unknown;
  try {
    decoded = RLP.decode(raw.subarray(1));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 4 || !Array.isArray(decoded[0])) return undefined;
  const [fields, blobs, commitments, proofs] = decoded as [unknown, unknown, unknown, unknown];
  if (!Array.isArray(blobs) || !Array.isArray(commitments) || !Array.isArray(proofs)) return undefined;
  if (blobs.length !== commitments.length || blobs.length !== proofs.length) return undefined;
  if (![...blobs, ...commitments, ...proofs].every((item) => item instanceof Uint8Array)) return undefined;
  // A malformed commitment is the node's to refuse, with its own error: pass such a tx through.
  if ((commitments as Uint8Array[]).some((c) => c.length !== BYTES_PER_COMMITMENT)) return undefined;
  const versionedHashes = (commitments as Uint8Array[]).map((c) => toVersionedHash(c));
  const payload = RLP.encode(fields as Uint8Array[]);
  const typed = new Uint8Array(payload.length + 1);
  typed[0] = 0x03;
  typed.set(payload, 1);
  return {
    transactionHash: bytesToHex(keccak_256(typed)),
    blobs: blobs as Uint8Array[],
    commitments: commitments as Uint8Array[],
    proofs: proofs as Uint8Array[],
    versionedHashes,
  };
}
