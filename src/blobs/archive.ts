/**
 * Blob archive: every sidecar the framework sends, kept on disk.
 *
 * The L1 node (Hardhat) has no call to read blob contents back, and a real beacon node prunes them
 * after ~18 days, so whoever needs a blob later must have kept it. The archive stores each blob
 * with its commitment and proof, keyed by the L1 block (number and hash) and the versioned hash.
 *
 * Storage is one SQLite file (`<dir>/blobs.sqlite`) through Node's built-in `node:sqlite`: no
 * dependency, atomic multi-row writes (a crash never leaves half a sidecar), indexes for the three
 * lookups, and a single file to delete or copy. WAL mode lets a server read while a sender writes.
 *
 * Reorgs: several blocks may share a number. A lookup by number returns the one stored last (the
 * chain after a reorg re-sends into the new block); a lookup by hash is exact; `removeBlock`
 * forgets a block that left the chain.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { BYTES_PER_BLOB } from "./codec.js";
import { BlobArchiveError, InvalidBlockIdError } from "./errors.js";
import { BYTES_PER_COMMITMENT, toVersionedHash, type BlobSidecar } from "./kzg.js";

/** Archive file name inside the directory given to `openBlobArchive`. */
export const BLOB_ARCHIVE_FILE = "blobs.sqlite";
const SCHEMA_VERSION = 1;

/**
 * A block identifier as the beacon API takes it: `"head"` (the newest block), `"genesis"`
 * (block 0), a slot/block number (number, bigint or decimal string), or a 0x-prefixed 32-byte hash.
 * In the devnet the slot is the L1 block number and the "block root" is the L1 block hash.
 */
export type BlockId = "head" | "genesis" | number | bigint | string;

/** A parsed `BlockId`. */
export type ParsedBlockId = { kind: "head" } | { kind: "number"; number: number } | { kind: "hash"; hash: string };

/**
 * Parses a `BlockId`; throws `InvalidBlockIdError` for anything else (including `finalized` and
 * `justified`: the devnet L1 has no finality to report).
 */
export function parseBlockId(id: BlockId): ParsedBlockId {
  if (typeof id === "number" || typeof id === "bigint") {
    const n = typeof id === "bigint" ? id : Number.isSafeInteger(id) ? BigInt(id) : -1n;
    if (n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidBlockIdError(String(id));
    return { kind: "number", number: Number(n) };
  }
  if (typeof id !== "string") throw new InvalidBlockIdError(String(id));
  if (id === "head") return { kind: "head" };
  if (id === "genesis") return { kind: "number", number: 0 };
  if (/^(0|[1-9][0-9]{0,15})$/.test(id) && Number(id) <= Number.MAX_SAFE_INTEGER) {
    return { kind: "number", number: Number(id) };
  }
  if (/^0x[0-9a-fA-F]{64}$/.test(id)) return { kind: "hash", hash: id.toLowerCase() };
  throw new InvalidBlockIdError(id);
}

/** What `BlobArchive.put` stores: the sidecar of one transaction and where it landed. */
export interface PutBlobsParams {
  blockNumber: number | bigint;
  blockHash: string;
  /** Beacon slot; defaults to `blockNumber` (the devnet has one L1 block per slot). */
  slot?: number | bigint;
  txHash: string;
  /** Position of the transaction in its block: orders the blobs of a block like the chain does. */
  txIndex?: number;
  sidecar: BlobSidecar;
}

/** One stored blob. `index` is its position among all blobs of its block (the beacon `index`). */
export interface ArchivedBlob {
  index: number;
  txHash: string;
  txIndex: number | null;
  /** Position of the blob in its transaction's `blobVersionedHashes`. */
  blobIndex: number;
  versionedHash: string;
  blob: Uint8Array;
  commitment: Uint8Array;
  proof: Uint8Array;
}

/** A block's identity in the archive. */
export interface ArchivedBlockRef {
  blockNumber: number;
  blockHash: string;
  slot: number;
}

/** A block with all blobs stored for it, in block order. */
export interface ArchivedBlock extends ArchivedBlockRef {
  sidecars: ArchivedBlob[];
}

/** The archive handle returned by `openBlobArchive`. Methods are synchronous (SQLite in-process). */
export interface BlobArchive {
  /** Path of the SQLite file. */
  readonly file: string;
  /** Stores a transaction's sidecar (idempotent: storing the same blob again replaces it). */
  put(params: PutBlobsParams): void;
  /**
   * The block and its blobs, or `undefined` when the archive holds no blob of that block. A number
   * is a slot (= block number in the devnet); `head` is the stored block with the highest slot.
   */
  getByBlock(blockId: BlockId): ArchivedBlock | undefined;
  /** The blob with this versioned hash (the most recently stored, if sent more than once). */
  getByVersionedHash(versionedHash: string): (ArchivedBlob & ArchivedBlockRef) | undefined;
  /** The block with the highest slot (newest stored among equals), or `undefined` when empty. */
  head(): ArchivedBlockRef | undefined;
  /** Forgets a block and its blobs (e.g. reorged out); returns whether it was there. */
  removeBlock(blockHash: string): boolean;
  /** Closes the database; later calls throw `BlobArchiveError`. Idempotent. */
  close(): void;
}

/**
 * Opens (creating if needed) the archive in directory `dir`. Throws `BlobArchiveError` if the file
 * was written by an incompatible schema version.
 */
export async function openBlobArchive(dir: string): Promise<BlobArchive> {
  // Imported here, not at the top: node:sqlite prints an ExperimentalWarning on load in Node 22,
  // which processes that never open an archive should not see.
  const { DatabaseSync } = await import("node:sqlite");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, BLOB_ARCHIVE_FILE);
  const db = new DatabaseSync(file);
  try {
    migrate(db, file);
  } catch (e) {
    db.close();
    throw e;
  }
  return createArchive(db, file);
}

