/**
 * Reads of one transaction by its place in a block (`eth_getTransactionByBlockNumberAndIndex`,
 * `eth_getTransactionByBlockHashAndIndex`), with geth's answers: null for a block or an index
 * that is not there, -32602 for a malformed index.
 */
import { formatTransaction } from "./format.js";
import { quantityParam } from "./params.js";
import type { ChainView } from "./view.js";

/** A transaction index parameter (geth's hexutil.Uint: a hex number of at most 64 bits). */
export function transactionIndexParam(value: unknown): bigint {
  return quantityParam(value, "transaction index", 64);
}

/** The transaction at `index` of block `number` as eth_getTransactionByHash shows it, or null when there is none. */
export function transactionAt(view: ChainView, number: bigint | undefined, index: bigint): Record<string, unknown> | null {
  const block = number === undefined ? undefined : view.block(number);
  if (block === undefined) return null;
  const txs = block.transactions();
  if (index >= BigInt(txs.length)) return null;
  const i = Number(index);
  return formatTransaction(txs[i]!, { blockHash: block.hash, blockNumber: block.number, index: i, baseFee: block.header.baseFeePerGas ?? 0n });
}
