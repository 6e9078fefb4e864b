import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { getCreateAddress } from "ethers";
import { findTransaction, type L2Chain } from "../engine/state.js";
import { feesOf } from "../proposer/mempool.js";

/** A bigint as a JSON-RPC quantity. */
export function toQuantity(value: bigint | number): string {
  return `0x${value.toString(16)}`;
}

/** Where an included transaction is, for its JSON-RPC objects. */
interface Placement {
  blockHash: string;
  blockNumber: bigint;
  index: number;
  baseFee: bigint;
}

/**
 * A transaction object as geth returns it (`eth_getTransactionByHash`, `txpool_content`):
 * block fields null while it is pending.
 */
export function formatTransaction(tx: TypedTransaction, placement?: Placement): Record<string, unknown> {
  const { feeCap, tipCap } = feesOf(tx);
  const json = tx.toJSON() as Record<string, unknown>;
  const eip1559 = "maxFeePerGas" in tx;
  const gasPrice = eip1559 && placement !== undefined ? effectiveGasPrice(feeCap, tipCap, placement.baseFee) : feeCap;
  return {
    blockHash: placement?.blockHash ?? null,
    blockNumber: placement === undefined ? null : toQuantity(placement.blockNumber),
    transactionIndex: placement === undefined ? null : toQuantity(placement.index),
    hash: bytesToHex(tx.hash()),
    type: toQuantity(tx.type),
    from: tx.getSenderAddress().toString(),
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

/** An included transaction by hash, or undefined. */
export function includedTransaction(chain: L2Chain, hash: string): Record<string, unknown> | undefined {
  const found = findTransaction(chain, hash);
  if (found === undefined) return undefined;
  const { block, tx, index } = found;
  return formatTransaction(tx, {
    blockHash: bytesToHex(block.header.hash()),
    blockNumber: block.header.number,
    index,
    baseFee: block.header.baseFeePerGas ?? 0n,
  });
}

/** `eth_getTransactionReceipt`: null until the transaction is in a block L1 has verified. */
export function formatReceipt(chain: L2Chain, hash: string): Record<string, unknown> | null {
  const found = findTransaction(chain, hash);
  if (found === undefined) return null;
  const { block, tx, receipt, index } = found;
  const transactionHash = bytesToHex(tx.hash());
  const blockHash = bytesToHex(block.header.hash());
  const blockNumber = toQuantity(block.header.number);
  const from = tx.getSenderAddress().toString();
  const { feeCap, tipCap } = feesOf(tx);
  // logIndex counts the block's logs, not the transaction's.
  const firstLogIndex = block.receipts.slice(0, index).reduce((n, r) => n + r.logs.length, 0);
  return {
    transactionHash,
    transactionIndex: toQuantity(index),
    blockHash,
    blockNumber,
    from,
    to: tx.to?.toString() ?? null,
    contractAddress: tx.to === undefined ? getCreateAddress({ from, nonce: tx.nonce }) : null,
    cumulativeGasUsed: toQuantity(receipt.cumulativeBlockGasUsed),
    gasUsed: toQuantity(found.gasUsed),
    effectiveGasPrice: toQuantity("maxFeePerGas" in tx ? effectiveGasPrice(feeCap, tipCap, block.header.baseFeePerGas ?? 0n) : feeCap),
    status: toQuantity(found.status),
    type: toQuantity(tx.type),
    logsBloom: bytesToHex(receipt.bitvector),
    // Every field ethers' log formatter requires (it throws BAD_DATA on a log without blockHash).
    logs: receipt.logs.map(([address, topics, data], logIndex) => ({
      address: bytesToHex(address),
      topics: topics.map((t) => bytesToHex(t)),
      data: bytesToHex(data),
      blockHash,
      blockNumber,
      transactionHash,
      transactionIndex: toQuantity(index),
      logIndex: toQuantity(firstLogIndex + logIndex),
      removed: false,
    })),
  };
}

function effectiveGasPrice(feeCap: bigint, tipCap: bigint, baseFee: bigint): bigint {
  return baseFee + (feeCap - baseFee < tipCap ? feeCap - baseFee : tipCap);
}
