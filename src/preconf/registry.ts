import { Contract, ContractFactory, type ContractRunner, type Signer } from "ethers";
import type { GenesisConfig } from "../engine/genesis.js";
import { artifactInterface, loadArtifact } from "../shared/artifacts.js";
import { nativeRollupAt, rollupArgs, type DeployedRollup, type DeployRollupOptions } from "../sdk/contracts.js";
import type { SignedCommitment } from "./commitment.js";

/** `PreconfRegistry`'s deploy-time settings. */
export interface RegistryOptions {
  /** Least bond in wei (default 1 ETH). */
  minBond?: bigint;
  /** L1 blocks from `unregister` to `withdraw` (default 64). */
  withdrawDelay?: bigint;
  /** Slots per lookahead epoch (default 32, as L1's epochs). */
  epochSlots?: bigint;
}

/** A deployed PreconfRegistry. */
export interface DeployedRegistry {
  registry: Contract;
  address: string;
}

/** Deploys a PreconfRegistry (artifacts loaded when called, not on import). */
export async function deployPreconfRegistry(signer: Signer, options: RegistryOptions = {}): Promise<DeployedRegistry> {
  const artifact = loadArtifact("l1/PreconfRegistry.sol", "PreconfRegistry");
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
  const contract = await factory.deploy(options.minBond ?? 10n ** 18n, options.withdrawDelay ?? 64n, options.epochSlots ?? 32n);
  await contract.deploymentTransaction()!.wait();
  const address = await contract.getAddress();
  return { registry: preconfRegistryAt(address, signer), address };
}

/** The PreconfRegistry at `address`. */
export function preconfRegistryAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, artifactInterface("l1/PreconfRegistry.sol", "PreconfRegistry"), runner);
}

/**
 * Deploys a PreconfGatedRollup for `genesis`: a NativeRollup whose `advance` only the slot's
 * operator of `registry` may call in a gated slot. Its ABI is NativeRollup's plus `PRECONF_REGISTRY`.
 */
export async function deployGatedRollup(
  signer: Signer,
  registry: string,
  genesis: GenesisConfig,
  options: DeployRollupOptions = {},
): Promise<DeployedRollup> {
  const { chain, args } = await rollupArgs(genesis, options);
  const artifact = loadArtifact("l1/PreconfGatedRollup.sol", "PreconfGatedRollup");
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
  const contract = await factory.deploy(registry, ...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  const address = await contract.getAddress();
  return { rollup: nativeRollupAt(address, signer), address, chain, deploymentBlock: receipt!.blockNumber };
}

/** `slashEquivocation` arguments for two signed commitments at one height. */
export function equivocationArgs(a: SignedCommitment, b: SignedCommitment): [unknown, string, unknown, string] {
  return [a.commitment, a.signature, b.commitment, b.signature];
}
