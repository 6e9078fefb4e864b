import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { DB } from "@ethereumjs/util";
import { bytesToHex, MapDB } from "@ethereumjs/util";
import type { TxReceipt } from "@ethereumjs/vm";
import { bytesEqual } from "../shared/bytes.js";
import { UltrasoundError } from "../shared/errors.js";
import { writeGenesis, type GenesisConfig } from "./genesis.js";

/** A canonical L2 block as the builder keeps it. */
export interface L2Block {
  header: BlockHeader;
  transactions: TypedTransaction[];
  receipts: TxReceipt[];
}

/**
 * The builder's view of an L2 chain: the state trie database (every version is kept: nodes are
 * content-addressed and never deleted, so any past block's state stays readable) and the
 * canonical blocks from genesis to head.
 */
export interface L2Chain {
  readonly genesis: GenesisConfig;
  readonly db: DB<string, Uint8Array>;
  /** Canonical headers, index = block number (kept apart: BLOCKHASH walks them). */
  readonly headers: BlockHeader[];
  /** Canonical blocks, index = block number. */
  readonly blocks: L2Block[];
  /** Transaction hash (0x-hex) → where it is. */
  readonly transactionIndex: Map<string, { blockNumber: number; index: number }>;
}

/** Creates an L2 chain at its genesis, in memory unless a database is given. */
export async function createL2Chain(genesis: GenesisConfig, db: DB<string, Uint8Array> = new MapDB()): Promise<L2Chain> {
  const { header } = await writeGenesis(genesis, db);
  return { genesis, db, headers: [header], blocks: [{ header, transactions: [], receipts: [] }], transactionIndex: new Map() };
}

/** The head header of the chain. */
export function chainHead(chain: L2Chain): BlockHeader {
  return chain.headers[chain.headers.length - 1]!;
}

/** Thrown when a block does not extend the chain's head. */
export class NotChildOfHeadError extends UltrasoundError {
  override name = "NotChildOfHeadError";
}

/** Appends a block that L1 has accepted; it must be the child of the head. */
export function appendBlock(chain: L2Chain, block: L2Block): void {
  const head = chainHead(chain);
  if (block.header.number !== head.number + 1n || !bytesEqual(block.header.parentHash, head.hash())) {
    throw new NotChildOfHeadError("Block does not extend the head", {
      headNumber: head.number,
      headHash: bytesToHex(head.hash()),
      blockNumber: block.header.number,
      parentHash: bytesToHex(block.header.parentHash),
    });
  }
  chain.headers.push(block.header);
  chain.blocks.push(block);
  const blockNumber = Number(block.header.number);
  block.transactions.forEach((tx, index) => chain.transactionIndex.set(bytesToHex(tx.hash()), { blockNumber, index }));
}

/** Drops every block above `number` (an L1 reorg undone). */
export function rewindTo(chain: L2Chain, number: bigint): void {
  for (const block of chain.blocks.slice(Number(number) + 1)) {
    for (const tx of block.transactions) chain.transactionIndex.delete(bytesToHex(tx.hash()));
  }
  chain.headers.length = Math.min(chain.headers.length, Number(number) + 1);
  chain.blocks.length = chain.headers.length;
}

/** A transaction of the canonical chain, where it is, and what it did. */
export interface IncludedTransaction {
  block: L2Block;
  index: number;
  tx: TypedTransaction;
  receipt: TxReceipt;
  /** Gas this transaction used (its receipt's cumulative gas minus the previous one's). */
  gasUsed: bigint;
  /** 1 success, 0 failure. */
  status: number;
}

/** Looks a transaction up by hash (0x-hex, any case) among the canonical blocks. */
export function findTransaction(chain: L2Chain, hash: string): IncludedTransaction | undefined {
  const at = chain.transactionIndex.get(hash.toLowerCase());
  if (at === undefined) return undefined;
  const block = chain.blocks[at.blockNumber]!;
  const receipt = block.receipts[at.index]!;
  const previous = at.index === 0 ? 0n : block.receipts[at.index - 1]!.cumulativeBlockGasUsed;
  return {
    block,
    index: at.index,
    tx: block.transactions[at.index]!,
    receipt,
    gasUsed: receipt.cumulativeBlockGasUsed - previous,
    status: "status" in receipt ? Number(receipt.status) : 1,
  };
}

/**
 * Drops the transactions and receipts of the blocks below `number` (headers stay: BLOCKHASH and
 * reorg checks read them), and their entries of the transaction index. For a proposer whose
 * blocks a node keeps on disk (the devnet): the bodies of every block it ever built would
 * otherwise stay in memory, ≈ 6 KB of heap per transaction. Returns how many blocks it emptied.
 */
export function forgetBlockBodies(chain: L2Chain, number: bigint): number {
  let emptied = 0;
  const below = Math.min(Number(number), chain.blocks.length);
  for (let n = 1; n < below; n++) {
    const block = chain.blocks[n]!;
    if (block.transactions.length === 0 && block.receipts.length === 0) continue;
    for (const tx of block.transactions) chain.transactionIndex.delete(bytesToHex(tx.hash()));
    chain.blocks[n] = { header: block.header, transactions: [], receipts: [] };
    emptied++;
  }
  return emptied;
}
