import { bytesToHex } from "@ethereumjs/util";
import type { L2Chain } from "../engine/state.js";
import { excerpt, RpcError } from "./errors.js";

/** What a block parameter resolved to: a canonical block number, and whether it said "pending". */
export interface BlockRef {
  number: bigint;
  pending: boolean;
}

const QUANTITY = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;

/**
 * Resolves a block parameter as geth does: `latest`, `pending`, `safe`, `finalized` (every L2
 * block is verified on L1 when it is appended here, so all four are the head), `earliest`, a
 * hex number, or an EIP-1898 object `{ blockNumber }` / `{ blockHash, requireCanonical? }`.
 * Omitted means `latest`. Malformed → -32602; a number above the head → -32000 "header not
 * found"; an unknown hash → -32000 "header for hash not found".
 */
export function blockParam(chain: L2Chain, value: unknown): BlockRef {
  const head = BigInt(chain.headers.length - 1);
  if (value === undefined || value === null) return { number: head, pending: false };
  if (typeof value === "string") return blockTagOrNumber(value, head, "block");
  if (typeof value === "object" && !Array.isArray(value)) {
    const { blockNumber, blockHash, requireCanonical, ...rest } = value as Record<string, unknown>;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) throw new RpcError(-32602, `invalid block parameter: unknown field ${excerpt(unknownKeys[0])}`);
    if (blockNumber !== undefined && blockHash !== undefined) {
      throw new RpcError(-32602, "invalid block parameter: give blockNumber or blockHash, not both");
    }
    if (blockNumber !== undefined) {
      if (typeof blockNumber !== "string") throw new RpcError(-32602, `invalid blockNumber: expected a hex number or tag, got ${excerpt(blockNumber)}`);
      return blockTagOrNumber(blockNumber, head, "blockNumber");
    }
    if (blockHash !== undefined) {
      if (typeof blockHash !== "string" || !HASH.test(blockHash)) throw new RpcError(-32602, `invalid blockHash: expected 32 bytes of hex, got ${excerpt(blockHash)}`);
      if (requireCanonical !== undefined && typeof requireCanonical !== "boolean") {
        throw new RpcError(-32602, `invalid requireCanonical: expected a boolean, got ${excerpt(requireCanonical)}`);
      }
      // The chain keeps canonical blocks only: a known hash is canonical.
      const number = numberOfHash(chain, blockHash.toLowerCase());
      if (number === undefined) throw new RpcError(-32000, "header for hash not found");
      return { number, pending: false };
    }
    throw new RpcError(-32602, "invalid block parameter: expected blockNumber or blockHash");
  }
  throw new RpcError(-32602, `invalid block parameter: expected a hex number, a tag or an object, got ${excerpt(value)}`);
}

function blockTagOrNumber(value: string, head: bigint, what: string): BlockRef {
  switch (value) {
    case "latest":
    case "safe":
    case "finalized":
      return { number: head, pending: false };
    case "pending":
      return { number: head, pending: true };
    case "earliest":
      return { number: 0n, pending: false };
  }
  if (!QUANTITY.test(value)) {
    throw new RpcError(
      -32602,
      `invalid ${what}: expected latest, pending, safe, finalized, earliest or a hex number without leading zeros, got ${excerpt(value)}`,
    );
  }
  const number = BigInt(value);
  if (number > head) throw new RpcError(-32000, "header not found");
  return { number, pending: false };
}

// Block hash → number, rebuilt only when the chain changed length (blocks are appended or rewound).
const hashIndexes = new WeakMap<L2Chain, { length: number; tip: string; byHash: Map<string, bigint> }>();

function numberOfHash(chain: L2Chain, hash: string): bigint | undefined {
  const tip = bytesToHex(chain.headers[chain.headers.length - 1]!.hash());
  let index = hashIndexes.get(chain);
  if (index === undefined || index.length !== chain.headers.length || index.tip !== tip) {
    const byHash = new Map<string, bigint>();
    chain.headers.forEach((header, i) => byHash.set(bytesToHex(header.hash()), BigInt(i)));
    index = { length: chain.headers.length, tip, byHash };
    hashIndexes.set(chain, index);
  }
  return index.byHash.get(hash);
}

/** A 20-byte address, 0x-hex (any case). */
export function addressParam(value: unknown, what = "address"): string {
  if (typeof value !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(value)) {
    throw new RpcError(-32602, `invalid ${what}: expected a 0x-prefixed 20-byte hex address, got ${excerpt(value)}`);
  }
  return value.toLowerCase();
}

/** 0x-prefixed hex bytes (even length, hex digits only): "0xzz" is an error, never empty data. */
export function bytesParam(value: unknown, what: string): string {
  if (typeof value !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(value)) {
    throw new RpcError(-32602, `invalid ${what}: expected 0x-prefixed hex bytes, got ${excerpt(value)}`);
  }
  return value;
}

/** A hex quantity (0x0, 0x1a, no leading zeros). */
export function quantityParam(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !QUANTITY.test(value)) {
    throw new RpcError(-32602, `invalid ${what}: expected a hex number without leading zeros, got ${excerpt(value)}`);
  }
  return BigInt(value);
}

/** A 32-byte hash. */
export function hashParam(value: unknown, what: string): string {
  if (typeof value !== "string" || !HASH.test(value)) throw new RpcError(-32602, `invalid ${what}: expected 32 bytes of hex, got ${excerpt(value)}`);
  return value.toLowerCase();
}

/** The call object of eth_call (geth's TransactionArgs, the fields a call uses). */
export interface CallRequest {
  from?: string;
  /** Absent or null: a contract creation with `data` as init code. */
  to?: string;
  gas?: bigint;
  value?: bigint;
  data: string;
}

const CALL_FIELDS = new Set([
  "from", "to", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "value", "data", "input", "nonce",
  "chainId", "type", "accessList", "authorizationList",
]);

/** Validates eth_call's first parameter. */
export function callParam(value: unknown): CallRequest {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RpcError(-32602, `invalid call: expected an object { from?, to, gas?, value?, data? }, got ${excerpt(value)}`);
  }
  const c = value as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!CALL_FIELDS.has(key)) throw new RpcError(-32602, `invalid call: unknown field ${excerpt(key)}`);
  const data = c.data === undefined ? undefined : bytesParam(c.data, "data");
  const input = c.input === undefined ? undefined : bytesParam(c.input, "input");
  if (data !== undefined && input !== undefined && data.toLowerCase() !== input.toLowerCase()) {
    throw new RpcError(-32602, 'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data');
  }
  for (const fee of ["gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce", "chainId", "type"]) {
    if (c[fee] !== undefined && c[fee] !== null) quantityParam(c[fee], fee);
  }
  return {
    from: c.from === undefined || c.from === null ? undefined : addressParam(c.from, "from"),
    to: c.to === undefined || c.to === null ? undefined : addressParam(c.to, "to"),
    gas: c.gas === undefined || c.gas === null ? undefined : quantityParam(c.gas, "gas"),
    value: c.value === undefined || c.value === null ? undefined : quantityParam(c.value, "value"),
    data: input ?? data ?? "0x",
  };
}