function migrate(db: DatabaseSync, file: string): void {
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
  const { user_version: version } = db.prepare("PRAGMA user_version").get() as { user_version: number };
  if (version === SCHEMA_VERSION) return;
  if (version !== 0) {
    throw new BlobArchiveError(`${file} has schema version ${version}, this code reads version ${SCHEMA_VERSION}`);
  }
  db.exec(`
    BEGIN;
    CREATE TABLE blocks (
      block_hash   TEXT PRIMARY KEY,      -- 0x + 64 lowercase hex
      block_number INTEGER NOT NULL,
      slot         INTEGER NOT NULL,
      seq          INTEGER NOT NULL       -- store order: the newest block wins a number
    );
    CREATE INDEX blocks_by_slot ON blocks (slot, seq);
    CREATE TABLE sidecars (
      block_hash     TEXT NOT NULL REFERENCES blocks (block_hash) ON DELETE CASCADE,
      tx_hash        TEXT NOT NULL,
      tx_index       INTEGER,
      blob_index     INTEGER NOT NULL,
      versioned_hash TEXT NOT NULL,
      blob           BLOB NOT NULL,
      commitment     BLOB NOT NULL,
      proof          BLOB NOT NULL,
      seq            INTEGER NOT NULL,
      PRIMARY KEY (block_hash, tx_hash, blob_index)
    );
    CREATE INDEX sidecars_by_versioned_hash ON sidecars (versioned_hash, seq);
    PRAGMA user_version = ${SCHEMA_VERSION};
    COMMIT;
  `);
}

const HASH_RE = /^0x[0-9a-fA-F]{64}$/;

function checkHash(what: string, value: string): string {
  if (typeof value !== "string" || !HASH_RE.test(value)) {
    throw new BlobArchiveError(`${what} must be 0x + 64 hex digits, got ${String(value).slice(0, 80)}`);
  }
  return value.toLowerCase();
}

function toSafeInteger(what: string, value: number | bigint): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || BigInt(n) !== BigInt(value)) {
    throw new BlobArchiveError(`${what} must be a non-negative safe integer, got ${value}`);
  }
  return n;
}

interface SidecarRow {
  tx_hash: string;
  tx_index: number | null;
  blob_index: number;
  versioned_hash: string;
  blob: Uint8Array;
  commitment: Uint8Array;
  proof: Uint8Array;
}
interface BlockRow {
  block_hash: string;
  block_number: number;
  slot: number;
}

