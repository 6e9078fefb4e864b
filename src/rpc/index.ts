import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bigIntToBytes, bytesToHex, setLengthLeft } from "@ethereumjs/util";
import { getL2Account, getL2Storage } from "../engine/query.js";
import { chainHead, type L2Chain } from "../engine/state.js";
import { TRANSACTION_GAS_CAP, TransactionRejectedError, type Mempool } from "../proposer/mempool.js";
import { UltrasoundError } from "../shared/errors.js";
import { boundedCall } from "./call.js";
import { excerpt, RpcError } from "./errors.js";
import { formatReceipt, formatTransaction, includedTransaction, toQuantity } from "./format.js";
import { chainAt } from "./history.js";
import { addressParam, blockParam, bytesParam, callParam, hashParam, quantityParam } from "./params.js";

export { RpcError } from "./errors.js";

/**
 * A small L2 JSON-RPC endpoint: enough for scripts, wallets' basic reads and the devnet smoke to
 * submit transactions and read results over HTTP with ordinary clients. (The full L2 node —
 * blocks, logs, eth_getProof, persistence — is its own component.)
 *
 * Methods: eth_chainId, net_version, eth_blockNumber, eth_sendRawTransaction,
 * eth_getTransactionCount, eth_getBalance, eth_getCode, eth_getStorageAt, eth_call,
 * eth_getTransactionReceipt, eth_getTransactionByHash, txpool_status, txpool_content,
 * ultrasound_getTransactionStatus. State reads take a block parameter (tags, numbers, EIP-1898)
 * and answer from that block's state. CORS is open (`*`), so a dApp in a browser can call it.
 */
export interface L2RpcServer {
  url: string;
  close(): Promise<void>;
}

/** Options of {@link startL2Rpc}. */
export interface L2RpcOptions {
  chain: L2Chain;
  mempool: Mempool;
  /** Default 8546; 0 picks a free port (see the returned `url`). */
  port?: number;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /**
   * Most gas one eth_call may use; a larger `gas` is capped. Default 2^24: no L2 transaction may
   * use more (EIP-7825 holds on L2), so a call that needs more could never be sent — and 2^24 gas
   * of a tight loop is ≈ 3 s of this engine, where geth's default 50M would be ≈ 9 s.
   */
  gasCap?: bigint;
  /** Wall-time budget of one eth_call, in ms; then it is aborted. Default 5000 (geth's). */
  callTimeoutMs?: number;
  /** Largest request body. Default 8 MiB. */
  maxBodyBytes?: number;
  /** Most requests in one batch. Default 1000 (geth's). */
  maxBatchSize?: number;
}

/** The L2 JSON-RPC server could not listen (the port is taken, the host is not this machine's, …). */
export class RpcListenError extends UltrasoundError {
  override name = "RpcListenError";
}

type Handler = (params: unknown[]) => Promise<unknown>;

