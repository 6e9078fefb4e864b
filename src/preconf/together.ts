/**
 * Several preconfirmed blocks of one rollup in ONE L1 transaction (docs/preconf.md, "Several
 * blocks in one L1 transaction"): consecutive blocks, each its own advance, all made by
 * `PreconfRegistry.bundle` (the slot's gate checks the bundle's caller, the operator). With blobs,
 * the blocks share one compressed payload — one blob for a few small blocks, charged once per
 * transaction — each an `advanceWithBlobRange` naming its byte range, as a shared advance of
 * several rollups does (the payload and each block's range input are src/sdk/shared-advance.ts's;
 * the calls go through the registry, whose gate checks the operator). With calldata, each is a
 * plain `advance`; the blocks still share the transaction's base cost.
 *
 * With blobs and two blocks or more, the default is ONE EXECUTE call for all of them
 * (`PreconfRegistry.executeBatch`, docs/preconf.md "One EXECUTE call"): the batch pays every
 * block's fee, and each block is an `advanceBatched` that checks the verdict EXECUTE remembered
 * for its own input (≈ 20k of EXECUTE per block instead of 60k). The calldata and gas are
 * src/sdk/batched-advance.ts's (RollupBundler's `executeBatch` has the same signature).
 */
import { type Contract, type JsonRpcApiProvider, Signer, TransactionReceipt } from "ethers";
import type { BlobSidecar } from "../blobs/kzg.js";
import { makeSidecarOffThread } from "../blobs/kzg-offthread.js";
import { MAX_BLOBS_PER_TRANSACTION, sendBlobTransaction } from "../blobs/send.js";
import { EXECUTE_BLOB_GAS } from "../precompile/gas.js";
import { L1_TRANSACTION_GAS_CAP, LostRaceError, waitForL1Receipt, type DataAvailability, type FittedBlock } from "../proposer/propose.js";
import { advanceCallGas, bundleGasLimit, innerCallGas } from "../sdk/bundle-gas.js";
import { blockClaim, parseBlockAdvanced, type BlockAdvancedEvent } from "../sdk/contracts.js";
import { executeFeeFor, pricingOf, readExecuteMarket } from "../sdk/execute-market.js";
import { batchedAdvanceCalls } from "../sdk/batched-advance.js";
import { rangeInput, sharedPayload } from "../sdk/shared-advance.js";
import { artifactInterface } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";

/**
 * The registry's own work per call beyond a RollupBundler's (the selector check and the
 * `PRECONF_REGISTRY()` staticcall, cold) and the gate's look-up of the bundle's caller.
 */
export const REGISTRY_PER_CALL_GAS = 10_000n;

/** Several blocks that could not be advanced together (see the message and values). */
export class AdvanceTogetherError extends UltrasoundError {
  override name = "AdvanceTogetherError";
}

/** Several blocks refused before sending: they do not fit one L1 transaction (fewer will). */
export class TogetherTooLargeError extends AdvanceTogetherError {
  override name = "TogetherTooLargeError";
}

/** Options of {@link advanceTogether}. */
export interface AdvanceTogetherOptions {
  /** The gated rollup, connected to the operator's L1 signer (who sends the bundle). */
  rollup: Contract;
  /** The PreconfRegistry that gates it (it makes the calls). */
  registry: string;
  provider: JsonRpcApiProvider;
  /** Consecutive blocks, each the child of the one before, the first the child of L1's head. */
  blocks: FittedBlock[];
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  l1GasCap?: bigint;
  /** How the blocks are verified; default {@link defaultTogetherExecute}. */
  execute?: TogetherExecute;
}

/**
 * `"batched"`: ONE EXECUTE call over the blocks (`PreconfRegistry.executeBatch`, each block an
 * `advanceBatched`; blobs only: `advanceBatched` reads its block from blobs); `"per-block"`: each
 * block's advance calls EXECUTE itself (`PreconfRegistry.bundle`).
 */
export type TogetherExecute = "batched" | "per-block";

/** The default: batched for two blocks or more carried by blobs (cheaper from k = 2); else per block. */
export function defaultTogetherExecute(blocks: number, dataAvailability: DataAvailability): TogetherExecute {
  return blocks >= 2 && dataAvailability === "blobs" ? "batched" : "per-block";
}

/** Batched verification asked for where it cannot work (calldata data availability). */
export class TogetherBatchedError extends AdvanceTogetherError {
  override name = "TogetherBatchedError";
}

/** What L1 did with the blocks: one transaction, one `BlockAdvanced` per block, in order. */
export interface AdvancedTogether {
  l1Receipt: TransactionReceipt;
  events: BlockAdvancedEvent[];
  /** Blobs carried (0 with calldata) and the payload's bytes before and after compression. */
  blobs: number;
  payloadBytes: number;
  compressedBytes: number;
  /** How the blocks were verified. */
  execute: TogetherExecute;
}

