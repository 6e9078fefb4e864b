/**
 * The input of EXECUTE, field for field (the byte layout is in docs/execute.md and
 * `src/precompile/codec.ts`). The verifier trusts none of it: every claim is recomputed.
 */
export interface ExecuteInput {
  chainId: bigint;
  number: bigint;
  parentHash: Uint8Array;
  /** The claimed hash of the L2 block's header: it commits to every field and to the tx order. */
  blockHash: Uint8Array;
  preStateRoot: Uint8Array;
  postStateRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  gasLimit: bigint;
  gasUsed: bigint;
  coinbase: Uint8Array;
  timestamp: bigint;
  prevRandao: Uint8Array;
  anchor: Uint8Array;
  /** `RLP([tx…])` when the data is in calldata; empty when it is in blobs. */
  transactions: Uint8Array;
  /** Versioned hashes of the blobs that carry the transactions (empty for calldata). */
  blobVersionedHashes: Uint8Array[];
  /** `RLP([nodes, codes, headers])`. */
  witness: Uint8Array;
  /**
   * The L1→L2 messages the block delivers: the ABI arguments of `L2Messenger.deliverMessages`,
   * `abi.encode(bytes32 l1BlockHash, uint256 count, bytes32 rollingHash, L1Message[] messages)`
   * (docs/bridge.md). Empty: no delivery system call.
   */
  messages: Uint8Array;
}

/** What EXECUTE returns on success. */
export interface ExecuteResult {
  blockHash: Uint8Array;
  gasUsed: bigint;
  transactionCount: number;
  /**
   * The base fee the block burned: Σ over its transactions of baseFeePerGas × the gas the
   * transaction is charged (its receipt gas). EXECUTE's second output word, the value of
   * EIP-8079's `burned_fees` (docs/bridge.md, "Burned fees").
   */
  burnedFees: bigint;
}

/**
 * The most blobs one block's data may span: what one L1 transaction can carry (EIP-7594's
 * per-transaction limit under Osaka), since `advanceWithBlobs` checks each hash with `BLOBHASH`.
 */
export const MAX_BLOBS_PER_BLOCK = 6;
