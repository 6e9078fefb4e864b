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
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { word } from "../shared/bytes.js";
import { Contract, toQuantity, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { makeSidecar } from "../blobs/kzg.js";
import { BlobTransactionRevertedError } from "../blobs/errors.js";
import { MAX_BLOBS_PER_TRANSACTION, sendBlobTransaction } from "../blobs/send.js";
import { anchorCommitment, hashL2Message, rollingHashOf, sentMessageSlot, type L1Message, type L2Message } from "../bridge/messages.js";
import { deliveredCount, readQueue, type NextDelivery } from "../bridge/queue.js";
import { createL2Common, PREDEPLOYS } from "../engine/chain.js";
import { appendBlock } from "../engine/state.js";
import { executeFeeFor, pricingOf, readExecuteMarket } from "./execute-market.js";
import { buildFittingBlock, L1_TRANSACTION_GAS_CAP, latestL1Block, waitForL1Receipt, type FittedBlock, type L1Anchor } from "../proposer/propose.js";
import { parseSentMessages } from "./bridge.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced } from "./contracts.js";
import {
  BundleAssertionError,
  BundleBuildError,
  BundleFailedError,
  BundleTooLargeError,
  rollupBundlerInterface,
  type BundleCall,
  type BundleForward,
  type BundleLeg,
  type BundleOptions,
  type PreparedAssertion,
  type PreparedBundle,
  type PreparedLeg,
  type ProposedBundle,
} from "./bundle-types.js";
import { advanceCallGas, ASSERT_FIXED_GAS, bundleGasLimit, forwardCallGas, innerCallGas, PROOF_NODE_GAS } from "./bundle-gas.js";
import { proveStorage, type StorageProof } from "./storage-proof.js";
import { decodeRevert, revertDataOf } from "./revert.js";

export * from "./bundle-types.js";
export { bundleGasLimit } from "./bundle-gas.js";
export { proveStorage, type StorageProof } from "./storage-proof.js";
export { decodeRevert, revertDataOf, simulateL1, type L1Simulation } from "./revert.js";

const ZERO_HASH = "0x" + "00".repeat(32);

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
      // Polled, not read once: an L1 that mines on an interval has no receipt yet (and a reorg may drop it: LostRaceError).
      receipt = await waitForL1Receipt(options.provider, sent.hash);
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
// ---------------------------------------------------------------- gas
// ---------------------------------------------------------------- failures

const CALL_FAILED = "RollupBundler_CallFailed";

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
  const tx = revertedTransactionOf(error);
  if (data === undefined && (error instanceof BlobTransactionRevertedError || (error as { code?: string }).code === "CALL_EXCEPTION")) {
    const from = await (options.bundler.runner as Signer).getAddress();
    // Its value too: the advances' EXECUTE fees (without it the replay reverts RollupBundler_ValueMismatch, not for the reason the bundle did).
    const request: Record<string, unknown> = { from, to: prepared.bundler, data: prepared.data, value: toQuantity(prepared.value) };
    if (prepared.sidecar !== undefined) Object.assign(request, { type: "0x3", blobVersionedHashes: prepared.sidecar.versionedHashes, maxFeePerBlobGas: "0x10" });
    data = await options.provider.send("eth_call", [request, "latest"]).then(() => undefined, (replayed: unknown) => revertDataOf(replayed));
  }
  if (data === undefined) return error instanceof Error ? error : new Error(String(error));
  const bundler = rollupBundlerInterface();
  const outer = bundler.parseError(data);
  if (outer?.name !== CALL_FAILED) {
    const decoded = decodeRevert(data, [bundler, nativeRollupInterface()]);
    return new BundleFailedError(`The bundle reverted: ${decoded.name}`, { errorName: decoded.name, error: decoded.text, ...(tx === undefined ? {} : { tx }) }, { cause: error });
  }
  const index = Number(outer.args[0] as bigint);
  const inner = decodeRevert(outer.args[1] as string, [nativeRollupInterface(), bundler]);
  if (prepared.sidecar !== undefined && inner.name === BLOB_NOT_IN_TRANSACTION) return explainBlobBundleFailure(options.provider, prepared, error, tx);
  return new BundleFailedError(`The bundle reverted at call ${index}: ${inner.name}`, { index, call: prepared.calls[index]?.label ?? "unknown", errorName: inner.name, error: inner.text, ...(tx === undefined ? {} : { tx }) }, { cause: error });
}

/** The hash of the mined transaction a send error reports as reverted (a blob transaction's, or ethers' CALL_EXCEPTION receipt). */
function revertedTransactionOf(error: unknown): string | undefined {
  if (error instanceof BlobTransactionRevertedError) return error.hash;
  const receipt = (error as { code?: string; receipt?: { hash?: string } }).receipt;
  return (error as { code?: string }).code === "CALL_EXCEPTION" ? receipt?.hash : undefined;
}

const BLOB_NOT_IN_TRANSACTION = "NativeRollup_BlobNotInTransaction";

/**
 * A blob bundle whose eth_call replay says only that the call carries no blobs: EDR's eth_call
 * drops blob hashes (hardhat#5182), and its traces do not run EXECUTE's hook, so neither can say
 * why the mined transaction reverted. What L1 does say: a leg whose rollup's head is no longer
 * the parent it was built on lost a race (the usual cause); otherwise the reason is unknown here.
 */
async function explainBlobBundleFailure(provider: BundleOptions["provider"], prepared: PreparedBundle, error: unknown, tx: string | undefined): Promise<Error> {
  const mined = tx === undefined ? {} : { tx };
  const [first] = await legsMovedOn(provider, prepared.legs);
  if (first !== undefined) {
    const { address, claim } = prepared.legs[first.leg]!;
    const index = prepared.calls.findIndex((call) => call.target.toLowerCase() === address.toLowerCase() && call.label?.startsWith("advance") === true);
    return new BundleFailedError(
      `The bundle reverted at call ${index}: leg ${first.leg}'s rollup moved on (its head is block ${first.head.number}, not the parent it was built on)`,
      { index, call: prepared.calls[index]?.label ?? "unknown", errorName: "ParentMoved", leg: first.leg, rollup: address, parentHash: claim.parentHash, head: first.head.blockHash, ...mined },
      { cause: error },
    );
  }
  return new BundleFailedError(
    "The blob bundle reverted and the L1 cannot replay why: its eth_call drops blob hashes (hardhat#5182); every leg's parent is still its rollup's head",
    { errorName: "unknown", legs: prepared.legs.length, ...mined },
    { cause: error },
  );
}

/**
 * The legs whose rollup's head on L1 is no longer the parent their block was built on (another
 * proposer or a reorg moved it): why a bundle of advances reverts when its own replay cannot say.
 * A rollup whose head cannot be read is not counted.
 */
export async function legsMovedOn(
  provider: BundleOptions["provider"],
  legs: readonly Pick<PreparedLeg, "address" | "claim">[],
): Promise<{ leg: number; head: { blockHash: string; number: bigint } }[]> {
  const moved: { leg: number; head: { blockHash: string; number: bigint } }[] = [];
  for (const [leg, { address, claim }] of legs.entries()) {
    const head = (await new Contract(address, nativeRollupInterface(), provider)
      .getFunction("head")()
      .catch(() => undefined)) as { blockHash: string; number: bigint } | undefined;
    if (head !== undefined && head.blockHash !== claim.parentHash) moved.push({ leg, head });
  }
  return moved;
}
