/**
 * The based proposer: anyone can run one. It takes transactions from a mempool, builds the next
 * L2 block and its witness with the engine, and publishes it with `advance` on L1, where EXECUTE
 * verifies it in the same transaction.
 */
export { createMempool, TransactionRejectedError, type Mempool } from "./mempool.js";
export {
  proposeBlock,
  advanceGasLimit,
  AdvanceFailedError,
  BlockTooLargeForL1Error,
  LostRaceError,
  L1_TRANSACTION_GAS_CAP,
  type DataAvailability,
  type ProposedBlock,
} from "./propose.js";
