/**
 * The node's L2 JSON-RPC: `src/rpc`'s request handling over the node's chain (a `ChainView` of
 * the store), HTTP and WebSocket on one port, plus `rollup_status` and `rollup_getWitness`.
 * Transactions sent to it go to a mempool in this process — the devnet's proposer's, or one of
 * the node's own that a proposer in the same process can take from.
 */
import { bytesToHex } from "@ethereumjs/util";
import { applyBlockBody, type BlockEnv } from "../engine/apply.js";
import { createEngineVM } from "../engine/vm.js";
import { createL2Common } from "../engine/chain.js";
import { WitnessMissingHeaderError } from "../engine/errors.js";
import { encodeWitness, RecordingDB } from "../engine/witness.js";
import { createMempool, type Mempool, type MempoolChain, type MempoolOptions } from "../proposer/mempool.js";
import { journaledMempool, type JournaledMempool } from "./journal.js";
import { createRpcHandler, RpcError, startRpcServer, toQuantity, type ChainView, type Handler, type RpcHandler, type RpcLimits } from "../rpc/index.js";
import { blockParam } from "../rpc/params.js";
import { bytesEqual } from "../shared/bytes.js";
import type { MultiNode } from "./multi.js";
import type { RollupNode } from "./types.js";

/** The node's chain as the JSON-RPC methods read it: `safe` is every derived block (each was checked against L1), `finalized` counts L1 depth. */
export function nodeChainView(node: RollupNode): ChainView {
  return {
    chainId: node.genesis.chainId,
    heads: () => ({ latest: node.blockNumber("latest"), safe: node.blockNumber("safe"), finalized: node.blockNumber("finalized") }),
    header: (number) => (number < 0n ? undefined : node.header(number)),
    numberOfHash: (hash) => node.getBlockByHash(hash)?.number,
    block: (number) => (number < 0n ? undefined : node.getBlock(number)),
    receipts: (number) => (number < 0n ? undefined : node.getReceipts(number)),
    transaction: (hash) => node.getTransaction(hash),
    logs: (query) => node.getLogs({ fromBlock: query.fromBlock, toBlock: query.toBlock, address: query.address, topics: query.topics }),
    stateDb: () => node.stateDb(),
    syncing() {
      // Behind while L1 holds blocks the node has not scanned (one block of slack: the poll).
      const { l1 } = node.status();
      if (l1.followed.number + 1n >= l1.head) return false;
      const head = node.blockNumber("latest");
      return { startingBlock: 0n, currentBlock: head, highestBlock: head };
    },
  };
}

/** What a mempool reads of the node: its head and state. */
export function nodeMempoolChain(node: RollupNode): MempoolChain {
  const db = node.stateDb();
  return {
    chainId: node.genesis.chainId,
    head: () => node.header("latest")!,
    db,
    includedAt(hash) {
      const found = node.getTransaction(hash);
      return found === undefined ? undefined : { blockNumber: Number(found.blockNumber), index: found.index };
    },
  };
}

/**
 * The witness of block `number` — every pre-state trie node and code its execution reads, and
 * the ancestor headers BLOCKHASH needs, parent first — as EXECUTE takes it: the block re-run on
 * its parent's state with the reads recorded, its state root checked against the header.
 */
