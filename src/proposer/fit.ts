/**
 * Fitting a block to what one L1 transaction can carry: the L1 block it anchors to, what it
 * delivers, where its data goes (blobs or calldata, the witness with it or not) and how many of
 * the candidates fit the L2 gas limit, EXECUTE's market room and the L1 transaction's gas cap.
 * Publishing the fitted block is propose.ts's.
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider } from "ethers";
import { blockDataToBlobs } from "../blobs/da.js";
import { MAX_BLOBS_PER_TRANSACTION } from "../blobs/send.js";
import type { ExecuteInput } from "../engine/types.js";
import { MAX_WITNESS_BYTES_PER_BLOB, MAX_WITNESS_ITEMS_PER_BLOB } from "../engine/block-data.js";
import { decodeWitness } from "../engine/witness.js";
import { transactionBytes } from "../engine/transactions.js";
import { buildBlock, type BuiltBlock } from "../engine/build.js";
import { chainHead, type L2Chain } from "../engine/state.js";
import { EXECUTE_INPUT_BYTE_GAS } from "../precompile/gas.js";
import type { ExecutePricing } from "../precompile/shim.js";
import { UltrasoundError } from "../shared/errors.js";
import { pricingOf, readExecuteMarket, type ExecuteMarketView } from "../sdk/execute-market.js";
import { encodeDelivery } from "../bridge/messages.js";
import { nextDelivery, type NextDelivery, type QueueReads } from "../bridge/queue.js";
import { dataAvailabilityFor } from "./nested.js";
import { advanceGasLimit, CALLDATA_GAS_PER_NONZERO_BYTE } from "./advance-gas.js";

/** EIP-7825 (osaka): no L1 transaction may ask for more gas than this. */
export const L1_TRANSACTION_GAS_CAP = 16_777_216n;

/** The block and its witness are too large for one L1 transaction. */
export class BlockTooLargeForL1Error extends UltrasoundError {
  override name = "BlockTooLargeForL1Error";
}


/** Where an L2 block's transactions are published. */
export type DataAvailability = "blobs" | "calldata";

/**
 * How a block's data travels: `blobs` carry `[transactions, witness]` (the witness in them when
 * `witnessInBlobs`, else in the `advanceWithBlobs` calldata); no blobs: all in calldata.
 */
export interface DataLayout {
  blobs?: Uint8Array[];
  witnessInBlobs: boolean;
}

/**
 * Chooses where a block's data goes. With blob DA (the default) the witness goes in the blobs
 * too — blob gas is far cheaper than calldata — unless asked otherwise (`witness: "calldata"`),
 * or unless it would need more blobs than one L1 transaction carries or more witness than each
 * blob may carry (`MAX_WITNESS_BYTES_PER_BLOB`, `MAX_WITNESS_ITEMS_PER_BLOB`); then it falls back
 * to calldata. Blob count
 * follows the data: a block larger than one blob spans several.
 */
export function chooseLayout(input: ExecuteInput, dataAvailability: DataAvailability = "blobs", witness: "blobs" | "calldata" = "blobs"): DataLayout {
  if (dataAvailability === "calldata") return { witnessInBlobs: false };
  if (witness === "blobs") {
    const blobs = blockDataToBlobs(input.transactions, input.witness);
    const { nodes, codes } = decodeWitness(input.witness);
    const fits = input.witness.length <= blobs.length * MAX_WITNESS_BYTES_PER_BLOB && nodes.length + codes.length <= blobs.length * MAX_WITNESS_ITEMS_PER_BLOB;
    if (blobs.length <= MAX_BLOBS_PER_TRANSACTION && fits) {
      return { blobs, witnessInBlobs: true };
    }
  }
  return { blobs: blockDataToBlobs(input.transactions), witnessInBlobs: false };
}

/** The L1 block a new L2 block is anchored to: its hash is the L2 anchor and prevRandao. */
export interface L1Anchor {
  number: bigint;
  hash: string;
  timestamp: bigint;
}

/** Reads L1's latest block with a raw call (ethers caches block reads: PITFALLS). */
export async function latestL1Block(provider: Pick<JsonRpcApiProvider, "send">): Promise<L1Anchor> {
  const head = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { number: string; hash: string; timestamp: string };
  return { number: BigInt(head.number), hash: head.hash, timestamp: BigInt(head.timestamp) };
}

/** A built block that fits in one L1 transaction, ready to publish. */
export interface FittedBlock {
  block: BuiltBlock;
  anchor: L1Anchor;
  /** How far the block delivers the L1→L2 queue, and the anchor that commits to it. */
  delivery: NextDelivery;
  /** Candidates left for a later block because this one was full (L2 gas, L1 gas or blobs). */
  deferred: TypedTransaction[];
  /** The blobs that will carry the data (blob data availability only; no KZG work done yet). */
  blobs?: Uint8Array[];
  /** Whether the blobs carry the witness too (else it goes in calldata). */
  witnessInBlobs: boolean;
  /** `advanceGasLimit` of the block: at most the L1 cap. */
  l1GasBound: bigint;
}

