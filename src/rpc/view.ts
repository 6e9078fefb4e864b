/**
 * What the JSON-RPC methods need of a chain: a small read interface that both the devnet's
 * in-memory `L2Chain` (here, {@link chainViewOf}) and the rollup node (`src/node/rpc.ts`)
 * implement, so request handling, errors and formatting exist once.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { DB } from "@ethereumjs/util";
import { bytesToHex } from "@ethereumjs/util";
import { getCreateAddress } from "ethers";
import { chainHead, findTransaction, type L2Chain } from "../engine/state.js";
import { OverlayDB } from "../engine/query.js";

/** A block of the chain. */
export interface ChainBlock {
  number: bigint;
  /** 0x-hex block hash. */
  hash: string;
  header: BlockHeader;
  /** The transactions, decoded (on each call). */
  transactions(): TypedTransaction[];
  /**
   * The transactions as the block carries them, when the view has them: a block without full
   * transactions is formatted from these alone (decoding 600 transactions held the RPC's thread
   * ≈ 100 ms per `eth_getBlockByNumber`).
   */
  rawTransactions?: Uint8Array[];
  /**
   * The transactions' senders (lowercase 0x addresses), when the view keeps them: a full block
   * is formatted without recovering each one (≈ 1–2 ms per transaction).
   */
  senders?(): string[];
}

/** A log, placed in its block. */
export interface ChainLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: bigint;
  blockHash: string;
  transactionHash: string;
  transactionIndex: number;
  /** Position among the block's logs. */
  logIndex: number;
  removed: false;
  /**
   * The block's timestamp (geth ≥ 1.16 and EDR show it on every log). A view may leave it out:
   * {@link withLogTimestamps} fills it in from the block's header.
   */
  blockTimestamp?: bigint;
}

/** A transaction's receipt. */
export interface ChainReceipt {
  transactionHash: string;
  transactionIndex: number;
  blockNumber: bigint;
  blockHash: string;
  from: string;
  to: string | null;
  type: number;
  /** 1 success, 0 failure. */
  status: number;
  cumulativeGasUsed: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
  contractAddress: string | null;
  logs: ChainLog[];
}

/** An included transaction, where it is, and its receipt. */
export interface ChainTransaction {
  hash: string;
  blockNumber: bigint;
  blockHash: string;
  index: number;
  tx: TypedTransaction;
  receipt: ChainReceipt;
}

/** `eth_getLogs`'s criteria, the range already resolved to numbers (`from` ≤ `to` ≤ head). */
export interface LogQuery {
  fromBlock: bigint;
  toBlock: bigint;
  /** Lowercase addresses; empty: any. */
  address: string[];
  /** Lowercase topics by position; null or empty: any. */
  topics: (string[] | null)[];
}

/** The chain as the JSON-RPC methods read it. Numbers are L2 block numbers; hashes 0x-hex. */
export interface ChainView {
  readonly chainId: bigint;
  /** How many EXECUTEs deep the chain's blocks are verified (GenesisConfig.nestingDepth; absent: 0, on L1): calls and traces run there. */
  readonly nestingDepth?: number;
  /** The head (`latest`), the last block verified on L1 (`safe`), and the last `finalized`. */
  heads(): { latest: bigint; safe: bigint; finalized: bigint };
  /** A canonical block's header, or undefined above the head. */
  header(number: bigint): BlockHeader | undefined;
  /** The number of the canonical block with this hash (lowercase), or undefined. */
  numberOfHash(hash: string): bigint | undefined;
  block(number: bigint): ChainBlock | undefined;
  /** A block's receipts in transaction order (with their logs), or undefined above the head. */
  receipts(number: bigint): ChainReceipt[] | undefined;
  /** An included transaction by hash (lowercase), or undefined. */
  transaction(hash: string): ChainTransaction | undefined;
  /** Logs matching `query`, in chain order. */
  logs(query: LogQuery): ChainLog[];
  /**
   * The state trie database, where every version of the state is (nodes are content-addressed
   * and never deleted). Each call gives a fresh layer: what a call writes stays in it.
   */
  stateDb(): DB<string, Uint8Array>;
  /** `eth_syncing`: false, or how far the chain is behind what it follows. */
  syncing?(): false | { startingBlock: bigint; currentBlock: bigint; highestBlock: bigint };
}

/**
 * A {@link ChainView} of the in-memory chain a proposer keeps (the devnet before the node, a
 * fixture's L2): every block in it was verified on L1 when it was appended, so `safe` is the
 * head; nothing is `finalized` beyond it either (there is no L1 depth to count here).
 */
