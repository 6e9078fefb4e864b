/**
 * Reads of the node's chain: what a JSON-RPC layer serves (blocks, receipts, transactions, logs,
 * state at any past block). Everything comes from the store; nothing here writes.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { Address, createAddressFromString, type Account } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { createEngineVM } from "../engine/vm.js";
import { createL2Common } from "../engine/chain.js";
import { WitnessMissingHeaderError } from "../engine/errors.js";
import { splitTransactions } from "../engine/transactions.js";
import { bytesToHex, hexToBytes } from "../shared/bytes.js";
import path from "node:path";
import { LogQueryTooLargeError, StoreCorruptError } from "./errors.js";
import type { L1Origin } from "./records.js";
import { decodeCounted, indexedBlock, receiptAt } from "./receipts.js";
import { recentPerStore } from "./recent.js";
import { readBlockRecord } from "./stages/execute.js";
import type { NodeContext } from "./stage.js";
import { BlockWriteDB, keyNumber, missingTrieNodeError, numberKey } from "./store.js";
import type { ChainLog, ChainReceipt } from "../rpc/view.js";

/** A block of the node's chain. */
export interface NodeBlock {
  number: bigint;
  /** 0x-hex block hash. */
  hash: string;
  header: BlockHeader;
  /** Where L1 verified it (the genesis: the rollup's deployment). */
  l1: L1Origin;
  /** The transactions as L1 carried them (canonical encodings). */
  rawTransactions: Uint8Array[];
  /** The L1→L2 messages the block delivered (EXECUTE's `messages` field; empty when none). */
  messages: Uint8Array;
  /** The transactions decoded (on each call). */
  transactions(): TypedTransaction[];
  /** The transactions' senders, from the stored receipts (on each call; nothing recovered). */
  senders(): string[];
}

/** A log, placed in its block: what the RPC serves (one shape for the node and the in-memory chain). */
export type NodeLog = ChainLog;

/** A transaction's receipt, with what `eth_getTransactionReceipt` shows. */
export type NodeReceipt = ChainReceipt;

/** A transaction of the chain, where it is, and its receipt. */
export interface NodeTransaction {
  hash: string;
  blockNumber: bigint;
  blockHash: string;
  index: number;
  from: string;
  tx: TypedTransaction;
  raw: Uint8Array;
  receipt: NodeReceipt;
}

/** `eth_getLogs`'s filter: a block range or one block hash; addresses; topics by position (null: any). */
export interface LogFilter {
  fromBlock?: bigint;
  toBlock?: bigint;
  blockHash?: string;
  address?: string | string[];
  topics?: (string | string[] | null)[];
}

/** The state at one block: accounts, code, storage, and a VM for calls (writes go nowhere). */
export interface StateView {
  blockNumber: bigint;
  stateRoot: string;
  getAccount(address: string): Promise<Account | undefined>;
  getCode(address: string): Promise<Uint8Array>;
  getStorage(address: string, slot: Uint8Array): Promise<Uint8Array>;
  /** An engine VM on this state (e.g. for `eth_call`): its writes stay in memory and are dropped. */
  vm(): Promise<VM>;
}

/** The block `number`, or undefined above the head. */
export function getBlock(ctx: NodeContext, number: bigint): NodeBlock | undefined {
  const record = readBlockRecord(ctx, number);
  if (record === undefined) return undefined;
  const payload = number === 0n ? undefined : ctx.store.payloads.getBinary(numberKey(number));
  if (number > 0n && payload === undefined) throw corrupt(ctx, "payloads", `L2 block ${number}'s transactions are missing`, { block: number });
  const rawTransactions = payload === undefined ? [] : splitTransactions(payload);
  const hash = bytesToHex(record.header.hash());
  return {
    number,
    hash,
    header: record.header,
    l1: record.l1,
    rawTransactions,
    messages: ctx.store.deliveries.getBinary(numberKey(number)) ?? new Uint8Array(0),
    transactions: () => rawTransactions.map((raw) => decodeCounted(ctx, raw)),
    // From the stored receipts, through the same index (and its checks) receipt reads use.
    senders: () => {
      const items = indexedBlock(ctx, number, hash);
      return Array.from({ length: items.transactions }, (_, index) => bytesToHex(items.receiptAt(index)!.receipt.from));
    },
  };
}

/** The canonical block with this hash (0x-hex), or undefined. */
export function getBlockByHash(ctx: NodeContext, hash: string): NodeBlock | undefined {
  const bytes = hexToBytes(hash);
  if (bytes === undefined || bytes.length !== 32) return undefined;
  const key = ctx.store.hashes.getBinary(Buffer.from(bytes));
  if (key === undefined) return undefined;
  const block = getBlock(ctx, keyNumber(key));
  if (block?.hash !== hash.toLowerCase()) throw corrupt(ctx, "hashes", `the hash index sends ${hash} to L2 block ${keyNumber(key)}, whose hash is ${block?.hash ?? "missing"}`, { hash });
  return block;
}

