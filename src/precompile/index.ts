/**
 * The EXECUTE precompile (emulated): its byte layout, its gas formula, its body, and the two
 * ways it is installed — an @ethereumjs/evm custom precompile, and the shim + hook that the
 * Hardhat plugin (`src/hardhat`) puts into EDR.
 */
export { EXECUTE_ADDRESS, GAS_USED_OFFSET, encodeExecuteInput, decodeExecuteInput, encodeExecuteOutput, decodeExecuteOutput, EXECUTE_OUTPUT_LENGTH, ExecuteInputDecodeError } from "./codec.js";
export { EXECUTE_BASE_GAS, EXECUTE_INPUT_BYTE_GAS, executeGas } from "./gas.js";
export { runExecute, recentVerdicts, onVerdict, type ExecuteVerdict, type PrecompileOutcome } from "./run.js";
export { executePrecompile, claimedGasUsed } from "./ethereumjs.js";
export { EXECUTE_SHIM_BYTECODE, EXECUTE_ORACLE_ADDRESS } from "./shim.js";
