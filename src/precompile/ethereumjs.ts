import type { CustomPrecompile, ExecResult, PrecompileInput } from "@ethereumjs/evm";
import { EVMError } from "@ethereumjs/evm";
import { createAddressFromString } from "@ethereumjs/util";
import type { ExecuteOptions } from "../engine/execute.js";
import { claimedBlobCount, claimedGasUsed, EXECUTE_ADDRESS } from "./codec.js";
import { MAX_BLOBS_PER_BLOCK } from "../engine/types.js";
import { executeGas } from "./gas.js";
import { runExecute } from "./run.js";

/**
 * EXECUTE as an `@ethereumjs/evm` custom precompile:
 * `createVM({ evmOpts: { customPrecompiles: [executePrecompile()] } })`.
 * Charges the formula of `gas.ts`; out of gas or a rejected block consumes all the call's gas
 * and the call returns false, like every failing precompile.
 */
export function executePrecompile(options: ExecuteOptions = {}): CustomPrecompile {
  return {
    address: createAddressFromString(EXECUTE_ADDRESS),
    function: async (call: PrecompileInput): Promise<ExecResult> => {
      // No valid input is empty: refused before any work, as the Hardhat shim does.
      if (call.data.length === 0) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      const blobs = claimedBlobCount(call.data);
      if (blobs > BigInt(MAX_BLOBS_PER_BLOCK)) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      const gas = executeGas(call.data.length, claimedGasUsed(call.data), Number(blobs));
      if (gas > call.gasLimit) return failure(call.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      const outcome = await runExecute(call.data, options);
      if (!outcome.ok) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      return { executionGasUsed: gas, returnValue: outcome.output };
    },
  };
}

// Read from the layout in codec.ts (the L2's EXECUTE, src/engine/nested.ts, reads them too).
export { claimedBlobCount, claimedGasUsed };

function failure(gasLimit: bigint, message: string): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: new Uint8Array(0), exceptionError: new EVMError(message as never) };
}