/** The receipts of block `number`, in transaction order (undefined above the head). */
export function getReceipts(ctx: NodeContext, number: bigint): NodeReceipt[] | undefined {
  const decoded = decodedBlock(ctx, number);
  return decoded === undefined ? undefined : [...decoded.receipts];
}

/**
 * Where a transaction of the chain is (block number, index), from the transaction index alone
 * (a checksummed read; entries are written and removed with their block): what a mempool asks
 * of every journaled transaction after each block, where {@link getTransaction} decodes the
 * transaction and its receipt. No read of the head either: the execute stage writes a block's
 * entries in the transaction that moves its checkpoint to it, and an unwind removes them in the
 * one that moves it back, so an entry is there exactly while its block is in the chain.
 */
export function transactionPlace(ctx: NodeContext, hash: string): { blockNumber: bigint; index: number } | undefined {
  const bytes = hexToBytes(hash);
  if (bytes === undefined || bytes.length !== 32) return undefined;
  const at = ctx.store.txs.getBinary(Buffer.from(bytes));
  if (at === undefined) return undefined;
  return { blockNumber: at.readBigUInt64BE(0), index: at.readUInt32BE(8) };
}

/**
 * A transaction by hash (0x-hex, any case), with its receipt, or undefined. Costs its own receipt
 * read from its block's indexed bytes and one keccak, not its block's decoding (receipt-at.ts);
 * the transaction is decoded only when `tx` is read.
 */
export function getTransaction(ctx: NodeContext, hash: string): NodeTransaction | undefined {
  const bytes = hexToBytes(hash);
  if (bytes === undefined || bytes.length !== 32) return undefined;
  const at = ctx.store.txs.getBinary(Buffer.from(bytes));
  if (at === undefined) return undefined;
  const number = at.readBigUInt64BE(0);
  const index = at.readUInt32BE(8);
  const found = placedTransaction(ctx, number, index);
  // The index entry must lead to this very transaction: its hash is the natural check.
  if (found === undefined || found.receipt.transactionHash !== hash.toLowerCase()) {
    throw corrupt(ctx, "txs", `the transaction index sends ${hash} to L2 block ${number} index ${index}, which holds ${found?.receipt.transactionHash ?? "nothing"}`, { hash });
  }
  const { raw, receipt } = found;
  let tx = found.tx;
  return {
    hash: receipt.transactionHash,
    blockNumber: number,
    blockHash: receipt.blockHash,
    index,
    from: receipt.from,
    // Decoded when read: a receipt needs none of it, and clients poll receipts by the hundred.
    get tx() {
      return (tx ??= decodeCounted(ctx, raw));
    },
    raw,
    receipt,
  };
}

/**
 * Transaction `index` of block `number` with its receipt: from the block's kept receipts when
 * they were built, else from its indexed bytes ({@link receiptAt}). Undefined when the block or
 * the index is not there.
 */
function placedTransaction(ctx: NodeContext, number: bigint, index: number): { raw: Uint8Array; receipt: NodeReceipt; tx?: TypedTransaction } | undefined {
  const record = readBlockRecord(ctx, number);
  if (record === undefined) return undefined;
  const blockHash = bytesToHex(record.header.hash());
  const cached = decodedBlocks.get(ctx.store, blockHash);
  if (cached !== undefined) {
    const receipt = cached.receipts[index];
    return receipt === undefined ? undefined : { raw: cached.block.rawTransactions[index]!, receipt };
  }
  const items = indexedBlock(ctx, number, blockHash);
  return index < items.transactions ? receiptAt(ctx, record, blockHash, items, index) : undefined;
}

/**
 * Blocks whose receipts are kept built per store, most recently used last (eth_getBlockReceipts,
 * eth_getLogs and log filters read whole blocks' receipts; building them hashes each transaction).
 */
export const RECEIPT_CACHE_BLOCKS = 32;
interface DecodedBlock {
  block: NodeBlock;
  receipts: readonly NodeReceipt[];
}
const decodedBlocks = recentPerStore<string, DecodedBlock>(RECEIPT_CACHE_BLOCKS);

/**
 * Block `number` with its receipts, decoded once and kept (by block hash: a block a reorg
 * replaced has another hash, so a stale entry is never served). Shared between callers: each
 * receipt and log is frozen. Undefined above the head.
 */
function decodedBlock(ctx: NodeContext, number: bigint): DecodedBlock | undefined {
  const record = readBlockRecord(ctx, number);
  if (record === undefined) return undefined;
  const hash = bytesToHex(record.header.hash());
  const cached = decodedBlocks.get(ctx.store, hash);
  if (cached !== undefined) return cached;
  const block = getBlock(ctx, number);
  if (block === undefined) return undefined;
  // Each receipt from the indexed bytes: no transaction decoded (≈ 50 ms for 750 otherwise), one keccak each.
  const items = indexedBlock(ctx, number, hash);
  const receipts = Array.from({ length: items.transactions }, (_, index) => receiptAt(ctx, record, hash, items, index).receipt);
  const decoded = { block, receipts: Object.freeze(receipts.map(deepFreeze)) };
  decodedBlocks.set(ctx.store, hash, decoded);
  return decoded;
}