/** Options shared by {@link buildFittingBlock}, {@link publishBlock} and {@link proposeBlock}. */
export interface ProposeOptions {
  chain: L2Chain;
  /** The NativeRollup contract: its L1→L2 queue is read for the block's delivery. */
  rollup: Contract;
  provider: JsonRpcApiProvider;
  coinbase: string;
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  /** With blobs: where the witness goes (default "blobs", falling back to calldata when it does not fit; see `chooseLayout`). */
  witness?: "blobs" | "calldata";
  /** The most gas one L1 transaction may use (default: EIP-7825's 2^24; raise it on a pre-Osaka L1). */
  l1GasCap?: bigint;
  /**
   * EXECUTE's market as the L1 reports it (default: read at `pending`, `readExecuteMarket`): it
   * decides what bounds a block's L2 gas — the L1 cap under 1:1 pricing, the rollup's gas limit
   * and the market's cumulative limit under the market.
   */
  market?: ExecuteMarketView;
}

/** What the trimming aims below the cap: the witness of a prefix is estimated, not known. */
const FIT_TARGET_PERCENT = 98n;
/** Rebuilds a block may take to fit; each one shrinks it by what the last one measured. */
const MAX_FIT_ATTEMPTS = 6;

/**
 * Builds the largest next block whose `advance` fits in one L1 transaction, out of `transactions`
 * taken in order (a prefix, so each sender's nonces stay in sequence):
 *
 * 1. candidates up to the L2 block gas limit (by gas limit: a genesis parameter) and up to what
 *    the L1 cap could carry at best (each transaction's bytes, and under 1:1 pricing its minimum
 *    gas, priced as advance prices them);
 * 2. build; measure the L1 gas bound (`advanceGasLimit`, with the pricing in force), with blobs
 *    the blob count, and under EXECUTE's market the block's gas used against what the market's
 *    cumulative limit leaves ({@link executeGasRoom});
 * 3. too large: keep the prefix the measurement says fits, rebuild, measure again.
 *
 * Transactions the builder could not apply are in `block.skipped` (the caller decides what to
 * do with them). Throws `BlockTooLargeForL1Error` when the first transaction alone does not fit
 * (its hash in the details).
 */
export async function buildFittingBlock(
  options: ProposeOptions & {
    transactions: TypedTransaction[];
    anchor?: L1Anchor;
    /**
     * What the block delivers (default: {@link deliveryFor}, the L1 queue as it stands). A bundle
     * builder passes the queue it predicts after forwards earlier in the same L1 transaction.
     */
    delivery?: NextDelivery;
    /** The L1 queue's reads for the default delivery, made already (a shared round reads all its rollups' at once). */
    queue?: QueueReads;
  },
): Promise<FittedBlock> {
  const { chain } = options;
  // An L3's blocks go in calldata (docs/nested.md): blobs asked for one are refused here, first.
  const dataAvailability = dataAvailabilityFor(chain, options.dataAvailability);
  const anchor = options.anchor ?? (await latestL1Block(options.provider));
  const delivery = options.delivery ?? (await deliveryFor(options, anchor));
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  const blobs = dataAvailability === "blobs";
  const market = options.market ?? (await readExecuteMarket(options.provider));
  const pricing = pricingOf(market);
  // Under the market the block's gas used must also fit what its cumulative limit leaves (issue
  // 17 item 2: that, not the L1 cap, bounds a block); under 1:1 pricing the L1 cap does.
  const room = executeGasRoom(market, options.transactions[0]?.gasLimit ?? 0n);
  // The delivery takes its gas first; the transactions get what it leaves (never dropped for it).
  const { candidates, deferred } = preselect(options.transactions, chainHead(chain).gasLimit - deliveryGasBound(delivery), cap, blobs, pricing);

  let transactions = candidates;
  const skipped: BuiltBlock["skipped"] = [];
  for (let attempt = 1; ; attempt++) {
    const block = await buildOn(chain, anchor, options.coinbase, transactions, delivery);
    skipped.push(...block.skipped);
    const layout = chooseLayout(block.input, dataAvailability, options.witness);
    const data = layout.blobs;
    const bound = advanceGasLimit(executeInputOf(block.input, layout), undefined, pricing);
    const blobCount = data?.length ?? 0;
    const overMarket = room !== undefined && block.header.gasUsed > room;
    const overL1 = bound > cap || blobCount > MAX_BLOBS_PER_TRANSACTION;
    if (!overL1 && !overMarket) {
      return { block: { ...block, skipped }, anchor, delivery, deferred, blobs: data, witnessInBlobs: layout.witnessInBlobs, l1GasBound: bound };
    }
    const included = block.transactions;
    if ((included.length <= 1 && delivery.delivery === undefined) || included.length === 0 || attempt >= MAX_FIT_ATTEMPTS) {
      const first = included[0];
      throw new BlockTooLargeForL1Error(overL1 ? "advance() would exceed the L1 transaction gas cap (EIP-7825)" : "The block's gas used exceeds what EXECUTE's cumulative limit leaves in the L1 block", {
        ...(first === undefined ? {} : { hash: bytesToHex(first.hash()) }),
        gasLimit: bound,
        cap,
        ...(room === undefined ? {} : { gasUsed: block.header.gasUsed, executeGasRoom: room }),
        blobs: blobCount,
        transactions: included.length,
        delivery: delivery.delivery !== undefined,
        witnessBytes: block.input.witness.length,
      });
    }
    const l1Keep = !overL1 ? included.length : included.length === 1 ? 0 : fittingPrefix(block, data?.length, cap, blobs, layout.witnessInBlobs, pricing);
    const keep = overMarket ? Math.min(l1Keep, gasPrefix(block, room!)) : l1Keep;
    deferred.unshift(...included.slice(keep));
    transactions = included.slice(0, keep);
  }
}

