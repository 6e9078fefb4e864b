/**
 * The proposer's one entry: `createProposer` over a set of rollups (multi.ts: one shared advance
 * of every rollup with work per round, or one block of one rollup per call, in turn) or over one rollup (proposer.ts: that rollup's
 * proposer, which the set runs for each of its rollups). The devnet runs a set for any number of
 * rollups, one included.
 */
import { createMultiProposer, type MultiProposer, type MultiProposerOptions } from "./multi.js";
import { createRollupProposer, type Proposer, type ProposerOptions } from "./proposer.js";

/** A proposer for one rollup: its chain, contract and mempool (see `ProposerOptions`). */
export function createProposer(options: ProposerOptions): Proposer;
/** A proposer for a set of rollups, asked for on each call (see `MultiProposerOptions`). */
export function createProposer(options: MultiProposerOptions): MultiProposer;
export function createProposer(options: ProposerOptions | MultiProposerOptions): Proposer | MultiProposer {
  return "rollups" in options && typeof options.rollups === "function" ? createMultiProposer(options) : createRollupProposer(options as ProposerOptions);
}
