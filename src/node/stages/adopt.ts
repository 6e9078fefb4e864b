/**
 * Adoption (issue 17 item 4): a node in the same process as the proposer takes the proposer's own
 * block — header, receipts, trie writes — instead of executing it a second time.
 *
 *   proposer: build ─▶ offer(block) ─▶ advance on L1 (EXECUTE verifies the block hash)
 *   node:     follow-l1 ─▶ derive ─▶ execute: take(number, L1's block hash)
 *                                      ├─ handed, and it is L1's block ─▶ commit the builder's result
 *                                      └─ none, or another block       ─▶ re-execute (as always)
 *
 * Sound because L1's EXECUTE accepted exactly that block hash, and the hash commits to the state
 * root, the receipts root and the transactions root: a handed block with the same hash is the
 * block the node would compute. Anything else — another proposer's block at that height, a block
 * rebuilt after a failed advance, a reorg's replacement, a restart that lost what was handed — has
 * another hash or none, and is re-executed. Both results go through the same commit (commit.ts).
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { TxReceipt } from "@ethereumjs/vm";
import { bytesToHex } from "../../shared/bytes.js";
import type { AdvanceRecord } from "../records.js";

/** A block its builder hands to the node: what `buildBlock` returns (a `BuiltBlock` with its `writes`). */
export interface HandedBlock {
  header: BlockHeader;
  transactions: TypedTransaction[];
  receipts: TxReceipt[];
  /** The trie nodes and codes the block wrote, keyed as in the state database (`BuiltBlock.writes`). */
  writes: ReadonlyMap<string, Uint8Array>;
}

/** The blocks handed to a node and not yet taken (see the file's comment). */
export interface HandedBlocks {
  /** Keeps `block` for the execute stage; false (nothing kept) when it carries no trie writes. */
  offer(block: Omit<HandedBlock, "writes"> & { writes?: ReadonlyMap<string, Uint8Array> }): boolean;
  /**
   * The handed block with hash `blockHash` at `number`, else another one handed at `number` (for
   * the caller to refuse, saying why), else undefined; every handed block at or below `number` is
   * forgotten.
   */
  take(number: bigint, blockHash: string): HandedBlock | undefined;
  /** How many are kept. */
  readonly size: number;
}

/** The most handed blocks kept: a proposer hands one per build, and its failures rebuild a few. */
export const MAX_HANDED_BLOCKS = 16;

/** An empty {@link HandedBlocks}; the oldest is forgotten past {@link MAX_HANDED_BLOCKS}. */
export function handedBlocks(): HandedBlocks {
  const byHash = new Map<string, HandedBlock>();
  return {
    offer(block) {
      if (block.writes === undefined) return false;
      byHash.set(bytesToHex(block.header.hash()), { header: block.header, transactions: block.transactions, receipts: block.receipts, writes: block.writes });
      if (byHash.size > MAX_HANDED_BLOCKS) byHash.delete(byHash.keys().next().value!);
      return true;
    },
    take(number, blockHash) {
      let found = byHash.get(blockHash.toLowerCase());
      if (found?.header.number !== number) found = [...byHash.values()].findLast((block) => block.header.number === number);
      for (const [hash, block] of byHash) if (block.header.number <= number) byHash.delete(hash);
      return found;
    },
    get size() {
      return byHash.size;
    },
  };
}

/**
 * Why `handed` cannot stand for the block L1 recorded in `advance` on `parent` (undefined: it
 * can). The block hash decides (it commits to the state, receipts and transactions roots); the
 * cheap rest — number, parent, one receipt per transaction of the derived body, the post-state
 * root among the writes — catches a builder's result that does not hang together, which is then re-executed.
 */
export function adoptionRefusal(handed: HandedBlock, advance: AdvanceRecord, parent: BlockHeader, body: Uint8Array[]): string | undefined {
  const { header } = handed;
  const hash = bytesToHex(header.hash());
  if (hash !== advance.blockHash.toLowerCase()) return `its hash ${hash} is not L1's ${advance.blockHash}`;
  if (header.number !== advance.number) return `its number ${header.number} is not L1's ${advance.number}`;
  if (bytesToHex(header.parentHash) !== bytesToHex(parent.hash())) return `its parent ${bytesToHex(header.parentHash)} is not the node's head ${bytesToHex(parent.hash())}`;
  if (handed.transactions.length !== body.length || handed.receipts.length !== body.length) {
    return `it has ${handed.transactions.length} transaction(s) and ${handed.receipts.length} receipt(s); L1's data has ${body.length} transaction(s)`;
  }
  const root = bytesToHex(header.stateRoot).slice(2);
  if (!handed.writes.has(root) && bytesToHex(header.stateRoot) !== bytesToHex(parent.stateRoot)) return `its writes lack its state root ${bytesToHex(header.stateRoot)}`;
  return undefined;
}
