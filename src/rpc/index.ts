import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex } from "@ethereumjs/util";
import { getCreateAddress } from "ethers";
import { callL2, getL2Account, L2CallRevertedError } from "../engine/query.js";
import { chainHead, findTransaction, type L2Chain } from "../engine/state.js";
import type { Mempool } from "../proposer/mempool.js";
import { TransactionRejectedError } from "../proposer/mempool.js";

/**
 * A small L2 JSON-RPC endpoint: enough for scripts and the devnet smoke to submit transactions
 * and read results over HTTP with ordinary clients. (The full L2 node — every method wallets and
 * ethers' providers need, eth_getProof, persistence — is its own component.)
 *
 * Methods: eth_chainId, net_version, eth_blockNumber, eth_sendRawTransaction,
 * eth_getTransactionCount, eth_getBalance, eth_getCode, eth_call, eth_getTransactionReceipt.
 */
export interface L2RpcServer {
  url: string;
  close(): Promise<void>;
}

/** A JSON-RPC error with its standard code. */
class RpcError extends Error {
  constructor(readonly code: number, message: string, readonly data?: string) {
    super(message);
  }
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Starts the L2 JSON-RPC endpoint for `chain`, taking transactions into `mempool`. */
export async function startL2Rpc(options: { chain: L2Chain; mempool: Mempool; port?: number; host?: string }): Promise<L2RpcServer> {
  const { chain, mempool } = options;
  const handlers: Record<string, (params: unknown[]) => Promise<unknown>> = {
    eth_chainId: async () => toQuantity(chain.genesis.chainId),
    net_version: async () => chain.genesis.chainId.toString(),
    eth_blockNumber: async () => toQuantity(chainHead(chain).number),
    eth_sendRawTransaction: async ([raw]) => {
      try {
        return mempool.add(hexParam(raw, "raw transaction"));
      } catch (error) {
        if (error instanceof TransactionRejectedError) throw new RpcError(-32000, error.message);
        throw error;
      }
    },
    eth_getTransactionCount: async ([address]) => toQuantity(await mempool.nextNonce(addressParam(address))),
    eth_getBalance: async ([address]) => toQuantity((await getL2Account(chain, addressParam(address))).balance),
    eth_getCode: async ([address]) => (await getL2Account(chain, addressParam(address))).code,
    eth_call: async ([call]) => {
      const c = call as { from?: string; to?: string; data?: string; input?: string };
      if (typeof c !== "object" || c === null || typeof c.to !== "string") throw new RpcError(-32602, "eth_call needs an object with a 'to' address");
      try {
        return await callL2(chain, { from: c.from, to: addressParam(c.to), data: c.data ?? c.input ?? "0x" });
      } catch (error) {
        if (error instanceof L2CallRevertedError) throw new RpcError(3, `execution reverted: ${error.reason}`, error.data);
        throw error;
      }
    },
    eth_getTransactionReceipt: async ([hash]) => receiptOf(chain, hexParam(hash, "transaction hash").toLowerCase()),
  };

  const server: Server = createServer(async (request, response) => {
    response.setHeader("content-type", "application/json");
    if (request.method !== "POST") {
      response.statusCode = 405;
      response.end(JSON.stringify(errorResponse(null, new RpcError(-32600, "use POST with a JSON-RPC body"))));
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(request));
    } catch (error) {
      response.end(JSON.stringify(errorResponse(null, error instanceof RpcError ? error : new RpcError(-32700, "parse error: body is not JSON"))));
      return;
    }
    const answer = Array.isArray(body) ? await Promise.all(body.map((item) => handle(handlers, item))) : await handle(handlers, body);
    response.end(JSON.stringify(answer));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 8546, options.host ?? "127.0.0.1", resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function handle(handlers: Record<string, (params: unknown[]) => Promise<unknown>>, request: unknown): Promise<object> {
  const r = request as { id?: unknown; method?: unknown; params?: unknown };
  const id = typeof r === "object" && r !== null && "id" in r ? r.id : null;
  try {
    if (typeof r !== "object" || r === null || typeof r.method !== "string") throw new RpcError(-32600, "invalid request: expected { jsonrpc, id, method, params }");
    const handler = handlers[r.method];
    if (handler === undefined) throw new RpcError(-32601, `method not found: ${r.method}`);
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params)) throw new RpcError(-32602, "params must be an array");
    return { jsonrpc: "2.0", id, result: await handler(params) };
  } catch (error) {
    if (error instanceof RpcError) return errorResponse(id, error);
    return errorResponse(id, new RpcError(-32603, `internal error: ${(error as Error).message}`));
  }
}

function errorResponse(id: unknown, error: RpcError): object {
  return { jsonrpc: "2.0", id, error: { code: error.code, message: error.message, ...(error.data ? { data: error.data } : {}) } };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RpcError(-32600, `request body above ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function toQuantity(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function hexParam(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) throw new RpcError(-32602, `invalid ${what}: expected 0x-prefixed hex bytes, got ${JSON.stringify(value)}`);
  return value;
}

function addressParam(value: unknown): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) throw new RpcError(-32602, `invalid address: ${JSON.stringify(value)}`);
  return value;
}

function receiptOf(chain: L2Chain, hash: string): object | null {
  const found = findTransaction(chain, hash);
  if (found === undefined) return null;
  const { block, tx, receipt, index } = found;
  const from = tx.getSenderAddress().toString();
  // logIndex counts the block's logs, not the transaction's.
  const firstLogIndex = block.receipts.slice(0, index).reduce((n, r) => n + r.logs.length, 0);
  return {
    transactionHash: hash,
    transactionIndex: toQuantity(BigInt(index)),
    blockHash: bytesToHex(block.header.hash()),
    blockNumber: toQuantity(block.header.number),
    from,
    to: tx.to?.toString() ?? null,
    contractAddress: tx.to === undefined ? getCreateAddress({ from, nonce: tx.nonce }) : null,
    cumulativeGasUsed: toQuantity(receipt.cumulativeBlockGasUsed),
    gasUsed: toQuantity(found.gasUsed),
    effectiveGasPrice: toQuantity(effectiveGasPrice(tx, block.header.baseFeePerGas ?? 0n)),
    status: toQuantity(BigInt(found.status)),
    type: toQuantity(BigInt(tx.type)),
    logsBloom: bytesToHex(receipt.bitvector),
    logs: receipt.logs.map(([address, topics, data], logIndex) => ({
      address: bytesToHex(address),
      topics: topics.map((t) => bytesToHex(t)),
      data: bytesToHex(data),
      blockNumber: toQuantity(block.header.number),
      transactionHash: hash,
      transactionIndex: toQuantity(BigInt(index)),
      logIndex: toQuantity(BigInt(firstLogIndex + logIndex)),
      removed: false,
    })),
  };
}

function effectiveGasPrice(tx: { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint }, baseFee: bigint): bigint {
  if (tx.maxFeePerGas !== undefined && tx.maxPriorityFeePerGas !== undefined) {
    const tip = tx.maxFeePerGas - baseFee < tx.maxPriorityFeePerGas ? tx.maxFeePerGas - baseFee : tx.maxPriorityFeePerGas;
    return baseFee + tip;
  }
  return tx.gasPrice ?? 0n;
}

