/**
 * Client-side helpers for the L1 contracts: deploy a rollup and talk to it, read its events
 * (contracts.ts); the factory (factory.ts); L2 transactions signed (transactions.ts); the bridge
 * (bridge.ts: deposit, messages, withdraw, claim, forward, status); bundles of several rollups'
 * blocks in one L1 transaction (bundle.ts); sync calls (sync.ts, l1-calls.ts, cross-rollup.ts, sync-nested.ts);
 * EXECUTE's market (execute-market.ts); viem chain definitions (chains.ts).
 */
export { blockClaim, deployRollup, nativeRollupAt, nativeRollupInterface, parseBlockAdvanced, type DeployedRollup, type DeployRollupOptions, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";
export { createRollup, deployFactory, predictRollupAddress, rollupFactoryAt, rollupFactoryInterface, RollupNotCreatedError, type DeployFactoryOptions } from "./factory.js";
export { signL2Transaction, type L2TransactionRequest } from "./transactions.js";
export {
  proposeBundle,
  prepareBundle,
  sendBundle,
  legsMovedOn,
  deployBundler,
  rollupBundlerAt,
  rollupBundlerInterface,
  bundleGasLimit,
  proveStorage,
  BundleAssertionError,
  BundleBuildError,
  BundleFailedError,
  BundleTooLargeError,
  type BundleCall,
  type BundleForward,
  type BundleLeg,
  type BundleOptions,
  type PreparedAssertion,
  type PreparedBundle,
  type PreparedLeg,
  type ProposedBundle,
  type StorageAssertion,
  type L1Simulation,
} from "./bundle.js";
export { ultrasoundChains, type UltrasoundChains, type UltrasoundChainsOptions } from "./chains.js";
export {
  createL2Proxy,
  l2ProxyAddress,
  prepareSync,
  sendPreparedSync,
  sendSync,
  syncResultsHash,
  syncResultsSlot,
  syncReturnData,
  SyncBuildError,
  SyncFailedError,
  SyncSimulationError,
  DEFAULT_SYNC_GAS_LIMIT,
  SYNC_SOURCE,
  type PreparedSync,
  type SentSync,
  type SyncCall,
  type SyncOptions,
} from "./sync.js";
export { readExecuteMarket, getExecuteBaseFee, executeFee, executeFeeFor, pricingOf, type ExecuteMarketView, type RpcSender } from "./execute-market.js";
export { nestedDelivery, nestedFrames, nestedRequests, prepareSyncNested, sendPreparedSyncNested, sendSyncNested, type NestedRequests, type PreparedSyncNested, type SyncNestedOptions } from "./sync-nested.js";