/**
 * The L2 gas a block may use under EXECUTE's market (issue 17, item 2): what the market's
 * cumulative limit leaves in the L1 block the advance lands in. When that cannot hold even the
 * first candidate's gas limit, the next L1 block's full limit: the block then waits for it (the
 * market refuses it until then, and the proposer retries), rather than going out empty.
 * Undefined under 1:1 pricing, where the L2 gas is L1 gas and the L1 cap bounds it.
 */
export function executeGasRoom(market: ExecuteMarketView, firstGasLimit: bigint): bigint | undefined {
  if (pricingOf(market) === "l1-gas") return undefined;
  const room = market.limit > market.usedInBlock ? market.limit - market.usedInBlock : 0n;
  return room >= firstGasLimit ? room : market.limit;
}

/** How many of the block's transactions (a prefix) keep its gas used (the delivery's with theirs) within `room`. */
function gasPrefix(block: BuiltBlock, room: bigint): number {
  let keep = 0;
  while (keep < block.receipts.length && block.deliveryGasUsed + block.receipts[keep]!.cumulativeBlockGasUsed <= room) keep++;
  return keep;
}

/**
 * Candidates in order while the block's L2 gas limit holds them all (so the builder never has
 * to leave one out for want of room) and while the least L1 gas they could need still fits:
 * each adds its bytes to the input (and, in calldata, to the L1 transaction's data), and under
 * 1:1 pricing at least its minimum gas to EXECUTE's formula (under the market the L2 gas is
 * paid in ETH, not in L1 gas).
 */
function preselect(transactions: TypedTransaction[], blockGasLimit: bigint, cap: bigint, blobs: boolean, pricing: ExecutePricing): { candidates: TypedTransaction[]; deferred: TypedTransaction[] } {
  const perByte = blobs ? 0n : EXECUTE_INPUT_BYTE_GAS + CALLDATA_GAS_PER_NONZERO_BYTE;
  let l1 = advanceGasLimit(emptyInput(), undefined, pricing);
  let l2 = 0n;
  let count = 0;
  for (const tx of transactions) {
    l2 += tx.gasLimit;
    l1 += (pricing === "l1-gas" ? tx.getMinimumGasLimit() : 0n) + perByte * BigInt(transactionBytes(tx).length);
    if (l2 > blockGasLimit || l1 > cap) break;
    count++;
  }
  return { candidates: transactions.slice(0, count), deferred: transactions.slice(count) };
}

/**
 * How many of the block's transactions (a prefix) fit: the L1 bound of a prefix, with its gas
 * from the receipts, its bytes, and its share of the witness (the one estimate), under 98 % of
 * the cap; with blobs, its share of the blobs under the limit.
 */
