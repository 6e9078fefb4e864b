import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider, Signer, TransactionReceipt } from "ethers";
import { blockDataToBlobs } from "../blobs/da.js";
import { makeSidecar, type BlobSidecar } from "../blobs/kzg.js";
import { MAX_BLOBS_PER_TRANSACTION, sendBlobTransaction } from "../blobs/send.js";
import type { ExecuteInput } from "../engine/types.js";
import { onVerdict, type ExecuteVerdict } from "../precompile/run.js";
import { buildBlock, type BuiltBlock } from "../engine/build.js";
import { appendBlock, chainHead, type L2Chain } from "../engine/state.js";
import { executeGas } from "../precompile/gas.js";
import { encodeExecuteInput } from "../precompile/codec.js";
import { UltrasoundError } from "../shared/errors.js";
import { blockClaim, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "../sdk/contracts.js";

/** EIP-7825 (osaka): no L1 transaction may ask for more gas than this. */
export const L1_TRANSACTION_GAS_CAP = 16_777_216n;

/** The block and its witness are too large for one L1 transaction. */
export class BlockTooLargeForL1Error extends UltrasoundError {
  override name = "BlockTooLargeForL1Error";
}

/** Another proposer advanced the rollup first (or the head moved): rebuild on the new head. */
export class LostRaceError extends UltrasoundError {
  override name = "LostRaceError";
}

/** A proposed, L1-verified L2 block. */
export interface ProposedBlock {
  /** The block; its `input` is the one EXECUTE verified (blob hashes instead of inline data with blobs). */
  block: BuiltBlock;
  l1Receipt: TransactionReceipt;
  event: BlockAdvancedEvent;
  /** The blobs that carried the transactions (blob data availability only). */
  sidecar?: BlobSidecar;
}

/** Where an L2 block's transactions are published. */
export type DataAvailability = "blobs" | "calldata";

/**
 * An upper bound on the L1 gas of `advance` for a block: intrinsic gas with calldata at the
 * EIP-7623 floor price (40 per byte), EXECUTE's formula, the 1/64 kept back by the call, the
 * memory of the two copies of the input (the contract's and the shim's), storage and the event.
 */
export function advanceGasLimit(input: ExecuteInput): bigint {
  const inputLength = encodeExecuteInput(input).length;
  const calldataLength = BigInt(input.transactions.length + input.witness.length + 32 * input.blobVersionedHashes.length + 512);
  const words = BigInt(Math.ceil(inputLength / 32));
  const memory = 2n * (3n * words + (words * words) / 512n);
  const execute = (executeGas(inputLength, input.gasUsed) * 64n) / 63n;
  return 21_000n + 40n * calldataLength + execute + memory + 150_000n;
}

/**
 * Builds the next L2 block from `transactions`, publishes it — in blobs (default) or calldata —
 * with `advanceWithBlobs` / `advance` and, once L1 has verified it, appends it to `chain`.
 *
 * The block is anchored to the latest L1 block (its hash is the L2 anchor and prevRandao) and
 * timestamped with that block's time, so everything EXECUTE will see is known while building.
 * Throws `LostRaceError` when another proposer advanced first.
 */
export async function proposeBlock(options: {
  chain: L2Chain;
  rollup: Contract;
  provider: JsonRpcApiProvider;
  transactions: TypedTransaction[];
  coinbase: string;
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  /** The most gas one L1 transaction may use (default: EIP-7825's 2^24; raise it on a pre-Osaka L1). */
  l1GasCap?: bigint;
}): Promise<ProposedBlock> {
  const { chain, rollup, provider } = options;
  // Read with a raw call: ethers caches block reads (PITFALLS).
  const l1Head = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { number: string; hash: string; timestamp: string };
  const parent = chainHead(chain);
  const l1Time = BigInt(l1Head.timestamp);
  const timestamp = l1Time > parent.timestamp ? l1Time : parent.timestamp;
  const anchor = hexToBytes(l1Head.hash as `0x${string}`);
  const block = await buildBlock(chain, {
    transactions: options.transactions,
    timestamp,
    coinbase: hexToBytes(options.coinbase as `0x${string}`),
    prevRandao: anchor,
    anchor,
  });
  const claim: BlockClaim = blockClaim(block.header, BigInt(l1Head.number));

  const blobs = (options.dataAvailability ?? "blobs") === "blobs" ? blockDataToBlobs(block.input.transactions) : undefined;
  // Counted before the KZG work (~0.1 s a blob), which a block refused here does not need.
  if (blobs !== undefined && blobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BlockTooLargeForL1Error("The block's data needs more blobs than one L1 transaction may carry", {
      blobs: blobs.length,
      max: MAX_BLOBS_PER_TRANSACTION,
      transactions: block.transactions.length,
    });
  }
  const sidecar = blobs === undefined ? undefined : makeSidecar(blobs);
  // The input EXECUTE will see: with blobs, the data is referenced by versioned hash.
  const input: ExecuteInput = sidecar
    ? { ...block.input, transactions: new Uint8Array(0), blobVersionedHashes: sidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`)) }
    : block.input;
  const gasLimit = advanceGasLimit(input);
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  if (gasLimit > cap) {
    throw new BlockTooLargeForL1Error("advance() would exceed the L1 transaction gas cap (EIP-7825)", {
      gasLimit,
      cap,
      transactions: block.transactions.length,
      witnessBytes: block.input.witness.length,
    });
  }

  // EXECUTE's verdicts on this very attempt (when it runs in this process): they explain a revert.
  const verdicts: ExecuteVerdict[] = [];
  const unsubscribe = onVerdict((verdict) => verdicts.push(verdict));
  let l1Receipt: TransactionReceipt | null;
  try {
    if (sidecar) {
      const sent = await sendBlobTransaction(rollup.runner as Signer, {
        to: await rollup.getAddress(),
        data: rollup.interface.encodeFunctionData("advanceWithBlobs", [claim, sidecar.versionedHashes, block.input.witness]),
        sidecar,
        gasLimit,
      });
      l1Receipt = await provider.getTransactionReceipt(sent.hash);
    } else {
      const tx = await rollup.getFunction("advance")(claim, block.input.transactions, block.input.witness, { gasLimit });
      l1Receipt = await tx.wait();
    }
  } catch (error) {
    throw await explainFailure(rollup, claim.parentHash, verdicts, error);
  } finally {
    unsubscribe();
  }
  const event = parseBlockAdvanced(l1Receipt!.logs)[0]!;
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return { block: { ...block, input }, l1Receipt: l1Receipt!, event, sidecar };
}

/**
 * Why `advance` failed: another block took the parent (a lost race), or EXECUTE's own verdict
 * when it ran in this process, or the original error.
 */
async function explainFailure(rollup: Contract, parentHash: string, verdicts: ExecuteVerdict[], error: unknown): Promise<Error> {
  const head = (await rollup.getFunction("head")().catch(() => undefined)) as { blockHash: string } | undefined;
  if (head !== undefined && head.blockHash !== parentHash) {
    return new LostRaceError("Another block was verified on this parent first", { head: head.blockHash, claimed: parentHash }, { cause: error });
  }
  const verdict = verdicts.findLast((v) => !v.ok);
  if (verdict?.error !== undefined) {
    return new AdvanceFailedError(
      "advance() reverted: EXECUTE rejected the block",
      { blockNumber: verdict.blockNumber, reason: verdict.error.message, ...(verdict.error.cause ? { cause: verdict.error.cause } : {}) },
      { cause: error },
    );
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** `advance` reverted for a reason other than a lost race. */
export class AdvanceFailedError extends UltrasoundError {
  override name = "AdvanceFailedError";
}
