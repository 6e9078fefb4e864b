/**
 * The mempool's helpers (mempool.ts): reading senders' accounts at the head, fee fields, the
 * fields peeked from a raw transaction before its decode, eviction order, and a binary heap.
 */
import { RLP } from "@ethereumjs/rlp";
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToBigInt, bytesToHex, hexToBytes, createAddressFromString, ValueEncoding } from "@ethereumjs/util";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createL2Common } from "../engine/chain.js";
import { TransactionRejectedError, type Entry, type MempoolChain } from "./mempool-types.js";

/**
 * Reads accounts (nonce, balance) at the chain's head through one state view per head: the pool
 * reads every sender after each block, and a VM per read (`getL2Account`, ≈ 1.8 ms) would make
 * that seconds for a few thousand senders.
 */
export function createAccountReader(chain: MempoolChain): (address: string, header?: BlockHeader) => Promise<{ nonce: bigint; balance: bigint }> {
  const common = createL2Common(chain.chainId);
  let view: { head: string; state: MerkleStateManager } | undefined;
  // `header`: the head the caller already read (each read of a node's head is a store read).
  return async (address, header = chain.head()) => {
    const head = bytesToHex(header.hash());
    if (view === undefined || view.head !== head) {
      const trie = new MerklePatriciaTrie({ db: chain.db, root: header.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
      view = { head, state: new MerkleStateManager({ trie, common }) };
    }
    const account = await view.state.getAccount(createAddressFromString(address));
    return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n };
  };
}

/** Fee cap and tip cap: EIP-1559 fields, or the gas price twice for legacy and access-list txs. */
export function feesOf(tx: TypedTransaction): { feeCap: bigint; tipCap: bigint } {
  const t = tx as { maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint };
  if (t.maxFeePerGas !== undefined && t.maxPriorityFeePerGas !== undefined) return { feeCap: t.maxFeePerGas, tipCap: t.maxPriorityFeePerGas };
  return { feeCap: t.gasPrice ?? 0n, tipCap: t.gasPrice ?? 0n };
}

/** Where the gas limit sits in each type's field list (legacy, EIP-2930, EIP-1559, EIP-7702); `to` and data follow it. */
const GAS_LIMIT_FIELD: Record<number, number> = { 0: 2, 1: 3, 2: 4, 4: 4 };

/**
 * Fields read from a raw transaction's RLP before the full decode, so the answers use geth's
 * words (the library's decoder refuses these with its own): the chain id it is signed for —
 * typed transactions carry it first, a legacy one in `v` (EIP-155: v = 2·id + 35/36) or not at
 * all (v = 27/28: unprotected) — its gas limit, and the init code size of a creation.
 */
export function peekFields(bytes: Uint8Array, type: number): { chainId: bigint | "unprotected"; gasLimit: bigint; initCodeSize?: number } | undefined {
  try {
    const fields = RLP.decode(type === 0 ? bytes : bytes.subarray(1)) as unknown;
    if (!Array.isArray(fields) || fields.length < 9) return undefined;
    const gasField = fields[GAS_LIMIT_FIELD[type]!];
    if (!(gasField instanceof Uint8Array)) return undefined;
    const gasLimit = bytesToBigInt(gasField);
    const to = fields[GAS_LIMIT_FIELD[type]! + 1];
    const data = fields[GAS_LIMIT_FIELD[type]! + 3];
    const initCodeSize = to instanceof Uint8Array && to.length === 0 && data instanceof Uint8Array ? data.length : undefined;
    if (type !== 0) return fields[0] instanceof Uint8Array ? { chainId: bytesToBigInt(fields[0]), gasLimit, initCodeSize } : undefined;
    const v = fields[6];
    if (fields.length !== 9 || !(v instanceof Uint8Array)) return undefined;
    const value = bytesToBigInt(v);
    if (value === 27n || value === 28n) return { chainId: "unprotected", gasLimit, initCodeSize };
    return value >= 35n ? { chainId: (value - 35n) / 2n, gasLimit, initCodeSize } : undefined;
  } catch {
    return undefined;
  }
}

export function parseHex(raw: string): Uint8Array {
  if (!/^0x([0-9a-fA-F]{2})*$/.test(raw)) throw new TransactionRejectedError("transaction does not decode: not 0x-prefixed hex bytes");
  return hexToBytes(raw as `0x${string}`);
}

/** `a` pays less than `b` (fee cap, then tip): the one to evict. */
export function cheaper(a: Entry, b: Entry): boolean {
  return a.feeCap !== b.feeCap ? a.feeCap < b.feeCap : a.tipCap < b.tipCap;
}

export function ceilPercent(value: bigint, percent: bigint): bigint {
  return (value * (100n + percent) + 99n) / 100n;
}

export function reasonOf(error: unknown): string {
  const details = (error as { details?: { reason?: unknown } }).details;
  return typeof details?.reason === "string" ? details.reason : (error as Error).message;
}

/**
 * One line, no library context: ethereumjs appends "(tx type=… hash=… …)" to its messages,
 * which says nothing a client can act on.
 */
export function oneLine(text: string): string {
  const first = text.split("\n")[0]!.replace(/\s*\((vm hf|tx type|block number)=.*$/, "").trim();
  return first.length > 300 ? `${first.slice(0, 300)}…` : first;
}

/** A binary heap: `before(a, b)` says whether `a` comes out first. */
export class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly before: (a: T, b: T) => boolean) {}
  push(item: T): void {
    const items = this.items;
    items.push(item);
    for (let i = items.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): T | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < items.length && this.before(items[left]!, items[best]!)) best = left;
        if (right < items.length && this.before(items[right]!, items[best]!)) best = right;
        if (best === i) break;
        [items[i], items[best]] = [items[best]!, items[i]!];
        i = best;
      }
    }
    return top;
  }
}
