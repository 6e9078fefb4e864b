/**
 * The L2 JSON-RPC: Ethereum's methods over a `ChainView` (a node's store, or an in-memory
 * chain), HTTP and WebSocket on one port, geth's errors. Exports the handler (`createRpcHandler`)
 * and the servers (`startRpcServer` routed by path, `startL2Rpc` over one chain), `RpcError`,
 * `chainViewOf` and the view types, `toQuantity`. The methods are methods.ts, the envelope
 * envelope.ts, filters and subscriptions filters.ts, traces trace/.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { L2Chain } from "../engine/state.js";
import { TRANSACTION_GAS_CAP, type Mempool } from "../proposer/mempool.js";
import { UltrasoundError } from "../shared/errors.js";
import { RpcError } from "./errors.js";
import { errorResponse, handleBody, handleRequest, internalError } from "./envelope.js";
import { createFilters, type Filters } from "./filters.js";
import { createMethods, type Handler, type RequestContext } from "./methods.js";
import { chainViewOf, withLogTimestamps, type ChainView } from "./view.js";

export { RpcError } from "./errors.js";
export { chainViewOf, OverlayDB, type ChainView, type ChainBlock, type ChainLog, type ChainReceipt, type ChainTransaction, type LogQuery } from "./view.js";
export type { Handler, RequestContext } from "./methods.js";
export { toQuantity } from "./format.js";

/**
 * The L2 JSON-RPC: what ethers, viem, Hardhat and wallets use, over HTTP and WebSocket on one
 * port, for any {@link ChainView} (the rollup node's, or an in-memory chain's).
 *
 * Methods: eth_chainId, net_version, web3_clientVersion, eth_blockNumber, eth_syncing,
 * eth_getBalance, eth_getTransactionCount, eth_getCode, eth_getStorageAt, eth_getProof, eth_call,
 * eth_estimateGas, eth_gasPrice, eth_maxPriorityFeePerGas, eth_feeHistory, eth_sendRawTransaction,
 * eth_getTransactionByHash, eth_getTransactionByBlockNumberAndIndex/ByBlockHashAndIndex,
 * eth_getTransactionReceipt, eth_getBlockByNumber/ByHash,
 * eth_getBlockTransactionCountByNumber/ByHash, eth_getBlockReceipts, eth_getLogs, eth_newFilter,
 * eth_newBlockFilter, eth_getFilterChanges, eth_getFilterLogs, eth_uninstallFilter,
 * eth_subscribe/eth_unsubscribe (newHeads, logs; WebSocket only), txpool_status,
 * txpool_content, ultrasound_getTransactionStatus, and whatever `extra` adds (the node:
 * rollup_status, rollup_getWitness). CORS is open (`*`), so a dApp in a browser can call it.
 */
export interface L2RpcServer {
  /** The HTTP URL; the WebSocket one is the same with `ws://`. */
  url: string;
  wsUrl: string;
  close(): Promise<void>;
}

/** Limits of a handler; each has a default. */
export interface RpcLimits {
  /**
   * Most gas one eth_call / eth_estimateGas may use; a larger `gas` is capped. Default 2^24: no
   * L2 transaction may use more (EIP-7825 holds on L2), so a call that needs more could never be
   * sent — and 2^24 gas of a tight loop is ≈ 3 s of this engine, where geth's default 50M would
   * be ≈ 9 s.
   */
  gasCap?: bigint;
  /** Wall-time budget of one eth_call, in ms; then it is aborted. Default 5000 (geth's). */
  callTimeoutMs?: number;
  /** Most requests in one batch. Default 1000 (geth's). */
  maxBatchSize?: number;
  /** Most blocks one eth_getLogs (or log filter) may span. Default 10,000. */
  logRange?: bigint;
  /** Most logs one eth_getLogs answer may carry. Default 10,000. */
  logCount?: number;
}

/** Options of {@link createRpcHandler}. */
export interface RpcHandlerOptions extends RpcLimits {
  view: ChainView;
  /** Where eth_sendRawTransaction puts transactions; without one, sending is refused. */
  mempool?: Mempool;
  /** More methods (or replacements), by name. */
  extra?: Map<string, Handler>;
  /** How often WebSocket subscriptions look at the head, in ms. Default 100. */
  subscriptionPollMs?: number;
}

/** Answers JSON-RPC bodies for one chain: shared by the HTTP and WebSocket servers and in-process providers. */
export interface RpcHandler {
  /**
   * One parsed JSON-RPC body (a request or a batch) → its answer, or undefined when nothing is
   * to be answered (notifications only). Never throws.
   */
  handle(body: unknown, context?: RequestContext): Promise<object | undefined>;
  /** The EIP-1193 `request`: the result, or a thrown `RpcError` with its code. */
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  readonly filters: Filters;
  close(): void;
}

