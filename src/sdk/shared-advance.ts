import { hexToBytes } from "@ethereumjs/util";
import { Interface } from "ethers";
import { encodeBlobs } from "../blobs/codec.js";
import { compressBatch } from "../blobs/compression.js";
import type { BlobSidecar } from "../blobs/kzg.js";
import { makeSidecarOffThread } from "../blobs/kzg-offthread.js";
import { MAX_BLOBS_PER_TRANSACTION } from "../blobs/send.js";
import { encodeBlobRange, type BlobRange } from "../engine/blob-range.js";
import { encodeBlockData } from "../engine/block-data.js";
import { EXECUTE_BLOB_GAS } from "../precompile/gas.js";
import { L1_TRANSACTION_GAS_CAP } from "../proposer/fit.js";
import { advanceCallGas, bundleGasLimit, innerCallGas } from "./bundle-gas.js";
import type { BuiltSharedLeg } from "./bundle-types.js";
import {
  BundleBuildError,
  type BundleCall,
  type PreparedLeg,
  BundleTooLargeError,
  prepareBundle,
  sendBundle,
  type BundleOptions,
  type PreparedBundle,
  type ProposedBundle,
} from "./bundle.js";
import { blockClaim, nativeRollupInterface } from "./contracts.js";
import { batchedAdvanceCalls } from "./batched-advance.js";
import { executeFeeFor, pricingOf, readExecuteMarket } from "./execute-market.js";
import type { ExecutePricing } from "../precompile/shim.js";
import type { FittedBlock } from "../proposer/propose.js";

/** A shared advance prepared: the bundle, and each leg's byte range of the shared payload. */
export interface PreparedSharedAdvance extends PreparedBundle {
  /** Leg i's range of the payload the sidecar's blobs carry (decoded and decompressed). */
  ranges: BlobRange[];
  /** The L1 gas bound by construction (may exceed the cap), and the measured estimate packing goes by (see `SHARED_LEG_MEASURED_SLACK`). */
  gasBound: bigint;
  gasEstimate: bigint;
  /** Bytes of the payload before compression, and of the blobs' compressed batch. */
  payloadBytes: number;
  compressedBytes: number;
  /** How the legs were verified: one batched EXECUTE call, or one call per leg. */
  execute: SharedExecute;
}

/**
 * How a shared advance's blocks are verified: `"batched"` (the default) — ONE EXECUTE call over
 * all of them (`RollupBundler.executeBatch`, each rollup's `advanceBatched`; docs/shared-advances.md,
 * "One EXECUTE call"); `"per-leg"` — each rollup's `advanceWithBlobRange` calls EXECUTE itself.
 */
export type SharedExecute = "batched" | "per-leg";
/**
 * The default for `k` legs: the batched call from two legs on, where it is cheaper (measured, bench
 * section economics and bench/shared-legs.ts); one leg alone keeps its own EXECUTE call (the batch
 * adds the entry's bytes to calldata and the bundler's wrapper: ≈ 5k more at k = 1).
 */
export function defaultSharedExecute(k: number): SharedExecute {
  return k >= 2 ? "batched" : "per-leg";
}

/** A shared advance's options: a bundle's, and how its blocks are verified. */
export interface SharedAdvanceOptions extends BundleOptions {
  execute?: SharedExecute;
}

/**
 * Prepares a shared advance (docs/execute.md, "Shared advances"): every leg's next block built as
 * {@link prepareBundle} builds it, then ALL legs' data — transactions and witness — in ONE
 * compressed payload carried by as few blobs as it needs (one for ≈ 100 small blocks), each leg an
 * `advanceWithBlobRange` naming its byte range. One compression window over all the legs: the
 * predeploys' code and the trie nodes near the root repeat from rollup to rollup and compress
 * away. Forwards and assertions are not supported here (`BundleBuildError`).
 */
export async function prepareSharedAdvance(options: SharedAdvanceOptions): Promise<PreparedSharedAdvance> {
  for (const [i, leg] of options.legs.entries()) {
    if (leg.forward !== undefined || (leg.assertions?.length ?? 0) > 0) {
      throw new BundleBuildError("A shared advance carries advances only (no forwards, no assertions)", { leg: i });
    }
  }
  // Built with calldata data availability and no cap: the calldata form's bound is checked below
  // against the shared form's.
  const bundle = await prepareBundle({ ...options, dataAvailability: "calldata", l1GasCap: 2n ** 62n });
  return packSharedAdvance(options, bundle.legs.map((leg) => ({ address: leg.address, fitted: leg.fitted })));
}


/**
 * Packs blocks already built (each on its own rollup's head, all anchored to the same L1 block,
 * e.g. by each rollup's proposer: src/proposer/multi-shared.ts) into one shared advance, as
 * {@link prepareSharedAdvance} does after building them. Throws {@link BundleTooLargeError} when
 * the shared payload needs more blobs than one transaction carries or the bound exceeds the cap.
 */
