/** What every tracer of src/rpc/trace implements. */
import type { VM } from "@ethereumjs/vm";
import type { EngineStateManager } from "../../engine/state-manager.js";

/** Facts of the traced transaction (or call) that its EVM events do not carry. */
export interface TxFacts {
  from: string;
  /** The recipient, or undefined for a creation. */
  to?: string;
  gasLimit: bigint;
  coinbase: string;
  /** The state before the transaction (a reader of its own), for the prestate tracer. */
  pre: EngineStateManager;
}

/** How the traced transaction ended. */
export interface TxOutcome {
  /** The gas the receipt shows (intrinsic + execution − refund). */
  gasUsed: bigint;
  /** The EVM's error of the top frame, or undefined. */
  error?: string;
  returnValue: Uint8Array;
  /** The contract a top-level creation made (also when it failed: its address). */
  createdAddress?: string;
  /** The VM after the transaction: its state is the post-state. */
  vm: VM;
}

/** A tracer: listens to one transaction's EVM events, then gives its JSON. */
export interface Tracer {
  /** Starts listening; returns the function that stops. */
  attach(vm: VM, facts: TxFacts): () => void;
  result(outcome: TxOutcome): Promise<unknown>;
}
