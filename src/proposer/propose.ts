/**
 * Publishing a fitted block (fit.ts): `advanceWithBlobs` or `advance` with the market's fee, the
 * receipt awaited, EXECUTE's verdict explained when L1 refused it, and the block appended to the
 * proposer's chain. `proposeBlock` fits and publishes in one call.
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { makeError, type Contract, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { type BlobSidecar } from "../blobs/kzg.js";
import { makeSidecarOffThread } from "../blobs/kzg-offthread.js";
import { MAX_BLOBS_PER_TRANSACTION, sendBlobTransaction } from "../blobs/send.js";
import { onVerdict, type ExecuteVerdict } from "../precompile/run.js";
import type { BuiltBlock } from "../engine/build.js";
import { appendBlock } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";
import { executeFee } from "../sdk/execute-market.js";
import { blockClaim, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "../sdk/contracts.js";
import { advanceGasLimit } from "./advance-gas.js";
import { oneLine } from "./mempool-util.js";
import { dataAvailabilityFor } from "./nested.js";
export { advanceCalldataLength, advanceGasLimit, calldataGas, COLD_ACCOUNT_ACCESS_GAS, executeCallGas, gasToPassOn, memoryExpansionGas, SHIM_GAS_RESERVE, SHIM_HEADROOM_DIVISOR, TRANSACTION_BASE_GAS } from "./advance-gas.js";
export { BlockTooLargeForL1Error, buildFittingBlock, buildOn, chooseLayout, deliveryFor, executeGasRoom, L1_TRANSACTION_GAS_CAP, latestL1Block, type DataAvailability, type DataLayout, type FittedBlock, type L1Anchor, type ProposeOptions } from "./fit.js";
import { BlockTooLargeForL1Error, buildFittingBlock, buildOn, chooseLayout, deliveryFor, executeInputOf, L1_TRANSACTION_GAS_CAP, latestL1Block, type DataLayout, type FittedBlock, type ProposeOptions } from "./fit.js";

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


/**
 * Publishes a built block — in blobs (default) or calldata — with `advanceWithBlobs` / `advance`,
 * with the L1 gas limit {@link advanceGasLimit} of the exact calldata, and, once L1 has verified
 * it, appends it to `chain` (unless `append` is false: a preconfirmed block is there already). Throws `LostRaceError` when another proposer advanced first,
 * `AdvanceFailedError` with EXECUTE's verdict when it ran in this process.
 */
export async function publishBlock(options: ProposeOptions & { rollup: Contract; fitted: FittedBlock; append?: boolean }): Promise<ProposedBlock> {
  const { chain, rollup, provider, fitted } = options;
  const { block } = fitted;
  const claim: BlockClaim = blockClaim(block.header, fitted.anchor.number, fitted.delivery.messageCount);
  const layout: DataLayout = { blobs: fitted.blobs, witnessInBlobs: fitted.witnessInBlobs };
  const sidecar = layout.blobs === undefined ? undefined : await makeSidecarOffThread(layout.blobs);
  const input = executeInputOf(block.input, layout, sidecar?.versionedHashes);
  const data = sidecar
    ? rollup.interface.encodeFunctionData("advanceWithBlobs", [claim, sidecar.versionedHashes, input.witness, block.input.messages])
    : rollup.interface.encodeFunctionData("advance", [claim, block.input.transactions, block.input.witness, block.input.messages]);
  // EXECUTE's fee (docs/execute.md, "Gas market"): gasUsed × the base fee of the L1 block the
  // advance lands in (0 under 1:1 pricing). A block later it may be up to 12.5 % higher: the
  // advance then reverts with NativeRollup_ExecuteFeeTooLow and the proposer's next round retries.
  const { pricing, fee: value } = await executeFee(provider, block.header.gasUsed);
  const gasLimit = advanceGasLimit(input, hexToBytes(data as `0x${string}`), pricing);
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
    const to = await rollup.getAddress();
    if (sidecar) {
      const sent = await sendBlobTransaction(rollup.runner as Signer, { to, data, sidecar, gasLimit, value });
      l1Receipt = await waitForL1Receipt(provider, sent.hash);
    } else {
      // A JSON-RPC signer's sendTransaction polls for the transaction forever once it has the hash:
      // a reorg that drops it in between hung the proposer. Only the hash is needed here.
      const signer = rollup.runner as Signer & { sendUncheckedTransaction?: (tx: object) => Promise<string> };
      const request = { to, data, gasLimit, value };
      const hash = signer.sendUncheckedTransaction !== undefined ? await signer.sendUncheckedTransaction(request) : (await signer.sendTransaction(request)).hash;
      l1Receipt = await waitForL1Receipt(provider, hash);
    }
  } catch (error) {
    throw await explainFailure(rollup, claim.parentHash, verdicts, error);
  } finally {
    unsubscribe();
  }
  const event = parseBlockAdvanced(l1Receipt!.logs)[0]!;
  // A preconfirmed block is on the chain already (it was served before L1 had it): `append: false`.
  if (options.append !== false) appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return { block: { ...block, input }, l1Receipt: l1Receipt!, event, sidecar };
}

