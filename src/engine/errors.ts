import { UltrasoundError } from "../shared/errors.js";

/**
 * Why a block was rejected by `execute` (the semantics of EXECUTE). Every subclass carries the
 * values that disagree; `execute` never returns "invalid" without saying why.
 */
export class ExecutionRejectedError extends UltrasoundError {
  override name = "ExecutionRejectedError";
}

/** The witness needs a trie node or a contract code that it does not carry (dropped or altered). */
export class WitnessMissingNodeError extends ExecutionRejectedError {
  override name = "WitnessMissingNodeError";
  constructor(readonly key: string) {
    super("Witness is missing a node the execution reads (dropped or altered)", { key: `0x${key}` });
  }
}

/** The witness needs an ancestor header (for BLOCKHASH or the parent) that it does not carry. */
export class WitnessMissingHeaderError extends ExecutionRejectedError {
  override name = "WitnessMissingHeaderError";
  constructor(what: Record<string, unknown>) {
    super("Witness is missing an ancestor header", what);
  }
}

/** The witness bytes are not the documented RLP structure. */
export class WitnessDecodeError extends ExecutionRejectedError {
  override name = "WitnessDecodeError";
  constructor(reason: string) {
    super("Witness does not decode", { reason });
  }
}

/** A header field of the input contradicts the parent header or the chain rules. */
export class HeaderMismatchError extends ExecutionRejectedError {
  override name = "HeaderMismatchError";
  constructor(field: string, expected: unknown, got: unknown) {
    super(`Block header field '${field}' is invalid`, { field, expected, got });
  }
}

/** The transactions bytes do not decode, or one transaction is malformed or unsigned. */
export class TransactionDecodeError extends ExecutionRejectedError {
  override name = "TransactionDecodeError";
  constructor(index: number | undefined, reason: string) {
    super("Transaction does not decode", { index: index ?? "list", reason });
  }
}

/** A blob-carrying (type-3) transaction was included: L2 blocks cannot carry blobs. */
export class BlobTransactionNotAllowedError extends ExecutionRejectedError {
  override name = "BlobTransactionNotAllowedError";
  constructor(readonly index: number) {
    super("Blob transactions (type 3) are not allowed on L2", { index });
  }
}

/** A transaction could not be applied (bad nonce, balance, gas limit above what is left, …). */
export class InvalidTransactionError extends ExecutionRejectedError {
  override name = "InvalidTransactionError";
  constructor(readonly index: number, reason: string) {
    super("Transaction cannot be applied", { index, reason });
  }
}

/** The L1-anchor system call reverted: the block cannot be built on this state. */
export class AnchorCallFailedError extends ExecutionRejectedError {
  override name = "AnchorCallFailedError";
  constructor(reason: string) {
    super("L1-anchor system call failed", { reason });
  }
}

/**
 * The message-delivery system call (`L2Messenger.deliverMessages`) reverted or halted (a bad
 * preimage of the anchor, a wrong message, out of gas): the block is invalid (docs/bridge.md).
 */
export class MessageDeliveryFailedError extends ExecutionRejectedError {
  override name = "MessageDeliveryFailedError";
  constructor(
    readonly blockNumber: bigint,
    readonly gasUsed: bigint,
    readonly reason: string,
  ) {
    super(`Message delivery of block ${blockNumber} failed after ${gasUsed} gas: ${reason}`, { blockNumber, gasUsed, reason });
  }
}

/** A computed commitment (state root, receipts root, gas used, block hash) differs from the claim. */
export class CommitmentMismatchError extends ExecutionRejectedError {
  override name = "CommitmentMismatchError";
  constructor(
    readonly field: "postStateRoot" | "receiptsRoot" | "gasUsed" | "blockHash",
    readonly blockNumber: bigint,
    readonly expected: unknown,
    readonly got: unknown,
  ) {
    super(`${field} mismatch`, { blockNumber, field, expected, computed: got });
  }
}

/** The builder's own state database lacks a node: the local state is corrupt or pruned. */
export class StateNodeMissingError extends UltrasoundError {
  override name = "StateNodeMissingError";
  constructor(key: string) {
    super("Local L2 state database is missing a trie node", { key: `0x${key}` });
  }
}

/**
 * A block that reads a range of shared blobs (docs/execute.md, "Shared advances") names a range
 * that is empty or ends past the payload the blobs carry, or whose bytes are not one block's
 * `RLP([transactions, witness])`.
 */
export class BlobRangeError extends ExecutionRejectedError {
  override name = "BlobRangeError";
  constructor(readonly offset: bigint, readonly length: bigint, readonly payloadLength: number, reason: string) {
    super(`Blob range [${offset}, +${length}) is invalid: ${reason}`, { offset, length, payloadLength, reason });
  }
}

/** The proposer asked for a block that EXECUTE would reject whatever its transactions. */
export class InvalidBuildOptionsError extends UltrasoundError {
  override name = "InvalidBuildOptionsError";
}
