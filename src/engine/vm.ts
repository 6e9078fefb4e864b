/**
 * The engine's VM: an L2 EVM over a trie database at a state root, serving EXECUTE at 0x…0101
 * as the L2 does (nested.ts). The one place that puts `execute` into the precompile, so neither
 * apply.ts nor nested.ts imports execute.ts (no module circle, also no dynamic one).
 */
import type { CustomPrecompile } from "@ethereumjs/evm";
import type { VM } from "@ethereumjs/vm";
import { createEngineVMWith, type EngineVMOptions } from "./apply.js";
import { execute } from "./execute.js";
import { nestedExecutePrecompile } from "./nested.js";

export type { EngineVMOptions } from "./apply.js";

/**
 * The L2's EXECUTE at 0x…0101 for a VM `nestingDepth` EXECUTEs deep, for an EVM built outside
 * `createEngineVM` (the JSON-RPC's bounded `eth_call`): every L2 EVM must serve it, or a call
 * that reaches 0x…0101 answers as an empty account would (success, no output) where the
 * chain's blocks run EXECUTE.
 */
export function l2ExecutePrecompile(nestingDepth = 0): CustomPrecompile {
  return nestedExecutePrecompile(nestingDepth, execute);
}

/** A VM over a trie database at a given state root, with BLOCKHASH served by `ancestors` and EXECUTE below `MAX_EXECUTE_NESTING`. */
export function createEngineVM(options: EngineVMOptions): Promise<VM> {
  // EXECUTE inside the L2 (docs/nested.md): an L2 transaction verifies a child rollup's block.
  return createEngineVMWith(options, [l2ExecutePrecompile(options.nestingDepth)]);
}