export async function blockWitness(node: RollupNode, number: bigint): Promise<{ witness: Uint8Array; nodes: number; codes: number; headers: number }> {
  const block = node.getBlock(number);
  const parent = number > 0n ? node.header(number - 1n) : undefined;
  if (block === undefined || parent === undefined) throw new RpcError(-32000, number === 0n ? "the genesis block has no witness" : "header not found");
  const recording = new RecordingDB(node.stateDb());
  const ancestorsRead = new Set<bigint>();
  const vm = await createEngineVM({
    common: createL2Common(node.genesis.chainId),
    db: recording,
    stateRoot: parent.stateRoot,
    ancestors: (n) => {
      const header = n <= parent.number ? node.header(n) : undefined;
      if (header === undefined) throw new WitnessMissingHeaderError({ number: n });
      ancestorsRead.add(n);
      return header;
    },
  });
  const h = block.header;
  const env: BlockEnv = {
    number: h.number,
    parentHash: h.parentHash,
    timestamp: h.timestamp,
    coinbase: h.coinbase.bytes,
    gasLimit: h.gasLimit,
    baseFeePerGas: h.baseFeePerGas ?? 0n,
    prevRandao: h.mixHash,
    anchor: h.parentBeaconBlockRoot!,
  };
  const result = await applyBlockBody(vm, env, block.rawTransactions, "verify", { messages: block.messages });
  if (!bytesEqual(result.stateRoot, h.stateRoot)) {
    throw new RpcError(-32603, `internal error: block ${number} re-executed to state root ${bytesToHex(result.stateRoot)}, not ${bytesToHex(h.stateRoot)}`);
  }
  const oldest = [...ancestorsRead].reduce((a, b) => (a < b ? a : b), parent.number);
  const headers: Uint8Array[] = [];
  for (let n = parent.number; n >= oldest; n--) headers.push(node.header(n)!.serialize());
  const recorded = recording.recorded();
  return { witness: encodeWitness({ ...recorded, headers }), nodes: recorded.nodes.length, codes: recorded.codes.length, headers: headers.length };
}

/** Options of {@link serveNode}. */
export interface NodeRpcOptions extends RpcLimits {
  /** Default 8546; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Largest request body or WebSocket message. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Where eth_sendRawTransaction puts transactions (a proposer's). Default: a mempool of the node's own, over its head. */
  mempool?: Mempool;
  /** The rules of the node's own mempool (when `mempool` is not given). */
  mempoolOptions?: MempoolOptions;
  /** More methods, or replacements (the devnet's dev methods: src/devnet/dev-methods.ts). */
  extra?: Map<string, Handler>;
}

/** A node's JSON-RPC, serving. */
export interface NodeRpc {
  url: string;
  wsUrl: string;
  mempool: Mempool;
  handler: RpcHandler;
  close(): Promise<void>;
}

/** The node's methods beyond Ethereum's: `rollup_status` and `rollup_getWitness`. */
export function rollupMethods(node: RollupNode, view: ChainView, mempool: Mempool | undefined): Map<string, Handler> {
  return new Map<string, Handler>([
    [
      "rollup_status",
      async () => {
        const { l1, l2, halted, finalityViolations } = node.status();
        const pool = mempool?.counts();
        return {
          rollup: node.rollup,
          l1: { chainId: toQuantity(l1.chainId), head: toQuantity(l1.head), followed: { number: toQuantity(l1.followed.number), hash: l1.followed.hash } },
          l2: { chainId: toQuantity(l2.chainId), head: toQuantity(l2.head), headHash: l2.headHash, safe: toQuantity(l2.safe), finalized: toQuantity(l2.finalized) },
          mempool: pool === undefined ? null : { pending: toQuantity(pool.pending), queued: toQuantity(pool.queued) },
          ...(halted === undefined ? {} : { halted: halted.message.split("\n")[0] }),
          // Finalized blocks a reorg deeper than the finality depth took out (incidents; empty when none).
          finalityViolations: finalityViolations.map((v) => ({
            l2: { number: toQuantity(v.l2.number), hash: v.l2.hash },
            l1: { number: toQuantity(v.l1.number), hash: v.l1.hash },
            unwoundTo: { l2: toQuantity(v.unwoundTo.l2), l1: toQuantity(v.unwoundTo.l1) },
            finalityDepth: v.finalityDepth,
            at: v.at,
          })),
        };
      },
    ],
    [
      "rollup_getWitness",
      async ([block]) => {
        const number = blockParam(view, block).number;
        const { witness, nodes, codes, headers } = await blockWitness(node, number);
        return { blockNumber: toQuantity(number), blockHash: node.getBlock(number)!.hash, witness: bytesToHex(witness), nodes, codes, headers };
      },
    ],
  ]);
}

/**
 * Serves the node's L2 JSON-RPC over HTTP and WebSocket (see `src/rpc` for the methods and their
 * errors). Throws `RpcListenError` when it cannot listen.
 */
