/**
 * The L2 JSON-RPC methods, over a {@link ChainView} and a mempool: one table for the devnet's
 * in-memory chain, the rollup node, and an in-process EIP-1193 provider.
 */
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { stateProof } from "../engine/query.js";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { createTx } from "@ethereumjs/tx";
import { bigIntToBytes, bytesToHex, createAddressFromString, setLengthLeft, ValueEncoding } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { TransactionRejectedError, type Mempool } from "../proposer/mempool.js";
import { formatIncluded, transactionAt, transactionCount, transactionIndexParam } from "./blocks.js";
import { boundedCall, runBoundedCall, throwIfFailed, type CallLimits } from "./call.js";
import { excerpt, rawTransactionError, RpcError } from "./errors.js";
import type { Filters } from "./filters.js";
import { formatBlock, formatReceipt, formatTransaction, formatLog, toQuantity } from "./format.js";
import { addressParam, blockParam, bytesParam, callParam, hashParam, logFilterParam, quantityParam, stateOverrideParam, type AccountOverride, type CallRequest } from "./params.js";
import type { ChainView } from "./view.js";
import { accessListParam, createAccessList } from "./access-list.js";
import { traceBlock, traceCall, traceOptionsParam, traceTransaction } from "./trace/index.js";
import { canonicalCallBlock, createPendingBlocks, pendingChainBlock, type CallBlock } from "./pending.js";

/** Who asks: a WebSocket connection may subscribe; HTTP and in-process callers may not. */
export interface RequestContext {
  /** Sends a subscription notification to the caller (WebSocket only). */
  notify?: (message: object) => void;
  /** Subscriptions of this connection (WebSocket only), dropped when it closes. */
  subscriptions?: Set<string>;
  /** For an `extra` method that replaces a built-in one: the built-in, to build on its answer. */
  base?: (params: unknown[]) => Promise<unknown>;
}

/** One JSON-RPC method. */
export type Handler = (params: unknown[], context: RequestContext) => Promise<unknown>;

/** Limits of the methods; every one has a default in `createRpcHandler`. */
export interface MethodLimits extends CallLimits {
  /** Most blocks one `eth_getLogs` / log filter may span. */
  logRange: bigint;
  /** Most logs one answer may carry. */
  logCount: number;
}

/** A tip that gets a transaction into the next block on this L2 (no competition for space yet). */
const SUGGESTED_TIP = 1_000_000_000n;
/** Most blocks `eth_feeHistory` answers for (geth's default). */
const MAX_FEE_HISTORY = 1024n;
/** eth_estimateGas stops when the bracket is this narrow, relative to its top (geth: 1.5 %). */
const ESTIMATE_ERROR_RATIO = 0.015;

