/** What the devnet (start.ts) and its tests share: funding and finality defaults, waiting for the node, the block line, the L1. */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { type JsonRpcProvider, Network } from "ethers";
import { nativeJsonRpcProvider } from "../shared/json-rpc.js";
import { warmKzgWorker } from "../blobs/kzg-offthread.js";
import type { ProposedBlock } from "../proposer/propose.js";
import { DevnetStartError } from "./errors.js";
import { startL1Process, type L1Process } from "./l1.js";
import { startL1Side, urlHost } from "./l1-server.js";
import type { Resume } from "./restart.js";
import type { DevnetLayout } from "./types.js";

/** What each dev account deposits to L2 when the devnet starts. */
export const DEFAULT_L2_FUNDING = 10_000n * 10n ** 18n;

/**
 * Blocks below the node's head whose transactions and receipts the proposer's chain keeps in
 * memory. Nothing reads older bodies (a rewind reads headers; the mempool has long synced): the
 * node has them on disk. Blocks hold hundreds of transactions, so this is counted in blocks, few.
 */
export const KEPT_BODIES = 4n;


/** The node's default finality depth (L1 blocks). */
export const DEFAULT_FINALITY_DEPTH = 64;

/** Waits until the node has derived L2 block `number` (the devnet's funding), syncing it meanwhile. */
export async function waitForNode(node: { sync(): Promise<unknown>; blockNumber(tag: "latest"): bigint }, number: bigint, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await node.sync().catch(() => undefined);
    if (node.blockNumber("latest") >= number) return;
    if (Date.now() > deadline) throw new DevnetStartError("The node did not derive the block that funded the dev accounts in time", { block: number, nodeHead: node.blockNumber("latest") });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the devnet prints for a block its proposer got verified on L1. */
export function proposedLine(proposed: ProposedBlock, deferred: number): string {
  const { header } = proposed.block;
  return (
    `L2 block ${header.number} verified on L1 block ${proposed.l1Receipt.blockNumber}: ` +
    `${proposed.block.transactions.length} tx, ${header.gasUsed} L2 gas, advance() ${proposed.l1Receipt.gasUsed} L1 gas, ` +
    (proposed.sidecar ? `${proposed.sidecar.blobs.length} blob(s)` : "calldata") +
    (deferred > 0 ? `, ${deferred} left for the next block (full)` : "")
  );
}

/** A devnet's L1, started: where it runs, its URL and chain id, and a provider on it. */
export interface DevnetL1 {
  side: L1Process;
  url: string;
  chainId: bigint;
  provider: JsonRpcProvider;
}

/**
 * Starts the devnet's L1: in a process of its own (layout "split",
 * the default) or on this thread ("single"), its blob archive beside it, its journal replayed
 * when `resume` has one — and warms the proposer's KZG worker.
 */
export async function startDevnetL1(
  hre: HardhatRuntimeEnvironment,
  options: { host: string; l1Port: number; blobPort: number; dataDir: string; layout?: DevnetLayout; resume: Resume; log: (line: string) => void },
): Promise<DevnetL1> {
  const url = `http://${urlHost(options.host)}:${options.l1Port}`;
  const config = {
    host: options.host,
    l1Port: options.l1Port,
    l1Url: url,
    blobPort: options.blobPort,
    dataDir: options.dataDir,
    network: hre.globalOptions.network ?? "node",
    initialDate: options.resume.state.initialDate,
    journalFile: options.resume.journalFile,
  };
  const side = (options.layout ?? "split") === "split" ? await startL1Process(config) : await startL1Side(hre, config);
  if (side.replayed.requests > 0) options.log(`devnet: replayed the L1 journal (${side.replayed.requests} requests, ${side.replayed.blocks} blocks)`);
  // The proposer's KZG runs on a worker thread: start it (and its trusted-setup load) now.
  warmKzgWorker();
  // Node's fetch rather than ethers' transport: a blob advance's body is not converted character by character on the RPC's thread (shared/json-rpc.ts).
  const provider = nativeJsonRpcProvider(url, Network.from(side.chainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  return { side, url, chainId: side.chainId, provider };
}