/** Creates the request handling for `view` (see {@link L2RpcServer} for the methods). */
export function createRpcHandler(options: RpcHandlerOptions): RpcHandler {
  const limits = {
    gasCap: options.gasCap ?? TRANSACTION_GAS_CAP,
    timeoutMs: options.callTimeoutMs ?? 5_000,
    batch: options.maxBatchSize ?? 1000,
    logRange: options.logRange ?? 10_000n,
    logCount: options.logCount ?? 10_000,
  };
  // Every log answered carries its block's timestamp, whatever view serves it.
  const view = withLogTimestamps(options.view);
  const filters = createFilters(view, limits, options.subscriptionPollMs);
  const handlers = createMethods(view, options.mempool, filters, limits, options.extra);
  return {
    filters,
    handle: (body, context = {}) => handleBody(handlers, body, context, limits.batch),
    async request({ method, params }) {
      const answer = (await handleRequest(handlers, { jsonrpc: "2.0", id: 1, method, params: params ?? [] }, {})) as { result?: unknown; error?: { code: number; message: string; data?: string } };
      if (answer.error !== undefined) throw new RpcError(answer.error.code, answer.error.message, answer.error.data);
      return answer.result;
    },
    close: () => filters.close(),
  };
}

/** Options of {@link startRpcServer}. */
export interface RpcServerOptions {
  /** The chain served (on every path, unless `route` is given). */
  handler?: RpcHandler;
  /** Default 8546; 0 picks a free port (see the returned `url`). */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Largest request body or WebSocket message. Default 8 MiB. */
  maxBodyBytes?: number;
  /**
   * Several chains on one port: the handler for a request's path (HTTP and WebSocket alike);
   * undefined: HTTP 404 with a JSON-RPC error naming the path. Without it, `handler` answers every path.
   */
  route?: (path: string) => Promise<RpcHandler | undefined>;
  /** Answers `GET <path>` with JSON (undefined: 404), e.g. a list of the chains served. */
  get?: (path: string) => unknown;
}

/** Options of {@link startL2Rpc}. */
export interface L2RpcOptions extends RpcLimits, Omit<RpcServerOptions, "handler" | "route" | "get"> {
  chain: L2Chain;
  mempool: Mempool;
}

/** The L2 JSON-RPC server could not listen (the port is taken, the host is not this machine's, …). */
export class RpcListenError extends UltrasoundError {
  override name = "RpcListenError";
}

/** Serves an in-memory `chain` (a proposer's), taking transactions into `mempool`. */
export async function startL2Rpc(options: L2RpcOptions): Promise<L2RpcServer> {
  const handler = createRpcHandler({ ...options, view: chainViewOf(options.chain) });
  const server = await startRpcServer({ ...options, handler });
  return {
    ...server,
    async close() {
      handler.close();
      await server.close();
    },
  };
}

/**
 * Serves `handler` over HTTP (POST, CORS open) and WebSocket (the same port; subscriptions) on
 * `host`:`port`. Malformed input of any kind is answered with its JSON-RPC error; it never stops
 * the server. Throws `RpcListenError` when it cannot listen.
 */