/** The bundle of {@link advanceTogether}, ready to send. */
export interface PreparedTogether {
  /** How the blocks are verified (the registry's `executeBatch` or `bundle`). */
  execute: TogetherExecute;
  data: string;
  value: bigint;
  gasLimit: bigint;
  /** The shared blobs (blob data availability only). */
  sidecar?: BlobSidecar;
  payloadBytes: number;
  compressedBytes: number;
}

/** Builds the registry bundle for `options.blocks` (see the file comment); throws {@link TogetherTooLargeError} when it does not fit. */
export async function prepareTogether(options: AdvanceTogetherOptions): Promise<PreparedTogether> {
  const { rollup, blocks } = options;
  if (blocks.length === 0) throw new AdvanceTogetherError("No blocks to advance");
  const target = await rollup.getAddress();
  const market = await readExecuteMarket(options.provider);
  const pricing = pricingOf(market);
  const claims = blocks.map((b) => blockClaim(b.block.header, b.anchor.number, b.delivery.messageCount));
  let calls: { target: string; data: string; value: bigint; gas: bigint }[];
  let sidecar: BlobSidecar | undefined;
  let payloadBytes = 0;
  let compressedBytes = 0;
  const dataAvailability = options.dataAvailability ?? "blobs";
  const execute = options.execute ?? defaultTogetherExecute(blocks.length, dataAvailability);
  if (execute === "batched" && dataAvailability !== "blobs") {
    throw new TogetherBatchedError("Batched verification needs blob data availability (advanceBatched reads its block from blobs)", { dataAvailability });
  }
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  if (dataAvailability === "blobs") {
    // One payload: block i's transactions and witness at ranges[i] (the node and EXECUTE read it so).
    const shared = sharedPayload(blocks);
    ({ payloadBytes, compressedBytes } = shared);
    if (shared.blobs.length > MAX_BLOBS_PER_TRANSACTION) {
      throw new TogetherTooLargeError("The blocks' shared payload exceeds what one L1 transaction's blobs carry", { blocks: blocks.length, blobs: shared.blobs.length, max: MAX_BLOBS_PER_TRANSACTION });
    }
    // The versioned hashes are needed for the calldata; KZG runs off the thread that serves RPC.
    const blobSidecar = await makeSidecarOffThread(shared.blobs);
    sidecar = blobSidecar;
    const hashes = blobSidecar.versionedHashes;
    if (execute === "batched") {
      const inputs = blocks.map((b, i) => rangeInput(b, shared.ranges[i]!, blobSidecar));
      const batched = batchedAdvanceCalls(blocks.map((fitted) => ({ address: target, fitted })), inputs, shared.ranges, blobSidecar, market, pricing);
      // The registry's gate on each call (its selector and PRECONF_REGISTRY() checks, the caller's look-up) on top of the bundler's bound.
      const registryGas = REGISTRY_PER_CALL_GAS * BigInt(blocks.length);
      const estimate = batched.estimate + registryGas;
      if (estimate > cap) throw new TogetherTooLargeError("The blocks together would exceed the L1 transaction gas cap (EIP-7825)", { blocks: blocks.length, gasLimit: estimate, cap });
      const bound = batched.bound + registryGas;
      return { execute, data: batched.data, value: batched.value, gasLimit: bound < cap ? bound : cap, sidecar, payloadBytes, compressedBytes };
    }
    calls = blocks.map((b, i) => {
      const input = rangeInput(b, shared.ranges[i]!, blobSidecar);
      const data = rollup.interface.encodeFunctionData("advanceWithBlobRange", [claims[i], hashes, input.transactions, "0x", b.block.input.messages]);
      return { target, data, value: executeFeeFor(market, b.block.header.gasUsed), gas: innerCallGas(advanceCallGas(input, data, pricing)) };
    });
    // Under the market EXECUTE charges each blob once per transaction (docs/execute.md): every
    // call but the first is relieved of the blob term its own bound counts.
    if (pricing === "market") calls[calls.length - 1]!.gas -= EXECUTE_BLOB_GAS * BigInt(hashes.length * (calls.length - 1));
  } else {
    calls = blocks.map((b, i) => {
      const data = rollup.interface.encodeFunctionData("advance", [claims[i], b.block.input.transactions, b.block.input.witness, b.block.input.messages]);
      return { target, data, value: executeFeeFor(market, b.block.header.gasUsed), gas: innerCallGas(advanceCallGas(b.block.input, data, pricing)) };
    });
  }
  const registryInterface = artifactInterface("l1/PreconfRegistry.sol", "PreconfRegistry");
  const data = registryInterface.encodeFunctionData("bundle", [calls.map(({ target, data, value }) => ({ target, data, value }))]);
  const innerGas = calls.reduce((sum, c) => sum + c.gas + REGISTRY_PER_CALL_GAS, 0n);
  const gasLimit = bundleGasLimit(data, calls, innerGas);
  if (gasLimit > cap) throw new TogetherTooLargeError("The blocks together would exceed the L1 transaction gas cap (EIP-7825)", { blocks: blocks.length, gasLimit, cap });
  return { execute, data, value: calls.reduce((sum, c) => sum + c.value, 0n), gasLimit, sidecar, payloadBytes, compressedBytes };
}

