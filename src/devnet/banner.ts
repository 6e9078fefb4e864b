/** The banner `npm run devnet` prints: where everything is and the funded accounts (src/devnet/start.ts starts the devnet). */
import { formatEther } from "ethers";
import { devAccounts } from "../engine/chain.js";
import type { Devnet, DevnetRollup } from "./types.js";

/** Formats the devnet banner: where everything is and the funded accounts. */
export function devnetBanner(devnet: Devnet): string {
  if (devnet.rollups !== undefined && devnet.rollups.length > 1) return manyRollupsBanner(devnet, devnet.rollups);
  const accounts = devAccounts()
    .slice(0, 10)
    .map((a, i) => `  #${i} ${a.address}  key ${a.privateKey}`)
    .join("\n");
  return [
    "ultrasound devnet",
    `  L1 (Hardhat node, EXECUTE at 0x…0101): ${devnet.l1Url}  chain id ${devnet.l1ChainId}`,
    `  rollup (NativeRollup):                  ${devnet.rollupAddress}`,
    `  L2 JSON-RPC (rollup node):              ${devnet.l2Url}  ${devnet.l2WsUrl}  chain id ${devnet.chainId}`,
    `  blob archive (beacon API):              ${devnet.blobUrl}/eth/v1/beacon/blob_sidecars/{block_id}`,
    `  explorer (live, in a browser):          ${devnet.explorerUrl}`,
    ...(devnet.syncUrl === undefined ? [] : [`  L1 with the sync builder in front:      ${devnet.syncUrl}  (an L1 transaction calling an L2Proxy gets its L2 call)`]),
    ...(devnet.preconf === undefined
      ? []
      : [`  preconfirmations (--preconf):           operator ${devnet.preconf.operator} (bonded) signs a block at most every ${devnet.preconf.intervalMs} ms, served at latest; registry ${devnet.preconf.registryAddress}; preconf_getStatus, preconf_tip`]),
    finalityLine(devnet),
    devnet.funding === undefined
      ? "Accounts (Hardhat's; L2 unfunded: --fund-l2 0):"
      : `Funded accounts (10,000 ETH on L1; ${formatEther(devnet.funding.amount)} ETH deposited to L2 at start, delivered in L2 block ${devnet.funding.deliveredIn[0]}; the first 10 of Hardhat's 20):`,
    accounts,
  ].join("\n");
}

/** The banner's line on L1 slots and when L2 blocks become safe and finalized. */
function finalityLine(devnet: Devnet): string {
  const slots = devnet.blockTimeSeconds > 0 ? `an L1 block every ${devnet.blockTimeSeconds} s (--block-time)` : "L1 blocks only for transactions (--block-time 0)";
  const after = devnet.blockTimeSeconds > 0 ? ` ≈ ${formatDuration(devnet.finalityDepth * devnet.blockTimeSeconds)} after L1 verification` : "";
  return `  finality: ${slots}; an L2 block is safe when L1 verified it, finalized ${devnet.finalityDepth} L1 blocks deep${after} (--finality-depth)`;
}

function formatDuration(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** The banner of a devnet of many rollups: the factory, every rollup's chain id, address and URL, the funding. */
function manyRollupsBanner(devnet: Devnet, rollups: DevnetRollup[]): string {
  const funded = devnet.funding?.accounts.length ?? 0;
  const accounts = devAccounts()
    .slice(0, 4)
    .map((a, i) => `  #${i} ${a.address}  key ${a.privateKey}`)
    .join("\n");
  const width = String(rollups.length).length;
  return [
    "ultrasound devnet",
    `  L1 (Hardhat node, EXECUTE at 0x…0101): ${devnet.l1Url}  chain id ${devnet.l1ChainId}`,
    `  rollup (NativeRollup):                  ${devnet.rollupAddress}`,
    `  rollup factory (RollupFactory):         ${devnet.factoryAddress}`,
    `  L2 JSON-RPC (one multi-rollup node):    ${devnet.l2Url}  (the first rollup; GET ${devnet.l2Url}/rollups lists them all)`,
    `  blob archive (beacon API):              ${devnet.blobUrl}/eth/v1/beacon/blob_sidecars/{block_id}`,
    `  explorer (live, in a browser):          ${devnet.explorerUrl}  (every rollup)`,
    finalityLine(devnet),
    `Rollups (${rollups.length}, made by the factory, served by one node, advanced by one proposer):`,
    ...rollups.map((r, i) => `  ${String(i + 1).padStart(width)}. chain id ${r.chainId}  ${r.address}  ${r.url}`),
    `Follow them all from another process: npm run multi-node -- --l1 ${devnet.l1Url} --factory ${devnet.factoryAddress} --blobs ${devnet.blobUrl} --port <port>`,
    devnet.funding === undefined
      ? "Accounts (Hardhat's; L2 unfunded):"
      : `Funded accounts (10,000 ETH on L1; ${formatEther(devnet.funding.amount)} ETH deposited to every rollup at start` +
        (funded < devAccounts().length
          ? `; with more than 4 rollups only the first ${funded} of Hardhat's 20 accounts are funded on L2, for a fast start):`
          : `; all 20 of Hardhat's accounts, the first 4 shown):`),
    accounts,
  ].join("\n");
}
