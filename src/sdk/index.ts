/** Client-side helpers for L1 contracts: deploy a rollup, talk to it, read its events. */
export { blockClaim, deployRollup, nativeRollupAt, nativeRollupInterface, parseBlockAdvanced, type DeployedRollup, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";
export { signL2Transaction, type L2TransactionRequest } from "./transactions.js";
