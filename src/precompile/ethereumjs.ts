import type { CustomPrecompile, ExecResult, PrecompileInput } from "@ethereumjs/evm";
import { EVMError } from "@ethereumjs/evm";
import { createAddressFromString } from "@ethereumjs/util";
import type { ExecuteOptions } from "../engine/execute.js";
import { BLOB_HASHES_OFFSET_WORD, EXECUTE_ADDRESS, GAS_USED_OFFSET } from "./codec.js";
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

/**
 * The `gasUsed` word of the input, read where the layout puts it, before any decoding (the
 * price must be known before the work). A value above 2^64 cannot be valid; it is priced as
 * 2^64 and the decoder rejects it.
 */
export function claimedGasUsed(data: Uint8Array): bigint {
  let value = 0n;
  for (let i = GAS_USED_OFFSET; i < GAS_USED_OFFSET + 32; i++) value = (value << 8n) | BigInt(data[i] ?? 0);
  return value > 2n ** 64n ? 2n ** 64n : value;
}

/**
 * The number of blob versioned hashes, read where the layout puts it (the word the offset word
 * points at) before any decoding, as the Hardhat shim reads it. Outside the input it reads 0;
 * the decoder rejects such an input.
 */
export function claimedBlobCount(data: Uint8Array): bigint {
  const word = (at: bigint) => {
    let value = 0n;
    for (let i = 0n; i < 32n; i++) value = (value << 8n) | BigInt(at + i < BigInt(data.length) ? data[Number(at + i)]! : 0);
    return value;
  };
  return word(word(BigInt(BLOB_HASHES_OFFSET_WORD)));
}

function failure(gasLimit: bigint, message: string): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: new Uint8Array(0), exceptionError: new EVMError(message as never) };
}