/** The method table (a Map: a method name is never looked up on Object.prototype). */
export function createMethods(view: ChainView, mempool: Mempool | undefined, filters: Filters, limits: MethodLimits, extra: Map<string, Handler> = new Map()): Map<string, Handler> {
  const pool = (): Mempool => {
    if (mempool === undefined) throw new RpcError(-32000, "this node takes no transactions: it has no mempool");
    return mempool;
  };
  const pending = createPendingBlocks(view, mempool);
  // The block a call or a state read runs in: "pending" is the block built ahead (src/rpc/pending.ts).
  const callBlock = async (block: unknown, omitted: "latest" | "pending"): Promise<CallBlock> => {
    if ((block === undefined || block === null) && omitted === "pending") return pending.get();
    const ref = blockParam(view, block);
    return ref.pending ? pending.get() : canonicalCallBlock(view, ref.number);
  };
  const stateAt = async (block: unknown) => {
    const at = await callBlock(block, "latest");
    const common = createL2Common(view.chainId);
    const trie = new MerklePatriciaTrie({ db: at.db(), root: at.header.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
    return new MerkleStateManager({ trie, common });
  };
  const nextBaseFee = () => view.header(view.heads().latest)!.calcNextBaseFee();

  const methods = new Map<string, Handler>([
    ["eth_chainId", async () => toQuantity(view.chainId)],
    ["net_version", async () => view.chainId.toString()],
    ["net_listening", async () => true],
    ["net_peerCount", async () => "0x0"],
    ["web3_clientVersion", async () => "ultrasound/v0.1.0/node-" + process.version],
    ["eth_blockNumber", async () => toQuantity(view.heads().latest)],
    [
      "eth_syncing",
      async () => {
        const state = view.syncing?.() ?? false;
        if (state === false) return false;
        return { startingBlock: toQuantity(state.startingBlock), currentBlock: toQuantity(state.currentBlock), highestBlock: toQuantity(state.highestBlock) };
      },
    ],
    [
      "eth_getBalance",
      async ([address, block]) => {
        const at = createAddressFromString(addressParam(address));
        return toQuantity((await (await stateAt(block)).getAccount(at))?.balance ?? 0n);
      },
    ],
    [
      "eth_getTransactionCount",
      async ([address, block]) => {
        const at = addressParam(address);
        // "pending" counts the sender's gapless run in the pool: the nonce its next one needs.
        if (blockParam(view, block).pending && mempool !== undefined) return toQuantity(await mempool.nextNonce(at));
        return toQuantity((await (await stateAt(block)).getAccount(createAddressFromString(at)))?.nonce ?? 0n);
      },
    ],
    [
      "eth_getCode",
      async ([address, block]) => {
        const at = createAddressFromString(addressParam(address));
        return bytesToHex(await (await stateAt(block)).getCode(at));
      },
    ],
    [
      "eth_getStorageAt",
      async ([address, slot, block]) => {
        const at = createAddressFromString(addressParam(address));
        const key = storageKey(slot);
        return bytesToHex(setLengthLeft(await (await stateAt(block)).getStorage(at, key), 32));
      },
    ],
    [
      "eth_getProof",
      async ([address, slots, block]) => {
        const at = createAddressFromString(addressParam(address));
        if (!Array.isArray(slots)) throw new RpcError(-32602, `invalid storage keys: expected an array, got ${excerpt(slots)}`);
        if (slots.length > 1024) throw new RpcError(-32602, `invalid storage keys: at most 1024, got ${slots.length}`);
        const keys = slots.map(storageKey);
        const proof = await stateProof(await stateAt(block), at, keys);
        // Keys as the client gave them (geth echoes its input).
        return { ...proof, address: at.toString(), storageProof: proof.storageProof.map((p, i) => ({ ...p, key: slots[i] })) };
      },
    ],
    [
      "eth_call",
      async ([call, block, overrides]) => {
        const request = callParam(call);
        return boundedCall(view, await callBlock(block, "latest"), request, limits, stateOverrideParam(overrides));
      },
    ],
    [
      "eth_estimateGas",
      // Omitted (what ethers 6 and viem 2 send) is "pending", as in geth: the next block's context.
      async ([call, block, overrides]) => toQuantity(await estimateGas(view, callParam(call), await callBlock(block, "pending"), limits, stateOverrideParam(overrides))),
    ],
    [
      "eth_createAccessList",
      async ([call, block, overrides]) => {
        const request = callParam(call);
        const given = accessListParam((call as { accessList?: unknown }).accessList);
        return createAccessList(view, request, given, await callBlock(block, "pending"), limits, stateOverrideParam(overrides));
      },
    ],
    // geth's debug_trace* (src/rpc/trace): callTracer, prestateTracer, or the struct logger.
    ["debug_traceTransaction", async ([hash, options]) => traceTransaction(view, hashParam(hash, "transaction hash"), traceOptionsParam(options))],
    ["debug_traceBlockByNumber", async ([block, options]) => traceBlock(view, blockParam(view, block).number, traceOptionsParam(options))],
    [
      "debug_traceBlockByHash",
      async ([hash, options]) => {
        const number = view.numberOfHash(hashParam(hash, "block hash"));
        if (number === undefined) throw new RpcError(-32000, `block ${String(hash)} not found`);
        return traceBlock(view, number, traceOptionsParam(options));
      },
    ],
    [
      "debug_traceCall",
      async ([call, block, options]) => {
        const opts = traceOptionsParam(options);
        const overrides = stateOverrideParam((opts as { stateOverrides?: unknown }).stateOverrides);
        return traceCall(view, callParam(call), await callBlock(block, "latest"), opts, limits, overrides);
      },
    ],
    ["eth_gasPrice", async () => toQuantity(nextBaseFee() + SUGGESTED_TIP)],
    ["eth_maxPriorityFeePerGas", async () => toQuantity(SUGGESTED_TIP)],
    ["eth_feeHistory", async ([count, newest, percentiles]) => feeHistory(view, count, newest, percentiles)],
    [
      "eth_sendRawTransaction",
      async ([raw]) => {
        try {
          return await pool().add(bytesParam(raw, "raw transaction"));
        } catch (error) {
          if (error instanceof TransactionRejectedError) throw rawTransactionError(error.reason, error.details);
          throw error;
        }
      },
    ],
    [
      "eth_getTransactionByHash",
      async ([hash]) => {
        const key = hashParam(hash, "transaction hash");
        const included = view.transaction(key);
        if (included !== undefined) return formatIncluded(view, included);
        const status = mempool?.status(key);
        return status?.status === "pending" || status?.status === "queued" ? formatTransaction(status.tx) : null;
      },
    ],
    [
      "eth_getTransactionByBlockNumberAndIndex",
      async ([block, index]) => {
        const number = blockOrNull(view, block);
        return transactionAt(view, number, transactionIndexParam(index));
      },
    ],
    [
      "eth_getTransactionByBlockHashAndIndex",
      async ([hash, index]) => {
        const key = hashParam(hash, "block hash");
        return transactionAt(view, view.numberOfHash(key), transactionIndexParam(index));
      },
    ],
    [
      "eth_getTransactionReceipt",
      async ([hash]) => {
        const included = view.transaction(hashParam(hash, "transaction hash"));
        return included === undefined ? null : formatReceipt(included.receipt);
      },
    ],
    [
      "eth_getBlockByNumber",
      async ([block, full]) => {
        if (block === "pending") return { ...formatBlock(pendingChainBlock(await pending.get()), fullParam(full)), hash: null, nonce: null, miner: null };
        const number = blockOrNull(view, block);
        const found = number === undefined ? undefined : view.block(number);
        return found === undefined ? null : formatBlock(found, fullParam(full));
      },
    ],
    [
      "eth_getBlockByHash",
      async ([hash, full]) => {
        const number = view.numberOfHash(hashParam(hash, "block hash"));
        const found = number === undefined ? undefined : view.block(number);
        return found === undefined ? null : formatBlock(found, fullParam(full));
      },
    ],
    [
      "eth_getBlockTransactionCountByNumber",
      async ([block]) => {
        const number = blockOrNull(view, block);
        const found = number === undefined ? undefined : view.block(number);
        return found === undefined ? null : toQuantity(transactionCount(found));
      },
    ],
    [
      "eth_getBlockTransactionCountByHash",
      async ([hash]) => {
        const number = view.numberOfHash(hashParam(hash, "block hash"));
        const found = number === undefined ? undefined : view.block(number);
        return found === undefined ? null : toQuantity(transactionCount(found));
      },
    ],
    [
      "eth_getBlockReceipts",
      async ([block]) => {
        // geth's eth_getBlockReceipts takes a block number or hash; a 32-byte hex string is a hash there.
        const number = typeof block === "string" && /^0x[0-9a-fA-F]{64}$/.test(block) ? view.numberOfHash(block.toLowerCase()) : blockOrNull(view, block);
        const receipts = number === undefined ? undefined : view.receipts(number);
        return receipts === undefined ? null : receipts.map(formatReceipt);
      },
    ],
    ["eth_getLogs", async ([filter]) => filters.getLogs(logFilterParam(filter)).map(formatLog)],
    ["eth_newFilter", async ([filter]) => filters.newLogFilter(logFilterParam(filter))],
    ["eth_newBlockFilter", async () => filters.newBlockFilter()],
    ["eth_getFilterChanges", async ([id]) => filters.changes(filterId(id))],
    ["eth_getFilterLogs", async ([id]) => filters.filterLogs(filterId(id)).map(formatLog)],
    ["eth_uninstallFilter", async ([id]) => filters.uninstall(filterId(id))],
    [
      "eth_subscribe",
      async ([kind, options], context) => {
        if (context.notify === undefined || context.subscriptions === undefined) throw new RpcError(-32601, "notifications not supported");
        const id = filters.subscribe(kind, options, context.notify);
        context.subscriptions.add(id);
        return id;
      },
    ],
    [
      "eth_unsubscribe",
      async ([id], context) => {
        if (context.subscriptions === undefined) throw new RpcError(-32601, "notifications not supported");
        const key = filterId(id);
        if (!context.subscriptions.has(key)) return false;
        context.subscriptions.delete(key);
        return filters.unsubscribe(key);
      },
    ],
    [
      "txpool_status",
      async () => {
        const { pending, queued } = pool().counts();
        return { pending: toQuantity(pending), queued: toQuantity(queued) };
      },
    ],
    [
      "txpool_content",
      async () => {
        const content = pool().content();
        const side = (bySender: Map<string, Map<bigint, Parameters<typeof formatTransaction>[0]>>) =>
          Object.fromEntries(
            [...bySender].map(([sender, byNonce]) => [sender, Object.fromEntries([...byNonce].map(([nonce, tx]) => [nonce.toString(), formatTransaction(tx)]))]),
          );
        return { pending: side(content.pending), queued: side(content.queued) };
      },
    ],
    [
      // Not a standard method: where a transaction stands, including dropped ones and why.
      "ultrasound_getTransactionStatus",
      async ([hash]) => {
        const key = hashParam(hash, "transaction hash");
        const status = mempool?.status(key) ?? { status: "unknown" as const };
        const included = view.transaction(key);
        // The chain served here is the authority on inclusion (a node may lag its proposer's pool).
        if (included !== undefined) return { status: "included", blockNumber: toQuantity(included.blockNumber), transactionIndex: toQuantity(included.index) };
        switch (status.status) {
          case "pending":
          case "queued":
            return { status: status.status };
          case "dropped":
            return { status: "dropped", reason: status.reason };
          default:
            // Included in the proposer's chain, not yet in the one served here: still pending to its reader.
            return { status: status.status === "included" ? "pending" : "unknown" };
        }
      },
    ],
  ]);
  for (const [name, handler] of extra) {
    const base = methods.get(name);
    methods.set(name, base === undefined ? handler : (params, context) => handler(params, { ...context, base: (p) => base(p, context) }));
  }
  return methods;
}

/**
 * `eth_estimateGas` as geth does it: the call must succeed at the cap (else its error, or "gas
 * required exceeds allowance"), then a binary search for the least gas limit at which it still
 * succeeds — trying first what it used at the cap (exact when nothing is refunded or retained),
 * then that plus 1/63 (EIP-150's retained gas), most often enough — down to a 1.5 % bracket. Each probe is the transaction's intrinsic
 * gas (calldata, creation, access list; EIP-7623's floor) plus a bounded run of the call.
 */
export async function estimateGas(view: ChainView, request: CallRequest, at: CallBlock, limits: CallLimits, overrides?: Map<string, AccountOverride>): Promise<bigint> {
  const common = createL2Common(view.chainId);
  const unsigned = createTx(
    { to: request.to as `0x${string}` | undefined, data: request.data as `0x${string}`, value: request.value ?? 0n, gasLimit: 0n, type: 2, maxFeePerGas: 0n },
    { common, freeze: false },
  );
  const intrinsic = unsigned.getIntrinsicGas();
  const floor = unsigned.getMinimumGasLimit() > intrinsic ? unsigned.getMinimumGasLimit() : intrinsic;
  const cap = request.gas !== undefined && request.gas < limits.gasCap ? request.gas : limits.gasCap;
  if (cap < floor) throw new RpcError(-32000, `intrinsic gas too low: gas ${cap}, minimum needed ${floor}`);
  const probe = (gas: bigint) => runBoundedCall(view, at, request, gas - intrinsic, limits, overrides);
  // A call without data (most often a plain transfer) is tried at the floor first, as geth does:
  // if it succeeds there, no less can, so that is the answer in one run instead of two.
  if ((request.data === undefined || request.data === "0x") && request.to !== undefined && (await probe(floor)).error === undefined) return floor;
  const atCap = await probe(cap);
  if (atCap.error !== undefined) {
    if (atCap.error === "revert") throwIfFailed(atCap);
    throw new RpcError(-32000, `gas required exceeds allowance (${cap})`);
  }
  let low = floor - 1n;
  let high = cap;
  // Never below EIP-7623's floor: a transaction with much calldata pays for it even if it runs little.
  const used = intrinsic + atCap.gasUsed > floor ? intrinsic + atCap.gasUsed : floor;
  if (used > low) low = used - 1n;
  // What it used at the cap is often exactly enough (no refund, no 1/64 retained): then that is the answer.
  if (used < high && (await probe(used)).error === undefined) return used;
  const optimistic = ((used + 2300n) * 64n) / 63n;
  if (optimistic < high) {
    if ((await probe(optimistic)).error === undefined) high = optimistic;
    else low = optimistic;
  }
  while (low + 1n < high) {
    if (Number(high - low) / Number(high) < ESTIMATE_ERROR_RATIO) break;
    const mid = (low + high) / 2n;
    if ((await probe(mid)).error === undefined) high = mid;
    else low = mid;
  }
  return high;
}

/**
 * `eth_feeHistory(blockCount, newestBlock, rewardPercentiles)`: base fees (one more than the
 * blocks: the next block's), gas used ratios, and per block the tips at the given percentiles
 * of its gas, as geth computes them (transactions by tip, weighted by gas used).
 */
function feeHistory(view: ChainView, countParam: unknown, newestParam: unknown, percentilesParam: unknown): object {
  const count = typeof countParam === "number" && Number.isSafeInteger(countParam) && countParam >= 0 ? BigInt(countParam) : quantityParam(countParam, "blockCount");
  const newest = blockParam(view, newestParam).number;
  const percentiles = percentilesParam === undefined || percentilesParam === null ? [] : percentilesParam;
  if (!Array.isArray(percentiles) || percentiles.some((p, i) => typeof p !== "number" || p < 0 || p > 100 || (i > 0 && p < (percentiles[i - 1] as number)))) {
    throw new RpcError(-32602, `invalid reward percentiles: expected increasing numbers from 0 to 100, got ${excerpt(percentiles)}`);
  }
  const blocks = count > MAX_FEE_HISTORY ? MAX_FEE_HISTORY : count;
  const oldest = newest + 1n - blocks < 0n ? 0n : newest + 1n - blocks;
  const baseFees: string[] = [];
  const ratios: number[] = [];
  const rewards: string[][] = [];
  for (let n = oldest; n <= newest && blocks > 0n; n++) {
    const block = view.block(n)!;
    const baseFee = block.header.baseFeePerGas ?? 0n;
    baseFees.push(toQuantity(baseFee));
    ratios.push(Number(block.header.gasUsed) / Number(block.header.gasLimit));
    if (percentiles.length > 0) {
      const receipts = view.receipts(n) ?? [];
      const tips = receipts.map((r) => ({ tip: r.effectiveGasPrice - baseFee, gas: r.gasUsed })).sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0));
      rewards.push(
        (percentiles as number[]).map((p) => {
          if (tips.length === 0) return "0x0";
          const threshold = (Number(block.header.gasUsed) * p) / 100;
          let sum = 0;
          for (const t of tips) {
            sum += Number(t.gas);
            if (sum >= threshold) return toQuantity(t.tip);
          }
          return toQuantity(tips[tips.length - 1]!.tip);
        }),
      );
    }
  }
  if (blocks > 0n) baseFees.push(toQuantity(view.header(newest)!.calcNextBaseFee()));
  return {
    oldestBlock: toQuantity(oldest),
    baseFeePerGas: baseFees,
    gasUsedRatio: ratios,
    ...(percentiles.length > 0 ? { reward: rewards } : {}),
  };
}

/** A block parameter of `eth_getBlockBy…`: a number above the head is null there, not an error. */
function blockOrNull(view: ChainView, value: unknown): bigint | undefined {
  if (value === undefined) throw new RpcError(-32602, "missing value for required argument 0");
  try {
    return blockParam(view, value).number;
  } catch (error) {
    if (error instanceof RpcError && error.code === -32000) return undefined;
    throw error;
  }
}

function fullParam(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw new RpcError(-32602, `invalid argument 1: expected a boolean (full transactions), got ${excerpt(value)}`);
  return value;
}

function filterId(value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-f]{1,64}$/i.test(value)) throw new RpcError(-32602, `invalid filter id: expected a hex id, got ${excerpt(value)}`);
  return value.toLowerCase();
}

/** A storage slot: a hex quantity or word of at most 32 bytes. */
function storageKey(value: unknown): Uint8Array {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    throw new RpcError(-32602, `invalid storage slot: expected a hex number of at most 32 bytes, got ${excerpt(value)}`);
  }
  return setLengthLeft(bigIntToBytes(BigInt(value)), 32);
}
