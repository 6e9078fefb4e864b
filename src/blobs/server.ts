/**
 * HTTP server for the blob archive in the shape of the beacon node API, so anything that reads
 * blobs from a beacon node (our `createBlobReader`, rollup nodes, explorers) reads them from the
 * devnet the same way:
 *
 *   GET /eth/v1/beacon/blob_sidecars/{block_id}[?indices=0,1]
 *       → { execution_optimistic, finalized, data: [{ index, blob, kzg_commitment, kzg_proof }] }
 *   GET /eth/v1/beacon/blobs/{block_id}[?versioned_hashes=0x…,0x…]
 *       → { execution_optimistic, finalized, data: ["0x<blob>", …] }
 *
 * `block_id`: `head`, `genesis`, a decimal slot (= L1 block number in the devnet) or a 0x block
 * root (= the L1 block hash in the devnet). Errors use the beacon shape `{ code, message }`.
 * `signed_block_header` and `kzg_commitment_inclusion_proof` are left out: the devnet has no beacon
 * block to sign or prove against, and made-up values would be worse than absent ones.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { parseBlockId, type ArchivedBlob, type BlobArchive, type ParsedBlockId } from "./archive.js";
import { InvalidBlockIdError } from "./errors.js";
import { bytesToHex } from "../shared/bytes.js";

/** Default port: the beacon API's usual 5052. */
export const DEFAULT_BLOB_SERVER_PORT = 5052;

/** The slice of an EIP-1193 provider the server uses to ask L1 which blocks exist. */
export interface L1BlockSource {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** Options of `startBlobArchiveServer`. */
export interface BlobArchiveServerOptions {
  archive: BlobArchive;
  /** Default 5052; 0 picks a free port (see the returned `url`). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * L1 node used to resolve `block_id`s. With it, `head` is L1's latest block, a number resolves to
   * the canonical block at that height (reorged-out blocks are not served), and a block that exists
   * but has no blobs answers `data: []`. Without it, only blocks in the archive are known (`head` is
   * the newest archived block) and any other block is a 404.
   */
  l1?: L1BlockSource;
}

/** A running server. */
export interface BlobArchiveServer {
  /** Base URL, e.g. `http://127.0.0.1:5052`. */
  url: string;
  /** Stops listening and drops open connections; resolves when the server is closed. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_QUERY_VALUES = 4096; // more than any block can hold; bounds the work a query can ask for

/** Starts the beacon-shaped blob server. Resolves once it listens. */
export async function startBlobArchiveServer(options: BlobArchiveServerOptions): Promise<BlobArchiveServer> {
  const { archive, l1 } = options;
  const host = options.host ?? "127.0.0.1";

  const server = http.createServer((req, res) => {
    // CORS: a browser dApp may read blobs (read-only data, no credentials). Preflight answered here.
    res.setHeader("access-control-allow-origin", "*");
    if (req.method === "OPTIONS") {
      res.writeHead(204, {
        "access-control-allow-methods": "GET, HEAD, OPTIONS",
        "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type",
        "access-control-max-age": "86400",
      });
      res.end();
      return;
    }
    handle(req)
      .then((body) => send(res, 200, body))
      .catch((e) => {
        // Anything unexpected is a 500 for this request only; the server keeps serving.
        const code = e instanceof HttpError ? e.code : 500;
        const message = e instanceof HttpError ? e.message : `Internal error: ${(e as Error)?.message ?? e}`;
        send(res, code, { code, message });
      });
  });

  async function handle(req: http.IncomingMessage): Promise<unknown> {
    if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, `Method not allowed: ${req.method}`);
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const query = new URLSearchParams(q === -1 ? "" : rawUrl.slice(q + 1));
    const m = /^\/eth\/v1\/beacon\/(blob_sidecars|blobs)\/([^/]+)\/?$/.exec(pathname);
    if (!m) throw new HttpError(404, `Route not found: ${truncate(pathname)}`);
    const sidecars = await sidecarsOf(m[2]);
    if (m[1] === "blob_sidecars") {
      const indices = listParam(query, "indices").map((v) => {
        if (!/^(0|[1-9][0-9]{0,5})$/.test(v)) throw new HttpError(400, `Invalid index: ${truncate(v)}`);
        return Number(v);
      });
      const picked = indices.length === 0 ? sidecars : sidecars.filter((s) => indices.includes(s.index));
      return envelope(
        picked.map((s) => ({
          index: String(s.index),
          blob: bytesToHex(s.blob),
          kzg_commitment: bytesToHex(s.commitment),
          kzg_proof: bytesToHex(s.proof),
        })),
      );
    }
    const wanted = listParam(query, "versioned_hashes").map((v) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(v)) throw new HttpError(400, `Invalid versioned hash: ${truncate(v)}`);
      return v.toLowerCase();
    });
    const picked = wanted.length === 0 ? sidecars : sidecars.filter((s) => wanted.includes(s.versionedHash));
    return envelope(picked.map((s) => bytesToHex(s.blob)));
  }

  async function sidecarsOf(rawBlockId: string): Promise<ArchivedBlob[]> {
    let id: ParsedBlockId;
    try {
      id = parseBlockId(rawBlockId);
    } catch (e) {
      if (e instanceof InvalidBlockIdError) throw new HttpError(400, e.message);
      throw e;
    }
    if (!l1) {
      const block = archive.getByBlock(id.kind === "head" ? "head" : id.kind === "number" ? id.number : id.hash);
      if (!block) throw new HttpError(404, `Block not found: ${truncate(rawBlockId)}`);
      return block.sidecars;
    }
    const block = (await (id.kind === "hash"
      ? l1.request({ method: "eth_getBlockByHash", params: [id.hash, false] })
      : l1.request({
          method: "eth_getBlockByNumber",
          params: [id.kind === "head" ? "latest" : "0x" + id.number.toString(16), false],
        }))) as { hash: string } | null;
    if (!block) throw new HttpError(404, `Block not found: ${truncate(rawBlockId)}`);
    return archive.getByBlock(block.hash)?.sidecars ?? [];
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_BLOB_SERVER_PORT, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // Keep-alive connections would hold close() open until they time out.
        server.closeAllConnections();
      }),
  };
}

function envelope(data: unknown): unknown {
  // The devnet L1 has no finality and no optimistic sync; both flags are honestly false.
  return { execution_optimistic: false, finalized: false, data };
}

/** Beacon list parameters come as repeated keys or comma-separated values; accept both. */
function listParam(query: URLSearchParams, name: string): string[] {
  const values = query.getAll(name).flatMap((v) => v.split(","));
  if (values.length > MAX_QUERY_VALUES) throw new HttpError(400, `Too many ${name}: ${values.length}`);
  return values.map((v) => v.trim()).filter((v) => v !== "");
}

function truncate(s: string): string {
  return s.length > 80 ? s.slice(0, 80) + "…" : s;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(res.req.method === "HEAD" ? undefined : json);
}
