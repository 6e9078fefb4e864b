import type { KZG } from "@ethereumjs/util";
import { hexToBytes } from "@ethereumjs/util";
import { getKzg } from "../blobs/kzg.js";

/** L2 blocks carry no blobs: only the point-evaluation precompile (0x0a) needs KZG on L2. */
function notOnL2(operation: string): never {
  throw new Error(`KZG ${operation} is not used on L2: blob transactions are not allowed`);
}

/**
 * The KZG library the L2 EVM uses for the point-evaluation precompile (`0x0a`), on the c-kzg
 * the blob code already loads. Without one, ethereumjs *throws* inside the VM on any call that
 * reaches `0x0a` — even an empty `STATICCALL` that simply fails on L1 — which halted the rollup.
 * The trusted setup loads on the first verification (≈ 2 s), not when a chain is created.
 */
export const l2Kzg: KZG = {
  verifyProof(commitment, z, y, proof) {
    // c-kzg throws on points off the curve or non-canonical field elements; the precompile
    // catches that and fails the call, as on L1.
    const bytes = (hex: string) => hexToBytes(hex as `0x${string}`);
    return getKzg().verifyKzgProof(bytes(commitment), bytes(z), bytes(y), bytes(proof));
  },
  blobToKzgCommitment: () => notOnL2("blobToKzgCommitment"),
  computeBlobProof: () => notOnL2("computeBlobProof"),
  verifyBlobProofBatch: () => notOnL2("verifyBlobProofBatch"),
  computeCells: () => notOnL2("computeCells"),
  computeCellsAndProofs: () => notOnL2("computeCellsAndProofs"),
  recoverCellsAndProofs: () => notOnL2("recoverCellsAndProofs"),
  verifyCellKzgProofBatch: () => notOnL2("verifyCellKzgProofBatch"),
};
