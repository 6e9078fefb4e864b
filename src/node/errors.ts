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

/**
 * The store cannot be written (disk full, permissions, an I/O error, LMDB refusing a commit). The
 * node stops writing at the first failure — a failed LMDB write retried in a loop ended in heap
 * corruption — and halts; what was committed before stays intact.
 */
export class StoreWriteError extends UltrasoundError {
  override name = "StoreWriteError";
  constructor(
    readonly dataDir: string,
    readonly reason: string,
    readonly code: string | number | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `The node's store in ${dataDir} cannot be written (${reason}); the node stopped writing and halted. Free disk space or fix the dir's permissions, then restart the node: every committed block and acknowledged transaction is kept`,
      { dataDir, reason, ...(code === undefined ? {} : { code }) },
      options,
    );
  }
}

/**
 * A store write callback broke the rules LMDB's single write transaction needs: it returned a
 * promise (the transaction would stay open across an await, and whatever else writes meanwhile
 * joins it), or it opened a transaction inside another (LMDB nests it as a child, or runs an
 * asynchronous one inline and reports it committed before its parent commits). A bug in the
 * node, made loud here rather than an `MDB_BAD_TXN` or a lost write later.
 */
export class StoreMisuseError extends UltrasoundError {
  override name = "StoreMisuseError";
}

/**
 * The store's file is damaged: it fails a check at open (truncated, empty where a store was, not
 * an LMDB file) or a record read back fails its checksum or hash. The node never serves such a
 * record; the store must be rebuilt from L1.
 */
export class StoreCorruptError extends UltrasoundError {
  override name = "StoreCorruptError";
  constructor(
    readonly file: string,
    readonly problem: string,
    details: Record<string, unknown> = {},
  ) {
    super(
      `The node's store ${file} is corrupt: ${problem}. Rebuild it from L1: restart the node with --reset (reset: true), which discards this store and re-derives the chain`,
      { file, ...details },
    );
  }
}
