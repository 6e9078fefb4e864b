/**
 * Synchronous rollup A → rollup B calls through L1 (docs/sync.md, "Rollup A → rollup B"): an L2
 * contract on A calls `L2Messenger.callL1(proxyB, data)` where `proxyB` is B's `L2Proxy` of a B
 * contract, and uses B's answer in its L2 transaction. One L1 transaction verifies both blocks,
 * composed from the two existing entry points with no new contract code:
 *
 *   signer ──▶ B.syncExecute(claimB, …, { callsB, target: A, data: A.advanceWithL1Calls(claimA, …, callsA) })
 *                 1. B loads its execution table
 *                 2. B calls A.advanceWithL1Calls:
 *                      a. A makes its L1 calls: proxyB.call(data) ──▶ B.syncProxyCall(A, data) → B's table answers
 *                      b. A enqueues its table, advances (EXECUTE verifies A's block), proves l1CallsConsumed
 *                 3. B enqueues its sync calls, advances (EXECUTE verifies B's block), proves syncResults
 *
 * The builder's loop ({@link prepareCrossRollup}), until both tables are stable:
 *
 *   tables ──build──▶ B's block (B's sync calls, results from its logs) and A's block (A's table)
 *     ▲                  │ A's block replayed: the callL1 requests, the entries consumed
 *     │                  ▼
 *     └── one debug_traceCall of B.syncExecute: B's requests (syncProxyCall frames, made by A's
 *         L1 calls) and A's L1 results (rollup A's CALL frames, answered by B's table)
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { executeFeeFor, readExecuteMarket } from "./execute-market.js";
import { bytesToHex } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider, Signer, TransactionReceipt } from "ethers";
import type { NextDelivery } from "../bridge/queue.js";
import type { BuiltBlock } from "../engine/build.js";
import { PREDEPLOYS } from "../engine/chain.js";
import { appendBlock, type L2Chain } from "../engine/state.js";
import { buildOn, L1_TRANSACTION_GAS_CAP, latestL1Block, type L1Anchor } from "../proposer/propose.js";
import { proveStorage, simulateL1, type L1Simulation } from "./bundle.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";
import { l1CallsConsumedSlot, l1CallsDelivery, l2Requests, reconcileL1Calls, rollupCalls, type L1Call } from "./l1-calls.js";
import {
  blockResults, DEFAULT_SYNC_GAS_LIMIT, MAX_SYNC_ROUNDS, proxyRequests, reconcileSyncCalls, sendSyncTransaction, syncDelivery, syncResultsSlot,
  SyncBuildError, SyncFailedError, SyncSimulationError, type SyncCall, type SyncTraceFrame,
} from "./sync.js";


/** Options of {@link prepareCrossRollup} and {@link sendCrossRollup}. */
export interface CrossRollupOptions {
  /** Rollup A: its L2 transactions call B through `callL1(B's proxy, …)`. */
  a: { rollup: Contract; chain: L2Chain; transactions: TypedTransaction[]; coinbase?: string };
  /** Rollup B (its NativeRollup connected to the signer that sends the L1 transaction). */
  b: { rollup: Contract; chain: L2Chain; coinbase?: string; gasLimit?: bigint };
  provider: JsonRpcApiProvider;
  /** The L1 block both L2 blocks are anchored to (default: the latest). */
  anchor?: L1Anchor;
}

/** One rollup's part of a prepared cross-rollup transaction. */
export interface CrossRollupLeg<Call> {
  rollup: string;
  calls: Call[];
  block: BuiltBlock;
  claim: BlockClaim;
  delivery: NextDelivery;
}

/** A cross-rollup transaction built and simulated: `data` is `B.syncExecute` calldata. */
export interface PreparedCrossRollup {
  a: CrossRollupLeg<L1Call> & { data: string };
  b: CrossRollupLeg<SyncCall>;
  data: string;
  /** The transaction's value: both blocks' EXECUTE fees. */
  value: bigint;
  rounds: number;
  simulation: L1Simulation;
}

/** What {@link sendCrossRollup} returns once L1 verified both blocks. */
export interface SentCrossRollup {
  prepared: PreparedCrossRollup;
  receipt: TransactionReceipt;
  /** The two BlockAdvanced events: A's (it advances first, inside B's L1 call), then B's. */
  events: { a: BlockAdvancedEvent; b: BlockAdvancedEvent };
}

