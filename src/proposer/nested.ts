/**
 * Where a nested chain's data goes (docs/nested.md): an L3's `NativeRollup` lives on an L2, and
 * an L2 block carries no blobs — its transactions cannot be type 3 and its EVM has no BLOBHASH to
 * check one — so an L3 block's data is calldata of the L2 transaction that advances it.
 */
import type { L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";

/** propose.ts's `DataAvailability` (not imported: propose.ts imports this module). */
type DataAvailability = "blobs" | "calldata";

/** Blob data availability was asked for a chain whose blocks are verified inside an L2 (`nestingDepth` ≥ 1). */
export class NestedBlobsUnavailableError extends UltrasoundError {
  override name = "NestedBlobsUnavailableError";
}

/**
 * The data availability a block of `chain` is published with: `asked`, or by default blobs for a
 * rollup L1 verifies and calldata for one verified inside an L2. Blobs asked for the latter are
 * refused before any work (its `advanceWithBlobs` would revert on the L2: no transaction there
 * carries a blob).
 */
export function dataAvailabilityFor(chain: Pick<L2Chain, "genesis">, asked: DataAvailability | undefined): DataAvailability {
  const depth = chain.genesis.nestingDepth ?? 0;
  if (depth === 0) return asked ?? "blobs";
  if (asked === "blobs") {
    throw new NestedBlobsUnavailableError("Blobs are L1-only: a chain verified inside an L2 publishes its blocks in the calldata of `advance` (dataAvailability: \"calldata\")", {
      chainId: chain.genesis.chainId,
      nestingDepth: depth,
    });
  }
  return "calldata";
}
