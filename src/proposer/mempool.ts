import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
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
    remove(hashes) {
      for (const hash of hashes) byHash.delete(hash);
    },
    size: () => byHash.size,
  };
}
