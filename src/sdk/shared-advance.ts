import { hexToBytes } from "@ethereumjs/util";
import { Interface } from "ethers";
import { encodeBlobs } from "../blobs/codec.js";
import { compressBatch } from "../blobs/compression.js";
import { makeSidecar } from "../blobs/kzg.js";
import { MAX_BLOBS_PER_TRANSACTION } from "../blobs/send.js";
import { encodeBlobRange, type BlobRange } from "../engine/blob-range.js";
import { encodeBlockData } from "../engine/block-data.js";
import { EXECUTE_BLOB_GAS } from "../precompile/gas.js";
import { L1_TRANSACTION_GAS_CAP } from "../proposer/index.js";
import { advanceCallGas, bundleGasLimit, innerCallGas } from "./bundle-gas.js";
import {
  BundleBuildError,
  BundleTooLargeError,
  prepareBundle,
  sendBundle,
  type BundleOptions,
  type PreparedBundle,
  type ProposedBundle,
} from "./bundle.js";
import { nativeRollupInterface } from "./contracts.js";
import { pricingOf, readExecuteMarket } from "./execute-market.js";

/** A shared advance prepared: the bundle, and each leg's byte range of the shared payload. */
export interface PreparedSharedAdvance extends PreparedBundle {
  /** Leg i's range of the payload the sidecar's blobs carry (decoded and decompressed). */
  ranges: BlobRange[];
  /** Bytes of the payload before compression, and of the blobs' compressed batch. */
  payloadBytes: number;
  compressedBytes: number;
}

/**
 * Prepares a shared advance (docs/execute.md, "Shared advances"): every leg's next block built as
 * {@link prepareBundle} builds it, then ALL legs' data — transactions and witness — in ONE
 * compressed payload carried by as few blobs as it needs (one for ≈ 100 small blocks), each leg an
 * `advanceWithBlobRange` naming its byte range. One compression window over all the legs: the
 * predeploys' code and the trie nodes near the root repeat from rollup to rollup and compress
 * away. Forwards and assertions are not supported here (`BundleBuildError`).
 */
export async function prepareSharedAdvance(options: BundleOptions): Promise<PreparedSharedAdvance> {
  for (const [i, leg] of options.legs.entries()) {
    if (leg.forward !== undefined || (leg.assertions?.length ?? 0) > 0) {
      throw new BundleBuildError("A shared advance carries advances only (no forwards, no assertions)", { leg: i });
    }
  }
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  // Built with calldata data availability and no cap: the calldata form's bound is checked below
  // against the shared form's.
  const bundle = await prepareBundle({ ...options, dataAvailability: "calldata", l1GasCap: 2n ** 62n });
  const parts = bundle.legs.map((leg) => encodeBlockData({ transactions: leg.input.transactions, witness: leg.input.witness }));
  const ranges: BlobRange[] = [];
  let offset = 0;
  for (const part of parts) {
    ranges.push({ offset: BigInt(offset), length: BigInt(part.length) });
    offset += part.length;
  }
  const payload = new Uint8Array(offset);
  parts.forEach((part, i) => payload.set(part, Number(ranges[i]!.offset)));
  const compressed = compressBatch(payload);
  const blobs = encodeBlobs(compressed);
  if (blobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BundleTooLargeError("The legs' shared payload exceeds what one L1 transaction's blobs carry", { blobs: blobs.length, max: MAX_BLOBS_PER_TRANSACTION });
  }
  const sidecar = makeSidecar(blobs);
  const hashes = sidecar.versionedHashes;
  const hashBytes = hashes.map((h) => hexToBytes(h as `0x${string}`));
  const rollupInterface = nativeRollupInterface();
  const calls = bundle.calls.map((call, i) => {
    const leg = bundle.legs[i]!;
    leg.input = { ...leg.input, transactions: encodeBlobRange(ranges[i]!), blobVersionedHashes: hashBytes, witness: new Uint8Array(0) };
    const data = rollupInterface.encodeFunctionData("advanceWithBlobRange", [leg.claim, hashes, leg.input.transactions, "0x", leg.input.messages]);
    return { ...call, data, label: `${call.label} (range ${ranges[i]!.offset}+${ranges[i]!.length} of the shared blobs)` };
  });
  const bundlerInterface = new Interface(["function bundle((address target, bytes data, uint256 value)[] calls) payable returns (bytes[])"]);
  const data = bundlerInterface.encodeFunctionData("bundle", [calls.map(({ target, data, value }) => ({ target, data, value: value ?? 0n }))]);
  // The bound prepareBundle computes (by construction), for each leg's range-form call; under the
  // market EXECUTE charges each blob once per transaction (docs/execute.md), so every leg but
  // the first is relieved of the per-blob term its own bound counts.
  const pricing = pricingOf(await readExecuteMarket(options.provider));
  let innerGas = 0n;
  for (const [i, call] of calls.entries()) innerGas += innerCallGas(advanceCallGas(bundle.legs[i]!.input, call.data, pricing));
  if (pricing === "market") innerGas -= EXECUTE_BLOB_GAS * BigInt(hashes.length * (calls.length - 1));
  const gasLimit = bundleGasLimit(data, calls, innerGas);
  if (gasLimit > cap) {
    throw new BundleTooLargeError("The shared advance would exceed the L1 transaction gas cap (EIP-7825)", { gasLimit, cap, legs: calls.length });
  }
  return { ...bundle, calls, data, sidecar, gasLimit, ranges, payloadBytes: payload.length, compressedBytes: compressed.length };
}

/** Builds and sends a shared advance ({@link prepareSharedAdvance}, then `sendBundle`): all legs in one L1 transaction and one set of blobs. */
export async function proposeSharedAdvance(options: BundleOptions): Promise<ProposedBundle & { prepared: PreparedSharedAdvance }> {
  const prepared = await prepareSharedAdvance(options);
  return (await sendBundle(options, prepared)) as ProposedBundle & { prepared: PreparedSharedAdvance };
}
