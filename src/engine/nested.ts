import { EVMError, type CustomPrecompile, type ExecResult, type PrecompileInput } from "@ethereumjs/evm";
import { createAddressFromString } from "@ethereumjs/util";
// gas.ts imports nothing and codec.ts only engine/errors.ts and engine/types.ts: no module circle.
import { claimedBlobCount, claimedGasUsed, decodeExecuteInput, encodeExecuteOutput, EXECUTE_ADDRESS } from "../precompile/codec.js";
import { executeGas } from "../precompile/gas.js";
import { keccak256 } from "./crypto.js";
import { ExecutionRejectedError } from "./errors.js";
import type { ExecuteInput, ExecuteResult } from "./types.js";

/**
 * How many EXECUTEs deep an engine VM may serve EXECUTE (docs/nested.md, "Nesting bound"). An L2
 * block's VM is at depth 0 and serves it: an L2 transaction verifies a child rollup's (L3) block.
 * The L3 block's VM, created by that EXECUTE, is at depth 1 and serves a precompile at 0x…0101
 * that always fails (`ExecuteNestingTooDeepError`): an L3 cannot verify an L4. One level keeps
 * the work of one L1 transaction to two engine VMs alive at once; raising it is this constant
 * (the gas formula already pays every level's work), once a chain knows its own depth
 * (`nestingDepth` of `buildBlock` and `execute`).
 */
export const MAX_EXECUTE_NESTING = 1;

/**
 * What the `executeMarket()` view costs inside an L2: one cold SLOAD (EIP-2929), as L1's
 * ethereumjs installation charges it (src/precompile/ethereumjs.ts), though it reads nothing here.
 */
export const NESTED_MARKET_VIEW_GAS = 2_100n;

/**
 * `executeMarket()`'s selector: the one 4-byte input EXECUTE answers (EXECUTE_MARKET_SELECTOR of
 * src/precompile/market-oracle.ts, which cannot be imported here: it reaches execute.ts, a circle).
 */
const MARKET_SELECTOR = Uint8Array.from(keccak256(new TextEncoder().encode("executeMarket()")).subarray(0, 4));

/** An EXECUTE inside an engine VM refused an input with blob versioned hashes: blobs are L1-only. */
export class NestedExecuteBlobsError extends ExecutionRejectedError {
  override name = "NestedExecuteBlobsError";
  constructor(readonly blobs: bigint) {
    super("EXECUTE inside an L2 takes the child block's data in calldata only: blobs are L1's, and no L2 block carries any", { blobs });
  }
}

/** An EXECUTE inside an engine VM that is already `depth` EXECUTEs deep, past `MAX_EXECUTE_NESTING`. */
export class ExecuteNestingTooDeepError extends ExecutionRejectedError {
  override name = "ExecuteNestingTooDeepError";
  constructor(readonly depth: number) {
    super("EXECUTE is not served this deep: an L3 block cannot verify an L4 block", { depth, max: MAX_EXECUTE_NESTING });
  }
}

/** The stateless `execute` (execute.ts), given to the precompile: execute.ts builds its VMs with this precompile, so importing it here would close a module circle. */
export type NestedExecute = (input: ExecuteInput, options: { nestingDepth: number }) => Promise<ExecuteResult>;

/**
 * EXECUTE as the L2 serves it, at the same address (0x…0101) and with L1's semantics: the same
 * input layout, output and gas formula (`executeGas`, with `gasUsed` in it: there is no EXECUTE
 * market inside an L2), the same stateless `execute`. What differs (docs/nested.md):
 * - the child's data must be in the input (calldata): an input with blob versioned hashes fails
 *   at once (`NestedExecuteBlobsError`), before any work;
 * - a VM `MAX_EXECUTE_NESTING` or more EXECUTEs deep fails every call (`ExecuteNestingTooDeepError`);
 * - it is a precompile of the L2 EVM, so 0x…0101 is warm from the start of every L2 transaction
 *   (EIP-2929), where L1's emulation (a contract there) is cold;
 * - there is no EXECUTE market inside an L2: the 4-byte `executeMarket()` view answers "no market"
 *   (six zero words, `pricing` 0), as an L1 under 1:1 pricing does, for 2,100 gas. So
 *   `NativeRollup` on an L2 (`Execute.market()`) and the SDK (`readExecuteMarket`) see 1:1 pricing
 *   and pay no fee; a view that failed would instead consume all the gas its STATICCALL was given.
 *
 * A failure consumes all the gas the call was given, like every failing precompile; the error
 * (with the verdict's reason) is the call's `exceptionError`. The inner block runs in a VM of
 * its own, with its own gas meter bounded by its own `gasUsed`: a rejection inside it (a budget
 * overrun, a missing witness node) is the inner call's failure, never the outer block's verdict.
 * The outer meter bounds the call by what is left under its limit, as for every precompile.
 */
export function nestedExecutePrecompile(depth: number, execute: NestedExecute): CustomPrecompile {
  return {
    address: createAddressFromString(EXECUTE_ADDRESS),
    function: async (call: PrecompileInput): Promise<ExecResult> => {
      if (depth >= MAX_EXECUTE_NESTING) return failure(call.gasLimit, described(new ExecuteNestingTooDeepError(depth)));
      // No valid input is empty: refused before any work, as on L1.
      if (call.data.length === 0) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      if (call.data.length === 4) {
        // Only `executeMarket()` is a 4-byte input (no execute input is that short).
        if (!call.data.every((byte, i) => byte === MARKET_SELECTOR[i])) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
        if (NESTED_MARKET_VIEW_GAS > call.gasLimit) return failure(call.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
        return { executionGasUsed: NESTED_MARKET_VIEW_GAS, returnValue: NO_MARKET };
      }
      const blobs = claimedBlobCount(call.data);
      if (blobs > 0n) return failure(call.gasLimit, described(new NestedExecuteBlobsError(blobs)));
      const gas = executeGas(call.data.length, claimedGasUsed(call.data));
      if (gas > call.gasLimit) return failure(call.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      try {
        const result = await execute(decodeExecuteInput(call.data), { nestingDepth: depth + 1 });
        return { executionGasUsed: gas, returnValue: encodeExecuteOutput(result.blockHash, result.burnedFees) };
      } catch (caught) {
        const error = caught instanceof Error ? caught : new Error(String(caught));
        // As on L1 (`runExecute`): an unexpected error fails closed, and says so loudly.
        if (!(error instanceof ExecutionRejectedError)) console.error(`[ultrasound] nested EXECUTE failed unexpectedly: ${error.stack ?? error.message}`);
        return failure(call.gasLimit, described(error));
      }
    },
  };
}

/** "No market": what an L1 under 1:1 pricing answers `executeMarket()` (src/precompile/market-oracle.ts). */
const NO_MARKET = new Uint8Array(6 * 32);

/** The error as the failed call's `exceptionError` carries it: its class name, then its message. */
function described(error: Error): string {
  return `${error.name}: ${error.message}`;
}

function failure(gasLimit: bigint, message: string): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: new Uint8Array(0), exceptionError: new EVMError(message as never) };
}
