/**
 * The node's view of L1: raw JSON-RPC calls over ethers v6's JsonRpcProvider (or any EIP-1193
 * provider, such as an in-process Hardhat network). Only `send`-style raw calls are made: ethers'
 * higher-level reads cache blocks and returned stale heads after `evm_mine` (PITFALLS).
 */
import { Network } from "ethers";
import { nativeJsonRpcProvider } from "../shared/json-rpc.js";
import { NodeConfigError } from "./errors.js";

/** What the node needs of an L1 provider: EIP-1193's `request`. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** An L1 connection. */
export interface L1Client {
  /** A raw JSON-RPC call. */
  send<T = unknown>(method: string, params: unknown[]): Promise<T>;
  /** What the node follows, for its log lines: the URL, or "an in-process provider". */
  readonly description: string;
  close(): void;
}

/** A raw L1 log, as `eth_getLogs` returns it. */
export interface RawLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  blockHash: string;
  transactionHash: string;
  logIndex: string;
  removed?: boolean;
}

/**
 * How long a node keeps trying to reach its L1 at start: an L1 that stalls, resets connections
 * or is still starting is transient (issue 22: a reset right after start killed the node); one
 * that stays unreachable this long is a configuration error.
 */
export const L1_REACH_WITHIN_MS = 20_000;

/** How long one L1 request may take before it counts as failed (and is retried). */
export const L1_REQUEST_TIMEOUT_MS = 15_000;

/**
 * Connects to an L1 JSON-RPC URL, or wraps an EIP-1193 provider. A URL is probed with a plain
 * request first — retried with back-off for `reachWithinMs` (default {@link L1_REACH_WITHIN_MS})
 * while it fails — so an unreachable L1 is one clear error instead of ethers' endless "failed to
 * detect network" retries, and a transient one only a delay.
 */
export async function connectL1(source: string | Eip1193Provider, options: { reachWithinMs?: number } = {}): Promise<L1Client> {
  if (typeof source !== "string") {
    return {
      description: "an in-process provider",
      send: (method, params) => source.request({ method, params }) as never,
      close() {},
    };
  }
  const chainId = await probeChainId(source, options.reachWithinMs ?? L1_REACH_WITHIN_MS);
  // One request per call (no 10 ms batching stall), no response cache.
  // A request an L1 never answers (a stalled connection) times out and is retried like any other
  // L1 failure, instead of holding the node for ethers' default five minutes.
  // Node's fetch rather than ethers' transport: no character loop over large bodies on this thread (shared/json-rpc.ts).
  const provider = nativeJsonRpcProvider(source, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1, timeoutMs: L1_REQUEST_TIMEOUT_MS });
  return {
    description: source,
    send: (method, params) => provider.send(method, params),
    close: () => provider.destroy(),
  };
}

/** The L1 head's number. */
export async function l1BlockNumber(l1: L1Client): Promise<bigint> {
  return BigInt(await l1.send<string>("eth_blockNumber", []));
}

/** The hash of the canonical L1 block at `number`, or undefined when L1 has no such block (yet, or after a revert). */
export async function l1BlockHash(l1: L1Client, number: bigint): Promise<string | undefined> {
  const block = await l1.send<{ hash: string } | null>("eth_getBlockByNumber", [toQuantity(number), false]);
  return block?.hash.toLowerCase();
}

/** `0x`-hex quantity of a number, as JSON-RPC wants it. */
export function toQuantity(n: bigint | number): string {
  return "0x" + BigInt(n).toString(16);
}

/** The L1's chain id by a plain `eth_chainId`, retried with back-off until `withinMs` has passed. */
async function probeChainId(url: string, withinMs: number): Promise<bigint> {
  const deadline = Date.now() + withinMs;
  let pauseMs = 100;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
        signal: AbortSignal.timeout(Math.max(1_000, Math.min(10_000, deadline - Date.now()))),
      });
      const body = (await response.json()) as { result?: string };
      return BigInt(body.result ?? "");
    } catch (error) {
      if (Date.now() + pauseMs > deadline) {
        const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new NodeConfigError("Cannot reach the L1 JSON-RPC", { l1: url, reason, attempts, withinMs }, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      pauseMs = Math.min(pauseMs * 2, 2_000);
    }
  }
}