export async function packSharedAdvance(options: Pick<SharedAdvanceOptions, "bundler" | "provider" | "l1GasCap" | "execute">, built: BuiltSharedLeg[]): Promise<PreparedSharedAdvance> {
  if (built.length === 0) throw new BundleBuildError("A shared advance needs at least one leg");
  const anchor = built[0]!.fitted.anchor;
  for (const [i, leg] of built.entries()) {
    if (leg.fitted.anchor.number !== anchor.number) throw new BundleBuildError("The legs of a shared advance must share one L1 anchor", { leg: i, anchor: anchor.number, legAnchor: leg.fitted.anchor.number });
  }
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  const market = await readExecuteMarket(options.provider);
  const pricing = pricingOf(market);
  const shared = sharedPayload(built.map((leg) => leg.fitted));
  if (shared.blobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BundleTooLargeError("The legs' shared payload exceeds what one L1 transaction's blobs carry", { blobs: shared.blobs.length, max: MAX_BLOBS_PER_TRANSACTION, legs: built.length });
  }
  const { ranges } = shared;
  const sidecar = await makeSidecarOffThread(shared.blobs);
  const hashes = sidecar.versionedHashes;
  const bundler = (await options.bundler.getAddress()).toLowerCase();
  if ((options.execute ?? defaultSharedExecute(built.length)) === "batched") {
    const inputs = built.map(({ fitted }, i) => rangeInput(fitted, ranges[i]!, sidecar));
    const batched = batchedAdvanceCalls(built, inputs, ranges, sidecar, market, pricing);
    if (batched.estimate > cap) {
      throw new BundleTooLargeError("The shared advance would exceed the L1 transaction gas cap (EIP-7825)", { gasLimit: batched.estimate, bound: batched.bound, cap, legs: built.length });
    }
    const gasLimit = batched.bound < cap ? batched.bound : cap;
    return {
      bundler, anchor, legs: batched.legs, forwards: [], assertions: [], calls: batched.calls, data: batched.data, value: batched.value, sidecar, gasLimit,
      gasBound: batched.bound, gasEstimate: batched.estimate, ranges, payloadBytes: shared.payloadBytes, compressedBytes: shared.compressedBytes, execute: "batched",
    };
  }
  const rollupInterface = nativeRollupInterface();
  const legs: PreparedLeg[] = [];
  const calls: BundleCall[] = built.map(({ address, fitted }, i) => {
    const { block } = fitted;
    const claim = blockClaim(block.header, anchor.number, fitted.delivery.messageCount);
    const input = rangeInput(fitted, ranges[i]!, sidecar);
    legs.push({ address: address.toLowerCase(), fitted, claim, input, blobIndices: hashes.map((_, k) => k), received: [] });
    const data = rollupInterface.encodeFunctionData("advanceWithBlobRange", [claim, hashes, input.transactions, "0x", block.input.messages]);
    const label = `advance ${address.toLowerCase()} to L2 block ${block.header.number} (range ${ranges[i]!.offset}+${ranges[i]!.length} of the shared blobs)`;
    return { target: address, data, value: executeFeeFor(market, block.header.gasUsed), label };
  });
  const bundlerInterface = new Interface(["function bundle((address target, bytes data, uint256 value)[] calls) payable returns (bytes[])"]);
  const data = bundlerInterface.encodeFunctionData("bundle", [calls.map(({ target, data, value }) => ({ target, data, value: value ?? 0n }))]);
  const value = calls.reduce((sum, call) => sum + (call.value ?? 0n), 0n);
  const { bound, estimate } = sharedAdvanceGas(data, calls, legs, pricing);
  if (estimate > cap) {
    throw new BundleTooLargeError("The shared advance would exceed the L1 transaction gas cap (EIP-7825)", { gasLimit: estimate, bound, cap, legs: calls.length });
  }
  // The bound when it fits; else the cap, which the measured estimate says suffices (gas not used is not paid).
  const gasLimit = bound < cap ? bound : cap;
  return { bundler, anchor, legs, forwards: [], assertions: [], calls, data, value, sidecar, gasLimit, gasBound: bound, gasEstimate: estimate, ranges, payloadBytes: shared.payloadBytes, compressedBytes: shared.compressedBytes, execute: "per-leg" };
}

/** Several blocks' data in ONE compressed payload: block i at `ranges[i]` of it once decompressed, the blobs that carry it. */
export interface SharedPayload {
  ranges: BlobRange[];
  /** The blobs (no commitments yet: a caller checks their count before paying for KZG). */
  blobs: Uint8Array[];
  payloadBytes: number;
  compressedBytes: number;
}

