import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { buildBlock } from "../engine/build.js";
import { appendBlock, chainHead, rewindTo, type L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";

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
   * The transactions of the rewound blocks, in chain order (bodies the chain forgot are left
   * out): whoever took them from a mempool puts them back, since a block L1 dropped before the
   * node derived it is handed back by no one else.
   */
  rewoundTransactions: TypedTransaction[];
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
  if (target === undefined) return { rewound: 0, rewoundTransactions: [], appended: 0 };
  // The newest block both chains hold.
  let common = chainHead(chain).number < target.number ? chainHead(chain).number : target.number;
  while (common > 0n && node.getBlock(common)?.hash !== bytesToHex(chain.headers[Number(common)]!.hash())) common--;
  const rewound = Number(chainHead(chain).number - common);
  const rewoundTransactions = chain.blocks.slice(Number(common) + 1).flatMap((block) => block?.transactions ?? []);
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
  return { rewound, rewoundTransactions, appended };
}
