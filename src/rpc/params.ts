import { excerpt, RpcError } from "./errors.js";
import type { ChainView } from "./view.js";

/** What a block parameter resolved to: a canonical block number, and whether it said "pending". */
export interface BlockRef {
  number: bigint;
  pending: boolean;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;
/** Geth's largest block number (a BlockNumber is an int64). */
const MAX_BLOCK_NUMBER = 2n ** 63n - 1n;

/**
 * Why `value` is not a hex quantity of at most `bits` bits, in geth's words (hexutil's errors:
 * "hex number > 64 bits", "hex number with leading zero digits", …), or undefined if it is one.
 */
function quantityProblem(value: unknown, bits: number): string | undefined {
  if (typeof value !== "string") return "not a hex string";
  if (value === "") return "empty hex string";
  if (!/^0x/i.test(value)) return "hex string without 0x prefix";
  const digits = value.slice(2);
  if (digits === "") return 'hex string "0x"';
  if (!/^[0-9a-fA-F]+$/.test(digits)) return "invalid hex string";
  if (digits.length > 1 && digits[0] === "0") return "hex number with leading zero digits";
  if (digits.length * 4 > bits && BigInt(value) >= 1n << BigInt(bits)) return `hex number > ${bits} bits`;
  return undefined;
}

/**
 * Resolves a block parameter as geth does: `latest`, `pending` (the head: the pending block is
 * not built ahead), `safe` (verified on L1), `finalized` (in an L1 block deep enough),
 * `earliest`, a hex number, or an EIP-1898 object `{ blockNumber }` / `{ blockHash,
 * requireCanonical? }`. Omitted means `latest`. Malformed → -32602; a number above the head →
 * -32000 "header not found"; an unknown hash → -32000 "header for hash not found".
 */
export function blockParam(view: ChainView, value: unknown): BlockRef {
  if (value === undefined || value === null) return { number: view.heads().latest, pending: false };
  if (typeof value === "string") return blockTagOrNumber(view, value, "block");
  if (typeof value === "object" && !Array.isArray(value)) {
    const { blockNumber, blockHash, requireCanonical, ...rest } = value as Record<string, unknown>;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) throw new RpcError(-32602, `invalid block parameter: unknown field ${excerpt(unknownKeys[0])}`);
    if (blockNumber !== undefined && blockHash !== undefined) {
      throw new RpcError(-32602, "invalid block parameter: give blockNumber or blockHash, not both");
    }
    if (blockNumber !== undefined) {
      if (typeof blockNumber !== "string") throw new RpcError(-32602, `invalid blockNumber: expected a hex number or tag, got ${excerpt(blockNumber)}`);
      return blockTagOrNumber(view, blockNumber, "blockNumber");
    }
    if (blockHash !== undefined) {
      if (typeof blockHash !== "string" || !HASH.test(blockHash)) throw new RpcError(-32602, `invalid blockHash: expected 32 bytes of hex, got ${excerpt(blockHash)}`);
      if (requireCanonical !== undefined && typeof requireCanonical !== "boolean") {
        throw new RpcError(-32602, `invalid requireCanonical: expected a boolean, got ${excerpt(requireCanonical)}`);
      }
      // The chain keeps canonical blocks only: a known hash is canonical.
      const number = view.numberOfHash(blockHash.toLowerCase());
      if (number === undefined) throw new RpcError(-32000, "header for hash not found");
      return { number, pending: false };
    }
    throw new RpcError(-32602, "invalid block parameter: expected blockNumber or blockHash");
  }
  throw new RpcError(-32602, `invalid block parameter: expected a hex number, a tag or an object, got ${excerpt(value)}`);
}