/**
 * Lays the blocks' `RLP([transactions, witness])` end to end and compresses them as one batch (one
 * window: what repeats from block to block compresses away), as EXECUTE and the node read a
 * block from a range of the blobs (docs/shared-advances.md). Used for many rollups' blocks in one
 * transaction (here) and for one rollup's consecutive preconfirmed blocks (src/preconf/together.ts).
 */
export function sharedPayload(blocks: readonly FittedBlock[]): SharedPayload {
  const parts = blocks.map((fitted) => encodeBlockData({ transactions: fitted.block.input.transactions, witness: fitted.block.input.witness }));
  const ranges: BlobRange[] = [];
  let offset = 0;
  for (const part of parts) {
    ranges.push({ offset: BigInt(offset), length: BigInt(part.length) });
    offset += part.length;
  }
  const payload = new Uint8Array(offset);
  parts.forEach((part, i) => payload.set(part, Number(ranges[i]!.offset)));
  const compressed = compressBatch(payload);
  return { ranges, blobs: encodeBlobs(compressed), payloadBytes: payload.length, compressedBytes: compressed.length };
}

/** A block's EXECUTE input when its data is `range` of the shared blobs: the range as `transactions`, the blobs' hashes, no witness of its own. */
export function rangeInput(fitted: FittedBlock, range: BlobRange, sidecar: BlobSidecar): FittedBlock["block"]["input"] {
  return { ...fitted.block.input, transactions: encodeBlobRange(range), blobVersionedHashes: sidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`)), witness: new Uint8Array(0) };
}

/**
 * What a range leg after the first uses less than its by-construction bound (`advanceCallGas`
 * through `innerCallGas`), measured on the in-process Hardhat L1 under EXECUTE's market
 * (test/sdk/shared-advance-gas.test.ts pins it): the bound's margins on NativeRollup's fixed
 * work (125k for ≈ 87k), gas each call needs only in passing (the shim's 10,000 reserve and 1/63
 * headroom, the 1/64 each CALL keeps back: returned, not used, and needed by one leg at a time),
 * and what is warm after the first leg (the market's slot written fresh once per L1 block, the
 * cold accesses to 0x…0101 and its oracle, the market view). One-transfer legs measured 272.5k
 * bound and 157.7k used (k = 5 and 20, by difference); this leaves ≈ 4 % of margin on them.
 */
export const SHARED_LEG_MEASURED_SLACK = 108_000n;
/** The same for a rollup's first block (its head's three slots and the burned-fees slot written fresh): 310.7k bound, 208.2k used. */
export const SHARED_FIRST_BLOCK_MEASURED_SLACK = 90_000n;

/**
 * The shared advance's L1 gas: `bound`, `prepareBundle`'s by construction for each leg's
 * range-form call (under the market EXECUTE charges each blob once per transaction,
 * docs/execute.md, so every leg but the first is relieved of the per-blob term its own bound
 * counts); and `estimate`, the same with every leg after the first at its bound less the slack
 * measured above. `bound` over-counts ≈ 115k per leg (100 one-transfer legs: 27M for 16M used),
 * so packing by it split 100 legs into two transactions; packing is by `estimate`, and the
 * transaction's gas limit is the bound or, when that exceeds the cap, the cap.
 */
function sharedAdvanceGas(data: string, calls: BundleCall[], legs: PreparedLeg[], pricing: ExecutePricing): { bound: bigint; estimate: bigint } {
  let innerGas = 0n;
  let slack = 0n;
  for (const [i, call] of calls.entries()) {
    const need = innerCallGas(advanceCallGas(legs[i]!.input, call.data, pricing));
    innerGas += need;
    if (i > 0 && pricing === "market") {
      const measured = legs[i]!.input.number === 1n ? SHARED_FIRST_BLOCK_MEASURED_SLACK : SHARED_LEG_MEASURED_SLACK;
      slack += measured < need ? measured : 0n;
    }
  }
  const blobs = BigInt(legs[0]!.input.blobVersionedHashes.length);
  if (pricing === "market") innerGas -= EXECUTE_BLOB_GAS * blobs * BigInt(calls.length - 1);
  const bound = bundleGasLimit(data, calls, innerGas);
  return { bound, estimate: bound - slack };
}

/** Builds and sends a shared advance ({@link prepareSharedAdvance}, then `sendBundle`): all legs in one L1 transaction and one set of blobs. */
export async function proposeSharedAdvance(options: SharedAdvanceOptions): Promise<ProposedBundle & { prepared: PreparedSharedAdvance }> {
  const prepared = await prepareSharedAdvance(options);
  return (await sendBundle(options, prepared)) as ProposedBundle & { prepared: PreparedSharedAdvance };
}
