import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { getL2Account } from "../engine/query.js";
import { decodeTransaction } from "../engine/transactions.js";
import type { L2Chain } from "../engine/state.js";
import { UltrasoundError } from "../shared/errors.js";

/** A transaction the mempool refused, and why. */
export class TransactionRejectedError extends UltrasoundError {
  override name = "TransactionRejectedError";
}

/**
 * Pending L2 transactions, in arrival order. Every transaction is checked on the way in
 * (decodes for this chain, signed, recoverable sender, no blobs, no duplicate), so a block is
 * never built from garbage; whether it *applies* is the builder's call.
 */
export interface Mempool {
  /** Adds a signed raw transaction (0x-hex or bytes); returns its hash. */
  add(raw: string | Uint8Array): string;
  /** The pending transactions, oldest first, without removing them. */
  pending(): TypedTransaction[];
  /** The nonce a new transaction of `address` needs: its account nonce plus its pending ones. */
  nextNonce(address: string): Promise<bigint>;
  /** Removes transactions (included in a block, or dropped). */
  remove(hashes: Iterable<string>): void;
  size(): number;
}

/** A mempool for one L2 chain. */
export function createMempool(chain: L2Chain): Mempool {
  const common = createL2Common(chain.genesis.chainId);
  const byHash = new Map<string, TypedTransaction>();
  return {
    add(raw) {
      const bytes = typeof raw === "string" ? hexToBytes(raw as `0x${string}`) : raw;
      let tx: TypedTransaction;
      try {
        tx = decodeTransaction(bytes, common);
        tx.getSenderAddress();
      } catch (error) {
        throw new TransactionRejectedError("L2 transaction rejected", { reason: (error as Error).message }, { cause: error });
      }
      const hash = bytesToHex(tx.hash());
      if (byHash.has(hash) || chain.transactionIndex.has(hash)) {
        throw new TransactionRejectedError("L2 transaction already known", { hash });
      }
      byHash.set(hash, tx);
      return hash;
    },
    pending: () => [...byHash.values()],
    async nextNonce(address) {
      const { nonce } = await getL2Account(chain, address);
      const sender = address.toLowerCase();
      let pending = 0n;
      for (const tx of byHash.values()) if (tx.getSenderAddress().toString() === sender) pending++;
      return nonce + pending;
    },
    remove(hashes) {
      for (const hash of hashes) byHash.delete(hash);
    },
    size: () => byHash.size,
  };
}