/**
 * Builds the one L1 transaction that verifies A's block (whose transactions call B through L1)
 * and B's block (which makes those calls): B's execution table, A's L2 → L1 call table, both
 * blocks, both proofs and `B.syncExecute` calldata, simulated with `debug_traceCall` until both
 * tables settle. Nothing is sent. Throws {@link SyncBuildError} if they do not settle in
 * {@link MAX_SYNC_ROUNDS} rounds; a simulation that reverts otherwise is reported in `simulation`.
 */
export async function prepareCrossRollup(options: CrossRollupOptions): Promise<PreparedCrossRollup> {
  const { a, b, provider } = options;
  const iface = nativeRollupInterface();
  const syncProxyCall = iface.getFunction("syncProxyCall")!.selector.toLowerCase();
  const rollupA = (await a.rollup.getAddress()).toLowerCase();
  const rollupB = (await b.rollup.getAddress()).toLowerCase();
  const from = await (b.rollup.runner as Signer).getAddress();
  const anchor = options.anchor ?? (await latestL1Block(provider));
  const gasLimit = b.gasLimit ?? DEFAULT_SYNC_GAS_LIMIT;
  const legA = { rollup: a.rollup, chain: a.chain, provider };
  const legB = { rollup: b.rollup, chain: b.chain, provider };
  const targets = new Map<string, string>();
  const l2AddressOf = async (proxy: string) => {
    let to = targets.get(proxy.toLowerCase());
    if (to === undefined) targets.set(proxy.toLowerCase(), (to = (await b.rollup.getFunction("l2ProxyTarget")(proxy)) as string));
    return to;
  };

  // EXECUTE's fees (docs/execute.md, "Gas market"): A's is the value of B's L1 call (A's
  // advanceWithL1Calls), B's is its `executeFee`; the transaction carries both.
  const market = await readExecuteMarket(provider);
  let callsA: L1Call[] = [];
  let callsB: SyncCall[] = [];
  for (let round = 1; round <= MAX_SYNC_ROUNDS; round++) {
    // B's block: the sync calls A's L1 calls make, with their L2 results.
    const deliveryB = await syncDelivery(legB, anchor, callsB);
    const blockB = await buildOn(b.chain, anchor, b.coinbase ?? from, [], deliveryB);
    const results = blockResults(blockB);
    const firstIndex = deliveryB.messageCount - BigInt(callsB.length);
    callsB = callsB.map((c, k) => ({ ...c, ...(results.get(firstIndex + BigInt(k)) ?? { success: false, returnData: "0x" }) }));
    const claimB = blockClaim(blockB.header, anchor.number, deliveryB.messageCount);
    const proofB = await proveStorage(b.chain, blockB.header.stateRoot, PREDEPLOYS.messenger, [syncResultsSlot(blockB.header.number)]);
    // A's block: its transactions answered from A's table. Rollup B calls advanceWithL1Calls, so
    // B is the table message's sender.
    const deliveryA = await l1CallsDelivery(legA, anchor, callsA, rollupB);
    const blockA = await buildOn(a.chain, anchor, a.coinbase ?? from, a.transactions, deliveryA);
    const claimA = blockClaim(blockA.header, anchor.number, deliveryA.messageCount);
    const proofA = await proveStorage(a.chain, blockA.header.stateRoot, PREDEPLOYS.messenger, [l1CallsConsumedSlot(blockA.header.number)]);
    const dataA = iface.encodeFunctionData("advanceWithL1Calls", [
      claimA, blockA.input.transactions, blockA.input.witness, blockA.input.messages,
      { calls: callsA, accountProof: proofA.account, storageProof: proofA.storage[0]!.proof },
    ]);
    const feeA = executeFeeFor(market, blockA.header.gasUsed);
    const feeB = executeFeeFor(market, blockB.header.gasUsed);
    const sync = { calls: callsB, target: rollupA, data: dataA, executeFee: feeB, accountProof: proofB.account, storageProof: proofB.storage[0]!.proof };
    const data = iface.encodeFunctionData("syncExecute", [claimB, blockB.input.transactions, blockB.input.witness, blockB.input.messages, sync]);
    const value = feeA + feeB;
    const request = { from, to: rollupB, data, value: "0x" + value.toString(16), gas: "0x" + L1_TRANSACTION_GAS_CAP.toString(16) };
    const asked = await l2Requests(a.chain, blockA);
    // A's L1 calls run before either EXECUTE, so the trace holds all of them even though EDR's
    // debug_traceCall does not run EXECUTE through its hook.
    const trace = (await provider.send("debug_traceCall", [request, "pending", { tracer: "callTracer" }])) as SyncTraceFrame;

    // B first: A's L1 calls made these requests of B's proxies; a request that differs from B's
    // table replaces the rest (later ones may depend on its result).
    const correctedB = await reconcileSyncCalls(callsB, proxyRequests(trace, rollupB, syncProxyCall), l2AddressOf, gasLimit);
    if (correctedB !== undefined) {
      callsB = correctedB;
      continue;
    }

    // Then A, as prepareL1Calls does: the L1 results (B's answers through its proxy), the first
    // unanswered request, the entries A's block did not consume.
    const corrected = reconcileL1Calls(callsA, rollupCalls(trace, rollupA).slice(0, callsA.length), asked);
    if (corrected !== undefined) {
      callsA = corrected;
      continue;
    }

    const base = {
      a: { rollup: rollupA, calls: callsA, block: blockA, claim: claimA, delivery: deliveryA, data: dataA },
      b: { rollup: rollupB, calls: callsB, block: blockB, claim: claimB, delivery: deliveryB },
      data,
      value,
      rounds: round,
    };
    return { ...base, simulation: await simulateL1(provider, request, [iface]) };
  }
  throw new SyncBuildError("The cross-rollup tables did not settle: A's calls to B keep changing", { rounds: MAX_SYNC_ROUNDS });
}

