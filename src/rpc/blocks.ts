/**
 * Reads of one transaction by its place in a block (`eth_getTransactionByBlockNumberAndIndex`,
 * `eth_getTransactionByBlockHashAndIndex`), with geth's answers: null for a block or an index
 * that is not there, -32602 for a malformed index.
 */
import { bytesToHex } from "@ethereumjs/util";
import { keccak256 } from "../engine/crypto.js";
import { formatTransaction } from "./format.js";
import { quantityParam } from "./params.js";
import type { ChainBlock, ChainTransaction, ChainView } from "./view.js";

/** A transaction index parameter (geth's hexutil.Uint: a hex number of at most 64 bits). */
export function transactionIndexParam(value: unknown): bigint {
  return quantityParam(value, "transaction index", 64);
}

/** The transaction at `index` of block `number` as eth_getTransactionByHash shows it, or null when there is none. */
export function transactionAt(view: ChainView, number: bigint | undefined, index: bigint): Record<string, unknown> | null {
  const block = number === undefined ? undefined : view.block(number);
  if (block === undefined) return null;
  const raws = block.rawTransactions;
  if (raws !== undefined) {
    // By its hash: the view reads that one transaction (and its sender, from its receipt) alone.
    if (index >= BigInt(raws.length)) return null;
    const included = view.transaction(bytesToHex(keccak256(raws[Number(index)]!)));
    if (included !== undefined && included.blockNumber === block.number && BigInt(included.index) === index) return formatIncluded(view, included);
  }
  const txs = block.transactions();
  if (index >= BigInt(txs.length)) return null;
  const i = Number(index);
  return formatTransaction(txs[i]!, { blockHash: block.hash, blockNumber: block.number, index: i, baseFee: block.header.baseFeePerGas ?? 0n });
}

/** How many transactions `block` holds (from its raw transactions when the view has them: nothing decoded). */
export function transactionCount(block: ChainBlock): number {
  return block.rawTransactions?.length ?? block.transactions().length;
}

/** An included transaction as `eth_getTransactionByHash` shows it, its sender taken from its receipt (not recovered). */
export function formatIncluded(view: ChainView, included: ChainTransaction): Record<string, unknown> {
  const baseFee = view.header(included.blockNumber)?.baseFeePerGas ?? 0n;
  return formatTransaction(included.tx, { blockHash: included.blockHash, blockNumber: included.blockNumber, index: included.index, baseFee, from: included.receipt.from });
}
