/**
 * L1 → L2 → L1 in one rollup (docs/sync.md, "Nesting"): an L1 call calls an L2 contract through
 * its L2Proxy, and that L2 contract calls an L1 contract (`L2Messenger.callL1`) and uses its
 * result, all in one L1 transaction (`NativeRollup.syncExecuteNested`).
 *
 * The builder's loop ({@link prepareSyncNested}), until both tables are stable:
 *
 *   sync table + L2 → L1 table ──build──▶ L2 block: the queue, the L2 → L1 table, the sync calls
 *        ▲                                  │ replayed: which sync call asked which callL1
 *        │                                  ▼
 *        └── L1 results of the nested calls, the L1 call's proxy requests ◀── debug_traceCall
 *
 * Fixes are made earliest first: a nested L1 result that differs from the table (L2 ran on a
 * wrong answer from there on), then a callL1 the table does not hold, then entries L2 did not
 * consume, then the L1 call's proxy requests (as {@link prepareSync}).
 */
import { createAddressFromString, bytesToHex } from "@ethereumjs/util";
import type { Message } from "@ethereumjs/evm";
import { type JsonRpcApiProvider, type Signer } from "ethers";
import { anchorCommitment, rollingHashOf, type L1Message } from "../bridge/messages.js";
import { deliveredCount, readQueue, type NextDelivery } from "../bridge/queue.js";
import { PREDEPLOYS } from "../engine/chain.js";
import { appendBlock, type L2Chain } from "../engine/state.js";
import type { BuiltBlock } from "../engine/build.js";
import { buildOn, L1_TRANSACTION_GAS_CAP, type L1Anchor } from "../proposer/propose.js";
import { artifactInterface } from "../shared/artifacts.js";
import { proveStorage, simulateL1 } from "./bundle.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced } from "./contracts.js";
import { executeFeeFor, readExecuteMarket } from "./execute-market.js";
import { encodeL1Calls, L1_CALLS_SOURCE, l1CallsConsumedSlot, replayObserved, type L1Call } from "./l1-calls.js";
import {
  blockResults,
  MAX_SYNC_ROUNDS,
  proxyRequests,
  reconcileSyncCalls,
  syncStart,
  sendSyncTransaction,
  SYNC_SOURCE,
  SyncBuildError,
  syncResultsSlot,
  SyncSimulationError,
  type PreparedSync,
  type SentSync,
  type SyncCall,
  type SyncOptions,
  type SyncTraceFrame,
} from "./sync.js";

const ZERO_HASH = "0x" + "00".repeat(32);

/** Options of {@link prepareSyncNested}: {@link SyncOptions} without the user path's tracer. */
export type SyncNestedOptions = Omit<SyncOptions, "traceRound">;

/** A `syncExecuteNested` transaction built and simulated: {@link PreparedSync} plus the L2 → L1 table. */
export interface PreparedSyncNested extends PreparedSync {
  /** The nested L2 → L1 calls, in the order L2 answered them. */
  l1Calls: L1Call[];
  /** One per sync call: how many of `l1Calls` it made. */
  perEntry: bigint[];
}

/** The messages the block delivers: L1's undelivered queue, the L2 → L1 table (sent by `from`), then the sync calls. */
export async function nestedDelivery(options: Pick<SyncOptions, "rollup" | "chain" | "provider">, anchor: L1Anchor, calls: readonly SyncCall[], l1Calls: readonly L1Call[], from: string): Promise<NextDelivery> {
  const { rollup, chain } = options;
  const delivered = await deliveredCount(chain);
  const queued = (await rollup.getFunction("messageCount")()) as bigint;
  const onL1 = queued > delivered ? await readQueue(rollup, options.provider, delivered, queued) : [];
  const table: L1Message = { index: queued, sender: from, sourceRollup: L1_CALLS_SOURCE, to: PREDEPLOYS.messenger, value: 0n, fee: 0n, gasLimit: 0n, data: encodeL1Calls(l1Calls) };
  const sync: L1Message[] = calls.map((c, k) => ({
    index: queued + 1n + BigInt(k), sender: c.caller, sourceRollup: SYNC_SOURCE, to: c.to, value: c.value, fee: 0n, gasLimit: c.gasLimit, data: c.data,
  }));
  const messages = [...onL1, table, ...sync];
  const count = delivered + BigInt(messages.length);
  const start = delivered === 0n ? ZERO_HASH : ((await rollup.getFunction("rollingHash")(delivered)) as string);
  const rollingHash = rollingHashOf(messages, start);
  return { messageCount: count, anchor: anchorCommitment(anchor.hash, count, rollingHash), delivery: { l1BlockHash: anchor.hash, count, rollingHash, messages } };
}

