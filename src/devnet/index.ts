/**
 * The devnet: one Hardhat L1 with EXECUTE, the devnet's rollups (one by default; `--rollups N`
 * made by a RollupFactory), one node that derives and serves them all, one proposer that advances
 * them, the blob archive, the relayer and the explorer, kept across restarts. One path for any
 * number of rollups (start.ts); `npm run devnet` is scripts/devnet.ts over cli.ts and banner.ts.
 *
 * Exports: `startDevnet` (and `startMultiDevnet`, the same with 2 rollups by default),
 * `devnetBanner`, the options and result types (types.ts), the L1 side's parts (l1-server.ts)
 * and the defaults and helpers shared with tests and benches (common.ts).
 *
 * ```ts
 * const devnet = await startDevnet(hre, { rollups: 1, explorerPort: 0 });
 * devnet.l2Url;          // the L2 JSON-RPC (the first rollup; `/rollup/<chainId>` each)
 * await devnet.stop();
 * ```
 */
export { DevnetStartError } from "./errors.js";
export type { Devnet, DevnetLayout, DevnetOptions, DevnetRollup, DevnetThread } from "./types.js";
export { DEFAULT_FINALITY_DEPTH, DEFAULT_L2_FUNDING, KEPT_BODIES, proposedLine, waitForNode } from "./common.js";
export { assertPortFree, DEFAULT_BLOCK_TIME_SECONDS, startL1Server, startL1Side, startL1Slots, stopL1Slots, urlHost, withoutSqliteWarning } from "./l1-server.js";
export { firstLine } from "./text.js";
export { startDevnet, startMultiDevnet, FUND_ALL_UP_TO, FUNDED_WHEN_MANY } from "./start.js";
export { FIRST_CHAIN_ID } from "./rollups.js";
export { devnetBanner } from "./banner.js";