/**
 * Sends a prepared cross-rollup transaction (to rollup B) and, once L1 verified both blocks,
 * appends them to A's and B's chains. On a revert nothing is appended on either side and it
 * throws {@link SyncFailedError} with the decoded error.
 */
export async function sendPreparedCrossRollup(
  options: Pick<CrossRollupOptions, "provider"> & { a: { chain: L2Chain }; b: { rollup: Contract; chain: L2Chain } },
  prepared: PreparedCrossRollup,
  gasLimit?: bigint,
): Promise<SentCrossRollup> {
  const request = { to: prepared.b.rollup, data: prepared.data, value: prepared.value };
  const receipt = await sendSyncTransaction(options.b.rollup.runner as Signer, options.provider, request, gasLimit, "the cross-rollup syncExecute", [nativeRollupInterface()]);
  const events = parseBlockAdvanced(receipt.logs);
  const byHash = (hash: Uint8Array) => events.find((e) => e.blockHash.toLowerCase() === bytesToHex(hash).toLowerCase())!;
  for (const [chain, block] of [[options.a.chain, prepared.a.block], [options.b.chain, prepared.b.block]] as const) {
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  }
  return { prepared, receipt, events: { a: byHash(prepared.a.block.header.hash()), b: byHash(prepared.b.block.header.hash()) } };
}

/**
 * One L1 transaction in which rollup A's L2 transactions call rollup B synchronously through L1
 * and both blocks are verified ({@link prepareCrossRollup}, then {@link sendPreparedCrossRollup}).
 * Refuses to send one whose simulation reverts ({@link SyncSimulationError}).
 *
 * ```ts
 * const proxy = await createL2Proxy(rollupB, poolOnB);       // B's L1 stand-in of the pool
 * // on A: buyer.buy(proxy, 1000, 0) → L2Messenger.callL1(proxy, pool.buy(1000, 0))
 * const { events } = await sendCrossRollup({ a: { rollup: rollupA, chain: chainA, transactions: [signedBuy] }, b: { rollup: rollupB, chain: chainB }, provider });
 * ```
 */
export async function sendCrossRollup(options: CrossRollupOptions): Promise<SentCrossRollup> {
  const prepared = await prepareCrossRollup(options);
  if (!prepared.simulation.ok) {
    const { errorName, error } = prepared.simulation;
    throw new SyncSimulationError(`The cross-rollup transaction would revert: ${errorName}`, { errorName, error, callsA: prepared.a.calls.length, callsB: prepared.b.calls.length });
  }
  return sendPreparedCrossRollup(options, prepared);
}
