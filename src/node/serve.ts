/**
 * The node's one JSON-RPC server: a set of rollups on one port (HTTP and WebSocket), routed by
 * chain. A many-rollup node is such a set; a single node is a set of one (`rollupSetOf`), which
 * `serveNode` (rpc.ts) serves this same way.
 *
 *   /rollup/<chainId>   that rollup's JSON-RPC         GET /rollups   chain id → address → URL
 *   /                   the primary rollup's           (and `rollup_list` on every path)
 */
import { createMempool, type Mempool, type MempoolOptions } from "../proposer/mempool.js";
import { createRpcHandler, RpcError, startRpcServer, toQuantity, type ChainView, type Handler, type RpcHandler, type RpcLimits } from "../rpc/index.js";
import { journaledMempool, type JournaledMempool } from "./journal.js";
import type { MultiNode, MultiRollupInfo } from "./multi-types.js";
import type { RollupNode } from "./types.js";
import { nodeChainView, nodeMempoolChain, rollupMethods } from "./view.js";

/**
 * What the server serves: rollups by chain id. A `MultiNode` is one; `rollupSetOf(node)` makes
 * a set of one of a single node.
 */
export type RollupSet = Pick<MultiNode, "rollup" | "primary" | "journaled" | "onRetired" | "onUnwound"> & {
  list(): ServedRollupInfo[];
  info(chainId: bigint): ServedRollupInfo | undefined;
};

/** What the server reads of a rollup in the set. */
export type ServedRollupInfo = Pick<MultiRollupInfo, "chainId" | "address" | "retired">;

/**
 * A single node as a set of one rollup. Its journal is restored when the server starts (as
 * `journaled()` says it may hold transactions); it never retires, and its unwound transactions
 * reach a mempool through `startNode`'s `onUnwoundTransactions`, not through the server.
 */
export function rollupSetOf(node: RollupNode): RollupSet {
  const chainId = node.genesis.chainId;
  const info: ServedRollupInfo = { chainId, address: node.rollup };
  const none = () => () => {};
  return {
    list: () => [info],
    info: (id) => (id === chainId ? info : undefined),
    rollup: async (id) => {
      if (id !== chainId) throw new RpcError(-32602, `no rollup with chain id ${id} is served (this node follows ${chainId})`);
      return node;
    },
    primary: () => chainId,
    journaled: () => [chainId],
    onRetired: none,
    onUnwound: none,
  };
}

/** Options of {@link serveRollups}. */
export interface RollupsRpcOptions extends RpcLimits {
  /** Default 8546; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Largest request body or WebSocket message. Default 8 MiB. */
  maxBodyBytes?: number;
  /** The rules of each rollup's own mempool. */
  mempoolOptions?: MempoolOptions;
  /**
   * Where a rollup's `eth_sendRawTransaction` puts transactions (a proposer's mempool in the
   * same process). Undefined for a rollup: its own mempool, journaled in its part of the store.
   */
  mempool?: (chainId: bigint) => Mempool | undefined;
  /**
   * More methods for a rollup, or replacements (the devnet's dev methods, per rollup): asked for
   * once, when the rollup's JSON-RPC is made. A retired rollup still refuses transactions.
   */
  extra?: (chainId: bigint, node: RollupNode, mempool: Mempool | undefined) => Map<string, Handler> | Promise<Map<string, Handler>>;
  /**
   * The chain a rollup's JSON-RPC serves, over the node's own view (default: the node's view as
   * it is). A preconfirming devnet serves its operator's preconfirmed blocks above it (src/preconf).
   */
  view?: (chainId: bigint, nodeView: ChainView) => ChainView;
  /** Whether an L1 reorg's unwound transactions go back to their rollup's mempool now. Default: always (a devnet's `evm_revert` drops them, as Hardhat's does). */
  handBackUnwound?: (chainId: bigint) => boolean;
  /** Paths that name no chain serve the primary rollup too, instead of a 404 (a single node's server answers on every path). Default false. */
  primaryOnEveryPath?: boolean;
}

/** A set of rollups' JSON-RPC, serving. */
export interface RollupsRpc {
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
  mempool?: Mempool;
  /** Its own mempool, when it has one (not a proposer's given in `mempool`). */
  own?: JournaledMempool;
}

/**
 * Serves every rollup of a set on one port (HTTP and WebSocket): rollup `chainId` at
 * `/rollup/<chainId>`, the primary one at `/` too, `GET /rollups` (and `rollup_list` on any
 * path) lists chain id → address → URL. Each rollup gets its JSON-RPC, and its own mempool
 * journaled in its part of the store (unless `mempool` gives one), on its first request: an idle
 * rollup nobody asks about holds nothing. A transaction for another chain is refused by the
 * mempool's chain id check. A retired rollup's mempool is dropped; its history stays served,
 * and `eth_sendRawTransaction` is refused saying so. Throws `RpcListenError` when it cannot listen.
 */
export async function serveRollups(set: RollupSet, options: RollupsRpcOptions = {}): Promise<RollupsRpc> {
  const served = new Map<bigint, Promise<ServedRollup | undefined>>();
  const ready = new Map<bigint, ServedRollup>();
  let base = "";
  const urlOf = (chainId: bigint) => `${base}/rollup/${chainId}`;
  const list = () => ({
    rollups: set.list().map((r) => ({
      chainId: toQuantity(r.chainId),
      address: r.address,
      url: urlOf(r.chainId),
      ...(r.retired === undefined ? {} : { retired: { number: toQuantity(r.retired.number), l1Block: toQuantity(r.retired.l1Block) } }),
    })),
  });

  const make = async (chainId: bigint): Promise<ServedRollup | undefined> => {
    const info = set.info(chainId);
    if (info === undefined) return undefined;
    const node = await set.rollup(chainId);
    const view = options.view?.(chainId, nodeChainView(node)) ?? nodeChainView(node);
    let mempool = options.mempool?.(chainId);
    let own: JournaledMempool | undefined;
    if (mempool === undefined && info.retired === undefined) {
      // Journals what it acknowledges in the rollup's part of the store, and takes back what a
      // previous process acknowledged: a kill -9 loses no transaction whose hash went out.
      own = journaledMempool(createMempool(nodeMempoolChain(node), options.mempoolOptions), node.pendingJournal);
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
    const rollup: ServedRollup = { handler: createRpcHandler({ ...options, view, mempool, extra }), mempool, own };
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
  const unsubscribeRetired = set.onRetired(drop);
  // An L1 reorg's unwound transactions are pending again in their rollup's mempool (made if need be).
  const unsubscribeUnwound = set.onUnwound(async (chainId, transactions) => {
    if (options.handBackUnwound?.(chainId) === false) {
      // Dropped: no longer pending anywhere (the journal took them in the unwind's commit).
      ready.get(chainId)?.own?.forget(transactions);
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
  for (const chainId of set.journaled()) await servedRollup(chainId).catch(() => undefined);

  const route = async (path: string): Promise<RpcHandler | undefined> => {
    const match = /^\/rollup\/(\d+)\/?$/.exec(path);
    const chainId = match !== null ? BigInt(match[1]!) : path === "/" || options.primaryOnEveryPath === true ? set.primary() : undefined;
    if (chainId === undefined) return undefined;
    return (await servedRollup(chainId))?.handler;
  };
  let server;
  try {
    server = await startRpcServer({ route, get: (path) => (path === "/rollups" ? list() : undefined), host: options.host, port: options.port, maxBodyBytes: options.maxBodyBytes });
  } catch (error) {
    unsubscribe();
    for (const rollup of ready.values()) rollup.handler.close();
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