/**
 * Waits for an L1 transaction's receipt by polling `eth_getTransactionReceipt`; throws ethers'
 * CALL_EXCEPTION for a reverted one (as `tx.wait()` does), a `LostRaceError` when L1 no longer
 * knows the transaction (an L1 reorg dropped it: rebuild on the new head), and a TIMEOUT after
 * `timeoutMs`. Not ethers' `tx.wait()`: it waits forever for a transaction a reorg dropped (its
 * replacement check sees the account's nonce go back, not forward), and its receipt poller
 * leaves a rejection unhandled when L1 resets a connection, which kills the process.
 */
export async function waitForL1Receipt(provider: JsonRpcApiProvider, hash: string, pollMs = 100, timeoutMs = 120_000): Promise<TransactionReceipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const receipt = await provider.getTransactionReceipt(hash);
    if (receipt !== null) {
      if (receipt.status === 0) {
        throw makeError("transaction execution reverted", "CALL_EXCEPTION", { action: "sendTransaction", data: null, reason: null, invocation: null, revert: null, transaction: { to: receipt.to, data: "" }, receipt });
      }
      return receipt;
    }
    if ((await provider.getTransaction(hash)) === null) throw new LostRaceError("The advance transaction left L1 before it was mined (an L1 reorg dropped it)", { tx: hash });
    if (Date.now() > deadline) throw makeError(`no receipt for L1 transaction ${hash} within ${timeoutMs / 1000} s`, "TIMEOUT", { operation: "waitForL1Receipt", reason: "timeout" });
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * Builds the next L2 block from exactly `transactions` (those that cannot apply are left out,
 * see `block.skipped`), publishes it and, once L1 has verified it, appends it to `chain`.
 * Throws `BlockTooLargeForL1Error` if it does not fit in one L1 transaction (nothing is cut:
 * see {@link buildFittingBlock}), `LostRaceError` when another proposer advanced first.
 */
export async function proposeBlock(options: ProposeOptions & { rollup: Contract; transactions: TypedTransaction[] }): Promise<ProposedBlock> {
  const dataAvailability = dataAvailabilityFor(options.chain, options.dataAvailability);
  const anchor = await latestL1Block(options.provider);
  const delivery = await deliveryFor(options, anchor);
  const block = await buildOn(options.chain, anchor, options.coinbase, options.transactions, delivery);
  const layout = chooseLayout(block.input, dataAvailability, options.witness);
  const blobs = layout.blobs;
  // Counted before the KZG work (~0.1 s a blob), which a block refused here does not need.
  if (blobs !== undefined && blobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BlockTooLargeForL1Error("The block's data needs more blobs than one L1 transaction may carry", {
      blobs: blobs.length,
      max: MAX_BLOBS_PER_TRANSACTION,
      transactions: block.transactions.length,
    });
  }
  const l1GasBound = advanceGasLimit(executeInputOf(block.input, layout));
  return publishBlock({ ...options, fitted: { block, anchor, delivery, deferred: [], blobs, witnessInBlobs: layout.witnessInBlobs, l1GasBound } });
}

/**
 * Why `advance` failed: another block took the parent (a lost race), or EXECUTE's own verdict
 * when it ran in this process, or the original error.
 */
export async function explainFailure(rollup: Contract, parentHash: string, verdicts: ExecuteVerdict[], error: unknown): Promise<Error> {
  const head = (await rollup.getFunction("head")().catch(() => undefined)) as { blockHash: string } | undefined;
  if (head !== undefined && head.blockHash !== parentHash) {
    return new LostRaceError("Another block was verified on this parent first", { head: head.blockHash, claimed: parentHash }, { cause: error });
  }
  const verdict = verdicts.findLast((v) => !v.ok);
  if (verdict?.error !== undefined) {
    // The verdict's first line in the message: the proposer's log lines show one line, and "rejected" alone says not why.
    return new AdvanceFailedError(
      `advance() reverted: EXECUTE rejected the block: ${oneLine(verdict.error.message)}`,
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