/** What the sync calls of a built block asked of `callL1`, replayed with an EVM listener. */
export interface NestedRequests {
  /** Per sync call: `callL1`s answered in its frame, those later undone by a revert included. */
  attempted: number[];
  /** Per sync call: answers it kept (the messenger's cursor after its frame minus before). */
  kept: number[];
  /** Entries consumed once the delivery is done. */
  consumed: number;
  /** The first `callL1` of a sync call that the table could not answer: its index and request. */
  wanted?: { index: number; request: Omit<L1Call, "success" | "returnData"> };
}

/**
 * Re-runs a built block on a throwaway VM and follows the sync calls' frames (the messenger's
 * calls, during the delivery, matching the table's calls in order) and the `callL1` frames in
 * them: the cursor moves on an answered one and goes back when an enclosing frame reverts.
 */
export async function nestedRequests(chain: L2Chain, block: BuiltBlock, calls: readonly SyncCall[]): Promise<NestedRequests> {
  const iface = artifactInterface("l2/L2Messenger.sol", "L2Messenger");
  const selector = iface.getFunction("callL1")!.selector;
  const refusals = new Set(["L2Messenger_L1CallUnexpected", "L2Messenger_L1CallMismatch"].map((n) => iface.getError(n)!.selector));
  const messenger = createAddressFromString(PREDEPLOYS.messenger);
  const out: NestedRequests = { attempted: calls.map(() => 0), kept: calls.map(() => 0), consumed: 0 };
  let cursor = 0;
  let next = 0; // the next sync call to look for
  let entry: number | undefined; // the sync call whose frame is running
  const stack: { cursor: number; request?: Omit<L1Call, "success" | "returnData">; entry?: number }[] = [];
  const before = (message: Message, resolve?: (r?: unknown) => void) => {
    const data = bytesToHex(message.data);
    let request: Omit<L1Call, "success" | "returnData"> | undefined;
    let opens: number | undefined;
    if (message.to?.equals(messenger) && data.startsWith(selector)) {
      const [target, callData] = iface.decodeFunctionData("callL1", data) as unknown as [string, string];
      request = { caller: message.caller.toString(), target, data: callData };
    } else if (entry === undefined && message.caller.equals(messenger) && next < calls.length) {
      const c = calls[next]!;
      if (message.to?.toString().toLowerCase() === c.to.toLowerCase() && data.toLowerCase() === c.data.toLowerCase()) opens = next++;
    }
    if (opens !== undefined) entry = opens;
    stack.push({ cursor, request, entry: opens });
    resolve?.();
  };
  const after = (result: { execResult: { exceptionError?: unknown; returnValue: Uint8Array } }, resolve?: (r?: unknown) => void) => {
    const frame = stack.pop()!;
    const failed = result.execResult.exceptionError !== undefined;
    if (failed) {
      cursor = frame.cursor;
      const revert = bytesToHex(result.execResult.returnValue).slice(0, 10);
      if (frame.request !== undefined && entry !== undefined && out.wanted === undefined && refusals.has(revert)) out.wanted = { index: frame.cursor, request: frame.request };
    } else if (frame.request !== undefined) {
      cursor = frame.cursor + 1;
      if (entry !== undefined) out.attempted[entry] = out.attempted[entry]! + 1;
    }
    if (frame.entry !== undefined) {
      out.kept[frame.entry] = cursor - frame.cursor;
      entry = undefined;
    }
    resolve?.();
  };
  await replayObserved(chain, block, before, after);
  out.consumed = cursor;
  return out;
}

/**
 * The nested L1 calls a traced run made, in order: inside each `syncProxyCall` frame into the
 * rollup, the CALL frames from the rollup (through its DELEGATECALL frames, not into the calls).
 */
