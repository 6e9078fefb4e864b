import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { buildBlock } from "../engine/build.js";
import { appendBlock, chainHead, rewindTo, type L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";
import type { Mempool } from "./mempool.js";

/** The part of a rollup node (`src/node`) a proposer follows: its canonical blocks. */
export interface BlockSource {
  getBlock(tag: "latest" | bigint): { number: bigint; hash: string; header: BlockHeader; rawTransactions: Uint8Array[]; messages: Uint8Array } | undefined;
}

/** Re-applying a block the node derived gave another block than the node's: never silently diverge. */
export class FollowMismatchError extends UltrasoundError {
  override name = "FollowMismatchError";
}

/** What {@link followBlocks} did to the proposer's chain. */
export interface FollowResult {
  /** Blocks dropped from the chain's head because the node's chain no longer has them (an L1 reorg). */
  rewound: number;
  /**
   * The transactions of those blocks (raw): the proposer's own blocks that L1 took back before
   * the node derived them. Nothing else holds them any more: they go back to the mempool.
   */
  rewoundTransactions: Uint8Array[];
  /** Blocks appended from the node. */
  appended: number;
}

/**
 * Brings a proposer's own chain up to a node's head: after another proposer advanced the rollup
 * (a lost race) or L1 reorganised, the proposer re-applies the node's blocks with the engine —
 * their transactions and header choices — checks each one hashes as the node's, and appends
 * it; blocks the node no longer has are rewound first. The proposer then builds on the head
 * everyone sees, with the transactions still in its mempool.
 */
export async function followBlocks(chain: L2Chain, node: BlockSource): Promise<FollowResult> {
  const target = node.getBlock("latest");
  if (target === undefined) return { rewound: 0, appended: 0, rewoundTransactions: [] };
  // The newest block both chains hold.
  let common = chainHead(chain).number < target.number ? chainHead(chain).number : target.number;
  while (common > 0n && node.getBlock(common)?.hash !== bytesToHex(chain.headers[Number(common)]!.hash())) common--;
  const rewound = Number(chainHead(chain).number - common);
  // Bodies the chain forgot (far below the head) are not there: only recent blocks are rewound.
  const rewoundTransactions = chain.blocks.slice(Number(common) + 1).flatMap((block) => (block?.transactions ?? []).map((tx) => tx.serialize()));
  if (rewound > 0) rewindTo(chain, common);
  let appended = 0;
  for (let number = common + 1n; number <= target.number; number++) {
    const block = node.getBlock(number);
    if (block === undefined) break; // the node moved under us: the next call catches up
    const { header } = block;
    const built = await buildBlock(chain, {
      transactions: block.rawTransactions,
      timestamp: header.timestamp,
      coinbase: header.coinbase.bytes,
      prevRandao: header.mixHash,
      anchor: header.parentBeaconBlockRoot!,
      messages: block.messages.length === 0 ? undefined : block.messages,
    });
    const hash = bytesToHex(built.header.hash());
    if (hash !== block.hash || built.skipped.length > 0) {
      throw new FollowMismatchError("Re-applying the node's block gave another block", {
        number,
        nodeHash: block.hash,
        appliedHash: hash,
        ...(built.skipped[0] ? { skipped: built.skipped[0].reason } : {}),
      });
    }
    appendBlock(chain, { header: built.header, transactions: built.transactions, receipts: built.receipts });
    appended++;
  }
  return { rewound, appended, rewoundTransactions };
}

/**
 * {@link followBlocks}, then the transactions of the proposer's own blocks that it rewound (L1
 * took them back before the node derived them) go back to `mempool` — nothing else holds them
 * any more. Those the node's chain includes after all, or that are no longer valid, the pool
 * refuses; the others are pending again. Returns the follow's result and how many went back.
 */
export async function followBlocksKeepingTransactions(
  chain: L2Chain,
  node: BlockSource,
  mempool: Pick<Mempool, "add" | "sync" | "forget"> | undefined,
  options: { handBack?: boolean } = {},
): Promise<FollowResult & { handedBack: number }> {
  const followed = await followBlocks(chain, node);
  if (options.handBack === false) {
    // Gone on purpose (a devnet's evm_revert): out of the pool's memory and journal too.
    mempool?.forget?.(followed.rewoundTransactions);
    return { ...followed, handedBack: 0 };
  }
  // The pool counted the rewound transactions' nonces as used: back to what the state says.
  await mempool?.sync({ fromState: followed.rewoundTransactions.length > 0 });
  let handedBack = 0;
  for (const raw of followed.rewoundTransactions) {
    if (mempool !== undefined && (await mempool.add(raw).then(() => true, () => false))) handedBack++;
  }
  return { ...followed, handedBack };
}
