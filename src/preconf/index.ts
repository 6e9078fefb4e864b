/**
 * Based preconfirmations (docs/preconf.md). L1 side: EIP-712 commitments to L2 blocks that match
 * `PreconfRegistry` exactly, and deployment of the registry and of gated rollups. Node side: the
 * preconfer (build, sign, advance), the preconfirming chain view (`latest` = preconfirmed,
 * `safe` = verified on L1) and the `preconf_*` methods.
 */
export {
  COMMITMENT_TYPES,
  CommitmentError,
  PRECONF_DOMAIN_NAME,
  PRECONF_DOMAIN_VERSION,
  commitmentDigest,
  commitmentOf,
  commitmentStructHash,
  preconfDomain,
  recoverCommitmentSigner,
  signCommitment,
  verifyCommitment,
  type Commitment,
  type SignedCommitment,
} from "./commitment.js";
export {
  deployGatedRollup,
  deployPreconfRegistry,
  equivocationArgs,
  preconfRegistryAt,
  type DeployedRegistry,
  type RegistryOptions,
} from "./registry.js";
export { createPreconfer, DEFAULT_TOGETHER, PreconfError, type HandOver, type Preconfer, type PreconferOptions, type PreconfirmedBlock } from "./preconfer.js";
export { preconfChainView } from "./view.js";
export { commitmentFromJson, commitmentJson, COMMITMENTS_WINDOW, MAX_COMMITMENTS, preconfMethods, type PreconfMethodsOptions } from "./rpc.js";
export {
  advanceTogether,
  AdvanceTogetherError,
  defaultTogetherExecute,
  prepareTogether,
  REGISTRY_PER_CALL_GAS,
  TogetherBatchedError,
  TogetherTooLargeError,
  type AdvancedTogether,
  type AdvanceTogetherOptions,
  type PreparedTogether,
  type TogetherExecute,
} from "./together.js";
export { createSlasher, type Slash, type Slasher, type SlasherOptions } from "./slasher.js";
export { startLocalPreconf, type LocalPreconfOptions } from "./local.js";
export { startPreconfLoops, type PreconfLoops, type PreconfLoopsOptions } from "./loops.js";
export { CommitmentRefusedError, createCommitmentFollower, type AcceptedCommitment, type CommitmentFollower, type CommitmentFollowerOptions } from "./follower.js";
