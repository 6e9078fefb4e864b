/**
 * The node's view of L1: raw JSON-RPC calls over ethers v6's JsonRpcProvider (or any EIP-1193
 * provider, such as an in-process Hardhat network). Only `send`-style raw calls are made: ethers'
 * higher-level reads cache blocks and returned stale heads after `evm_mine` (PITFALLS).
 */
import { JsonRpcProvider, Network } from "ethers";
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
 * Connects to an L1 JSON-RPC URL, or wraps an EIP-1193 provider. A URL is probed once with a
 * plain request first, so an unreachable L1 is one clear error instead of ethers' endless
 * "failed to detect network" retries.
 */
export async function connectL1(source: string | Eip1193Provider): Promise<L1Client> {
  if (typeof source !== "string") {
    return {
      description: "an in-process provider",
      send: (method, params) => source.request({ method, params }) as never,
      close() {},
    };
  }
  let chainId: bigint;
  try {
    const response = await fetch(source, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as { result?: string };
    chainId = BigInt(body.result ?? "");
  } catch (error) {
    throw new NodeConfigError("Cannot reach the L1 JSON-RPC", { l1: source, reason: (error as Error).message }, { cause: error });
  }
  // One request per call (no 10 ms batching stall), no response cache.
  const provider = new JsonRpcProvider(source, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
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
