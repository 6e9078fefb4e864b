/**
 * The rollup factory (docs/rollups.md): deploy one, create rollups through it (clones with
 * immutable arguments, one per chain id), find them again.
 */
import { Contract, ContractFactory, Interface, type ContractRunner, type Signer } from "ethers";
import type { GenesisConfig } from "../engine/genesis.js";
import { artifactInterface, loadArtifact } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import { nativeRollupAt, rollupArgs, type DeployedRollup, type DeployRollupOptions } from "./contracts.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The factory's receipt had no `RollupCreated` event (not a RollupFactory?). */
export class RollupNotCreatedError extends UltrasoundError {
  override name = "RollupNotCreatedError";
}

/** The ABI of RollupFactory. */
export function rollupFactoryInterface(): Interface {
  return artifactInterface("l1/RollupFactory.sol", "RollupFactory");
}

/** An ethers handle on a deployed RollupFactory. */
export function rollupFactoryAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, rollupFactoryInterface(), runner);
}

/** Options of {@link deployFactory}. */
export interface DeployFactoryOptions {
  /** The NativeRollup to clone (default: the factory deploys its own, with chain id 0, born retired). */
  implementation?: string;
}

/** Deploys a RollupFactory (and, by default, its NativeRollup implementation). */
export async function deployFactory(signer: Signer, options: DeployFactoryOptions = {}): Promise<Contract> {
  const artifact = loadArtifact("l1/RollupFactory.sol", "RollupFactory");
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
  const contract = await factory.deploy(options.implementation ?? ZERO_ADDRESS);
  await contract.deploymentTransaction()!.wait();
  return rollupFactoryAt(await contract.getAddress(), signer);
}

/**
 * Creates the rollup of `genesis` through `factory` (connected to a signer) and returns it with the
 * matching L2 chain, as {@link deployRollup} does for a direct deployment. Reverts with
 * `RollupFactory_ChainIdTaken(chainId, existing)` if the chain id has a rollup already.
 */
export async function createRollup(factory: Contract, genesis: GenesisConfig, options: DeployRollupOptions = {}): Promise<DeployedRollup> {
  const { chain, args } = await rollupArgs(genesis, options);
  const tx = await factory.getFunction("createRollup")(...args);
  const receipt = await tx.wait();
  const iface = rollupFactoryInterface();
  const event = receipt!.logs.map((log: never) => iface.parseLog(log)).find((e: { name?: string } | null) => e?.name === "RollupCreated");
  if (event === undefined || event === null) throw new RollupNotCreatedError("createRollup emitted no RollupCreated event", { factory: await factory.getAddress(), tx: tx.hash });
  const address = event.args.rollup as string;
  return { rollup: nativeRollupAt(address, factory.runner!), address, chain, deploymentBlock: receipt!.blockNumber };
}

/** The address `createRollup(factory, genesis, options)` gives (or gave). */
export async function predictRollupAddress(factory: Contract, genesis: GenesisConfig, options: DeployRollupOptions = {}): Promise<string> {
  const { args } = await rollupArgs(genesis, options);
  return (await factory.getFunction("predictRollupAddress")(...args)) as string;
}