function createArchive(db: DatabaseSync, file: string): BlobArchive {
  db.exec("PRAGMA foreign_keys = ON;");
  const nextSeq = db.prepare(
    "SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM (SELECT seq FROM blocks UNION ALL SELECT seq FROM sidecars)",
  );
  const insertBlock = db.prepare(
    "INSERT INTO blocks (block_hash, block_number, slot, seq) VALUES (?, ?, ?, ?) ON CONFLICT (block_hash) DO NOTHING",
  );
  const blockByHash = db.prepare("SELECT block_hash, block_number, slot FROM blocks WHERE block_hash = ?");
  // A number in a block id is a slot, as in the beacon API (in the devnet, slot = block number).
  const blockBySlot = db.prepare(
    "SELECT block_hash, block_number, slot FROM blocks WHERE slot = ? ORDER BY seq DESC LIMIT 1",
  );
  const headBlock = db.prepare(
    "SELECT block_hash, block_number, slot FROM blocks ORDER BY slot DESC, seq DESC LIMIT 1",
  );
  const insertSidecar = db.prepare(
    `INSERT OR REPLACE INTO sidecars
       (block_hash, tx_hash, tx_index, blob_index, versioned_hash, blob, commitment, proof, seq)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  // Block order: by transaction position when known, then by store order, then within the tx.
  const sidecarsOfBlock = db.prepare(
    `SELECT tx_hash, tx_index, blob_index, versioned_hash, blob, commitment, proof FROM sidecars
     WHERE block_hash = ? ORDER BY tx_index IS NULL, tx_index, seq, blob_index`,
  );
  const sidecarByHash = db.prepare(
    "SELECT block_hash, tx_hash FROM sidecars WHERE versioned_hash = ? ORDER BY seq DESC LIMIT 1",
  );
  const deleteBlock = db.prepare("DELETE FROM blocks WHERE block_hash = ?");

  const refOf = (row: BlockRow): ArchivedBlockRef => ({
    blockNumber: row.block_number,
    blockHash: row.block_hash,
    slot: row.slot,
  });
  const loadBlock = (row: BlockRow | undefined): ArchivedBlock | undefined => {
    if (!row) return undefined;
    const rows = sidecarsOfBlock.all(row.block_hash) as unknown as SidecarRow[];
    return {
      ...refOf(row),
      sidecars: rows.map((r, index) => ({
        index,
        txHash: r.tx_hash,
        txIndex: r.tx_index,
        blobIndex: r.blob_index,
        versionedHash: r.versioned_hash,
        blob: r.blob,
        commitment: r.commitment,
        proof: r.proof,
      })),
    };
  };

  let closed = false;
  const open = () => {
    if (closed) throw new BlobArchiveError(`archive ${file} is closed`);
  };

  return {
    file,
    put(params) {
      open();
      const blockHash = checkHash("blockHash", params.blockHash);
      const txHash = checkHash("txHash", params.txHash);
      const blockNumber = toSafeInteger("blockNumber", params.blockNumber);
      const slot = toSafeInteger("slot", params.slot ?? params.blockNumber);
      const txIndex = params.txIndex === undefined ? null : toSafeInteger("txIndex", params.txIndex);
      const { blobs, commitments, proofs, versionedHashes } = params.sidecar;
      if (commitments.length !== blobs.length || proofs.length !== blobs.length) {
        throw new BlobArchiveError(
          `sidecar has ${blobs.length} blobs, ${commitments.length} commitments and ${proofs.length} proofs`,
        );
      }
      const hashes = blobs.map((blob, i) => {
        if (blob.length !== BYTES_PER_BLOB) throw new BlobArchiveError(`blob ${i} is ${blob.length} bytes, expected ${BYTES_PER_BLOB}`);
        if (commitments[i].length !== BYTES_PER_COMMITMENT || proofs[i].length !== BYTES_PER_COMMITMENT) {
          throw new BlobArchiveError(`commitment and proof ${i} must be ${BYTES_PER_COMMITMENT} bytes`);
        }
        // The key is recomputed, never taken on trust: a wrong hash would make the blob unfindable.
        const h = toVersionedHash(commitments[i]);
        if (versionedHashes?.[i] !== undefined && versionedHashes[i].toLowerCase() !== h) {
          throw new BlobArchiveError(`versioned hash ${i} is ${versionedHashes[i]} but its commitment hashes to ${h}`);
        }
        return h;
      });
      db.exec("BEGIN IMMEDIATE");
      try {
        const existing = blockByHash.get(blockHash) as BlockRow | undefined;
        if (existing && existing.block_number !== blockNumber) {
          throw new BlobArchiveError(`block ${blockHash} is stored as number ${existing.block_number}, not ${blockNumber}`);
        }
        let seq = (nextSeq.get() as { seq: number }).seq;
        insertBlock.run(blockHash, blockNumber, slot, seq++);
        blobs.forEach((blob, i) => {
          insertSidecar.run(blockHash, txHash, txIndex, i, hashes[i], blob, commitments[i], proofs[i], seq++);
        });
        db.exec("COMMIT");
      } catch (e) {
        db.exec("ROLLBACK");
        throw e;
      }
    },
    getByBlock(blockId) {
      open();
      const id = parseBlockId(blockId);
      const row =
        id.kind === "head"
          ? headBlock.get()
          : id.kind === "number"
            ? blockBySlot.get(id.number)
            : blockByHash.get(id.hash);
      return loadBlock(row as BlockRow | undefined);
    },
    getByVersionedHash(versionedHash) {
      open();
      const h = checkHash("versionedHash", versionedHash);
      const hit = sidecarByHash.get(h) as { block_hash: string; tx_hash: string } | undefined;
      if (!hit) return undefined;
      const block = loadBlock(blockByHash.get(hit.block_hash) as BlockRow | undefined);
      const blob = block?.sidecars.find((s) => s.versionedHash === h && s.txHash === hit.tx_hash);
      if (!block || !blob) return undefined;
      return { ...blob, blockNumber: block.blockNumber, blockHash: block.blockHash, slot: block.slot };
    },
    head() {
      open();
      const row = headBlock.get() as BlockRow | undefined;
      return row && refOf(row);
    },
    removeBlock(blockHash) {
      open();
      return Number(deleteBlock.run(checkHash("blockHash", blockHash)).changes) > 0;
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}
