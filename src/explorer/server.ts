/**
 * The explorer's HTTP side: the page's static files, as they are on disk (no build), and the
 * JSON API the page reads:
 *
 *   GET /api/overview                       L1 head and latest blocks, every rollup's heads, latest verified L2 blocks
 *   GET /api/l1/block/{number|hash}         an L1 block, its transactions and the L2 blocks it verified
 *   GET /api/l1/tx/{hash}                   an L1 transaction, decoded; its blobs; why it reverted
 *   GET /api/l2/{chainId}/block/{n|hash}    an L2 block and its L1 verification (advance, EXECUTE, gas, blobs)
 *   GET /api/l2/{chainId}/tx/{hash}         an L2 transaction, receipt, decoded logs, its block's verification
 *   GET /api/address/{address}              balance, nonce and code on L1 and every rollup
 *   GET /api/messages/{chainId}             a rollup's messages, both ways, with their state
 *   GET /api/message/{hash}                 one message, wherever it is
 *   GET /api/bundles                        L1 transactions that verified several rollups at once
 *   GET /api/search?q=…                     what a number, an address or a hash is
 *
 * Errors are JSON `{ error, details }`: 400 for a malformed parameter, 404 for what is not there,
 * 502 when a node did not answer; nothing a request holds can stop the server.
 */
import { readFileSync, readdirSync } from "node:fs";
import type http from "node:http";
import { fileURLToPath } from "node:url";
import { addressParam, BadRequestError, hashParam, NotFoundError, type ExplorerContext } from "./context.js";
import { bundlesView, messagesView, messageView } from "./messages.js";
import { ExplorerRpcError } from "./rpc.js";
import { search } from "./search.js";
import { addressView, l1BlockView, l1TxView, l2BlockView, l2TxView, overviewView } from "./views.js";
import { UltrasoundError } from "../shared/errors.js";

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));
const TYPES: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };
/** The files the page is made of, read once: only these are served (no path walks out of the folder). */
const FILES = new Map(readdirSync(PUBLIC_DIR).filter((name) => /^[\w.-]+$/.test(name)).map((name) => [`/${name}`, name]));
FILES.set("/", "index.html");

/** Longest hex string written as it is; longer ones (a witness, a blob) become their start and size. */
const MAX_HEX_CHARS = 1_026;

/** JSON with bigints as decimal strings and long hex cut to its start and byte count. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string" && v.length > MAX_HEX_CHARS && v.startsWith("0x")) return `${v.slice(0, 66)}…(${(v.length - 2) / 2} bytes)`;
    return v;
  });
}

/** Serves one of the page's files (read at each request: edits show on reload). */
export function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
  const name = FILES.get(path);
  if ((req.method !== "GET" && req.method !== "HEAD") || name === undefined) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}\n`);
    return;
  }
  let body: Buffer;
  try {
    body = readFileSync(PUBLIC_DIR + name);
  } catch {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}\n`);
    return;
  }
  res.writeHead(200, { "content-type": TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream", "cache-control": "no-cache" });
  res.end(req.method === "HEAD" ? undefined : body);
}

const chainIdParam = (text: string): bigint => {
  if (!/^\d{1,20}$/.test(text)) throw new BadRequestError("A chain id is a decimal number", { got: text });
  return BigInt(text);
};

/** Answers one `/api/…` request with JSON. */
export async function handleApi(ctx: ExplorerContext, req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
  let status = 200;
  let body: unknown;
  try {
    if (req.method !== "GET") throw new BadRequestError("The explorer's API is read-only: GET only", { method: req.method });
    body = await route(ctx, url);
  } catch (error) {
    status = error instanceof BadRequestError ? 400 : error instanceof NotFoundError ? 404 : error instanceof ExplorerRpcError ? 502 : 500;
    const e = error as Error;
    body = { error: e.message.split("\n")[0], details: error instanceof UltrasoundError ? error.details : {} };
  }
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
  res.end(toJson(body));
}

async function route(ctx: ExplorerContext, url: URL): Promise<unknown> {
  const parts = url.pathname.split("/").filter((p) => p !== "").slice(1).map(decodeURIComponent);
  const [what, a, b, c] = parts;
  if (what === "overview" && parts.length === 1) return overviewView(ctx);
  if (what === "l1" && a === "block" && b !== undefined && parts.length === 3) return l1BlockView(ctx, b);
  if (what === "l1" && a === "tx" && b !== undefined && parts.length === 3) return l1TxView(ctx, hashParam(b));
  if (what === "l2" && a !== undefined && b === "block" && c !== undefined && parts.length === 4) return l2BlockView(ctx, chainIdParam(a), c);
  if (what === "l2" && a !== undefined && b === "tx" && c !== undefined && parts.length === 4) return l2TxView(ctx, chainIdParam(a), hashParam(c));
  if (what === "address" && a !== undefined && parts.length === 2) return addressView(ctx, addressParam(a));
  if (what === "messages" && a !== undefined && parts.length === 2) return messagesView(ctx, chainIdParam(a));
  if (what === "message" && a !== undefined && parts.length === 2) return messageView(ctx, hashParam(a));
  if (what === "bundles" && parts.length === 1) return bundlesView(ctx);
  if (what === "search" && parts.length === 1) return { q: url.searchParams.get("q") ?? "", hits: await search(ctx, url.searchParams.get("q") ?? "") };
  throw new NotFoundError("No such API path", { path: url.pathname });
}
