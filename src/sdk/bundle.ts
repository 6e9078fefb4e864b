/**
 * Bundles (docs/rollups.md, "Bundles"): several rollups' next blocks, the rollup → rollup
 * messages between them and checks on their new states, in ONE L1 transaction through
 * `RollupBundler.bundle(calls)`, all or nothing.
 *
 * For each leg, in order, the bundle holds:
 *
 *   advance(leg i's block)            the block the engine built, as the proposer builds it
 *   forward(m) for each message m     proven against leg i's NEW state root (verified one call earlier)
 *     leg i's block sent to a later leg's rollup
 *   …
 *   assertStorage(…) for each assertion of every leg, at the end
 *
 * A leg that receives forwards delivers them in its own block: its queue is predicted as L1's
 * queue followed by the forwarded messages (index = messageCount + k, rolling hash folded here),
 * exactly what L1 holds once the forwards before it in the bundle have run.
 */
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { stateProof } from "../engine/query.js";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, hexToBytes, setLengthLeft, ValueEncoding } from "@ethereumjs/util";
import { word } from "../shared/bytes.js";
import { Contract, ContractFactory, Interface, type ContractRunner, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { makeSidecar, type BlobSidecar } from "../blobs/kzg.js";
import { BlobTransactionRevertedError } from "../blobs/errors.js";
import { MAX_BLOBS_PER_TRANSACTION, sendBlobTransaction } from "../blobs/send.js";
import { anchorCommitment, hashL2Message, rollingHashOf, sentMessageSlot, type L1Message, type L2Message } from "../bridge/messages.js";
import { deliveredCount, readQueue, type NextDelivery } from "../bridge/queue.js";
import { createL2Common, PREDEPLOYS } from "../engine/chain.js";
import { appendBlock, type L2Chain } from "../engine/state.js";
import type { ExecuteInput } from "../engine/types.js";
import { executeFeeFor, pricingOf, readExecuteMarket } from "./execute-market.js";
import {
  advanceGasLimit,
  buildFittingBlock,
  calldataGas,
  COLD_ACCOUNT_ACCESS_GAS,
  gasToPassOn,
  TRANSACTION_BASE_GAS,
  L1_TRANSACTION_GAS_CAP,
  latestL1Block,
  memoryExpansionGas,
  type DataAvailability,
  type FittedBlock,
  type L1Anchor,
} from "../proposer/propose.js";
import type { ExecutePricing } from "../precompile/shim.js";
import { loadArtifact } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import { parseSentMessages } from "./bridge.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";

const ZERO_HASH = "0x" + "00".repeat(32);

/** The ABI of RollupBundler. */
export function rollupBundlerInterface(): Interface {
  return new Interface(loadArtifact("l1/RollupBundler.sol", "RollupBundler").abi as never);
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

/**
 * Builds every leg's next block (the proposer's path: {@link buildFittingBlock}), the forwards
 * between them and the assertions, and encodes `bundle(calls)` with its L1 gas bound. Nothing is
 * sent and no chain changes. Throws {@link BundleBuildError} when a leg's transaction cannot be
 * included, {@link BundleTooLargeError} when the whole does not fit one L1 transaction.
 */
export async function prepareBundle(options: BundleOptions): Promise<PreparedBundle> {
  const { provider, legs } = options;
  if (legs.length === 0) throw new BundleBuildError("A bundle needs at least one leg");
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  const dataAvailability = options.dataAvailability ?? "calldata";
  const anchor = options.anchor ?? (await latestL1Block(provider));
  const bundlerAddress = await options.bundler.getAddress();
  const sender = await (options.bundler.runner as Signer).getAddress();
  const rollupInterface = nativeRollupInterface();
  const bundlerInterface = rollupBundlerInterface();

  const addresses = await Promise.all(legs.map(async (leg) => (await leg.rollup.getAddress()).toLowerCase()));
  const seen = new Set<string>();
  for (const [i, address] of addresses.entries()) {
    if (seen.has(address)) throw new BundleBuildError("Two legs advance the same rollup (one block per rollup per bundle)", { leg: i, rollup: address });
    seen.add(address);
  }

  const prepared: PreparedLeg[] = [];
  const forwards: BundleForward[] = [];
  const assertions: PreparedAssertion[] = [];
  const assertionProofs: StorageProof[] = [];
  /** Per leg: its advance call's pieces, and the forward calls right after it. */
  const legCalls: { forwardCalls: BundleCall[]; forwardGas: bigint }[] = [];
  // EXECUTE's market (docs/execute.md, "Gas market"): it prices every advance, and under it the
  // legs share one L1 block's cumulative L2 gas limit, so each leg is built in what the earlier
  // ones leave (issue 17, item 2: the L2 gas, not the L1 cap, bounds a block).
  const market = await readExecuteMarket(provider);
  let l2GasUsed = 0n;

  for (const [j, leg] of legs.entries()) {
    const address = addresses[j]!;
    const incoming = forwards.filter((f) => f.to === j);
    const delivery = incoming.length === 0 ? undefined : await predictDelivery(leg, provider, anchor, incoming);
    const common = createL2Common(leg.chain.genesis.chainId);
    const transactions = (leg.transactions ?? []).map((tx) => (typeof tx === "string" ? createTxFromRLP(hexToBytes(tx as `0x${string}`), { common }) : tx));
    const fitted = await buildFittingBlock({
      chain: leg.chain,
      rollup: leg.rollup,
      provider,
      coinbase: leg.coinbase ?? sender,
      dataAvailability,
      l1GasCap: cap,
      transactions,
      anchor,
      market: { ...market, usedInBlock: market.usedInBlock + l2GasUsed },
      ...(delivery === undefined ? {} : { delivery }),
    });
    l2GasUsed += fitted.block.header.gasUsed;
    if (fitted.block.skipped.length > 0 || fitted.deferred.length > 0) {
      const skipped = fitted.block.skipped[0];
      throw new BundleBuildError("A leg's transaction could not be included in its block", {
        leg: j,
        rollup: address,
        ...(skipped === undefined ? { deferred: fitted.deferred.length, reason: "the block is full (L2 gas or the L1 cap)" } : { hash: skipped.hash, reason: skipped.reason }),
      });
    }
    const { block } = fitted;
    const number = block.header.number;
    const claim = blockClaim(block.header, anchor.number, fitted.delivery.messageCount);
    prepared.push({ address, fitted, claim, input: block.input, blobIndices: [], received: incoming });

    // The messages this block sends to later legs, proven against its post-state.
    const forwardCalls: BundleCall[] = [];
    let forwardGas = 0n;
    if (leg.forward) {
      const filter = typeof leg.forward === "function" ? leg.forward : () => true;
      for (const message of sentMessagesOf(fitted)) {
        const to = addresses.indexOf(message.destination.toLowerCase());
        if (to <= j || !filter(message)) continue;
        const hash = hashL2Message(message);
        const proof = await proveStorage(leg.chain, block.header.stateRoot, PREDEPLOYS.messenger, [sentMessageSlot(hash)]);
        if (BigInt(proof.storage[0]!.value) !== 1n) throw new BundleBuildError("The messenger's post-state does not record a message the block sent", { leg: j, hash });
        const queued: L1Message = { index: 0n, sender: message.sender, sourceRollup: await leg.rollup.getAddress(), to: message.to, value: message.value, fee: message.fee, gasLimit: message.gasLimit, data: message.data };
        forwards.push({ message, hash, from: j, to, queued });
        const data = rollupInterface.encodeFunctionData("forward", [message, number, proof.account, proof.storage[0]!.proof]);
        forwardCalls.push({ target: address, data, label: `forward message ${hash} from leg ${j} (${address}) to leg ${to} (${addresses[to]})` });
        forwardGas += forwardCallGas(data, proof.account.length + proof.storage[0]!.proof.length, message.data);
      }
    }
    legCalls.push({ forwardCalls, forwardGas });

    for (const assertion of leg.assertions ?? []) {
      const slot = word(assertion.slot);
      const proof = await proveStorage(leg.chain, block.header.stateRoot, assertion.account, [slot]);
      assertions.push({ account: assertion.account, slot, expected: word(assertion.expected), leg: j, l2BlockNumber: number, actual: word(BigInt(proof.storage[0]!.value)) });
      assertionProofs.push(proof);
    }
  }

  // Blobs: every leg's blobs in one sidecar, each leg naming its own (advanceWithBlobs finds a hash at any index).
  const allBlobs: Uint8Array[] = [];
  for (const leg of prepared) {
    for (const blob of leg.fitted.blobs ?? []) {
      leg.blobIndices.push(allBlobs.length);
      allBlobs.push(blob);
    }
  }
  if (allBlobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BundleTooLargeError("The legs' blobs exceed what one L1 transaction may carry", { blobs: allBlobs.length, max: MAX_BLOBS_PER_TRANSACTION });
  }
  const sidecar = allBlobs.length === 0 ? undefined : makeSidecar(allBlobs);

  if (pricingOf(market) === "market" && market.usedInBlock + l2GasUsed > market.limit) {
    throw new BundleTooLargeError("The legs' L2 gas exceeds what EXECUTE's cumulative limit leaves in this L1 block", {
      gasUsed: l2GasUsed,
      usedInBlock: market.usedInBlock,
      limit: market.limit,
      legs: legs.length,
    });
  }
  // EXECUTE's fee of each advance: the bundle's value is their sum.
  const calls: BundleCall[] = [];
  let innerGas = 0n;
  for (const [j, leg] of prepared.entries()) {
    const { fitted, claim } = leg;
    const block = fitted.block;
    let data: string;
    if (fitted.blobs !== undefined) {
      const hashes = leg.blobIndices.map((i) => sidecar!.versionedHashes[i]!);
      leg.input = { ...block.input, transactions: new Uint8Array(0), blobVersionedHashes: hashes.map((h) => hexToBytes(h as `0x${string}`)), witness: fitted.witnessInBlobs ? new Uint8Array(0) : block.input.witness };
      data = rollupInterface.encodeFunctionData("advanceWithBlobs", [claim, hashes, leg.input.witness, block.input.messages]);
    } else {
      data = rollupInterface.encodeFunctionData("advance", [claim, block.input.transactions, block.input.witness, block.input.messages]);
    }
    calls.push({ target: leg.address, data, value: executeFeeFor(market, block.header.gasUsed), label: `advance ${leg.address} to L2 block ${block.header.number}` });
    innerGas += innerCallGas(advanceCallGas(leg.input, data, pricingOf(market)));
    calls.push(...legCalls[j]!.forwardCalls);
    innerGas += legCalls[j]!.forwardGas;
  }
  for (const [k, a] of assertions.entries()) {
    const proofs = assertionProofs[k]!;
    const data = bundlerInterface.encodeFunctionData("assertStorage", [prepared[a.leg]!.address, a.l2BlockNumber, a.account, a.slot, a.expected, proofs.account, proofs.storage[0]!.proof]);
    calls.push({ target: bundlerAddress, data, label: `assertStorage on leg ${a.leg} (${prepared[a.leg]!.address}): ${a.account} slot ${a.slot} = ${a.expected}` });
    innerGas += innerCallGas(ASSERT_FIXED_GAS + PROOF_NODE_GAS * BigInt(proofs.account.length + proofs.storage[0]!.proof.length));
  }

  const data = bundlerInterface.encodeFunctionData("bundle", [calls.map(({ target, data, value }) => ({ target, data, value: value ?? 0n }))]);
  const value = calls.reduce((sum, call) => sum + (call.value ?? 0n), 0n);
  const gasLimit = bundleGasLimit(data, calls, innerGas);
  if (gasLimit > cap) {
    throw new BundleTooLargeError("The bundle would exceed the L1 transaction gas cap (EIP-7825)", { gasLimit, cap, legs: legs.length, calls: calls.length });
  }
  return { bundler: bundlerAddress, anchor, legs: prepared, forwards, assertions, calls, data, value, sidecar, gasLimit };
}

/**
 * Sends a prepared bundle as ONE L1 transaction (type 3 when it carries blobs) and, once L1 has
 * verified it, appends each leg's block to its chain. On a revert nothing is appended and it
 * throws {@link BundleFailedError} naming the failing call and its decoded inner error.
 */
export async function sendBundle(options: Pick<BundleOptions, "bundler" | "provider" | "legs">, prepared: PreparedBundle): Promise<ProposedBundle> {
  const signer = options.bundler.runner as Signer;
  let receipt: TransactionReceipt | null;
  try {
    if (prepared.sidecar !== undefined) {
      const sent = await sendBlobTransaction(signer, { to: prepared.bundler, data: prepared.data, sidecar: prepared.sidecar, gasLimit: prepared.gasLimit, value: prepared.value });
      receipt = await options.provider.getTransactionReceipt(sent.hash);
    } else {
      const tx = await signer.sendTransaction({ to: prepared.bundler, data: prepared.data, gasLimit: prepared.gasLimit, value: prepared.value });
      receipt = await tx.wait();
    }
  } catch (error) {
    throw await explainBundleFailure(options, prepared, error);
  }
  const events = prepared.legs.map((leg, i) => {
    const logs = receipt!.logs.filter((log) => log.address.toLowerCase() === leg.address && isBlockAdvanced(log));
    const event = parseBlockAdvanced(logs).find((e) => e.blockHash === leg.claim.blockHash);
    if (event === undefined) throw new BundleFailedError("The bundle landed without a leg's BlockAdvanced event", { leg: i, rollup: leg.address, tx: receipt!.hash });
    return event;
  });
  for (const [i, leg] of prepared.legs.entries()) {
    const { block } = leg.fitted;
    appendBlock(options.legs[i]!.chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  }
  return { prepared, l1Receipt: receipt!, events };
}

/**
 * Builds and sends a bundle ({@link prepareBundle}, then {@link sendBundle}): every leg's next
 * block, the forwards between legs and the assertions, in one L1 transaction, all or nothing.
 * Unless `sendFailing` is set, an assertion that fails on the built post-states is refused here
 * ({@link BundleAssertionError}) rather than sent to revert on L1.
 *
 * ```ts
 * const bundled = await proposeBundle({ bundler, provider, legs: [
 *   { rollup: a.rollup, chain: a.chain, transactions: [lockTx], forward: true },
 *   { rollup: b.rollup, chain: b.chain, assertions: [{ account: desk, slot, expected: 1n }] },
 * ] });
 * ```
 */
export async function proposeBundle(options: BundleOptions & { sendFailing?: boolean }): Promise<ProposedBundle> {
  const prepared = await prepareBundle(options);
  if (options.sendFailing !== true) {
    const failing = prepared.assertions.find((a) => a.actual !== a.expected);
    if (failing !== undefined) {
      throw new BundleAssertionError("An assertion fails on the built post-state: the bundle would revert", {
        leg: failing.leg,
        account: failing.account,
        slot: failing.slot,
        expected: failing.expected,
        actual: failing.actual,
      });
    }
  }
  return sendBundle(options, prepared);
}

// ---------------------------------------------------------------- delivery prediction

/**
 * The delivery of a leg that receives `incoming` forwards: L1's queue beyond what the chain
 * delivered, then the forwarded messages at `messageCount + k`, up to the rollup's quota, the
 * rolling hash folded here from L1's stored one.
 */
async function predictDelivery(leg: BundleLeg, provider: JsonRpcApiProvider, anchor: L1Anchor, incoming: BundleForward[]): Promise<NextDelivery> {
  const { rollup } = leg;
  const delivered = await deliveredCount(leg.chain);
  const queued = (await rollup.getFunction("messageCount")()) as bigint;
  const quota = (await rollup.getFunction("MESSAGES_PER_BLOCK")()) as bigint;
  incoming.forEach((f, k) => (f.queued = { ...f.queued, index: queued + BigInt(k) }));
  const onL1 = queued > delivered ? await readQueue(rollup, provider, delivered, queued) : [];
  const all = [...onL1, ...incoming.map((f) => f.queued)];
  const messages = all.slice(0, Number(quota));
  const start = delivered === 0n ? ZERO_HASH : ((await rollup.getFunction("rollingHash")(delivered)) as string);
  const count = delivered + BigInt(messages.length);
  const rollingHash = rollingHashOf(messages, start);
  return { messageCount: count, anchor: anchorCommitment(anchor.hash, count, rollingHash), delivery: { l1BlockHash: anchor.hash, count, rollingHash, messages } };
}

/** The messenger's `MessageSent` messages in a built block (events of other contracts ignored). */
function sentMessagesOf(fitted: FittedBlock): L2Message[] {
  const messenger = PREDEPLOYS.messenger.toLowerCase();
  const logs = fitted.block.receipts.flatMap((receipt) =>
    receipt.logs
      .filter(([address]) => bytesToHex(address).toLowerCase() === messenger)
      .map(([, topics, data]) => ({ topics: topics.map((t) => bytesToHex(t)), data: bytesToHex(data) })),
  );
  return parseSentMessages(logs);
}

// ---------------------------------------------------------------- proofs

interface StorageProof {
  account: string[];
  storage: { value: string; proof: string[] }[];
}

/**
 * `eth_getProof` of `slots` of `address` in the state whose root is `stateRoot`, from the chain's
 * trie database (a built block's nodes are written there before it is appended). An absent
 * account proves each slot as 0 with an empty storage proof, as geth answers.
 */
export async function proveStorage(chain: L2Chain, stateRoot: Uint8Array, address: string, slots: string[]): Promise<StorageProof> {
  const common = createL2Common(chain.genesis.chainId);
  const trie = new MerklePatriciaTrie({ db: chain.db, root: stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  const state = new MerkleStateManager({ trie, common });
  const proof = await stateProof(state, createAddressFromString(address), slots.map((s) => setLengthLeft(hexToBytes(s as `0x${string}`), 32)));
  return { account: proof.accountProof, storage: proof.storageProof };
}


// ---------------------------------------------------------------- gas

/** What the bundler spends per call besides the callee: the code check (warm after the cold access above), the loop, the ABI reads, storing the result. */
const BUNDLER_PER_CALL_GAS = 5_000n;
/** The bundler's own fixed work: dispatch, the array's head, the return encoding. */
const BUNDLER_FIXED_GAS = 10_000n;
/**
 * One MPT proof node, read in place in calldata and hashed (MerkleTrie.sol ≈ 12k per node in the
 * callee; its calldata is priced at the transaction's level): 25k bounds it with margin.
 */
const PROOF_NODE_GAS = 25_000n;
/**
 * `forward`'s fixed work: the claimed flag (a fresh slot), the destination's `enqueueFromRollup`
 * (the call with value, up to three fresh slots for the queue and `enqueuedAt`, the event), the
 * `MessageForwarded` event and the ABI decoding. Measured ≈ 150k beside the proof (docs/bridge.md's
 * 222k includes 21k and the calldata); 200k bounds it.
 */
const FORWARD_FIXED_GAS = 200_000n;
/** `assertStorage` → `storageAt` without its proof nodes: the root lookup, the decoding, the compare. */
const ASSERT_FIXED_GAS = 40_000n;

/** `advance`'s own need inside the bundle: its bound as a whole transaction, less that transaction's base and calldata (priced once for the bundle). */
export function advanceCallGas(input: ExecuteInput, data: string, pricing: ExecutePricing): bigint {
  const bytes = hexToBytes(data as `0x${string}`);
  return advanceGasLimit(input, bytes, pricing) - TRANSACTION_BASE_GAS - calldataGas(bytes).standard;
}

/** A forward's need: fixed work, its proof nodes, its message's data hashed, copied and logged twice. */
function forwardCallGas(data: string, proofNodes: number, messageData: string): bigint {
  const messageBytes = BigInt((messageData.length - 2) / 2);
  const bytes = BigInt((data.length - 2) / 2);
  return innerCallGas(FORWARD_FIXED_GAS + PROOF_NODE_GAS * BigInt(proofNodes) + 64n * messageBytes + memoryExpansionGas(2n * bytes));
}

/** What the bundler must have at a call for the callee to get `need`: EIP-150 keeps 1/64 back; plus the cold access and its per-call work. */
export function innerCallGas(need: bigint): bigint {
  return gasToPassOn(need) + COLD_ACCOUNT_ACCESS_GAS + BUNDLER_PER_CALL_GAS;
}

/**
 * An upper bound, by construction, on the bundle's L1 gas:
 *
 *   max(21,000 + calldata + bundler + Σ calls, EIP-7623 floor)
 *   call    = (its own bound) · 64/63 + cold access + the bundler's per-call work
 *             advance: {@link advanceGasLimit} of its calldata, less the transaction's base and calldata
 *             forward: fixed work + 25k per proof node + its message's data
 *             assertStorage: fixed work + 25k per proof node
 *   bundler = fixed work + its memory: each call's data is copied into memory for the call and
 *             its return data kept (one frame, one quadratic term over the total)
 */
export function bundleGasLimit(data: string, calls: readonly { data: string }[], innerGas: bigint): bigint {
  const bytes = hexToBytes(data as `0x${string}`);
  const { standard, floor } = calldataGas(bytes);
  const copied = calls.reduce((sum, c) => sum + BigInt((c.data.length - 2) / 2) + 256n, 0n);
  const execution = TRANSACTION_BASE_GAS + standard + BUNDLER_FIXED_GAS + innerGas + memoryExpansionGas(copied + 32n * BigInt(calls.length) + 4_096n);
  return execution > floor ? execution : floor;
}

// ---------------------------------------------------------------- failures

const CALL_FAILED = "RollupBundler_CallFailed";

/** A decoded revert: the error's name and arguments, or the raw data. */
export function decodeRevert(data: string, interfaces: Interface[]): { name: string; text: string } {
  if (data === "0x") return { name: "empty", text: "reverted without data (out of gas, a failed value transfer, or a bare revert)" };
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return { name: parsed.name, text: `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})` };
    } catch {
      // not this interface's
    }
  }
  return { name: "unknown", text: data };
}

/** What an L1 transaction would do, simulated: its return data, or its revert decoded. */
export type L1Simulation = { ok: true; returnData: string } | { ok: false; errorName: string; error: string; data: string };

/** Simulates `request` with `eth_call` at `pending` and decodes a revert with `interfaces` (the sync, L1-call and cross-rollup builders' verdict). */
export async function simulateL1(provider: JsonRpcApiProvider, request: Record<string, string>, interfaces: Interface[]): Promise<L1Simulation> {
  return provider.send("eth_call", [request, "pending"]).then(
    (returnData: string) => ({ ok: true as const, returnData }),
    (error: unknown) => {
      const data = revertDataOf(error) ?? "0x";
      const decoded = decodeRevert(data, interfaces);
      return { ok: false as const, errorName: decoded.name, error: decoded.text, data };
    },
  );
}

/** The first 0x-hex `data` found in an error and its causes (ethers and Hardhat nest it differently). */
export function revertDataOf(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 6) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(e.data)) return e.data;
  for (const key of ["data", "error", "info", "cause"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function isBlockAdvanced(log: { topics: readonly string[] }): boolean {
  return log.topics[0] === nativeRollupInterface().getEvent("BlockAdvanced")!.topicHash;
}

/**
 * Why the bundle reverted: `RollupBundler_CallFailed(index, returnData)` decoded, with the call's
 * label and its inner error (NativeRollup's, the bundler's assertion, MerkleTrie's). The revert
 * data comes from the error, or from replaying the call on L1's state now.
 */
async function explainBundleFailure(options: Pick<BundleOptions, "bundler" | "provider">, prepared: PreparedBundle, error: unknown): Promise<Error> {
  let data = revertDataOf(error);
  if (data === undefined && (error instanceof BlobTransactionRevertedError || (error as { code?: string }).code === "CALL_EXCEPTION")) {
    const from = await (options.bundler.runner as Signer).getAddress();
    const request: Record<string, unknown> = { from, to: prepared.bundler, data: prepared.data };
    if (prepared.sidecar !== undefined) Object.assign(request, { type: "0x3", blobVersionedHashes: prepared.sidecar.versionedHashes, maxFeePerBlobGas: "0x10" });
    data = await options.provider.send("eth_call", [request, "latest"]).then(() => undefined, (replayed: unknown) => revertDataOf(replayed));
  }
  if (data === undefined) return error instanceof Error ? error : new Error(String(error));
  const bundler = rollupBundlerInterface();
  const outer = bundler.parseError(data);
  if (outer?.name !== CALL_FAILED) {
    const decoded = decodeRevert(data, [bundler, nativeRollupInterface()]);
    return new BundleFailedError("The bundle reverted", { errorName: decoded.name, error: decoded.text }, { cause: error });
  }
  const index = Number(outer.args[0] as bigint);
  const inner = decodeRevert(outer.args[1] as string, [nativeRollupInterface(), bundler]);
  return new BundleFailedError(`The bundle reverted at call ${index}: ${inner.name}`, { index, call: prepared.calls[index]?.label ?? "unknown", errorName: inner.name, error: inner.text }, { cause: error });
}
