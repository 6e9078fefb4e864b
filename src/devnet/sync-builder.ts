/**
 * The devnet's sync builder in front of its L1 (docs/sync.md, "The user path"): an L1 JSON-RPC
 * URL, HTTP and WebSocket, that answers as the L1 does, except that a user's signed transaction
 * whose L1 calls reach the rollup's L2Proxy lands with its sync L2 call answered
 * (src/sync-builder). Wallets point at it as at any L1 URL.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { connect } from "node:net";
import type { JsonRpcProvider } from "ethers";
import { createSyncBuilder, type BuilderRollup, type SyncBuilder } from "../sync-builder/index.js";
import { UltrasoundError } from "../shared/errors.js";
import { urlHost } from "./l1-server.js";

/** Options of {@link startSyncFront}. */
export interface SyncFrontOptions {
  /** The devnet's L1 (what the front forwards to). */
  l1: JsonRpcProvider;
  /** Its URL (WebSocket upgrades are passed through to it). */
  l1Url: string;
  rollups: BuilderRollup[];
  host: string;
  /** 0: a free port. */
  port: number;
  /** Runs a landing with the proposer paused: both build on the proposer's chain. */
  exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** The L1 slot time in seconds: interval mining is paused during a landing (one block for both transactions). */
  blockTimeSeconds: number;
  log: (line: string) => void;
}

/** A running sync front. */
export interface SyncFront {
  url: string;
  builder: SyncBuilder;
  close(): Promise<void>;
}

interface RpcRequest {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

/** Starts the front on `host:port`; resolves once it listens. */
export async function startSyncFront(options: SyncFrontOptions): Promise<SyncFront> {
  const builder = createSyncBuilder({ provider: options.l1, rollups: options.rollups, log: options.log });
  const landing = async <T>(work: () => Promise<T>): Promise<T> =>
    options.exclusive(async () => {
      if (options.blockTimeSeconds > 0) await options.l1.send("evm_setIntervalMining", [0]);
      try {
        return await work();
      } finally {
        if (options.blockTimeSeconds > 0) await options.l1.send("evm_setIntervalMining", [options.blockTimeSeconds * 1000]);
      }
    });

  async function answer(request: RpcRequest): Promise<Record<string, unknown>> {
    const base = { jsonrpc: "2.0", id: request.id ?? null };
    try {
      const params = request.params ?? [];
      const result =
        request.method === "eth_sendRawTransaction" || request.method === "eth_estimateGas"
          ? await landing(() => builder.request({ method: request.method, params }))
          : await builder.request({ method: request.method, params });
      return { ...base, result };
    } catch (error) {
      return { ...base, error: rpcError(error) };
    }
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return send(res, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error: the body is not JSON" } });
        }
        const out = Array.isArray(body) ? await Promise.all(body.map((r) => answer(r as RpcRequest))) : await answer(body as RpcRequest);
        send(res, out);
      })();
    });
  });
  // WebSocket clients (subscriptions) get the L1 itself: the raw upgrade is piped through.
  const target = new URL(options.l1Url);
  server.on("upgrade", (req: IncomingMessage, socket, head: Buffer) => {
    const upstream = connect(Number(target.port), target.hostname, () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`, ...Object.entries(req.headers).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : v}`)];
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    builder,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** The L1's own JSON-RPC error when there is one (code, message, revert data), else -32000 with the message. */
function rpcError(error: unknown): { code: number; message: string; data?: unknown } {
  const inner = findRpcError(error);
  if (inner !== undefined) return inner;
  const message = error instanceof UltrasoundError || error instanceof Error ? error.message : String(error);
  return { code: -32000, message };
}

function findRpcError(error: unknown, depth = 0): { code: number; message: string; data?: unknown } | undefined {
  if (error === null || typeof error !== "object" || depth > 6) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.code === "number" && typeof e.message === "string") return { code: e.code, message: e.message, ...(e.data === undefined ? {} : { data: e.data }) };
  for (const key of ["error", "info", "cause"]) {
    const found = findRpcError(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