export function chainViewOf(chain: L2Chain): ChainView {
  const headNumber = () => chainHead(chain).number;
  const block = (number: bigint): ChainBlock | undefined => {
    const b = chain.blocks[Number(number)];
    if (b === undefined || number < 0n) return undefined;
    return { number, hash: bytesToHex(b.header.hash()), header: b.header, transactions: () => b.transactions };
  };
  const receipts = (number: bigint): ChainReceipt[] | undefined => {
    const b = chain.blocks[Number(number)];
    if (b === undefined || number < 0n) return undefined;
    const blockHash = bytesToHex(b.header.hash());
    const baseFee = b.header.baseFeePerGas ?? 0n;
    let logIndex = 0;
    return b.receipts.map((receipt, index) => {
      const tx = b.transactions[index]!;
      const transactionHash = bytesToHex(tx.hash());
      const from = tx.getSenderAddress().toString();
      const previous = index === 0 ? 0n : b.receipts[index - 1]!.cumulativeBlockGasUsed;
      return {
        transactionHash,
        transactionIndex: index,
        blockNumber: number,
        blockHash,
        from,
        to: tx.to?.toString() ?? null,
        type: tx.type,
        status: "status" in receipt ? Number(receipt.status) : 1,
        cumulativeGasUsed: receipt.cumulativeBlockGasUsed,
        gasUsed: receipt.cumulativeBlockGasUsed - previous,
        effectiveGasPrice: effectiveGasPrice(tx, baseFee),
        contractAddress: tx.to === undefined ? getCreateAddress({ from, nonce: tx.nonce }).toLowerCase() : null,
        logs: receipt.logs.map(([address, topics, data]) => ({
          address: bytesToHex(address),
          topics: topics.map((t) => bytesToHex(t)),
          data: bytesToHex(data),
          blockNumber: number,
          blockHash,
          transactionHash,
          transactionIndex: index,
          logIndex: logIndex++,
          removed: false as const,
          blockTimestamp: b.header.timestamp,
        })),
      };
    });
  };
  // Block hash → number, rebuilt only when the chain changed (blocks appended or rewound).
  let hashIndex: { length: number; tip: string; byHash: Map<string, bigint> } | undefined;
  return {
    chainId: chain.genesis.chainId,
    nestingDepth: chain.genesis.nestingDepth,
    heads: () => {
      const head = headNumber();
      return { latest: head, safe: head, finalized: head };
    },
    header: (number) => (number < 0n ? undefined : chain.headers[Number(number)]),
    numberOfHash(hash) {
      const tip = bytesToHex(chainHead(chain).hash());
      if (hashIndex === undefined || hashIndex.length !== chain.headers.length || hashIndex.tip !== tip) {
        const byHash = new Map<string, bigint>();
        chain.headers.forEach((header, i) => byHash.set(bytesToHex(header.hash()), BigInt(i)));
        hashIndex = { length: chain.headers.length, tip, byHash };
      }
      return hashIndex.byHash.get(hash);
    },
    block,
    receipts,
    transaction(hash) {
      const found = findTransaction(chain, hash);
      if (found === undefined) return undefined;
      const number = found.block.header.number;
      const receipt = receipts(number)![found.index]!;
      return { hash: receipt.transactionHash, blockNumber: number, blockHash: receipt.blockHash, index: found.index, tx: found.tx, receipt };
    },
    logs(query) {
      const out: ChainLog[] = [];
      for (let n = query.fromBlock; n <= query.toBlock; n++) {
        for (const receipt of receipts(n) ?? []) for (const log of receipt.logs) if (logMatches(log, query)) out.push(log);
      }
      return out;
    },
    stateDb: () => new OverlayDB(chain.db),
  };
}

/**
 * `view` with every log it hands out (`logs`, `receipts`, `transaction`) carrying its block's
 * timestamp, read from the header where the view did not give it. A log keeps the timestamp it
 * was read with: one a reorg takes out is reported removed with its own block's time.
 */
export function withLogTimestamps(view: ChainView): ChainView {
  const stamp = (logs: ChainLog[], timestampOf: (number: bigint) => bigint | undefined): ChainLog[] =>
    logs.map((log) => (log.blockTimestamp !== undefined ? log : { ...log, blockTimestamp: timestampOf(log.blockNumber) }));
  const stampReceipt = (receipt: ChainReceipt): ChainReceipt => {
    if (receipt.logs.every((log) => log.blockTimestamp !== undefined)) return receipt;
    const timestamp = view.header(receipt.blockNumber)?.timestamp;
    return { ...receipt, logs: stamp(receipt.logs, () => timestamp) };
  };
  return {
    chainId: view.chainId,
    nestingDepth: view.nestingDepth,
    heads: () => view.heads(),
    header: (number) => view.header(number),
    numberOfHash: (hash) => view.numberOfHash(hash),
    block: (number) => view.block(number),
    receipts: (number) => view.receipts(number)?.map(stampReceipt),
    transaction(hash) {
      const found = view.transaction(hash);
      if (found === undefined) return undefined;
      // Not a spread: it would read (and so decode) a view's lazily decoded `tx`.
      const { hash: txHash, blockNumber, blockHash, index } = found;
      return { hash: txHash, blockNumber, blockHash, index, get tx() { return found.tx; }, receipt: stampReceipt(found.receipt) };
    },
    logs(query) {
      const timestamps = new Map<bigint, bigint | undefined>();
      return stamp(view.logs(query), (number) => {
        if (!timestamps.has(number)) timestamps.set(number, view.header(number)?.timestamp);
        return timestamps.get(number);
      });
    },
    stateDb: () => view.stateDb(),
    ...(view.syncing === undefined ? {} : { syncing: () => view.syncing!() }),
  };
}

/** Whether a log meets a query's address and topic criteria. */
export function logMatches(log: ChainLog, query: Pick<LogQuery, "address" | "topics">): boolean {
  if (query.address.length > 0 && !query.address.includes(log.address.toLowerCase())) return false;
  return query.topics.every((values, i) => values === null || values.length === 0 || values.includes((log.topics[i] ?? "").toLowerCase()));
}

/** What the sender paid per gas: EIP-1559's base fee plus the tip the fee cap allows, or the legacy gas price. */
export function effectiveGasPrice(tx: TypedTransaction, baseFee: bigint): bigint {
  const t = tx as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
  if (t.maxFeePerGas !== undefined && t.maxPriorityFeePerGas !== undefined) {
    const tip = t.maxFeePerGas - baseFee < t.maxPriorityFeePerGas ? t.maxFeePerGas - baseFee : t.maxPriorityFeePerGas;
    return baseFee + tip;
  }
  return t.gasPrice ?? 0n;
}

/** The throwaway-writes database over a chain's state (see `OverlayDB` in src/engine/query.ts). */
export { OverlayDB };
