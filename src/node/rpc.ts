/**
 * The node's L2 JSON-RPC: `src/rpc`'s request handling over the node's chain (a `ChainView` of
 * the store), HTTP and WebSocket on one port, plus `rollup_status`, `rollup_getWitness` and
 * `rollup_list`. One server (`serveRollups`, serve.ts) for one rollup or many, routed by chain;
 * `serveNode` and `serveMultiNode` are its two ways in. Transactions sent to it go to a mempool
 * in this process — a proposer's, or the rollup's own that a proposer in the same process can
 * take from.
 */
import type { Mempool, MempoolOptions } from "../proposer/mempool.js";
import type { ChainView, Handler, RpcHandler, RpcLimits } from "../rpc/index.js";
import type { MultiNode } from "./multi-types.js";
import { rollupSetOf, serveRollups, type RollupsRpc, type RollupsRpcOptions } from "./serve.js";
import type { RollupNode } from "./types.js";

export { blockWitness, nodeChainView, nodeMempoolChain, rollupMethods } from "./view.js";
export { rollupSetOf, serveRollups, type RollupSet, type RollupsRpc, type RollupsRpcOptions, type ServedRollupInfo } from "./serve.js";

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
  /** The chain served over the node's view (a preconfirming node's: src/preconf `preconfChainView`). Default: the node's. */
  view?: (nodeView: ChainView) => ChainView;
}

/** A node's JSON-RPC, serving. */
export interface NodeRpc {
  url: string;
  wsUrl: string;
  mempool: Mempool;
  handler: RpcHandler;
  close(): Promise<void>;
}

/**
 * Serves one node's L2 JSON-RPC over HTTP and WebSocket (see `src/rpc` for the methods and their
 * errors): `serveRollups` over the set of one (`rollupSetOf`), answering on every path as a
 * single node's server always has (and at `/rollup/<chainId>`, `GET /rollups`). The node's own
 * mempool is restored from its journal before it listens. Throws `RpcListenError` when it cannot listen.
 */
export async function serveNode(node: RollupNode, options: NodeRpcOptions = {}): Promise<NodeRpc> {
  const { mempool: given, extra, view, ...rest } = options;
  const rpc = await serveRollups(rollupSetOf(node), {
    ...rest,
    mempool: given === undefined ? undefined : () => given,
    extra: extra === undefined ? undefined : () => extra,
    view: view === undefined ? undefined : (_chainId, nodeView) => view(nodeView),
    primaryOnEveryPath: true,
  });
  const chainId = node.genesis.chainId;
  try {
    // Made before the server listened (its journal restored; `journaled()` names it); if that
    // failed, tried once more here, and the failure is this call's error.
    const handler = (await rpc.handler(chainId))!;
    const mempool = (await rpc.openMempool(chainId))!;
    return { url: rpc.url, wsUrl: rpc.wsUrl, mempool, handler, close: () => rpc.close() };
  } catch (error) {
    await rpc.close();
    throw error;
  }
}

/** Options of {@link serveMultiNode}: those of `serveRollups`. */
export type MultiNodeRpcOptions = Omit<RollupsRpcOptions, "primaryOnEveryPath">;

/** A multi-rollup node's JSON-RPC, serving (`serveRollups`'s). */
export type MultiNodeRpc = RollupsRpc;

/**
 * Serves every rollup of a multi-rollup node on one port: `serveRollups` over the node's set
 * (rollup `chainId` at `/rollup/<chainId>`, the primary one at `/` too, `GET /rollups`). Each
 * rollup's JSON-RPC and mempool are made on its first request.
 */
export function serveMultiNode(multi: MultiNode, options: MultiNodeRpcOptions = {}): Promise<MultiNodeRpc> {
  return serveRollups(multi, options);
}