export function nestedFrames(frame: SyncTraceFrame, rollup: string, selector: string): SyncTraceFrame[] {
  const out: SyncTraceFrame[] = [];
  const inside = (f: SyncTraceFrame) => {
    for (const child of f.calls ?? []) {
      if (child.from.toLowerCase() === rollup && child.type === "CALL") out.push(child);
      else if (child.type === "DELEGATECALL") inside(child);
    }
  };
  for (const proxyCall of proxyRequests(frame, rollup, selector)) inside(proxyCall);
  return out;
}

const sameL1Request = (a: Omit<L1Call, "success" | "returnData">, b: Omit<L1Call, "success" | "returnData">) =>
  a.caller.toLowerCase() === b.caller.toLowerCase() && a.target.toLowerCase() === b.target.toLowerCase() && a.data.toLowerCase() === b.data.toLowerCase();

/**
 * Builds the `syncExecuteNested` transaction: the sync table, the nested L2 → L1 table with each
 * sync call's share, the L2 block answered from both, the proofs of its `syncResults` and
 * `l1CallsConsumed`, and the calldata, simulated until both tables are stable. Nothing is sent.
 * Throws {@link SyncBuildError} if they do not settle in {@link MAX_SYNC_ROUNDS} rounds (e.g. a
 * sync call that calls L1 and then reverts whatever the answer: its entries are never kept).
 */
export async function prepareSyncNested(options: SyncNestedOptions): Promise<PreparedSyncNested> {
  const { rollup, chain, provider } = options;
  const { rollupAddress, iface, selector, from, anchor, coinbase, value, gasLimit } = await syncStart(options);
  const market = await readExecuteMarket(provider);
  const targets = new Map<string, string>();
  const l2AddressOf = async (proxy: string) => {
    let to = targets.get(proxy.toLowerCase());
    if (to === undefined) targets.set(proxy.toLowerCase(), (to = (await rollup.getFunction("l2ProxyTarget")(proxy)) as string));
    return to;
  };
  let calls: SyncCall[] = [];
  let l1Calls: L1Call[] = [];
  for (let round = 1; round <= MAX_SYNC_ROUNDS; round++) {
    const delivery = await nestedDelivery(options, anchor, calls, l1Calls, from);
    const block = await buildOn(chain, anchor, coinbase, options.transactions ?? [], delivery);
    const results = blockResults(block);
    const firstIndex = delivery.messageCount - BigInt(calls.length);
    calls = calls.map((c, k) => ({ ...c, ...(results.get(firstIndex + BigInt(k)) ?? { success: false, returnData: "0x" }) }));
    const asked = await nestedRequests(chain, block, calls);
    const claim = blockClaim(block.header, anchor.number, delivery.messageCount);
    const proof = await proveStorage(chain, block.header.stateRoot, PREDEPLOYS.messenger, [syncResultsSlot(block.header.number), l1CallsConsumedSlot(block.header.number)]);
    const executeFee = executeFeeFor(market, block.header.gasUsed);
    const encode = (table: SyncCall[], perEntry: bigint[]) => {
      const sync = { calls: table, target: options.target, data: options.data, executeFee, accountProof: proof.account, storageProof: proof.storage[0]!.proof };
      const l1 = { calls: l1Calls, perEntry, accountProof: proof.account, storageProof: proof.storage[1]!.proof };
      const data = iface.encodeFunctionData("syncExecuteNested", [claim, block.input.transactions, block.input.witness, block.input.messages, sync, l1]);
      return { from, to: rollupAddress, data, value: "0x" + (value + executeFee).toString(16), gas: "0x" + L1_TRANSACTION_GAS_CAP.toString(16) };
    };
    const trace = (request: ReturnType<typeof encode>) => provider.send("debug_traceCall", [request, "pending", { tracer: "callTracer" }]) as Promise<SyncTraceFrame>;
    const request = encode(calls, asked.kept.map(BigInt));
    // A sync call that used answers and then reverted (on a placeholder or a wrong one): traced
    // as successful with all it used, so that L1 makes those calls and shows their results.
    const undone = asked.attempted.some((a, k) => a !== asked.kept[k]);
    const probe = undone ? encode(calls.map((c, k) => (asked.attempted[k]! > 0 ? { ...c, success: true } : c)), asked.attempted.map(BigInt)) : request;
    let traced = await trace(probe);

    // 1. A nested L1 result that differs from the table, at or before the first unanswered request.
    const made = nestedFrames(traced, rollupAddress, selector).slice(0, l1Calls.length);
    const differs = made.findIndex((f, j) => (f.error === undefined) !== l1Calls[j]!.success || (f.output ?? "0x").toLowerCase() !== l1Calls[j]!.returnData.toLowerCase());
    const wantedAt = asked.wanted?.index ?? Infinity;
    if (differs >= 0 && differs <= wantedAt) {
      const f = made[differs]!;
      l1Calls = [...l1Calls.slice(0, differs), { ...l1Calls[differs]!, success: f.error === undefined, returnData: f.output ?? "0x" }];
      continue;
    }
    // 2. A callL1 the table does not hold at its place; 3. entries L2 did not keep.
    if (asked.wanted !== undefined && (l1Calls[wantedAt] === undefined || !sameL1Request(l1Calls[wantedAt]!, asked.wanted.request))) {
      l1Calls = [...l1Calls.slice(0, wantedAt), { ...asked.wanted.request, success: false, returnData: "0x" }];
      continue;
    }
    if (asked.consumed < l1Calls.length) {
      l1Calls = l1Calls.slice(0, asked.consumed);
      continue;
    }
    // 4. The L1 call's proxy requests, from a trace of the real table.
    if (undone) traced = await trace(request);
    const corrected = await reconcileSyncCalls(calls, proxyRequests(traced, rollupAddress, selector), l2AddressOf, gasLimit);
    if (corrected !== undefined) {
      calls = corrected;
      continue;
    }
    const base = { rollup: rollupAddress, calls, l1Calls, perEntry: asked.kept.map(BigInt), block, claim, delivery, data: request.data, value: value + executeFee, rounds: round };
    return { ...base, simulation: await simulateL1(provider, request, [iface, ...(options.interfaces ?? [])]) };
  }
  throw new SyncBuildError("The sync and L2 → L1 tables did not settle: the nested calls keep changing", { rounds: MAX_SYNC_ROUNDS, target: options.target });
}

