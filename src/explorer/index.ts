/**
 * The explorer: a web page served beside the devnet that shows the L1 and its rollups live — L1
 * blocks, each rollup's L2 blocks with the L1 transaction that verified them (the `advance`,
 * EXECUTE's verdict, L1/L2/blob gas, the blobs on the archive's beacon API), transactions and
 * receipts with decoded logs, messages in both directions with their state, bundles, and search.
 *
 *   browser ──HTTP /api/*──▶ explorer ──JSON-RPC──▶ L1 (Hardhat node), L2 node(s)
 *           ◀──WS /ws (heads, verified blocks)── explorer ◀──eth_subscribe newHeads── L1, L2
 *
 * The page is plain static files (src/explorer/public: HTML, CSS, ES modules, no library, no
 * build step). The explorer reads the chains only through their JSON-RPCs, so it runs beside any
 * devnet or node it can reach.
 *
 * ```ts
 * const explorer = await startExplorer({ l1Url, l2Url, blobUrl, port: 8547 });
 * console.log(explorer.url);   // http://127.0.0.1:8547
 * await explorer.close();
 * ```
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { UltrasoundError } from "../shared/errors.js";
import { createL1Index } from "./l1-index.js";
import { followHeads, type HeadEvent, type HeadFeed } from "./live.js";
import { discoverRollups, rpcClient, type ExplorerRollup } from "./rpc.js";
import { handleApi, serveStatic, toJson } from "./server.js";
import { advanceRow } from "./views.js";
import type { ExplorerContext } from "./context.js";

export { discoverRollups, type ExplorerRollup } from "./rpc.js";

/** The explorer's default port (the L1 is 8545, the L2 8546). */
export const DEFAULT_EXPLORER_PORT = 8547;

/** Options of {@link startExplorer}. */
export interface ExplorerOptions {
  /** The L1 JSON-RPC (its WebSocket is the same URL with ws:). */
  l1Url: string;
  /** The L2 JSON-RPC: a node's, or a multi-rollup node's root (its `GET /rollups` lists the rollups). */
  l2Url: string;
  /** The blob archive's beacon API, for links to blobs. */
  blobUrl?: string;
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Default 0: a free port (see `url`). */
  port?: number;
}

/** A running explorer. */
export interface Explorer {
  /** The page, e.g. `http://127.0.0.1:8547`. */
  url: string;
  /** Stops following the chains, closes the browsers' sockets and the server. */
  close(): Promise<void>;
}

/** The explorer could not start (its port is taken, or the L2 it should show does not answer). */
export class ExplorerStartError extends UltrasoundError {
  override name = "ExplorerStartError";
}

/** Most rollups whose L2 heads are followed live (every rollup's verified blocks come from L1 anyway). */
export const LIVE_ROLLUPS = 32;

/** Starts the explorer's server and its live feeds. Throws `ExplorerStartError` when it cannot listen or find the rollups. */
export async function startExplorer(options: ExplorerOptions): Promise<Explorer> {
  const host = options.host ?? "127.0.0.1";
  const l1 = rpcClient(options.l1Url);
  let rollups: ExplorerRollup[] = await discoverRollups(options.l2Url).catch((error: Error) => {
    throw new ExplorerStartError("The explorer found no rollup at the L2 URL", { l2Url: options.l2Url, reason: error.message.split("\n")[0] });
  });
  const index = createL1Index(l1);
  const ctx: ExplorerContext = { l1, blobUrl: options.blobUrl, index, rollups: () => rollups };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://explorer");
    if (url.pathname.startsWith("/api/")) void handleApi(ctx, req, res, url);
    else serveStatic(req, res, url.pathname);
  });
  const sockets = new WebSocketServer({ server, path: "/ws", maxPayload: 4096 });
  // ws re-emits the HTTP server's errors (a port taken): the listen below reports them; without a
  // listener here the re-emitted one would crash the process.
  sockets.on("error", () => {});
  const broadcast = (event: Record<string, unknown>) => {
    const text = toJson(event);
    for (const client of sockets.clients as Set<WebSocket>) if (client.readyState === client.OPEN) client.send(text);
  };

  // L1 heads: the index reads the new rollup events, each newly verified L2 block is announced.
  const seen = new Set<string>();
  let createdCount = 0;
  const onL1Head = async (head: HeadEvent) => {
    try {
      await index.refresh();
    } catch {
      return; // L1 away: the next head tries again
    }
    if (index.created.length !== createdCount) {
      createdCount = index.created.length;
      rollups = await discoverRollups(options.l2Url).catch(() => rollups);
      follow();
    }
    const block = await l1.call<{ transactions: string[]; blobGasUsed?: string } | null>("eth_getBlockByNumber", ["0x" + head.number.toString(16), false]).catch(() => null);
    broadcast({ type: "l1", number: head.number, hash: head.hash, timestamp: head.timestamp, gasUsed: head.gasUsed, transactions: block?.transactions.length ?? null, blobGasUsed: block?.blobGasUsed === undefined ? null : BigInt(block.blobGasUsed) });
    for (const a of index.advances) {
      const key = `${a.l1.txHash}:${a.l1.logIndex}`;
      if (seen.has(key)) continue;
      seen.add(key);
      broadcast({ type: "verified", ...advanceRow(ctx, a) });
    }
  };
  const feeds = new Map<string, HeadFeed>();
  const follow = () => {
    for (const r of rollups.slice(0, LIVE_ROLLUPS)) {
      if (feeds.has(r.url)) continue;
      feeds.set(r.url, followHeads(r.l2, r.chainId, (head) => broadcast({ type: "l2", chainId: head.chainId, number: head.number, hash: head.hash, timestamp: head.timestamp, gasUsed: head.gasUsed })));
    }
  };
  // What is verified already is history, not news.
  await index.refresh().catch(() => undefined);
  for (const a of index.advances) seen.add(`${a.l1.txHash}:${a.l1.logIndex}`);
  createdCount = index.created.length;
  feeds.set(l1.url, followHeads(l1, null, (head) => void onL1Head(head)));
  follow();

  const closeFeeds = () => {
    for (const feed of feeds.values()) feed.close();
    feeds.clear();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => resolve());
    });
  } catch (error) {
    closeFeeds();
    sockets.close();
    throw new ExplorerStartError("The explorer's port is taken: the explorer did not start", { host, port: options.port ?? 0, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    async close() {
      closeFeeds();
      for (const client of sockets.clients) client.terminate();
      await new Promise<void>((resolve) => sockets.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