export async function serveNode(node: RollupNode, options: NodeRpcOptions = {}): Promise<NodeRpc> {
  const view = nodeChainView(node);
  // The node's own mempool journals what it acknowledges in the node's store, and takes back at
  // start what a previous process acknowledged: a kill -9 loses no transaction whose hash went out.
  let mempool = options.mempool;
  if (mempool === undefined) {
    const own = journaledMempool(createMempool(nodeMempoolChain(node), options.mempoolOptions), node.pendingJournal);
    await own.restore();
    mempool = own;
  }
  const extra = rollupMethods(node, view, mempool);
  for (const [name, method] of options.extra ?? []) extra.set(name, method);
  const handler = createRpcHandler({ ...options, view, mempool, extra });
  let server;
  try {
    server = await startRpcServer({ handler, host: options.host, port: options.port, maxBodyBytes: options.maxBodyBytes });
  } catch (error) {
    handler.close();
    throw error;
  }
  return {
    url: server.url,
    wsUrl: server.wsUrl,
    mempool,
    handler,
    async close() {
      handler.close();
      await server.close();
    },
  };
}

/** Options of {@link serveMultiNode}. */
export interface MultiNodeRpcOptions extends RpcLimits {
  /** Default 8546; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  maxBodyBytes?: number;
  /** The rules of each rollup's mempool. */
  mempoolOptions?: MempoolOptions;
  /**
   * More methods for a rollup, or replacements (the devnet's dev methods, per rollup): asked for
   * once, when the rollup's JSON-RPC is made. A retired rollup still refuses transactions.
   */
  extra?: (chainId: bigint, node: RollupNode, mempool: Mempool | undefined) => Map<string, Handler> | Promise<Map<string, Handler>>;
  /** Whether an L1 reorg's unwound transactions go back to their rollup's mempool now. Default: always (a devnet's `evm_revert` drops them, as Hardhat's does). */
  handBackUnwound?: (chainId: bigint) => boolean;
}

/** A multi-rollup node's JSON-RPC, serving. */
export interface MultiNodeRpc {
  /** The server's root URL: `/` serves the primary rollup, `/rollup/<chainId>` each one, `GET /rollups` lists them. */
  url: string;
  wsUrl: string;
  /** The HTTP URL of a rollup's JSON-RPC. */
  urlOf(chainId: bigint): string;
  /** The rollup's mempool if it has one in memory now (its JSON-RPC took a transaction, or its journal was restored). */
  mempool(chainId: bigint): Mempool | undefined;
  /** The rollup's mempool, made if need be (undefined for a retired or unknown rollup). */
  openMempool(chainId: bigint): Promise<Mempool | undefined>;
  /** The rollup's JSON-RPC in process, made if need be (undefined for an unknown rollup). */
  handler(chainId: bigint): Promise<RpcHandler | undefined>;
  close(): Promise<void>;
}

/** One rollup's JSON-RPC, made on its first request. */
interface ServedRollup {
  handler: RpcHandler;
  mempool?: JournaledMempool;
}

/**
 * Serves every rollup of a multi-rollup node on one port (HTTP and WebSocket): rollup `chainId`
 * at `/rollup/<chainId>`, the primary one at `/` too, `GET /rollups` (and `rollup_list` on any
 * path) lists chain id → address → URL. Each rollup gets its JSON-RPC, and its own mempool
 * journaled in its part of the store, on its first request: an idle rollup nobody asks about
 * holds nothing. A transaction for another chain is refused by the mempool's chain id check. A
 * retired rollup's mempool is dropped; its history stays served, and `eth_sendRawTransaction`
 * is refused saying so.
 */