export async function startRpcServer(options: RpcServerOptions): Promise<L2RpcServer> {
  const { handler } = options;
  const bodyLimit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // Only a bug gets here: answer it as one, keep serving.
      if (!response.headersSent) send(response, 500, errorResponse(null, internalError(error)));
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    setCors(request, response);
    if (request.method === "OPTIONS") {
      response.statusCode = 204;
      response.end();
      return;
    }
    const path = (request.url ?? "/").split("?")[0]!;
    if (request.method === "GET" && options.get !== undefined) {
      const answer = options.get(path);
      if (answer !== undefined) return send(response, 200, answer);
      send(response, 404, errorResponse(null, new RpcError(-32600, `nothing at GET ${path}`)));
      return;
    }
    if (request.method !== "POST") {
      send(response, 405, errorResponse(null, new RpcError(-32600, "invalid request: use POST with a JSON-RPC body")));
      return;
    }
    const text = await readBody(request, response, bodyLimit);
    if (text === undefined) return;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      send(response, 200, errorResponse(null, new RpcError(-32700, "parse error: the body is not valid JSON")));
      return;
    }
    const target = options.route === undefined ? handler : await options.route(path);
    if (target === undefined) {
      send(response, 404, errorResponse(null, new RpcError(-32601, `no chain is served at ${path}`)));
      return;
    }
    const answer = await target.handle(body);
    if (answer === undefined) return sendNothing(response);
    send(response, 200, answer);
  }

  // Idle keep-alive connections are closed by the server only after the clients' own timeouts
  // (undici and browsers: 4–5 s): when a proposer or a node held the event loop for seconds,
  // Node's default 5 s timer fired before the request waiting on the socket was read, and the
  // client saw "other side closed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  // WebSocket on the same port: each message is a request or a batch; subscriptions live as long as the socket.
  const wss = new WebSocketServer({ noServer: true, maxPayload: bodyLimit });
  server.on("upgrade", (request, socket, head) => {
    const path = (request.url ?? "/").split("?")[0]!;
    void (options.route === undefined ? Promise.resolve(handler) : options.route(path).catch(() => undefined)).then((target) => {
      if (target === undefined) {
        socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, target));
    });
  });
  function serveSocket(ws: WebSocket, handler: RpcHandler): void {
    const subscriptions = new Set<string>();
    const reply = (message: object) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    const context: RequestContext = { notify: reply, subscriptions };
    ws.on("message", (data) => {
      let body: unknown;
      try {
        body = JSON.parse(data.toString());
      } catch {
        reply(errorResponse(null, new RpcError(-32700, "parse error: the message is not valid JSON")));
        return;
      }
      handler.handle(body, context).then((answer) => answer !== undefined && reply(answer), () => {});
    });
    // An oversized message closes the socket (ws's 1009); any socket error just ends the connection.
    ws.on("error", () => ws.terminate());
    ws.on("close", () => {
      for (const id of subscriptions) handler.filters.unsubscribe(id);
      subscriptions.clear();
    });
  }

  await new Promise<void>((resolve, reject) => {
    const host = options.host ?? "127.0.0.1";
    const port = options.port ?? 8546;
    server.once("error", (error: NodeJS.ErrnoException) => {
      const reason = error.code === "EADDRINUSE" ? "the port is taken" : error.code === "EADDRNOTAVAIL" ? "the host is not an address of this machine" : error.message;
      reject(new RpcListenError(`The L2 JSON-RPC could not listen on ${host}:${port}: ${reason}`, { host, port, code: error.code ?? "unknown" }));
    });
    server.listen(port, host, () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const hostPort = `${address.includes(":") ? `[${address}]` : address}:${port}`;
  return {
    url: `http://${hostPort}`,
    wsUrl: `ws://${hostPort}`,
    close: () =>
      new Promise((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** CORS: any origin may call (the endpoint holds no secrets and takes only signed transactions). */
function setCors(request: IncomingMessage, response: ServerResponse): void {
  response.setHeader("access-control-allow-origin", "*");
  response.setHeader("access-control-allow-methods", "POST, OPTIONS");
  response.setHeader("access-control-allow-headers", request.headers["access-control-request-headers"] ?? "content-type");
  response.setHeader("access-control-max-age", "86400");
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  response.end(json);
}

function sendNothing(response: ServerResponse): void {
  response.statusCode = 204;
  response.end();
}

/**
 * How much of a refused body is read and thrown away, as a multiple of the limit, before the
 * connection is cut: reading it lets a client that sends its whole body before reading the
 * answer (Python's http.client, many scripts) get the 413 instead of a broken pipe.
 */
const DISCARD_FACTOR = 8;

/**
 * The body as text, or `undefined` when it is larger than `limit` — then 413 with a JSON-RPC
 * error saying the limit has been sent (at once when `content-length` declares too much, else
 * when the limit is passed), and the rest of the body is read and discarded (up to
 * {@link DISCARD_FACTOR} × the limit) so the connection stays usable.
 */
function readBody(request: IncomingMessage, response: ServerResponse, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const refuse = (declared?: number) => {
      refused = true;
      chunks.length = 0;
      const sent = declared === undefined ? "" : ` (content-length ${declared})`;
      send(response, 413, errorResponse(null, new RpcError(-32600, `invalid request: body larger than ${limit} bytes, the limit of this server${sent}`)));
      resolve(undefined);
    };
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > limit) refuse(declared);
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > limit * DISCARD_FACTOR) request.socket.destroy();
        return;
      }
      if (size > limit) refuse();
      else chunks.push(chunk);
    });
    request.on("end", () => {
      if (!refused) resolve(Buffer.concat(chunks).toString("utf8"));
    });
    request.on("error", (error) => {
      if (!refused) reject(error);
    });
  });
}
