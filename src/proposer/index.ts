/**
 * The based proposer: anyone can run one. It takes transactions from a mempool, builds the next
 * L2 block and its witness with the engine, and publishes it with `advance` on L1, where EXECUTE
 * verifies it in the same transaction.
 *
 * One entry, `createProposer` (create.ts): over a set of rollups (`{ rollups, signer, … }`: the
 * blocks of every rollup with work in one shared advance per round, multi.ts and multi-shared.ts;
 * or one block of one rollup per `proposeNext`, in turn, with `packing: "separate"`) or over one
 * rollup (`{ chain, rollup, mempool, … }`: that rollup's proposer, proposer.ts, which the set runs
 * for each of its rollups). `createMultiProposer` is the set's former name. Also: the mempool
 * (mempool.ts), building and publishing a block (propose.ts), following a node (follow.ts).
 */
export {
  createMempool,
  TransactionRejectedError,
  TRANSACTION_GAS_CAP,
  type Mempool,
  type MempoolOptions,
  type MempoolContent,
  type TransactionStatus,
  type DroppedTransaction,
} from "./mempool.js";
export { createRollupProposer, dropSkipped, type Proposer, type ProposerOptions, type ProposalOutcome, type PreparedProposal } from "./proposer.js";
export { createProposer } from "./create.js";
export {
  proposeBlock,
  buildFittingBlock,
  publishBlock,
  latestL1Block,
  executeCallGas,
  advanceCalldataLength,
  memoryExpansionGas,
  SHIM_GAS_RESERVE,
  SHIM_HEADROOM_DIVISOR,
  type FittedBlock,
  type L1Anchor,
  advanceGasLimit,
  chooseLayout,
  type DataLayout,
  AdvanceFailedError,
  BlockTooLargeForL1Error,
  LostRaceError,
  L1_TRANSACTION_GAS_CAP,
  executeGasRoom,
  type DataAvailability,
  type ProposedBlock,
} from "./propose.js";
export { createMultiProposer, ProposerConfigError, type MultiProposer, type MultiProposerOptions, type MultiProposerRollup, type MultiProposalOutcome } from "./multi.js";
export { proposeSharedRound, type SharedCandidate, type SharedRoundOptions, type SharedRoundResult } from "./multi-shared.js";
export { dataAvailabilityFor, NestedBlobsUnavailableError } from "./nested.js";
export { followBlocks, FollowMismatchError, type BlockSource, type FollowResult } from "./follow.js";
