/**
 * The builder's input and output (build.ts), apart so that the off-thread builder
 * (build-offthread.ts), which build.ts calls, can name them without an import circle.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { TxReceipt } from "@ethereumjs/vm";
import type { SkippedTransaction } from "./apply.js";
import type { EvmLog } from "./system-calls.js";
import type { ExecuteInput } from "./types.js";
import type { Witness } from "./witness.js";

/** What the proposer chooses for a new block; the rest follows from the parent. */
export interface BuildOptions {
  /**
   * Signed transactions (objects or raw bytes). Those that cannot apply are left out. Objects
   * decoded for this chain whose sender is recovered (the mempool's) are used as they are; any
   * other is serialised and decoded again (see `decodedForChain`).
   */
  transactions: (TypedTransaction | Uint8Array)[];
  timestamp: bigint;
  coinbase: Uint8Array;
  prevRandao: Uint8Array;
  /** The L1 block hash the block is anchored to. */
  anchor: Uint8Array;
  /**
   * The L1→L2 messages to deliver (EXECUTE's `messages` field: the ABI arguments of
   * `L2Messenger.deliverMessages`). Empty or absent: no delivery. Recorded in the built block's
   * EXECUTE input; a delivery that reverts throws `MessageDeliveryFailedError`.
   */
  messages?: Uint8Array;
  /**
   * How many EXECUTEs deep the chain's blocks are verified (0, the default, for a chain L1
   * verifies; 1 for an L3 whose blocks an L2 transaction verifies): the block must be built as
   * its verifier will run it, and EXECUTE is served only below `MAX_EXECUTE_NESTING` (nested.ts).
   */
  nestingDepth?: number;
}

/** A built L2 block: its header, its body, the receipts, and the witness that proves it. */
export interface BuiltBlock {
  header: BlockHeader;
  transactions: TypedTransaction[];
  skipped: SkippedTransaction[];
  receipts: TxReceipt[];
  witness: Witness;
  /** The EXECUTE input that verifies this block (transactions inline). */
  input: ExecuteInput;
  /** Σ baseFeePerGas × receipt gas over the transactions: what `execute` returns as `burnedFees`. */
  burnedFees: bigint;
  /** Gas of the message delivery, in `header.gasUsed` but in no receipt (0 without messages). */
  deliveryGasUsed: bigint;
  /** Logs of the message delivery (in no receipt): e.g. the messenger's `SyncCallExecuted` results. */
  deliveryLogs: EvmLog[];
  /**
   * The trie nodes and codes the block wrote, keyed as in the state database (`buildBlock`'s;
   * absent from blocks made otherwise): with the header and receipts, what a node in the same
   * process commits instead of re-executing the block once L1 accepted its hash (node/stages/adopt.ts).
   */
  writes?: ReadonlyMap<string, Uint8Array>;
}
