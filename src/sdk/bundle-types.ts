/**
 * Bundles' types (bundle.ts): the RollupBundler contract, what a bundle is given (legs, calls,
 * forwards, assertions), what it prepares and proposes, and its errors.
 */
import { Contract, ContractFactory, Interface, type ContractRunner, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { BlobSidecar } from "../blobs/kzg.js";
import type { L1Message, L2Message } from "../bridge/messages.js";
import type { ExecuteInput } from "../engine/types.js";
import type { L2Chain } from "../engine/state.js";
import type { DataAvailability, FittedBlock, L1Anchor } from "../proposer/propose.js";
import { artifactInterface, loadArtifact } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import type { BlockAdvancedEvent, BlockClaim } from "./contracts.js";

/** The ABI of RollupBundler. */
export function rollupBundlerInterface(): Interface {
  return artifactInterface("l1/RollupBundler.sol", "RollupBundler");
}

/** An ethers handle on a deployed RollupBundler. */
export function rollupBundlerAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, rollupBundlerInterface(), runner);
}

/** Deploys a RollupBundler (stateless, permissionless: one per L1 serves every rollup). */
export async function deployBundler(signer: Signer): Promise<Contract> {
  const artifact = loadArtifact("l1/RollupBundler.sol", "RollupBundler");
  const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy();
  await contract.deploymentTransaction()!.wait();
  return rollupBundlerAt(await contract.getAddress(), signer);
}

/** A check on a leg's post-state, made on L1 by `RollupBundler.assertStorage` at the end of the bundle. */
export interface StorageAssertion {
  /** The L2 account. */
  account: string;
  /** The storage key (a 32-byte word or a number). */
  slot: string | bigint;
  /** The value the slot must hold (a 32-byte word or a number). */
  expected: string | bigint;
}

/** One rollup's part of a bundle. */
export interface BundleLeg {
  /** The NativeRollup contract (its L1→L2 queue is read for the delivery). */
  rollup: Contract;
  /** The rollup's L2 chain: the block is built on its head, and appended once L1 verified it. */
  chain: L2Chain;
  /** The block's transactions, in order (objects or 0x-hex raw). Every one must be included. */
  transactions?: (TypedTransaction | string)[];
  /**
   * Forward the messages this leg's block sends (`sendMessageToRollup`) to a LATER leg's rollup
   * within the bundle: `true` for all of them, or a filter. Messages to rollups outside the
   * bundle are never forwarded here.
   */
  forward?: boolean | ((message: L2Message) => boolean);
  /** Storage checks on this leg's post-state (proved against its new state root). */
  assertions?: StorageAssertion[];
  /** The L2 block's coinbase (default: the address sending the bundle). */
  coinbase?: string;
}

/** Options of {@link prepareBundle} and {@link proposeBundle}. */
export interface BundleOptions {
  /** The RollupBundler, connected to the signer that sends the bundle. */
  bundler: Contract;
  provider: JsonRpcApiProvider;
  legs: BundleLeg[];
  /** Where the legs' transactions go (default "calldata"). With "blobs" every leg names its own blobs in one type-3 transaction. */
  dataAvailability?: DataAvailability;
  /** The L1 block every leg's block is anchored to (default: the latest). */
  anchor?: L1Anchor;
  /** The most gas the L1 transaction may use (default: EIP-7825's 2^24). */
  l1GasCap?: bigint;
}

/** A call of the bundle, with what it does. */
export interface BundleCall {
  target: string;
  data: string;
  /** The call's value: an advance's EXECUTE fee (default 0). */
  value?: bigint;
  /** e.g. `advance 0x… to L2 block 3`, `forward message 0x… from leg 0 to leg 1`, `assertStorage …`. */
  label: string;
}

/** A message a leg sends to a later leg, forwarded inside the bundle. */
export interface BundleForward {
  message: L2Message;
  hash: string;
  from: number;
  to: number;
  /** The message as the destination's queue will hold it (and its block delivers it, if its quota allows). */
  queued: L1Message;
}

/** An assertion as prepared: its proof and the value the built post-state holds. */
export interface PreparedAssertion extends StorageAssertion {
  leg: number;
  l2BlockNumber: bigint;
  /** What the slot holds in the built block's state (the assertion passes iff it equals `expected`). */
  actual: string;
}

/** A leg as built. */
export interface PreparedLeg {
  address: string;
  fitted: FittedBlock;
  claim: BlockClaim;
  /** The input EXECUTE verifies (blob hashes instead of inline data when the leg uses blobs). */
  input: ExecuteInput;
  /** Indices of this leg's blobs in the bundle's sidecar. */
  blobIndices: number[];
  /** The messages forwarded INTO this leg by earlier legs. */
  received: BundleForward[];
}

/** A bundle built and encoded, ready to send. */
export interface PreparedBundle {
  bundler: string;
  anchor: L1Anchor;
  legs: PreparedLeg[];
  forwards: BundleForward[];
  assertions: PreparedAssertion[];
  calls: BundleCall[];
  /** The bundle's value: the sum of its calls' (EXECUTE's fees). */
  value: bigint;
  /** `bundle(calls)` calldata. */
  data: string;
  sidecar?: BlobSidecar;
  /** The L1 gas limit: an upper bound by construction (see {@link bundleGasLimit}). */
  gasLimit: bigint;
}

/** What {@link proposeBundle} returns once L1 verified the bundle. */
export interface ProposedBundle {
  prepared: PreparedBundle;
  l1Receipt: TransactionReceipt;
  /** Each leg's `BlockAdvanced`, in leg order. */
  events: BlockAdvancedEvent[];
}

/** The bundle could not be built (a transaction left out, two legs on one rollup, a forward to nowhere…). */
export class BundleBuildError extends UltrasoundError {
  override name = "BundleBuildError";
}

/** The bundle's L1 gas bound exceeds the cap, or its blobs the per-transaction limit. */
export class BundleTooLargeError extends UltrasoundError {
  override name = "BundleTooLargeError";
}

/** An assertion would fail on the built post-states: refused before anything was sent. */
export class BundleAssertionError extends UltrasoundError {
  override name = "BundleAssertionError";
}

/**
 * The bundle reverted on L1: `details.index` is the failing call, `details.call` says what it
 * was, `details.error` the inner revert decoded (e.g. `NativeRollup_ParentMismatch(…)`).
 * Nothing was appended to any chain.
 */
export class BundleFailedError extends UltrasoundError {
  override name = "BundleFailedError";
  /** The failing call's index, if the revert said. */
  get index(): number | undefined {
    return this.details.index as number | undefined;
  }
  /** The inner error's name (`NativeRollup_ParentMismatch`, `RollupBundler_AssertionFailed`, …). */
  get reason(): string | undefined {
    return this.details.errorName as string | undefined;
  }
  /** Another block took a leg's parent first: rebuild on the new head. */
  get lostRace(): boolean {
    return this.reason === "NativeRollup_ParentMismatch";
  }
}

/** A leg already built, for {@link packSharedAdvance}: its rollup's address and its fitted block. */
export interface BuiltSharedLeg {
  address: string;
  fitted: FittedBlock;
}
