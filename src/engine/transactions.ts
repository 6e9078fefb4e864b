import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP, TransactionType, type TypedTransaction } from "@ethereumjs/tx";
import { BlobTransactionNotAllowedError, TransactionDecodeError } from "./errors.js";

/**
 * The transactions of an L2 block as one byte string: `RLP([tx_0, …, tx_n])`, each item the
 * transaction's canonical encoding (`type ‖ rlp(fields)` for typed transactions, the RLP list
 * for legacy ones) — what `eth_sendRawTransaction` takes. The same bytes travel in calldata or,
 * compressed, in blobs.
 */
export function encodeTransactions(transactions: (TypedTransaction | Uint8Array)[]): Uint8Array {
  return RLP.encode(transactions.map((tx) => (tx instanceof Uint8Array ? tx : tx.serialize())));
}

/**
 * Decodes and checks the transactions of an L2 block for `common`'s chain: every item must be a
 * signed, well-formed transaction of this chain id, and none may carry blobs.
 */
export function decodeTransactions(bytes: Uint8Array, common: Common): TypedTransaction[] {
  let items: unknown;
  try {
    items = RLP.decode(bytes);
  } catch (error) {
    throw new TransactionDecodeError(undefined, `not an RLP list: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw new TransactionDecodeError(undefined, "not an RLP list");
  return items.map((item, index) => {
    if (!(item instanceof Uint8Array)) throw new TransactionDecodeError(index, "item is a list, expected bytes");
    return decodeTransaction(item, common, index);
  });
}

/** Decodes one L2 transaction (see {@link decodeTransactions}). */
export function decodeTransaction(bytes: Uint8Array, common: Common, index = 0): TypedTransaction {
  if (bytes.length > 0 && bytes[0] === TransactionType.BlobEIP4844) throw new BlobTransactionNotAllowedError(index);
  let tx: TypedTransaction;
  try {
    tx = createTxFromRLP(bytes, { common });
  } catch (error) {
    throw new TransactionDecodeError(index, (error as Error).message);
  }
  if (!tx.isSigned()) throw new TransactionDecodeError(index, "transaction is not signed");
  return tx;
}
