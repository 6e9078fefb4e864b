/**
 * Blob reader: how the rest of the framework gets blob contents back, by versioned hash.
 *
 * Two sources, one contract: the local archive (in-process), or any beacon API over HTTP — a real
 * beacon node or our own archive server, through the same code path. Whatever the source, every
 * blob is checked before it is returned: its commitment is recomputed from the blob itself and
 * hashed, and must give the versioned hash asked for. A source can therefore lose blobs (an error)
 * but never substitute them.
 */
import { parseBlockId, type BlobArchive, type BlockId } from "./archive.js";
import { BYTES_PER_BLOB } from "./codec.js";
import { BeaconApiError, BlobBlockIdRequiredError, BlobNotFoundError } from "./errors.js";
import { hexToBytes } from "../shared/bytes.js";
import { toVersionedHash, BYTES_PER_COMMITMENT } from "./kzg.js";
import { assertBlobsMatchHashesOffThread } from "./kzg-offthread.js";

/** Where a reader gets blobs from. */
export type BlobReaderSource =
  | { archive: BlobArchive }
  | {
      /** Base URL of a beacon API, e.g. `http://127.0.0.1:5052` (no trailing path). */
      beaconUrl: string;
      /** Per-request timeout; default 30 000 ms. */
      timeoutMs?: number;
      /** Injected fetch (tests, proxies); default the global one. */
      fetch?: typeof fetch;
    };

/** Options of `getBlobsByVersionedHashes`. */
export interface GetBlobsOptions {
  /**
   * The L1 block holding the blobs: `head`, a slot (= block number in the devnet) or a block
   * root/hash. Required with a beacon URL (the beacon API has no lookup by versioned hash);
   * optional with an archive, where it restricts the lookup to that block.
   */
  blockId?: BlockId;
}

/** Reads verified blobs. */
export interface BlobReader {
  /**
   * The blobs with these versioned hashes, in the same order. Throws `BlobNotFoundError` for a
   * hash the source does not have, `BlobHashMismatchError` when the source returns a blob that
   * does not hash to the requested versioned hash, `BeaconApiError` when the beacon API fails.
   */
  getBlobsByVersionedHashes(versionedHashes: readonly string[], options?: GetBlobsOptions): Promise<Uint8Array[]>;
}

/**
 * Blobs a reader keeps once checked against their versioned hashes (16 × 128 KiB = 2 MiB): every
 * leg of a shared advance reads the same blobs, and fetching and KZG-checking them again for each
 * of up to 100 rollup-blocks made a node derive such blocks ≈ 9× slower than calldata ones. A
 * versioned hash commits to its blob's content, so a kept blob is the one asked for.
 */
const VERIFIED_BLOBS = 16;

/** Creates a reader over an archive (`{ archive }`) or a beacon API (`{ beaconUrl }`). */
export function createBlobReader(source: BlobReaderSource): BlobReader {
  const fetchCandidates =
    "archive" in source ? fromArchive(source.archive) : fromBeacon(source.beaconUrl, source.timeoutMs ?? 30_000, source.fetch);
  const verified = new Map<string, Uint8Array>();
  const keep = (hash: string, blob: Uint8Array) => {
    verified.delete(hash);
    verified.set(hash, blob);
    if (verified.size > VERIFIED_BLOBS) verified.delete(verified.keys().next().value!);
  };
  return {
    async getBlobsByVersionedHashes(versionedHashes, options = {}) {
      const wanted = versionedHashes.map((h) => h.toLowerCase());
      if (wanted.length > 0 && wanted.every((h) => verified.has(h))) {
        return wanted.map((h) => {
          const blob = verified.get(h)!;
          keep(h, blob);
          return blob;
        });
      }
      const candidates = await fetchCandidates(wanted, options.blockId);
      // The blobs up to the first missing one are checked (their KZG commitments on a worker
      // thread), the first mismatch thrown; then the missing one: the order of checks in turn.
      const found: Uint8Array[] = [];
      const missing = wanted.find((h) => {
        const blob = candidates.get(h);
        if (blob !== undefined) found.push(blob);
        return blob === undefined;
      });
      const unique = [...new Set(wanted.slice(0, found.length))];
      await assertBlobsMatchHashesOffThread(unique.map((h) => candidates.get(h)!), unique);
      for (const h of unique) keep(h, candidates.get(h)!);
      if (missing !== undefined) throw new BlobNotFoundError(missing, options.blockId === undefined ? undefined : String(options.blockId));
      return found;
    },
  };
}

/** Returns, per requested hash, the blob the source claims has it (unverified). */
type CandidateFetcher = (hashes: string[], blockId: BlockId | undefined) => Promise<Map<string, Uint8Array>>;

function fromArchive(archive: BlobArchive): CandidateFetcher {
  return async (hashes, blockId) => {
    const out = new Map<string, Uint8Array>();
    if (blockId !== undefined) {
      for (const s of archive.getByBlock(blockId)?.sidecars ?? []) out.set(s.versionedHash, s.blob);
      return out;
    }
    for (const h of hashes) {
      const hit = archive.getByVersionedHash(h);
      if (hit) out.set(h, hit.blob);
    }
    return out;
  };
}

function fromBeacon(beaconUrl: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): CandidateFetcher {
  const base = beaconUrl.replace(/\/+$/, "");
  return async (_hashes, blockId) => {
    if (blockId === undefined) throw new BlobBlockIdRequiredError();
    const id = parseBlockId(blockId);
    const path = id.kind === "head" ? "head" : id.kind === "number" ? String(id.number) : id.hash;
    const url = `${base}/eth/v1/beacon/blob_sidecars/${path}`;
    let response: Response;
    try {
      response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: "application/json" } });
    } catch (e) {
      throw new BeaconApiError(url, 0, `request failed: ${(e as Error).message}`, { cause: e });
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      throw new BeaconApiError(url, response.status, `body is not JSON: ${text.slice(0, 120)}`, { cause: e });
    }
    // A block the node does not know holds none of the blobs: the caller gets BlobNotFoundError.
    if (response.status === 404) return new Map();
    if (!response.ok) {
      throw new BeaconApiError(url, response.status, String((body as { message?: unknown })?.message ?? text.slice(0, 120)));
    }
    const data = (body as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new BeaconApiError(url, response.status, "response has no data array");
    const out = new Map<string, Uint8Array>();
    data.forEach((item: { blob?: unknown; kzg_commitment?: unknown }, i) => {
      const blob = hexToBytes(item?.blob);
      const commitment = hexToBytes(item?.kzg_commitment);
      if (!blob || blob.length !== BYTES_PER_BLOB || !commitment || commitment.length !== BYTES_PER_COMMITMENT) {
        throw new BeaconApiError(url, response.status, `sidecar ${i} has no well-formed blob and kzg_commitment`);
      }
      // The claimed commitment only routes the blob to a requested hash; verification recomputes it.
      out.set(toVersionedHash(commitment), blob);
    });
    return out;
  };
}
