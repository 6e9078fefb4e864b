/**
 * Based preconfirmations, L1 side (docs/preconf.md): EIP-712 commitments to L2 blocks that match
 * `PreconfRegistry` exactly, and deployment of the registry and of gated rollups.
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
