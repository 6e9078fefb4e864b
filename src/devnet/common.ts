/** What both devnets (one rollup, many) share: funding and finality defaults, waiting for the node, the block line. */
import type { ProposedBlock } from "../proposer/propose.js";
import { DevnetStartError } from "./errors.js";

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
