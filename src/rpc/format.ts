import type { BlockHeader } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Bloom } from "@ethereumjs/vm";
import { keccak256 } from "../engine/crypto.js";
import { feesOf } from "../proposer/mempool.js";
import { effectiveGasPrice, type ChainBlock, type ChainLog, type ChainReceipt } from "./view.js";

/** A bigint as a JSON-RPC quantity. */
export function toQuantity(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Where an included transaction is, for its JSON-RPC objects. */
export interface Placement {
  blockHash: string;
  blockNumber: bigint;
  index: number;
  baseFee: bigint;
  /**
   * The sender, when the caller knows it (a node's receipts keep it): else it is recovered from
   * the signature, ≈ 1–2 ms of the thread per transaction (a full 750-transaction block: a second).
   */
  from?: string;
}

/**
 * A transaction object as geth returns it (`eth_getTransactionByHash`, `txpool_content`, full
 * blocks): block fields null while it is pending.
 */
export function formatTransaction(tx: TypedTransaction, placement?: Placement): Record<string, unknown> {
  const { feeCap, tipCap } = feesOf(tx);
  const json = tx.toJSON() as Record<string, unknown>;
  const eip1559 = "maxFeePerGas" in tx;
  const gasPrice = eip1559 && placement !== undefined ? effectiveGasPrice(tx, placement.baseFee) : feeCap;
  return {
    blockHash: placement?.blockHash ?? null,
    blockNumber: placement === undefined ? null : toQuantity(placement.blockNumber),
    transactionIndex: placement === undefined ? null : toQuantity(placement.index),
    hash: bytesToHex(tx.hash()),
    type: toQuantity(tx.type),
    from: placement?.from ?? tx.getSenderAddress().toString(),
    to: tx.to?.toString() ?? null,
    nonce: toQuantity(tx.nonce),
    gas: toQuantity(tx.gasLimit),
    gasPrice: toQuantity(gasPrice),
    ...(eip1559 ? { maxFeePerGas: toQuantity(feeCap), maxPriorityFeePerGas: toQuantity(tipCap) } : {}),
    value: toQuantity(tx.value),
    input: bytesToHex(tx.data),
    ...(json.chainId !== undefined ? { chainId: json.chainId } : {}),
    ...(json.accessList !== undefined ? { accessList: json.accessList } : {}),
    ...(json.authorizationList !== undefined ? { authorizationList: json.authorizationList } : {}),
    v: json.v,
    r: json.r,
    s: json.s,
    ...(tx.type !== 0 ? { yParity: json.v } : {}),
  };
}

/** A log as `eth_getLogs` and receipts show it (every field ethers' log formatter requires, and geth 1.16's `blockTimestamp`). */
export function formatLog(log: ChainLog): Record<string, unknown> {
  return {
    address: log.address,
    topics: log.topics,
    data: log.data,
    blockHash: log.blockHash,
    blockNumber: toQuantity(log.blockNumber),
    ...(log.blockTimestamp === undefined ? {} : { blockTimestamp: toQuantity(log.blockTimestamp) }),
    transactionHash: log.transactionHash,
    transactionIndex: toQuantity(log.transactionIndex),
    logIndex: toQuantity(log.logIndex),
    removed: log.removed,
  };
}

/** `eth_getTransactionReceipt`'s object. */
export function formatReceipt(receipt: ChainReceipt): Record<string, unknown> {
  const bloom = new Bloom();
  for (const log of receipt.logs) {
    bloom.add(hexToBytes(log.address as `0x${string}`));
    for (const topic of log.topics) bloom.add(hexToBytes(topic as `0x${string}`));
  }
  return {
    transactionHash: receipt.transactionHash,
    transactionIndex: toQuantity(receipt.transactionIndex),
    blockHash: receipt.blockHash,
    blockNumber: toQuantity(receipt.blockNumber),
    from: receipt.from,
    to: receipt.to,
    contractAddress: receipt.contractAddress,
    cumulativeGasUsed: toQuantity(receipt.cumulativeGasUsed),
    gasUsed: toQuantity(receipt.gasUsed),
    effectiveGasPrice: toQuantity(receipt.effectiveGasPrice),
    status: toQuantity(receipt.status),
    type: toQuantity(receipt.type),
    logsBloom: bytesToHex(bloom.bitvector),
    logs: receipt.logs.map(formatLog),
  };
}

/** A header's fields as geth names them (`eth_getBlockBy…`, `newHeads`). */
export function formatHeader(header: BlockHeader): Record<string, unknown> {
  const h = header;
  return {
    number: toQuantity(h.number),
    hash: bytesToHex(h.hash()),
    parentHash: bytesToHex(h.parentHash),
    sha3Uncles: bytesToHex(h.uncleHash),
    miner: h.coinbase.toString(),
    stateRoot: bytesToHex(h.stateRoot),
    transactionsRoot: bytesToHex(h.transactionsTrie),
    receiptsRoot: bytesToHex(h.receiptTrie),
    logsBloom: bytesToHex(h.logsBloom),
    difficulty: toQuantity(h.difficulty),
    gasLimit: toQuantity(h.gasLimit),
    gasUsed: toQuantity(h.gasUsed),
    timestamp: toQuantity(h.timestamp),
    extraData: bytesToHex(h.extraData),
    mixHash: bytesToHex(h.mixHash),
    nonce: bytesToHex(h.nonce),
    ...(h.baseFeePerGas !== undefined ? { baseFeePerGas: toQuantity(h.baseFeePerGas) } : {}),
    ...(h.withdrawalsRoot !== undefined ? { withdrawalsRoot: bytesToHex(h.withdrawalsRoot) } : {}),
    ...(h.blobGasUsed !== undefined ? { blobGasUsed: toQuantity(h.blobGasUsed) } : {}),
    ...(h.excessBlobGas !== undefined ? { excessBlobGas: toQuantity(h.excessBlobGas) } : {}),
    ...(h.parentBeaconBlockRoot !== undefined ? { parentBeaconBlockRoot: bytesToHex(h.parentBeaconBlockRoot) } : {}),
    ...(h.requestsHash !== undefined ? { requestsHash: bytesToHex(h.requestsHash) } : {}),
  };
}

/** `eth_getBlockBy…`'s object: transaction hashes, or (with `full`) the transactions themselves. */
export function formatBlock(block: ChainBlock, full: boolean): Record<string, unknown> {
  if (!full && block.rawTransactions !== undefined) return formatRawBlock(block, block.rawTransactions);
  const txs = block.transactions();
  const baseFee = block.header.baseFeePerGas ?? 0n;
  const senders = full ? block.senders?.() : undefined;
  return {
    ...formatHeader(block.header),
    size: toQuantity(blockSize(block.header, txs)),
    totalDifficulty: "0x0",
    uncles: [],
    ...(block.header.withdrawalsRoot !== undefined ? { withdrawals: [] } : {}),
    transactions: txs.map((tx, index) =>
      full ? formatTransaction(tx, { blockHash: block.hash, blockNumber: block.number, index, baseFee, from: senders?.[index] }) : bytesToHex(tx.hash()),
    ),
  };
}

/**
 * {@link formatBlock} without full transactions, from the raw transactions: nothing decoded. A
 * transaction's hash is the keccak of its raw bytes, and a legacy one's body item is its field
 * list (its raw bytes are that list's RLP), a typed one's its bytes.
 */
function formatRawBlock(block: ChainBlock, raws: Uint8Array[]): Record<string, unknown> {
  const body = raws.map((raw) => (raw[0]! >= 0xc0 ? (RLP.decode(raw) as Uint8Array[]) : raw));
  const header = block.header;
  return {
    ...formatHeader(header),
    size: toQuantity(RLP.encode([header.raw(), body, [], ...(header.withdrawalsRoot !== undefined ? [[]] : [])]).length),
    totalDifficulty: "0x0",
    uncles: [],
    ...(header.withdrawalsRoot !== undefined ? { withdrawals: [] } : {}),
    transactions: raws.map((raw) => bytesToHex(keccak256(raw))),
  };
}

/** The size of the block's RLP, as geth reports it: [header, transactions, uncles (none), withdrawals (none, when the header has their root)]. */
function blockSize(header: BlockHeader, txs: TypedTransaction[]): number {
  // A typed transaction is a byte string in the body; a legacy one is its field list.
  const body = txs.map((tx) => (tx.type === 0 ? (tx.raw() as Uint8Array[]) : tx.serialize()));
  return RLP.encode([header.raw(), body, [], ...(header.withdrawalsRoot !== undefined ? [[]] : [])]).length;
}
