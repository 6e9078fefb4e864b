import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { assertRlpDepth, decodeByteList } from "./rlp.js";
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
  return splitTransactions(bytes).map((item, index) => decodeTransaction(item, common, index));
}

/**
 * Splits `RLP([tx_0, …, tx_n])` into the transactions' bytes (views, not copies) without decoding
 * them: the verifier decodes each one only when execution reaches it (see `applyBlockBody`).
 */
export function splitTransactions(bytes: Uint8Array): Uint8Array[] {
  try {
    return decodeByteList(bytes, "transactions");
  } catch (error) {
    throw new TransactionDecodeError(undefined, `not an RLP list of transactions: ${(error as Error).message}`);
  }
}

/**
 * How deep lists nest in a valid transaction: the transaction's field list, an access list, one
 * entry of it, its storage keys (EIP-7702's authorization list is shallower).
 */
const MAX_TRANSACTION_DEPTH = 4;

/** Decodes one L2 transaction (see {@link decodeTransactions}). */
export function decodeTransaction(bytes: Uint8Array, common: Common, index = 0): TypedTransaction {
  if (bytes.length > 0 && bytes[0] === TransactionType.BlobEIP4844) throw new BlobTransactionNotAllowedError(index);
  let tx: TypedTransaction;
  try {
    // Refuse hostile nesting before the library's decoder, which is quadratic in it.
    const typed = bytes.length > 0 && bytes[0]! <= 0x7f;
    assertRlpDepth(typed ? bytes.subarray(1) : bytes, MAX_TRANSACTION_DEPTH, "transaction");
    tx = createTxFromRLP(bytes, { common });
  } catch (error) {
    throw new TransactionDecodeError(index, (error as Error).message);
  }
  if (!tx.isSigned()) throw new TransactionDecodeError(index, "transaction is not signed");
  decodedFrom.set(tx, bytes);
  return tx;
}

/** The bytes each transaction was decoded from (see {@link transactionBytes}). */
const decodedFrom = new WeakMap<TypedTransaction, Uint8Array>();

/**
 * Bytes that decode to `tx`: the ones {@link decodeTransaction} made it from, else its
 * serialisation. The same bytes either way (the decoder accepts only the canonical encoding:
 * no leading zeros, no long forms, nothing after the list), without encoding the transaction
 * again — ≈ 0.1 ms each, which a block of 1,000 spent on the RPC's thread (issue 14 item 8).
 */
export function transactionBytes(tx: TypedTransaction): Uint8Array {
  return decodedFrom.get(tx) ?? tx.serialize();
}