/** Starts the L2 JSON-RPC endpoint for `chain`, taking transactions into `mempool`. */
export async function startL2Rpc(options: L2RpcOptions): Promise<L2RpcServer> {
  const { chain, mempool } = options;
  const limits = {
    gasCap: options.gasCap ?? TRANSACTION_GAS_CAP,
    timeoutMs: options.callTimeoutMs ?? 5_000,
    body: options.maxBodyBytes ?? 8 * 1024 * 1024,
    batch: options.maxBatchSize ?? 1000,
  };
  // A Map: a method name is never looked up on Object.prototype ("constructor", "toString").
  const handlers = new Map<string, Handler>([
    ["eth_chainId", async () => toQuantity(chain.genesis.chainId)],
    ["net_version", async () => chain.genesis.chainId.toString()],
    ["eth_blockNumber", async () => toQuantity(chainHead(chain).number)],
    [
      "eth_sendRawTransaction",
      async ([raw]) => {
        try {
          return await mempool.add(bytesParam(raw, "raw transaction"));
        } catch (error) {
          if (error instanceof TransactionRejectedError) throw new RpcError(-32000, error.reason);
          throw error;
        }
      },
    ],
    [
      "eth_getTransactionCount",
      async ([address, block]) => {
        const at = addressParam(address);
        const ref = blockParam(chain, block);
        // "pending" counts the sender's gapless run in the pool: the nonce its next one needs.
        if (ref.pending) return toQuantity(await mempool.nextNonce(at));
        return toQuantity((await getL2Account(chainAt(chain, ref.number), at)).nonce);
      },
    ],
    [
      "eth_getBalance",
      async ([address, block]) => {
        const at = addressParam(address);
        return toQuantity((await getL2Account(chainAt(chain, blockParam(chain, block).number), at)).balance);
      },
    ],
    [
      "eth_getCode",
      async ([address, block]) => {
        const at = addressParam(address);
        return (await getL2Account(chainAt(chain, blockParam(chain, block).number), at)).code;
      },
    ],
    [
      "eth_getStorageAt",
      async ([address, slot, block]) => {
        const at = addressParam(address);
        const key = quantityOrWord(slot);
        const value = await getL2Storage(chainAt(chain, blockParam(chain, block).number), at, key);
        return bytesToHex(setLengthLeft(value, 32));
      },
    ],
    [
      "eth_call",
      async ([call, block]) => {
        const request = callParam(call);
        return boundedCall(chain, blockParam(chain, block).number, request, limits);
      },
    ],
    ["eth_getTransactionReceipt", async ([hash]) => formatReceipt(chain, hashParam(hash, "transaction hash"))],
    [
      "eth_getTransactionByHash",
      async ([hash]) => {
        const key = hashParam(hash, "transaction hash");
        const included = includedTransaction(chain, key);
        if (included !== undefined) return included;
        const status = mempool.status(key);
        return status.status === "pending" || status.status === "queued" ? formatTransaction(status.tx) : null;
      },
    ],
    [
      "txpool_status",
      async () => {
        const { pending, queued } = mempool.counts();
        return { pending: toQuantity(pending), queued: toQuantity(queued) };
      },
    ],
    [
      "txpool_content",
      async () => {
        const content = mempool.content();
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
        const status = mempool.status(hashParam(hash, "transaction hash"));
        switch (status.status) {
          case "pending":
          case "queued":
          case "unknown":
            return { status: status.status };
          case "included":
            return { status: "included", blockNumber: toQuantity(status.blockNumber), transactionIndex: toQuantity(status.index) };
          case "dropped":
            return { status: "dropped", reason: status.reason };
        }
      },
    ],
  ]);

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
    if (request.method !== "POST") {
      send(response, 405, errorResponse(null, new RpcError(-32600, "invalid request: use POST with a JSON-RPC body")));
      return;
    }
    const declared = Number(request.headers["content-length"] ?? 0);
    if (declared > limits.body) {
      // Refused before reading: answer, then close the connection rather than read it all.
      response.setHeader("connection", "close");
      tooLarge(response, limits.body);
      request.resume();
      return;
    }
    const text = await readBody(request, limits.body);
    if (text === undefined) {
      tooLarge(response, limits.body);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      send(response, 200, errorResponse(null, new RpcError(-32700, "parse error: the body is not valid JSON")));
      return;
    }
    if (Array.isArray(body)) {
      if (body.length === 0) return send(response, 200, errorResponse(null, new RpcError(-32600, "invalid request: empty batch")));
      if (body.length > limits.batch) {
        return send(response, 200, errorResponse(null, new RpcError(-32600, `batch too large: ${body.length} requests, limit ${limits.batch}`)));
      }
      const answers = (await Promise.all(body.map((item) => handle(handlers, item)))).filter((a) => a !== undefined);
      // Only notifications: nothing to answer (JSON-RPC 2.0 forbids an empty array).
      if (answers.length === 0) return sendNothing(response);
      return send(response, 200, answers);
    }
    const answer = await handle(handlers, body);
    if (answer === undefined) return sendNothing(response);
    send(response, 200, answer);
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
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * One JSON-RPC request → its response object, or `undefined` for a notification (no `id`
 * member: the client wants no answer, even to an error).
 */
async function handle(handlers: Map<string, Handler>, request: unknown): Promise<object | undefined> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(null, new RpcError(-32600, "invalid request: expected an object { jsonrpc, id, method, params }"));
  }
  const r = request as { id?: unknown; method?: unknown; params?: unknown; jsonrpc?: unknown };
  const notification = !("id" in r);
  const id = notification ? null : r.id;
  if (id !== null && typeof id !== "string" && typeof id !== "number") {
    return errorResponse(null, new RpcError(-32600, "invalid request: id must be a string, a number or null"));
  }
  let answer: object;
  try {
    if (r.jsonrpc !== undefined && r.jsonrpc !== "2.0") throw new RpcError(-32600, `invalid request: jsonrpc must be "2.0", got ${excerpt(r.jsonrpc)}`);
    if (typeof r.method !== "string") throw new RpcError(-32600, "invalid request: method must be a string");
    const handler = handlers.get(r.method);
    if (handler === undefined) throw new RpcError(-32601, `the method ${excerpt(r.method)} does not exist/is not available`);
    const params = r.params === undefined || r.params === null ? [] : r.params;
    if (!Array.isArray(params)) throw new RpcError(-32602, "invalid params: params must be an array");
    answer = { jsonrpc: "2.0", id, result: await handler(params) };
  } catch (error) {
    answer = errorResponse(id, error instanceof RpcError ? error : internalError(error));
  }
  return notification ? undefined : answer;
}

function internalError(error: unknown): RpcError {
  // One line of the message, no stack: it is for the client to report, not to read code from.
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0]!.slice(0, 200);
  return new RpcError(-32603, `internal error: ${line}`);
}

function errorResponse(id: unknown, error: RpcError): object {
  return { jsonrpc: "2.0", id, error: { code: error.code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) } };
}

/** A storage slot: a hex quantity or word of at most 32 bytes. */
function quantityOrWord(value: unknown): Uint8Array {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    throw new RpcError(-32602, `invalid storage slot: expected a hex number of at most 32 bytes, got ${excerpt(value)}`);
  }
  return setLengthLeft(bigIntToBytes(BigInt(value)), 32);
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

function tooLarge(response: ServerResponse, limit: number): void {
  send(response, 413, errorResponse(null, new RpcError(-32600, `invalid request: body larger than ${limit} bytes`)));
}

/**
 * The body as text, or `undefined` if it is larger than `limit`: the rest is then read and
 * discarded, so the client gets its answer instead of a reset connection.
 */
function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    request.on("end", () => resolve(size > limit ? undefined : Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