/**
 * Advances `options.blocks` in one L1 transaction (see the file comment) and returns its receipt
 * and events. Throws {@link TogetherTooLargeError} before sending when they do not fit one
 * transaction (fewer blocks will), and what L1 said when the bundle reverted.
 */
export async function advanceTogether(options: AdvanceTogetherOptions): Promise<AdvancedTogether> {
  const prepared = await prepareTogether(options);
  const signer = options.rollup.runner as Signer & { sendUncheckedTransaction?: (tx: object) => Promise<string> };
  const request = { to: options.registry, data: prepared.data, gasLimit: prepared.gasLimit, value: prepared.value };
  let l1Receipt: TransactionReceipt;
  if (prepared.sidecar !== undefined) {
    const sent = await sendBlobTransaction(signer, { ...request, sidecar: prepared.sidecar });
    l1Receipt = await waitForL1Receipt(options.provider, sent.hash);
  } else {
    // Only the hash: a JSON-RPC signer's sendTransaction polls for ever when a reorg drops it (publishBlock does the same).
    const hash = signer.sendUncheckedTransaction !== undefined ? await signer.sendUncheckedTransaction(request) : (await signer.sendTransaction(request)).hash;
    l1Receipt = await waitForL1Receipt(options.provider, hash);
  }
  const rollup = (await options.rollup.getAddress()).toLowerCase();
  const events = parseBlockAdvanced(l1Receipt.logs.filter((log) => log.address.toLowerCase() === rollup));
  if (events.length !== options.blocks.length) {
    throw new AdvanceTogetherError("The bundle landed without every block's BlockAdvanced event", { blocks: options.blocks.length, events: events.length, tx: l1Receipt.hash });
  }
  return { l1Receipt, events, blobs: prepared.sidecar?.blobs.length ?? 0, payloadBytes: prepared.payloadBytes, compressedBytes: prepared.compressedBytes, execute: prepared.execute };
}

/** What {@link consecutiveRun} and {@link advanceRun} need of a preconfirmed block. */
interface RunBlock {
  number: bigint;
  hash: string;
  signed: { commitment: { parentHash: string } };
  fitted: FittedBlock;
  advanced?: { l1Transaction: string; l1Block: bigint; l1Gas: bigint; together?: number };
}

/** `first` and the blocks built on it (`byNumber`), in order, at most `most` of them. */
export function consecutiveRun<T extends RunBlock>(first: T, byNumber: (number: bigint) => T | undefined, most: number): T[] {
  const run = [first];
  for (;;) {
    const last = run[run.length - 1]!;
    const child = byNumber(last.number + 1n);
    if (run.length >= most || child === undefined || child.signed.commitment.parentHash !== last.hash) return run;
    run.push(child);
  }
}

/**
 * Advances `run` in one L1 transaction ({@link advanceTogether}) and marks each block advanced
 * with its share of the transaction's gas (the remainder on the first: the shares add up to it).
 * Undefined when the blocks do not fit one transaction (the caller tries fewer); "lost" when
 * L1's head moved under them (another proposer, a reorg).
 */
export async function advanceRun<T extends RunBlock>(options: Omit<AdvanceTogetherOptions, "blocks">, run: T[], log: (line: string) => void): Promise<T[] | "lost" | undefined> {
  let together: AdvancedTogether;
  try {
    together = await advanceTogether({ ...options, blocks: run.map((b) => b.fitted) });
  } catch (error) {
    if (error instanceof TogetherTooLargeError) return undefined;
    if (error instanceof LostRaceError) return "lost";
    const onL1 = String(((await options.rollup.getFunction("head")()) as { blockHash: string }).blockHash).toLowerCase();
    if (onL1 !== run[0]!.signed.commitment.parentHash) return "lost";
    throw error;
  }
  const { l1Receipt } = together;
  const count = BigInt(run.length);
  run.forEach((b, i) => {
    b.advanced = { l1Transaction: l1Receipt.hash, l1Block: BigInt(l1Receipt.blockNumber), l1Gas: l1Receipt.gasUsed / count + (i === 0 ? l1Receipt.gasUsed % count : 0n), together: run.length };
  });
  log(`preconf: L2 blocks ${run[0]!.number}…${run[run.length - 1]!.number} advanced in one L1 transaction (${l1Receipt.gasUsed} gas, ${together.blobs} blob(s), ${together.execute === "batched" ? "one EXECUTE call" : "one EXECUTE call each"})`);
  return run;
}
