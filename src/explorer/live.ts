/**
 * Live heads: `eth_subscribe("newHeads")` over WebSocket on the L1 and on every rollup's L2, each
 * head handed to `onHead` as it comes. A socket that closes is opened again (after 1 s); a node
 * that refuses subscriptions is polled (`eth_blockNumber`, every 500 ms) instead.
 */
import WebSocket from "ws";
import type { RpcClient } from "./rpc.js";

/** A new head of one chain: `chainId` null for L1. */
export interface HeadEvent {
  chainId: bigint | null;
  number: bigint;
  hash: string;
  timestamp: bigint;
  gasUsed: bigint;
}

/** A running subscription. */
export interface HeadFeed {
  close(): void;
}

/** Follows the heads of the chain at `client.url` (its WebSocket is the same URL with ws:). */
export function followHeads(client: RpcClient, chainId: bigint | null, onHead: (head: HeadEvent) => void): HeadFeed {
  let closed = false;
  let socket: WebSocket | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = -1n;
  const emit = (raw: { number: string; hash: string; timestamp: string; gasUsed: string }) => {
    const number = BigInt(raw.number);
    if (number === last && last >= 0n) return;
    last = number;
    onHead({ chainId, number, hash: raw.hash, timestamp: BigInt(raw.timestamp), gasUsed: BigInt(raw.gasUsed) });
  };

  const poll = async () => {
    if (closed) return;
    try {
      const number = BigInt(await client.call<string>("eth_blockNumber"));
      if (number !== last) {
        const block = await client.call<{ number: string; hash: string; timestamp: string; gasUsed: string } | null>("eth_getBlockByNumber", ["0x" + number.toString(16), false]);
        if (block !== null) emit(block);
      }
    } catch {
      // the node is away for now: the next poll tries again
    }
    if (!closed) timer = setTimeout(() => void poll(), 500);
  };

  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(client.url.replace(/^http/, "ws"));
    socket = ws;
    let subscribed = false;
    ws.on("open", () => ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] })));
    ws.on("message", (data) => {
      let message: { id?: number; result?: unknown; error?: unknown; method?: string; params?: { result: { number: string; hash: string; timestamp: string; gasUsed: string } } };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.id === 1) {
        if (message.error !== undefined) {
          // No subscriptions here: poll instead, for good.
          ws.removeAllListeners("close");
          ws.close();
          void poll();
        } else subscribed = true;
        return;
      }
      if (message.method === "eth_subscription" && message.params !== undefined) emit(message.params.result);
    });
    ws.on("error", () => {});
    ws.on("close", () => {
      if (closed) return;
      timer = setTimeout(connect, subscribed ? 200 : 1_000);
    });
  };
  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.removeAllListeners("close");
      socket?.terminate();
    },
  };
}
