/**
 * The EXECUTE precompile (emulated): its byte layout, its gas formula, its body, and the two
 * ways it is installed — an @ethereumjs/evm custom precompile, and the shim + hook that the
 * Hardhat plugin (`src/hardhat`) puts into EDR.
 */
export { EXECUTE_ADDRESS, GAS_USED_OFFSET, encodeExecuteInput, decodeExecuteInput, encodeExecuteOutput, decodeExecuteOutput, EXECUTE_OUTPUT_LENGTH, ExecuteInputDecodeError } from "./codec.js";
export { EXECUTE_BASE_GAS, EXECUTE_BATCH_BASE_GAS, EXECUTE_BATCH_BLOCK_GAS, EXECUTE_INPUT_BYTE_GAS, executeFixedGas, executeGas, executeMarketGas } from "./gas.js";
export { EXECUTE_BATCH_MAGIC, isExecuteBatch, claimedBlockCount } from "./codec.js";
export {
  MAX_EXECUTE_BATCH, EXECUTE_VERDICT_SELECTOR, encodeExecuteBatch, decodeExecuteBatch, encodeBatchOutput, decodeBatchOutput, verdictKey, isVerdictCall,
  ExecuteBatchDecodeError, type ExecuteBatch, type BatchVerdict,
} from "./batch.js";
export {
  DEFAULT_EXECUTE_MARKET, EXECUTE_CUMULATIVE_GAS_LIMIT, EXECUTE_CUMULATIVE_GAS_TARGET, MIN_EXECUTE_BASE_FEE, EMPTY_EXECUTE_MARKET,
  chargeExecute, checkExecuteMarketConfig, executeBaseFee, executeBaseFeeAtExcess, fakeExponential, marketAt, updateFractionFor,
  ExecuteFeeTooLowError, ExecuteGasLimitReachedError, ExecuteMarketClockError, ExecuteMarketConfigError,
  type ExecuteCharge, type ExecuteMarketConfig, type ExecuteMarketState,
} from "./market.js";
export { runExecute, recentVerdicts, onVerdict, type ExecuteVerdict, type PrecompileOutcome } from "./run.js";
export { executePrecompile, claimedGasUsed } from "./ethereumjs.js";
export { EXECUTE_SHIM_BYTECODE, EXECUTE_L1_GAS_SHIM_BYTECODE, EXECUTE_ORACLE_ADDRESS, executeShimBytecode, type ExecutePricing, type ExecuteShimOptions } from "./shim.js";
export {
  EXECUTE_MARKET_ORACLE_ADDRESS, EXECUTE_MARKET_SELECTOR, answerMarketCall, decodeMarketView, encodeMarketView, marketView, packMarketState, unpackMarketState,
  MarketOracleInputError, type ExecuteMarketView, type MarketAnswer, type MarketCall,
} from "./market-oracle.js";