/**
 * Sends a prepared `syncExecuteNested` and, once L1 verified it, appends its L2 block to
 * `options.chain`. A revert appends nothing and throws `SyncFailedError` with the decoded error.
 */
export async function sendPreparedSyncNested(options: Pick<SyncOptions, "rollup" | "chain" | "provider" | "interfaces">, prepared: PreparedSyncNested, gasLimit?: bigint): Promise<SentSync & { prepared: PreparedSyncNested }> {
  const request = { to: prepared.rollup, data: prepared.data, value: prepared.value };
  const iface = nativeRollupInterface();
  const receipt = await sendSyncTransaction(options.rollup.runner as Signer, options.provider, request, gasLimit, "syncExecuteNested", [iface, ...(options.interfaces ?? [])]);
  const event = parseBlockAdvanced(receipt.logs)[0]!;
  appendBlock(options.chain, { header: prepared.block.header, transactions: prepared.block.transactions, receipts: prepared.block.receipts });
  const returnData = prepared.simulation.ok ? (iface.decodeFunctionResult("syncExecuteNested", prepared.simulation.returnData)[0] as string) : "0x";
  return { prepared, receipt, event, returnData };
}

/**
 * One L1 transaction whose L1 call calls L2 contracts that call L1 ({@link prepareSyncNested},
 * then {@link sendPreparedSyncNested}). Refuses to send one whose simulation reverts
 * ({@link SyncSimulationError}).
 *
 * ```ts
 * const proxy = await createL2Proxy(rollup, oracleUserOnL2);
 * const { returnData } = await sendSyncNested({ rollup, chain, provider, target: proxy, data: buy(feed, 2, 150) });
 * ```
 */
export async function sendSyncNested(options: SyncNestedOptions & { provider: JsonRpcApiProvider }): Promise<SentSync & { prepared: PreparedSyncNested }> {
  const prepared = await prepareSyncNested(options);
  if (!prepared.simulation.ok) {
    const { errorName, error } = prepared.simulation;
    throw new SyncSimulationError(`The nested sync transaction would revert: ${errorName}`, { errorName, error, calls: prepared.calls.length, l1Calls: prepared.l1Calls.length });
  }
  return sendPreparedSyncNested(options, prepared);
}
