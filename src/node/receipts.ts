/**
 * Receipts of the node's chain built from a block's stored bytes (receipt-at.ts indexes them):
 * what `getTransaction` serves per request and `getReceipts` per block (src/node/read.ts),
 * without decoding the block's transactions.
 */
import { Capability, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import path from "node:path";
import { keccak256 } from "../engine/crypto.js";
import { bytesToHex } from "../shared/bytes.js";
import type { ChainReceipt } from "../rpc/view.js";
import { StoreCorruptError } from "./errors.js";
import { blockItems, receiptTransactionFields, type BlockItems } from "./receipt-at.js";
import type { BlockRecord, StoredReceipt } from "./records.js";
import type { NodeContext } from "./stage.js";
import { recentPerStore } from "./recent.js";
import { numberKey } from "./store.js";

/** How many transactions the node's reads (read.ts, this file) decoded since loaded: tests check with it that a read costs its own transaction at most, not its block's. */
export const readCounters = { transactionsDecoded: 0 };

/** `raw` decoded for the node's chain, counted in {@link readCounters}. */
export function decodeCounted(ctx: NodeContext, raw: Uint8Array): TypedTransaction {
  readCounters.transactionsDecoded++;
  return createTxFromRLP(raw, { common: ctx.common });
}

/**
 * Receipt `index` of a block from its indexed bytes: the receipt's fields from views of the
 * stored receipt, the recipient and fees from the transaction's RLP headers (a type not read
 * there is decoded), its hash the keccak of its bytes.
 */
export function receiptAt(ctx: NodeContext, record: BlockRecord, blockHash: string, items: BlockItems, index: number): { raw: Uint8Array; receipt: ChainReceipt; tx?: TypedTransaction } {
  const number = record.header.number;
  const raw = items.transactionAt(index)!;
  let stored: { receipt: StoredReceipt; firstLogIndex: number };
  let fields: ReturnType<typeof receiptTransactionFields>;
  try {
    stored = items.receiptAt(index)!;
    fields = receiptTransactionFields(raw);
  } catch (error) {
    throw corrupt(ctx, "receipts", `L2 block ${number}'s transaction or receipt ${index} does not decode (${(error as Error).message})`, { block: number, index });
  }
  const baseFee = record.header.baseFeePerGas ?? 0n;
  const tx = fields === undefined ? decodeCounted(ctx, raw) : undefined;
  const shown = fields === undefined ? receiptFieldsOf(tx!, baseFee) : { to: fields.to === undefined ? null : bytesToHex(fields.to), effectiveGasPrice: effectiveGasPrice(fields, baseFee) };
  return { raw, tx, receipt: toReceipt({ number, hash: blockHash }, stored.receipt, shown, index, bytesToHex(keccak256(raw)), stored.firstLogIndex) };
}

/**
 * Blocks whose stored bytes are kept indexed (receipt-at.ts), per store, most recently used
 * last: a receipt read then costs its own item, not a checksummed read and copy of its block's
 * transactions and receipts (≈ 0.2 ms for 750, per read: 0.45 s of the RPC's thread while the
 * offthread bench polled its 1,650 receipts).
 */
const INDEXED_BLOCKS = 16;
/** `RLP([])`: the genesis block's transactions and receipts. */
const EMPTY_LIST = Uint8Array.of(0xc0);
const indexedBlocks = recentPerStore<string, BlockItems>(INDEXED_BLOCKS);

/** Block `number` (whose hash is `hash`) indexed: kept by hash, so a block a reorg replaced is never served. */
export function indexedBlock(ctx: NodeContext, number: bigint, hash: string): BlockItems {
  let items = indexedBlocks.get(ctx.store, hash);
  if (items !== undefined) return items;
  // The genesis block has no transactions, and the store keeps none for it (as getBlock reads it).
  const payload = number === 0n ? EMPTY_LIST : ctx.store.payloads.getBinary(numberKey(number));
  const receipts = number === 0n ? EMPTY_LIST : ctx.store.receipts.getBinary(numberKey(number));
  if (payload === undefined) throw corrupt(ctx, "payloads", `L2 block ${number}'s transactions are missing`, { block: number });
  if (receipts === undefined) throw corrupt(ctx, "receipts", `L2 block ${number}'s receipts are missing`, { block: number });
  try {
    items = blockItems(payload, receipts);
  } catch (error) {
    throw corrupt(ctx, "receipts", `L2 block ${number}'s transactions or receipts do not decode (${(error as Error).message})`, { block: number });
  }
  if (items.receipts !== items.transactions) {
    throw corrupt(ctx, "receipts", `L2 block ${number}'s receipts are ${items.receipts}, for ${items.transactions} transactions`, { block: number });
  }
  indexedBlocks.set(ctx.store, hash, items);
  return items;
}

/** Receipt `index` of a block, as JSON-RPC shows it; its first log is the block's log `firstLogIndex`. */
function toReceipt(
  block: { number: bigint; hash: string },
  receipt: StoredReceipt,
  shown: { to: string | null; effectiveGasPrice: bigint },
  index: number,
  transactionHash: string,
  firstLogIndex: number,
): ChainReceipt {
  let logIndex = firstLogIndex;
  return {
    transactionHash,
    transactionIndex: index,
    blockNumber: block.number,
    blockHash: block.hash,
    from: bytesToHex(receipt.from),
    to: shown.to,
    type: receipt.type,
    status: receipt.status,
    cumulativeGasUsed: receipt.cumulativeGasUsed,
    gasUsed: receipt.gasUsed,
    effectiveGasPrice: shown.effectiveGasPrice,
    contractAddress: receipt.contractAddress === undefined ? null : bytesToHex(receipt.contractAddress),
    logs: receipt.logs.map(([address, topics, data]) => ({
      address: bytesToHex(address),
      topics: topics.map((t) => bytesToHex(t)),
      data: bytesToHex(data),
      blockNumber: block.number,
      blockHash: block.hash,
      transactionHash,
      transactionIndex: index,
      logIndex: logIndex++,
      removed: false as const,
    })),
  };
}

/** What a receipt shows of a decoded transaction: its recipient and what it paid per gas. */
function receiptFieldsOf(tx: TypedTransaction, baseFee: bigint): { to: string | null; effectiveGasPrice: bigint } {
  const fees = tx.supports(Capability.EIP1559FeeMarket) ? (tx as TypedTransaction & { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }) : { gasPrice: (tx as TypedTransaction & { gasPrice: bigint }).gasPrice };
  return { to: tx.to === undefined ? null : tx.to.toString(), effectiveGasPrice: effectiveGasPrice(fees, baseFee) };
}

/** What the sender paid per gas: EIP-1559's base fee plus the tip the fee cap allows, or the legacy gas price. */
function effectiveGasPrice(fees: { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }, baseFee: bigint): bigint {
  if (fees.maxFeePerGas !== undefined && fees.maxPriorityFeePerGas !== undefined) {
    const { maxFeePerGas, maxPriorityFeePerGas } = fees;
    const tip = maxFeePerGas - baseFee < maxPriorityFeePerGas ? maxFeePerGas - baseFee : maxPriorityFeePerGas;
    return baseFee + tip;
  }
  return fees.gasPrice!;
}

function corrupt(ctx: NodeContext, table: string, problem: string, details: Record<string, unknown>): StoreCorruptError {
  return new StoreCorruptError(path.join(ctx.store.dir, "data.mdb"), problem, { table, ...details });
}
