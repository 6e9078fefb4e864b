import { UltrasoundError } from "../shared/errors.js";

/**
 * A derived block re-executed to something other than what L1 recorded: the node stops deriving
 * rather than diverge. `field` names the commitment, `expected` is L1's value, `got` the node's.
 */
export class DerivationMismatchError extends UltrasoundError {
  override name = "DerivationMismatchError";
  constructor(
    readonly blockNumber: bigint,
    readonly field: "parentHash" | "gasUsed" | "receiptsRoot" | "stateRoot" | "blockHash" | "execution",
    readonly expected: string,
    readonly got: string,
    details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(`L2 block ${blockNumber}: ${field} re-executes to ${got}, but L1 recorded ${expected}; derivation stopped`, {
      blockNumber,
      field,
      expected,
      got,
      ...details,
    }, options);
  }
}

/** The data dir was written for another L1 chain, rollup or L2 genesis: the node refuses to mix them. */
export class DataDirMismatchError extends UltrasoundError {
  override name = "DataDirMismatchError";
}

/** Another node (this process or another) has the data dir open. */
export class DataDirInUseError extends UltrasoundError {
  override name = "DataDirInUseError";
}

/** The L1 no longer holds the rollup's deployment block, or never did: not the L1 the data came from. */
export class L1ChangedError extends UltrasoundError {
  override name = "L1ChangedError";
}

/** The genesis the node was given does not hash to the L2 genesis the rollup was deployed with. */
export class GenesisMismatchError extends UltrasoundError {
  override name = "GenesisMismatchError";
}

/**
 * The node cannot find a block's data: the L1 transaction that emitted `BlockAdvanced` did not
 * call `advance` directly (a contract in between), so its input does not hold the transactions.
 */
export class AdvanceDataNotFoundError extends UltrasoundError {
  override name = "AdvanceDataNotFoundError";
}

/** Invalid options given to `startNode` (or the command line). */
export class NodeConfigError extends UltrasoundError {
  override name = "NodeConfigError";
}

/** A logs query would scan more blocks than allowed without an address or topic to narrow it. */
export class LogQueryTooLargeError extends UltrasoundError {
  override name = "LogQueryTooLargeError";
}
