/**
 * What the node keeps per block, and how it is encoded on disk: small, rarely read records as
 * JSON (readable with any LMDB tool), blocks and receipts as RLP.
 */
import { createBlockHeaderFromRLP, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToUnpaddedBytes, bytesToBigInt, bytesToHex, hexToBytes, intToUnpaddedBytes } from "@ethereumjs/util";
import type { BlockAdvancedEvent } from "../sdk/contracts.js";

/** Where on L1 an L2 block was verified: the `BlockAdvanced` log and its L1 block. */
export interface L1Origin {
  /** L1 block number and hash of the block holding the `advance` transaction. */
  number: bigint;
  hash: string;
  txHash: string;
  logIndex: number;
}

/** A `BlockAdvanced` event as the follower stored it, with its L1 origin. */
export interface AdvanceRecord extends BlockAdvancedEvent {
  l1: L1Origin;
}

/** JSON of an advance record (bigints as decimal strings). */
export function encodeAdvance(record: AdvanceRecord): Buffer {
  return Buffer.from(JSON.stringify(record, (_key, value) => (typeof value === "bigint" ? value.toString() : value)), "utf8");
}

/** Inverse of {@link encodeAdvance}. */
export function decodeAdvance(bytes: Uint8Array): AdvanceRecord {
  const raw = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown> & { l1: Record<string, unknown> };
  return {
    ...(raw as unknown as AdvanceRecord),
    number: BigInt(raw.number as string),
    gasUsed: BigInt(raw.gasUsed as string),
    timestamp: BigInt(raw.timestamp as string),
    anchorBlockNumber: BigInt(raw.anchorBlockNumber as string),
    messageCount: BigInt(raw.messageCount as string),
    l1: { ...(raw.l1 as unknown as L1Origin), number: BigInt(raw.l1.number as string) },
  };
}

/** An executed L2 block: its header and where L1 verified it. */
export interface BlockRecord {
  header: BlockHeader;
  l1: L1Origin;
}

/** `RLP([header, l1Number, l1Hash, l1TxHash, l1LogIndex])`. */
export function encodeBlockRecord(record: BlockRecord): Uint8Array {
  return RLP.encode([
    record.header.serialize(),
    bigIntToUnpaddedBytes(record.l1.number),
    hexToBytes(record.l1.hash as `0x${string}`),
    hexToBytes(record.l1.txHash as `0x${string}`),
    intToUnpaddedBytes(record.l1.logIndex),
  ]);
}

/** Inverse of {@link encodeBlockRecord}; the header is decoded for `common`'s chain. */
export function decodeBlockRecord(bytes: Uint8Array, common: Common): BlockRecord {
  const [header, l1Number, l1Hash, txHash, logIndex] = RLP.decode(bytes) as Uint8Array[];
  return {
    header: createBlockHeaderFromRLP(header!, { common, setHardfork: false }),
    l1: { number: bytesToBigInt(l1Number!), hash: bytesToHex(l1Hash!), txHash: bytesToHex(txHash!), logIndex: Number(bytesToBigInt(logIndex!)) },
  };
}

/** One log: `[address, topics, data]`, as the EVM emits it. */
export type StoredLog = [address: Uint8Array, topics: Uint8Array[], data: Uint8Array];

/** A receipt as the node keeps it: the consensus fields plus what JSON-RPC shows and cannot cheaply recompute. */
export interface StoredReceipt {
  /** Transaction type (0 legacy, 1, 2, 4). */
  type: number;
  /** 1 success, 0 failure. */
  status: number;
  cumulativeGasUsed: bigint;
  /** Gas this transaction used in the block. */
  gasUsed: bigint;
  /** The recovered sender (recovery costs ≈ 0.1–1.5 ms; done once, at execution). */
  from: Uint8Array;
  /** The created contract's address, for a creation. */
  contractAddress?: Uint8Array;
  logs: StoredLog[];
}

/** `RLP([[type, status, cumulativeGasUsed, gasUsed, from, contractAddress | "", logs], …])`. */
export function encodeReceipts(receipts: StoredReceipt[]): Uint8Array {
  return RLP.encode(
    receipts.map((r) => [
      intToUnpaddedBytes(r.type),
      intToUnpaddedBytes(r.status),
      bigIntToUnpaddedBytes(r.cumulativeGasUsed),
      bigIntToUnpaddedBytes(r.gasUsed),
      r.from,
      r.contractAddress ?? new Uint8Array(0),
      r.logs,
    ]),
  );
}

/** Inverse of {@link encodeReceipts}. */
export function decodeReceipts(bytes: Uint8Array): StoredReceipt[] {
  return (RLP.decode(bytes) as unknown as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, StoredLog[]][]).map(
    ([type, status, cumulative, gasUsed, from, contract, logs]) => ({
      type: Number(bytesToBigInt(type)),
      status: Number(bytesToBigInt(status)),
      cumulativeGasUsed: bytesToBigInt(cumulative),
      gasUsed: bytesToBigInt(gasUsed),
      from,
      ...(contract.length === 0 ? {} : { contractAddress: contract }),
      logs,
    }),
  );
}
