/**
 * The execution engine: builds L2 blocks with their witness, and verifies them statelessly with
 * the semantics of the EXECUTE precompile. One state-transition code path serves both.
 */
export { buildBlock, InvalidBuildOptionsError, type BuildOptions, type BuiltBlock } from "./build.js";
export { execute, BlobDataUnavailableError, maxTransactionBytes, maxBlobPayloadBytes, type ExecuteOptions } from "./execute.js";
export { executeBatch, type BatchOutcome } from "./execute-batch.js";
export type { ExecuteInput, ExecuteResult } from "./types.js";
export {
  createL2Chain,
  chainHead,
  appendBlock,
  rewindTo,
  findTransaction,
  forgetBlockBodies,
  NotChildOfHeadError,
  type L2Chain,
  type L2Block,
  type IncludedTransaction,
} from "./state.js";
export { getL2Account, getL2Storage, callL2, L2CallRevertedError, type L2Account } from "./query.js";
export {
  defaultGenesis,
  devGenesis,
  DEV_BALANCE,
  writeGenesis,
  parseGenesisJson,
  messengerGenesisAccount,
  GenesisConfigError,
  PREINSTALLS,
  ENTRY_POINT_V07_SALT,
  ENTRY_POINT_V08_SALT,
  preinstallAlloc,
  PreinstallSourceError,
  type PreinstallAccount,
  type GenesisConfig,
  type GenesisAccount,
  type DefaultGenesisOptions,
} from "./genesis.js";
export { createL2Common, devAccounts, L2_HARDFORK, L2_PREMINT, PREDEPLOYS, SYSTEM_ADDRESS, DEV_MNEMONIC } from "./chain.js";
export { type ApplyResult } from "./apply.js";
export { DELIVER_MESSAGES_SIGNATURE, SYSTEM_CALL_GAS } from "./system-calls.js";
export { createEngineVM, type EngineVMOptions } from "./vm.js";
export { encodeTransactions, decodeTransactions, decodeTransaction } from "./transactions.js";
export { encodeWitness, decodeWitness, type Witness } from "./witness.js";
export { encodeBlockData, decodeBlockData, MAX_WITNESS_BYTES_PER_BLOB, MAX_WITNESS_ITEMS_PER_BLOB, type BlockData } from "./block-data.js";
export { BLOB_RANGE_BYTES, MAX_SHARED_BYTES_PER_BLOB, encodeBlobRange, decodeBlobRange, sliceBlobRange, type BlobRange } from "./blob-range.js";
export * from "./errors.js";
export { GasBudgetExceededError } from "./meter.js";
export { checkCanonicalMessages, MessagesDecodeError } from "./messages.js";
export { RlpShapeError } from "./rlp.js";
export { MAX_BLOBS_PER_BLOCK } from "./types.js";
export { nativeEcrecoverStatus } from "./crypto.js";
export { MAX_EXECUTE_NESTING, nestedExecutePrecompile, NestedExecuteBlobsError, ExecuteNestingTooDeepError, type NestedExecute } from "./nested.js";
