/**
 * The explorer's view of the chains: plain JSON-RPC over HTTP to the L1 and to each rollup's L2
 * (nothing in process), and how it finds the rollups — `GET /rollups` on a multi-rollup node,
 * `rollup_status` on a single one — so the explorer works beside any devnet or node it can reach.
 */
import { UltrasoundError } from "../shared/errors.js";

/** A JSON-RPC call failed: the node answered an error, or did not answer. */
export class ExplorerRpcError extends UltrasoundError {
  override name = "ExplorerRpcError";
}

/** One JSON-RPC endpoint. */
export interface RpcClient {
  readonly url: string;
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

/** A JSON-RPC client over HTTP with a per-call deadline (default 10 s). */
export function rpcClient(url: string, timeoutMs = 10_000): RpcClient {
  let id = 0;
  return {
    url,
    async call<T>(method: string, params: unknown[] = []): Promise<T> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new ExplorerRpcError("The node did not answer", { url, method, reason: (error as Error).message });
      }
      const body = (await response.json().catch(() => undefined)) as { result?: T; error?: { code: number; message: string; data?: unknown } } | undefined;
      if (body === undefined) throw new ExplorerRpcError("The node answered no JSON", { url, method, status: response.status });
      if (body.error !== undefined) throw new ExplorerRpcError(body.error.message, { url, method, code: body.error.code, ...(body.error.data === undefined ? {} : { data: body.error.data }) });
      return body.result as T;
    },
  };
}

/** A rollup the explorer shows. */
export interface ExplorerRollup {
  chainId: bigint;
  /** Its NativeRollup on L1 (lowercase). */
  address: string;
  /** Its L2 JSON-RPC (HTTP); the WebSocket is the same URL with ws:. */
  url: string;
  l2: RpcClient;
}

/**
 * The rollups served at `l2Url`: every one a multi-rollup node lists at `GET /rollups`, or the
 * single node's own (`rollup_status`). Throws `ExplorerRpcError` when neither answers.
 */
export async function discoverRollups(l2Url: string): Promise<ExplorerRollup[]> {
  const base = l2Url.replace(/\/$/, "");
  const listed = await fetch(`${base}/rollups`, { signal: AbortSignal.timeout(5_000) })
    .then(async (r) => (r.ok ? ((await r.json()) as { rollups?: { chainId: string; address: string; url: string }[] }) : undefined))
    .catch(() => undefined);
  if (listed?.rollups !== undefined && listed.rollups.length > 0) {
    return listed.rollups.map((r) => ({ chainId: BigInt(r.chainId), address: r.address.toLowerCase(), url: r.url, l2: rpcClient(r.url) }));
  }
  const l2 = rpcClient(base);
  const status = await l2.call<{ rollup: string; l2: { chainId: string } }>("rollup_status");
  return [{ chainId: BigInt(status.l2.chainId), address: status.rollup.toLowerCase(), url: base, l2 }];
}

/** `0x`-quantity of a number. */
export function quantity(n: bigint | number): string {
  return "0x" + BigInt(n).toString(16);
}
