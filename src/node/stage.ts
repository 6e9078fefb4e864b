/**
 * A stage of the node's pipeline, after reth's `Stage` (crates/stages/api/src/stage.rs): it moves
 * forward from its checkpoint towards a target, and unwinds back to a given block. Each forward
 * step writes its results and its new checkpoint in one store transaction, so a crash leaves
 * every stage at a checkpoint with nothing half done; an L1 reorg is every stage unwound to the
 * common ancestor, then the same forward run again.
 *
 *   follow-l1   L1 blocks      → BlockAdvanced events, with the L1 block hash behind each
 *   derive      events         → each L2 block's transactions (calldata, or blobs by beacon API)
 *   execute     transactions   → state, header, receipts and indexes, checked against L1's claims
 */
import type { Common } from "@ethereumjs/common";
import type { BlobReader } from "../blobs/reader.js";
import type { GenesisConfig } from "../engine/genesis.js";
import type { L1Client } from "./l1.js";
import type { NodeStore } from "./store.js";

/** The stages, in the order they run forward (unwinds run in reverse). */
export type StageId = "follow-l1" | "derive" | "execute";

/** Where a stage is and where to go. Checkpoints count L1 blocks for follow-l1, L2 blocks for the others. */
export interface ExecInput {
  checkpoint: bigint;
  target: bigint;
}

/** How far a forward step got; `done` when the target is reached. */
export interface ExecOutput {
  checkpoint: bigint;
  done: boolean;
}

/** The common ancestor to unwind to, in both counts: the L1 block, and the last L2 block it verified. */
export interface UnwindInput {
  checkpoint: bigint;
  unwindTo: { l1: bigint; l2: bigint };
}

/** The checkpoint after unwinding; the execute stage also returns the transactions it took out. */
export interface UnwindOutput {
  checkpoint: bigint;
  unwoundBlocks?: UnwoundBlock[];
}

/** An L2 block an unwind removed, with its transactions (raw, as L1 carried them). */
export interface UnwoundBlock {
  number: bigint;
  hash: string;
  transactions: Uint8Array[];
}

/** What every stage shares. */
export interface NodeContext {
  store: NodeStore;
  l1: L1Client;
  /** Lowercase 0x address of the NativeRollup. */
  rollup: string;
  genesis: GenesisConfig;
  /** Decodes stored headers (no VM is ever attached to it: PITFALLS, a shared Common kept VMs alive). */
  common: Common;
  blobs?: BlobReader;
  log: (line: string) => void;
  /** True once the node is stopping: stages stop at the next block, committing what is done. */
  stopping: () => boolean;
}

/** A pipeline stage. */
export interface Stage {
  readonly id: StageId;
  /** The stage's checkpoint as stored. */
  checkpoint(): bigint;
  /** Moves forward, committing as it goes; a rejected promise leaves the store at the last commit. */
  execute(input: ExecInput): Promise<ExecOutput>;
  /** Rolls back to `unwindTo`; synchronous, so the pipeline runs every stage's unwind in one transaction. */
  unwind(input: UnwindInput): UnwindOutput;
}

/** A stage the node only unwinds here (follow-l1: its forward run is the node's one L1 scan, multi.ts). */
export type UnwindStage = Pick<Stage, "id" | "checkpoint" | "unwind">;

/** The meta key of a stage's checkpoint. */
export function checkpointKey(id: StageId): string {
  return `checkpoint:${id}`;
}
