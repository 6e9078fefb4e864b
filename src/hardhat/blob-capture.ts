import type { EIP1193Provider, RequestArguments } from "hardhat/types/providers";
import type { BlobArchive } from "../blobs/archive.js";
import { hexToBytes } from "../shared/bytes.js";
import { blobsOfRawTransaction, processBlobPool, type WrappedBlobs } from "../blobs/pool.js";
import type { BlobWithProof } from "../blobs/kzg.js";

let archive: BlobArchive | undefined;

/** The blob archive that keeps every sidecar seen by this process's Hardhat networks (or none). */
export function configureBlobArchive(next: BlobArchive | undefined): void {
  archive = next;
}

/** The archive set by {@link configureBlobArchive}. */
export function currentBlobArchive(): BlobArchive | undefined {
  return archive;
}

/**
 * Routes a simulated network's JSON-RPC through the blob capture: the blobs of every type-3
 * transaction sent with `eth_sendRawTransaction` (by a test, a script, or a client of
 * `hardhat node`) go into the process blob pool before the node sees the transaction — so that
 * EXECUTE, which runs while the transaction is mined, can read them — and, once it is mined,
 * into the blob archive with its L1 block. Hardhat itself keeps no blob that can be read back.
 */
export function captureBlobs(provider: EIP1193Provider): void {
  const request = provider.request.bind(provider);
  provider.request = async (args: RequestArguments) => {
    const raw = Array.isArray(args.params) ? args.params[0] : undefined;
    // Only type-3 transactions carry blobs: everything else passes through untouched.
    if (args.method !== "eth_sendRawTransaction" || typeof raw !== "string" || !raw.startsWith("0x03")) {
      return request(args);
    }
    const wrapped = blobsOfRawTransaction(safeBytes(raw));
    if (wrapped === undefined) return request(args);
    // Into the pool before the node sees the transaction: EXECUTE runs while it is mined. The
    // node checks the sidecar (KZG) only then, so a refused transaction's blobs are taken back.
    const previous = wrapped.versionedHashes.map((hash) => processBlobPool.get(hash));
    wrapped.versionedHashes.forEach((hash, i) =>
      processBlobPool.put(hash, { blob: wrapped.blobs[i]!, commitment: wrapped.commitments[i]!, proof: wrapped.proofs[i]! }),
    );
    let result: unknown;
    let failure: unknown;
    try {
      result = await request(args);
    } catch (error) {
      // Automining reports a reverted transaction as an error, yet it was mined with its blobs.
      failure = error;
    }
    const mined = await archiveMined(request, wrapped);
    if (failure !== undefined) {
      if (!mined) wrapped.versionedHashes.forEach((hash, i) => restore(hash, previous[i]));
      throw failure;
    }
    return result;
  };
}

function restore(hash: string, blob: BlobWithProof | undefined): void {
  if (blob === undefined) processBlobPool.delete(hash);
  else processBlobPool.put(hash, blob);
}

/** Archives the blobs if the transaction was mined; returns whether it was. */
async function archiveMined(request: (args: RequestArguments) => Promise<unknown>, wrapped: WrappedBlobs): Promise<boolean> {
  const hash = wrapped.transactionHash;
  const receipt = (await request({ method: "eth_getTransactionReceipt", params: [hash] }).catch(() => null)) as {
    blockNumber: string;
    blockHash: string;
    transactionIndex: string;
  } | null;
  // Hardhat takes a type-3 transaction only with automine on, so no receipt means refused.
  if (receipt === null) return false;
  archive?.put({
    blockNumber: Number(BigInt(receipt.blockNumber)),
    blockHash: receipt.blockHash,
    txHash: hash,
    txIndex: Number(BigInt(receipt.transactionIndex)),
    sidecar: { blobs: wrapped.blobs, commitments: wrapped.commitments, proofs: wrapped.proofs, versionedHashes: wrapped.versionedHashes },
  });
  return true;
}

function safeBytes(hex: string): Uint8Array {
  return hexToBytes(hex) ?? new Uint8Array(0);
}