function fittingPrefix(block: BuiltBlock, blobCount: number | undefined, cap: bigint, blobs: boolean, witnessInBlobs: boolean, pricing: ExecutePricing): number {
  const n = block.transactions.length;
  const sizes = block.transactions.map((tx) => transactionBytes(tx).length);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const target = (cap * FIT_TARGET_PERCENT) / 100n;
  let prefixBytes = 0;
  let keep = 0;
  for (let k = 1; k < n; k++) {
    prefixBytes += sizes[k - 1]!;
    const share = prefixBytes / totalBytes;
    const blobsNeeded = blobCount === undefined ? 0 : Math.ceil(blobCount * share);
    if (blobsNeeded > MAX_BLOBS_PER_TRANSACTION) break;
    const input: ExecuteInput = {
      ...block.input,
      // The message delivery's gas is in the block's gas but in no receipt.
      gasUsed: block.deliveryGasUsed + block.receipts[k - 1]!.cumulativeBlockGasUsed,
      transactions: blobs ? new Uint8Array(0) : new Uint8Array(prefixBytes + 9),
      blobVersionedHashes: Array.from({ length: Math.max(blobsNeeded, blobs ? 1 : 0) }, () => new Uint8Array(32)),
      witness: witnessInBlobs ? new Uint8Array(0) : new Uint8Array(Math.ceil(block.input.witness.length * (k / n))),
    };
    if (advanceGasLimit(input, undefined, pricing) > target) break;
    keep = k;
  }
  return Math.max(keep, 1);
}

/**
 * The input EXECUTE sees for a layout: with blobs, the data is referenced by versioned hash
 * (`hashes`, or placeholders of the same size before the KZG work), and the witness is empty
 * in the input when the blobs carry it.
 */
export function executeInputOf(input: ExecuteInput, layout: DataLayout, hashes?: string[]): ExecuteInput {
  if (layout.blobs === undefined) return input;
  const blobVersionedHashes = hashes?.map((h) => hexToBytes(h as `0x${string}`)) ?? layout.blobs.map(() => new Uint8Array(32));
  return { ...input, transactions: new Uint8Array(0), blobVersionedHashes, witness: layout.witnessInBlobs ? new Uint8Array(0) : input.witness };
}

function emptyInput(): ExecuteInput {
  const word = new Uint8Array(32);
  return {
    chainId: 0n, number: 0n, parentHash: word, blockHash: word, preStateRoot: word, postStateRoot: word, receiptsRoot: word,
    gasLimit: 0n, gasUsed: 0n, coinbase: new Uint8Array(20), timestamp: 0n, prevRandao: word, anchor: word,
    transactions: new Uint8Array(0), blobVersionedHashes: [word], witness: new Uint8Array(0), messages: new Uint8Array(0),
  };
}

/**
 * The block anchored to the L1 block `anchor` (its hash is the L2 prevRandao; the L2 anchor is
 * `delivery`'s commitment to it and to the queue) and timestamped with its time, so everything
 * EXECUTE will see is known while building. The delivery's messages go first.
 */
export async function buildOn(chain: L2Chain, anchor: L1Anchor, coinbase: string, transactions: (TypedTransaction | Uint8Array)[], delivery: NextDelivery): Promise<BuiltBlock> {
  const parent = chainHead(chain);
  return buildBlock(chain, {
    transactions,
    timestamp: anchor.timestamp > parent.timestamp ? anchor.timestamp : parent.timestamp,
    coinbase: hexToBytes(coinbase as `0x${string}`),
    prevRandao: hexToBytes(anchor.hash as `0x${string}`),
    anchor: hexToBytes(delivery.anchor as `0x${string}`),
    messages: delivery.delivery === undefined ? undefined : hexToBytes(encodeDelivery(delivery.delivery) as `0x${string}`),
  });
}

/** The most L1→L2 messages one block delivers: the rollup's forced-delivery quota (read once per contract). */
const quotas = new WeakMap<Contract, Promise<bigint>>();
function messagesPerBlock(rollup: Contract): Promise<bigint> {
  let quota = quotas.get(rollup);
  if (quota === undefined) {
    quota = rollup.getFunction("MESSAGES_PER_BLOCK")() as Promise<bigint>;
    quota.catch(() => quotas.delete(rollup));
    quotas.set(rollup, quota);
  }
  return quota;
}

/**
 * What the next block on `options.chain` delivers, anchored to `anchor`: as many queued messages
 * as the quota allows. `queue`: the queue's reads made already (default: calls on the rollup).
 */
export async function deliveryFor(options: Pick<ProposeOptions, "rollup" | "provider" | "chain"> & { queue?: QueueReads }, anchor: L1Anchor): Promise<NextDelivery> {
  return nextDelivery({
    rollup: options.rollup,
    provider: options.provider,
    chain: options.chain,
    l1BlockHash: anchor.hash,
    maxMessages: await messagesPerBlock(options.rollup),
    ...(options.queue === undefined ? {} : { reads: options.queue }),
  });
}

/**
 * The most block gas a delivery can take: each message's call gas plus the messenger's own work
 * per message (hashing it, its bookkeeping, the fee and the call: under 60,000 plus its data
 * copied and hashed) and once per block (the anchor check, the counters).
 */
function deliveryGasBound(next: NextDelivery): bigint {
  if (next.delivery === undefined) return 0n;
  let gas = 60_000n;
  for (const message of next.delivery.messages) gas += message.gasLimit + 60_000n + 24n * BigInt((message.data.length - 2) / 2);
  return gas;
}