function blockTagOrNumber(view: ChainView, value: string, what: string): BlockRef {
  const heads = view.heads();
  const head = heads.latest;
  switch (value) {
    case "latest":
      return { number: head, pending: false };
    case "safe":
      return { number: heads.safe, pending: false };
    case "finalized":
      return { number: heads.finalized, pending: false };
    case "pending":
      return { number: head, pending: true };
    case "earliest":
      return { number: 0n, pending: false };
  }
  const number = blockNumberOf(value, what);
  if (number > head) throw new RpcError(-32000, "header not found");
  return { number, pending: false };
}

/**
 * A block number as geth reads one (a hex int64): anything else, a 64-hex-digit number too, is
 * -32602 with the reason and the value. Whether the block exists is the caller's question.
 */
function blockNumberOf(value: string, what: string): bigint {
  const problem = quantityProblem(value, 64);
  if (problem !== undefined) {
    throw new RpcError(-32602, `invalid ${what}: expected latest, pending, safe, finalized, earliest or a hex number (${problem}), got ${excerpt(value)}`);
  }
  const number = BigInt(value);
  if (number > MAX_BLOCK_NUMBER) throw new RpcError(-32602, `invalid ${what}: block number larger than int64, got ${excerpt(value)}`);
  return number;
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

/**
 * A hex quantity (0x0, 0x1a, no leading zeros) of at most `bits` bits: 256 for amounts (geth's
 * hexutil.Big), 64 for gas, nonces, indexes (hexutil.Uint64). Else -32602 with geth's reason.
 */
export function quantityParam(value: unknown, what: string, bits = 256): bigint {
  const problem = quantityProblem(value, bits);
  if (problem !== undefined) throw new RpcError(-32602, `invalid ${what}: expected a hex number without leading zeros (${problem}), got ${excerpt(value)}`);
  return BigInt(value as string);
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
  for (const fee of ["gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "chainId"]) {
    if (c[fee] !== undefined && c[fee] !== null) quantityParam(c[fee], fee);
  }
  for (const small of ["nonce", "type"]) {
    if (c[small] !== undefined && c[small] !== null) quantityParam(c[small], small, 64);
  }
  return {
    from: c.from === undefined || c.from === null ? undefined : addressParam(c.from, "from"),
    to: c.to === undefined || c.to === null ? undefined : addressParam(c.to, "to"),
    gas: c.gas === undefined || c.gas === null ? undefined : quantityParam(c.gas, "gas", 64),
    value: c.value === undefined || c.value === null ? undefined : quantityParam(c.value, "value"),
    data: input ?? data ?? "0x",
  };
}

/** `eth_getLogs` / `eth_newFilter` criteria; block tags stay unresolved until the filter is read. */
export interface LogFilterSpec {
  /** A block tag or number (validated), resolved when used: a filter's "latest" moves. */
  fromBlock?: string;
  toBlock?: string;
  blockHash?: string;
  /** Lowercase; empty: any. */
  address: string[];
  /** Lowercase, by position; null: any. */
  topics: (string[] | null)[];
}

const LOG_FILTER_FIELDS = new Set(["fromBlock", "toBlock", "blockHash", "address", "topics"]);
const BLOCK_TAGS = new Set(["latest", "pending", "safe", "finalized", "earliest"]);

/** Validates a log filter object (geth's FilterCriteria). */
export function logFilterParam(value: unknown): LogFilterSpec {
  if (value === undefined || value === null) value = {};
  if (typeof value !== "object" || Array.isArray(value)) throw new RpcError(-32602, `invalid filter: expected an object, got ${excerpt(value)}`);
  const f = value as Record<string, unknown>;
  for (const key of Object.keys(f)) if (!LOG_FILTER_FIELDS.has(key)) throw new RpcError(-32602, `invalid filter: unknown field ${excerpt(key)}`);
  const tag = (v: unknown, what: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new RpcError(-32602, `invalid ${what}: expected a block tag or a hex number, got ${excerpt(v)}`);
    if (!BLOCK_TAGS.has(v)) blockNumberOf(v, what);
    return v;
  };
  const spec: LogFilterSpec = { fromBlock: tag(f.fromBlock, "fromBlock"), toBlock: tag(f.toBlock, "toBlock"), address: [], topics: [] };
  if (f.blockHash !== undefined && f.blockHash !== null) {
    if (spec.fromBlock !== undefined || spec.toBlock !== undefined) {
      throw new RpcError(-32602, "cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other");
    }
    spec.blockHash = hashParam(f.blockHash, "blockHash");
  }
  if (f.address !== undefined && f.address !== null) {
    const list = Array.isArray(f.address) ? f.address : [f.address];
    if (list.length > 1000) throw new RpcError(-32602, `invalid address: at most 1000 addresses, got ${list.length}`);
    spec.address = list.map((a) => addressParam(a));
  }
  if (f.topics !== undefined && f.topics !== null) {
    if (!Array.isArray(f.topics)) throw new RpcError(-32602, `invalid topics: expected an array, got ${excerpt(f.topics)}`);
    if (f.topics.length > 4) throw new RpcError(-32602, "invalid topics: at most 4 positions");
    spec.topics = f.topics.map((t) => {
      if (t === null) return null;
      const list = Array.isArray(t) ? t : [t];
      if (list.length > 1000) throw new RpcError(-32602, `invalid topics: at most 1000 alternatives, got ${list.length}`);
      return list.length === 0 ? null : list.map((x) => hashParam(x, "topic"));
    });
  }
  return spec;
}

/** One account's override in `eth_call` / `eth_estimateGas` (geth's OverrideAccount). */
export interface AccountOverride {
  balance?: bigint;
  nonce?: bigint;
  code?: string;
  /** Replaces the whole storage: slot (32-byte hex) → value. */
  state?: Map<string, string>;
  /** Changes these slots, the rest kept. */
  stateDiff?: Map<string, string>;
}

/** Most accounts one state override may name (each is a few trie writes in the call's layer). */
const MAX_OVERRIDES = 1000;

/** Validates the state override set, `{ [address]: { balance?, nonce?, code?, state?, stateDiff? } }`. */
export function stateOverrideParam(value: unknown): Map<string, AccountOverride> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new RpcError(-32602, `invalid state override: expected an object by address, got ${excerpt(value)}`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_OVERRIDES) throw new RpcError(-32602, `invalid state override: at most ${MAX_OVERRIDES} accounts`);
  const out = new Map<string, AccountOverride>();
  for (const [address, fields] of entries) {
    const at = addressParam(address, "state override address");
    if (typeof fields !== "object" || fields === null || Array.isArray(fields)) throw new RpcError(-32602, `invalid state override of ${at}: expected an object`);
    const f = fields as Record<string, unknown>;
    for (const key of Object.keys(f)) {
      if (!["balance", "nonce", "code", "state", "stateDiff"].includes(key)) throw new RpcError(-32602, `invalid state override of ${at}: unknown field ${excerpt(key)}`);
    }
    if (f.state !== undefined && f.stateDiff !== undefined) throw new RpcError(-32602, `account ${at} has both 'state' and 'stateDiff'`);
    const slots = (v: unknown, what: string): Map<string, string> | undefined => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== "object" || Array.isArray(v)) throw new RpcError(-32602, `invalid ${what} of ${at}: expected an object slot → value`);
      return new Map(Object.entries(v as Record<string, unknown>).map(([slot, word]) => [hashParam(slot, `${what} slot`), hashParam(word, `${what} value`)]));
    };
    out.set(at, {
      balance: f.balance === undefined || f.balance === null ? undefined : quantityParam(f.balance, "balance override"),
      nonce: f.nonce === undefined || f.nonce === null ? undefined : quantityParam(f.nonce, "nonce override", 64),
      code: f.code === undefined || f.code === null ? undefined : bytesParam(f.code, "code override"),
      state: slots(f.state, "state"),
      stateDiff: slots(f.stateDiff, "stateDiff"),
    });
  }
  return out;
}