function deepFreeze(receipt: NodeReceipt): NodeReceipt {
  for (const log of receipt.logs) {
    Object.freeze(log.topics);
    Object.freeze(log);
  }
  Object.freeze(receipt.logs);
  return Object.freeze(receipt);
}

/** Most blocks one `getLogs` may scan without an address or topic to narrow it (a JSON-RPC layer may cap lower). */
export const MAX_UNFILTERED_LOG_RANGE = 100_000n;

/**
 * The logs matching `filter`, between `fromBlock` and `toBlock` (both default to `head`) or in
 * the block `blockHash`. The logs index narrows the blocks to read by address and by topic; the
 * receipts then give the exact matches, in chain order.
 */
export function getLogs(ctx: NodeContext, filter: LogFilter, head: bigint): NodeLog[] {
  let from: bigint;
  let to: bigint;
  if (filter.blockHash !== undefined) {
    const block = getBlockByHash(ctx, filter.blockHash);
    if (block === undefined) return [];
    from = to = block.number;
  } else {
    from = filter.fromBlock ?? head;
    to = filter.toBlock ?? head;
    if (to > head) to = head;
  }
  if (from > to) return [];
  const addresses = filter.address === undefined ? [] : (Array.isArray(filter.address) ? filter.address : [filter.address]).map((a) => a.toLowerCase());
  const topics = (filter.topics ?? []).map((t) => (t === null ? null : (Array.isArray(t) ? t : [t]).map((x) => x.toLowerCase())));

  // Candidate blocks: every constraint (the address set, each topic position) narrows them.
  let candidates: Set<bigint> | undefined;
  const narrow = (prefix: number, values: string[]) => {
    const found = new Set<bigint>();
    for (const value of values) {
      const bytes = Buffer.from(value.slice(2), "hex");
      const start = Buffer.concat([Buffer.from([prefix]), bytes, numberKey(from)]);
      const end = Buffer.concat([Buffer.from([prefix]), bytes, numberKey(to + 1n)]);
      for (const key of ctx.store.logs.getKeys({ start, end })) found.add(keyNumber(key));
    }
    candidates = candidates === undefined ? found : new Set([...candidates].filter((n) => found.has(n)));
  };
  if (addresses.length > 0) narrow(0, addresses);
  for (const values of topics) if (values !== null && values.length > 0) narrow(1, values);
  if (candidates === undefined && to - from >= MAX_UNFILTERED_LOG_RANGE) {
    throw new LogQueryTooLargeError("Log query range too large without an address or topic", { fromBlock: from, toBlock: to, max: MAX_UNFILTERED_LOG_RANGE });
  }
  const blocks = candidates === undefined ? range(from, to) : [...candidates].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const matches: NodeLog[] = [];
  for (const number of blocks) {
    for (const receipt of getReceipts(ctx, number) ?? []) {
      for (const log of receipt.logs) {
        if (addresses.length > 0 && !addresses.includes(log.address)) continue;
        if (topics.some((values, i) => values !== null && values.length > 0 && !values.includes(log.topics[i] ?? ""))) continue;
        matches.push(log);
      }
    }
  }
  return matches;
}

/** The state after block `number` (any past block: the trie keeps every version). */
export async function stateAt(ctx: NodeContext, number: bigint): Promise<StateView | undefined> {
  const record = readBlockRecord(ctx, number);
  if (record === undefined) return undefined;
  const vm = () =>
    createEngineVM({
      common: createL2Common(ctx.genesis.chainId),
      // Writes of a call land in this throwaway layer, never in the store.
      // A node the state refers to and the store lacks is a damaged store, never an empty account.
      db: new BlockWriteDB(ctx.store.trie, undefined, missingTrieNodeError(ctx.store.dir)),
      stateRoot: record.header.stateRoot,
      ancestors: (n) => {
        const ancestor = n >= 0n && n <= number ? readBlockRecord(ctx, n) : undefined;
        if (ancestor === undefined) throw new WitnessMissingHeaderError({ number: n });
        return ancestor.header;
      },
      nestingDepth: ctx.genesis.nestingDepth,
    });
  const reader = await vm();
  const at = (address: string): Address => createAddressFromString(address);
  return {
    blockNumber: number,
    stateRoot: bytesToHex(record.header.stateRoot),
    getAccount: (address) => reader.stateManager.getAccount(at(address)),
    getCode: (address) => reader.stateManager.getCode(at(address)),
    getStorage: (address, slot) => reader.stateManager.getStorage(at(address), slot),
    vm,
  };
}

function corrupt(ctx: NodeContext, table: string, problem: string, details: Record<string, unknown>): StoreCorruptError {
  return new StoreCorruptError(path.join(ctx.store.dir, "data.mdb"), problem, { table, ...details });
}

function range(from: bigint, to: bigint): bigint[] {
  const out: bigint[] = [];
  for (let n = from; n <= to; n++) out.push(n);
  return out;
}