export async function serveMultiNode(multi: MultiNode, options: MultiNodeRpcOptions = {}): Promise<MultiNodeRpc> {
  const served = new Map<bigint, Promise<ServedRollup | undefined>>();
  const ready = new Map<bigint, ServedRollup>();
  let base = "";
  const urlOf = (chainId: bigint) => `${base}/rollup/${chainId}`;
  const list = () => ({
    rollups: multi.list().map((r) => ({
      chainId: toQuantity(r.chainId),
      address: r.address,
      url: urlOf(r.chainId),
      ...(r.retired === undefined ? {} : { retired: { number: toQuantity(r.retired.number), l1Block: toQuantity(r.retired.l1Block) } }),
    })),
  });

  const make = async (chainId: bigint): Promise<ServedRollup | undefined> => {
    const info = multi.info(chainId);
    if (info === undefined) return undefined;
    const node = await multi.rollup(chainId);
    const view = nodeChainView(node);
    let mempool: JournaledMempool | undefined;
    if (info.retired === undefined) {
      const own = journaledMempool(createMempool(nodeMempoolChain(node), options.mempoolOptions), node.pendingJournal);
      await own.restore();
      mempool = own;
    }
    const extra = rollupMethods(node, view, mempool);
    extra.set("rollup_list", async () => list().rollups);
    for (const [name, method] of (await options.extra?.(chainId, node, mempool)) ?? []) extra.set(name, method);
    if (info.retired !== undefined) {
      const message = `rollup ${chainId} retired at L2 block ${info.retired.number} (L1 block ${info.retired.l1Block}): it takes no more transactions; its history stays readable`;
      extra.set("eth_sendRawTransaction", async () => {
        throw new RpcError(-32000, message);
      });
    }
    const rollup = { handler: createRpcHandler({ ...options, view, mempool, extra }), mempool };
    ready.set(chainId, rollup);
    return rollup;
  };
  const servedRollup = (chainId: bigint): Promise<ServedRollup | undefined> => {
    let entry = served.get(chainId);
    if (entry === undefined) {
      entry = make(chainId);
      // Neither a failure (L1 unreachable at first open) nor a rollup the node does not know yet
      // (its RollupCreated not polled yet) is cached: the next request tries again.
      entry.then((rollup) => rollup === undefined && served.delete(chainId), () => served.delete(chainId));
      served.set(chainId, entry);
    }
    return entry;
  };
  const drop = (chainId: bigint) => {
    ready.get(chainId)?.handler.close();
    ready.delete(chainId);
    served.delete(chainId);
  };
  const unsubscribeRetired = multi.onRetired(drop);
  // An L1 reorg's unwound transactions are pending again in their rollup's mempool (made if need be).
  const unsubscribeUnwound = multi.onUnwound(async (chainId, transactions) => {
    if (options.handBackUnwound?.(chainId) === false) {
      // Dropped: no longer pending anywhere (the journal took them in the unwind's commit).
      ready.get(chainId)?.mempool?.forget(transactions);
      return;
    }
    const mempool = (await servedRollup(chainId))?.mempool;
    for (const raw of transactions) await mempool?.add(raw).catch(() => undefined);
  });
  const unsubscribe = () => {
    unsubscribeRetired();
    unsubscribeUnwound();
  };

  // Transactions a previous process acknowledged are pending again (and their proposer sees them).
  for (const chainId of multi.journaled()) await servedRollup(chainId).catch(() => undefined);

  const route = async (path: string): Promise<RpcHandler | undefined> => {
    const match = /^\/rollup\/(\d+)\/?$/.exec(path);
    const chainId = match !== null ? BigInt(match[1]!) : path === "/" ? multi.primary() : undefined;
    if (chainId === undefined) return undefined;
    return (await servedRollup(chainId))?.handler;
  };
  let server;
  try {
    server = await startRpcServer({ route, get: (path) => (path === "/rollups" ? list() : undefined), host: options.host, port: options.port, maxBodyBytes: options.maxBodyBytes });
  } catch (error) {
    unsubscribe();
    throw error;
  }
  base = server.url;
  return {
    url: server.url,
    wsUrl: server.wsUrl,
    urlOf,
    mempool: (chainId) => ready.get(chainId)?.mempool,
    openMempool: async (chainId) => (await servedRollup(chainId))?.mempool,
    handler: async (chainId) => (await servedRollup(chainId))?.handler,
    async close() {
      unsubscribe();
      for (const rollup of ready.values()) rollup.handler.close();
      await server.close();
    },
  };
}
