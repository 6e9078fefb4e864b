/**
 * Synchronous L2 → L1 calls (docs/sync.md, "L2 → L1"): L2 transactions that call L1 contracts
 * through `L2Messenger.callL1` and use the answers, in a block that one L1 transaction
 * (`NativeRollup.advanceWithL1Calls`) verifies after making the same L1 calls and comparing.
 *
 * The builder's loop ({@link prepareL1Calls}), until the table is stable:
 *
 *   table ──build──▶ L2 block (the queue, then the table message, then the transactions)
 *     ▲                 │ replayed with an EVM listener: the callL1 requests, the entries consumed
 *     │                 ▼
 *     └── the L1 results ◀── debug_traceCall of advanceWithL1Calls (its L1 calls run first)
 */
import { executeFeeFor, readExecuteMarket } from "./execute-market.js";
import { createAddressFromString, bytesToHex } from "@ethereumjs/util";
import type { Message } from "@ethereumjs/evm";
import { AbiCoder, keccak256, type Contract, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { rollingHashOf, type L1Message } from "../bridge/messages.js";
import { deliveredCount, readQueue, type NextDelivery } from "../bridge/queue.js";
import { applyBlockBody, type BlockEnv } from "../engine/apply.js";
import { createEngineVM } from "../engine/vm.js";
import { createL2Common, PREDEPLOYS } from "../engine/chain.js";
import { OverlayDB } from "../engine/query.js";
import { appendBlock, chainHead, type L2Chain } from "../engine/state.js";
import type { BuiltBlock } from "../engine/build.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { anchorCommitment } from "../bridge/messages.js";
import { buildOn, L1_TRANSACTION_GAS_CAP, latestL1Block, type L1Anchor } from "../proposer/propose.js";
import { artifactInterface } from "../shared/artifacts.js";
import { proveStorage, simulateL1, type L1Simulation } from "./bundle.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";
import { SyncBuildError, SyncFailedError, SyncSimulationError, MAX_SYNC_ROUNDS, sendSyncTransaction } from "./sync.js";

/** `NativeRollup.L1_CALLS_SOURCE`: the `sourceRollup` of the message carrying a block's L2 → L1 call table. */
export const L1_CALLS_SOURCE = "0x0000000000000000000000000000000000000002";
/** The storage slot of `L2Messenger.l1CallsConsumed` (a mapping by L2 block number). */
export const L1_CALLS_CONSUMED_SLOT = 7n;

const abi = AbiCoder.defaultAbiCoder();
const ZERO_HASH = "0x" + "00".repeat(32);
const L1_CALL_TUPLE = "tuple(address caller, address target, bytes data, bool success, bytes returnData)";

/** One L2 → L1 call and its L1 result (`INativeRollup.L1Call`). */
export interface L1Call {
  caller: string;
  target: string;
  data: string;
  success: boolean;
  returnData: string;
}

/** Options of {@link prepareL1Calls} and {@link sendL1Calls}. */
export interface L1CallOptions {
  /** The NativeRollup, connected to the signer that sends the L1 transaction. */
  rollup: Contract;
  chain: L2Chain;
  provider: JsonRpcApiProvider;
  /** The block's L2 transactions (signed), in order: their `callL1`s are the L2 → L1 calls. */
  transactions: TypedTransaction[];
  /** The L2 block's coinbase (default: the sender). */
  coinbase?: string;
  /** The L1 block the L2 block is anchored to (default: the latest). */
  anchor?: L1Anchor;
}

/** An `advanceWithL1Calls` transaction built and simulated. */
export interface PreparedL1Calls {
  rollup: string;
  calls: L1Call[];
  block: BuiltBlock;
  claim: BlockClaim;
  delivery: NextDelivery;
  /** `advanceWithL1Calls` calldata. */
  data: string;
  /** The transaction's value: EXECUTE's fee (docs/execute.md, "Gas market"). */
  value: bigint;
  rounds: number;
  simulation: L1Simulation;
}

/** What {@link sendL1Calls} returns once L1 verified the block. */
export interface SentL1Calls {
  prepared: PreparedL1Calls;
  receipt: TransactionReceipt;
  event: BlockAdvancedEvent;
}

/** The storage key of `L2Messenger.l1CallsConsumed[number]`. */
export function l1CallsConsumedSlot(number: bigint): string {
  return keccak256(abi.encode(["uint256", "uint256"], [number, L1_CALLS_CONSUMED_SLOT]));
}

/** The fold L1 and the messenger compute over a block's L2 → L1 calls (docs/sync.md). */
export function l1CallsHash(calls: readonly L1Call[]): string {
  return calls.reduce((h, c) => {
    const entry = keccak256(abi.encode(["address", "address", "bytes32", "bool", "bytes32"], [c.caller, c.target, keccak256(c.data), c.success, keccak256(c.returnData)]));
    return keccak256(abi.encode(["bytes32", "bytes32"], [h, entry]));
  }, ZERO_HASH);
}

/** The table message's data: `abi.encode(L1Call[])`. */
export function encodeL1Calls(calls: readonly L1Call[]): string {
  return abi.encode([`${L1_CALL_TUPLE}[]`], [calls.map((c) => [c.caller, c.target, c.data, c.success, c.returnData])]);
}

const messenger = () => artifactInterface("l2/L2Messenger.sol", "L2Messenger");

/** The messages the block delivers: L1's undelivered queue, then the table message (sent by `from`, who calls `advanceWithL1Calls`). */
export async function l1CallsDelivery(options: Pick<L1CallOptions, "rollup" | "chain" | "provider">, anchor: L1Anchor, calls: readonly L1Call[], from: string): Promise<NextDelivery> {
  const { rollup, chain } = options;
  const delivered = await deliveredCount(chain);
  const queued = (await rollup.getFunction("messageCount")()) as bigint;
  const onL1 = queued > delivered ? await readQueue(rollup, options.provider, delivered, queued) : [];
  const table: L1Message = { index: queued, sender: from, sourceRollup: L1_CALLS_SOURCE, to: PREDEPLOYS.messenger, value: 0n, fee: 0n, gasLimit: 0n, data: encodeL1Calls(calls) };
  const messages = [...onL1, table];
  const count = delivered + BigInt(messages.length);
  const start = delivered === 0n ? ZERO_HASH : ((await rollup.getFunction("rollingHash")(delivered)) as string);
  const rollingHash = rollingHashOf(messages, start);
  return { messageCount: count, anchor: anchorCommitment(anchor.hash, count, rollingHash), delivery: { l1BlockHash: anchor.hash, count, rollingHash, messages } };
}

/** What the block's transactions asked of `callL1`, replayed with an EVM listener. */
export interface L2Requests {
  /** Entries consumed once the block is done (the messenger's cursor). */
  consumed: number;
  /** The first `callL1` the table could not answer: its index and request. */
  wanted?: { index: number; request: Omit<L1Call, "success" | "returnData"> };
}

/**
 * Re-runs a built block on a throwaway VM and follows `callL1` frames: the cursor moves on an
 * answered one and goes back when an enclosing frame reverts (as the messenger's storage does).
 */
export async function l2Requests(chain: L2Chain, block: BuiltBlock): Promise<L2Requests> {
  const iface = messenger();
  const selector = iface.getFunction("callL1")!.selector;
  const refusals = new Set(["L2Messenger_L1CallUnexpected", "L2Messenger_L1CallMismatch"].map((n) => iface.getError(n)!.selector));
  const messengerAddress = createAddressFromString(PREDEPLOYS.messenger);
  let cursor = 0;
  let wanted: L2Requests["wanted"];
  const stack: { cursor: number; request?: Omit<L1Call, "success" | "returnData"> }[] = [];
  const before = (message: Message, resolve?: (r?: unknown) => void) => {
    let request: Omit<L1Call, "success" | "returnData"> | undefined;
    const data = bytesToHex(message.data);
    if (message.to?.equals(messengerAddress) && data.startsWith(selector)) {
      const [target, callData] = iface.decodeFunctionData("callL1", data) as unknown as [string, string];
      request = { caller: message.caller.toString(), target, data: callData };
    }
    stack.push({ cursor, request });
    resolve?.();
  };
  const after = (result: { execResult: { exceptionError?: unknown; returnValue: Uint8Array } }, resolve?: (r?: unknown) => void) => {
    const frame = stack.pop()!;
    if (result.execResult.exceptionError !== undefined) {
      cursor = frame.cursor;
      const revert = bytesToHex(result.execResult.returnValue).slice(0, 10);
      if (frame.request !== undefined && wanted === undefined && refusals.has(revert)) wanted = { index: frame.cursor, request: frame.request };
    } else if (frame.request !== undefined) cursor = frame.cursor + 1;
    resolve?.();
  };
  await replayObserved(chain, block, before, after);
  return { consumed: cursor, wanted };
}

/** A listener of the EVM's `beforeMessage` / `afterMessage` events (ethereumjs' async form). */
type MessageListener<T> = (event: T, resolve?: (r?: unknown) => void) => void;

/**
 * Re-runs a built block on its chain's head, on a throwaway VM (an overlay over the chain's
 * database), with `before` and `after` told of every message frame: how the builders find the
 * L1 calls an L2 block asked for.
 */
export async function replayObserved(
  chain: L2Chain,
  block: BuiltBlock,
  before: MessageListener<Message>,
  after: MessageListener<{ execResult: { exceptionError?: unknown; returnValue: Uint8Array } }>,
): Promise<void> {
  const parent = chainHead(chain);
  const vm = await createEngineVM({ common: createL2Common(chain.genesis.chainId), db: new OverlayDB(chain.db), stateRoot: parent.stateRoot, ancestors: (n) => chain.headers[Number(n)]!, nestingDepth: chain.genesis.nestingDepth });
  const events = vm.evm.events!;
  events.on("beforeMessage", before);
  events.on("afterMessage", after);
  const h = block.header;
  const env: BlockEnv = { number: h.number, parentHash: h.parentHash, timestamp: h.timestamp, coinbase: h.coinbase.bytes, gasLimit: h.gasLimit, baseFeePerGas: h.baseFeePerGas ?? 0n, prevRandao: h.mixHash, anchor: block.input.anchor };
  try {
    await applyBlockBody(vm, env, block.transactions, "verify", { messages: block.input.messages });
  } finally {
    events.off("beforeMessage", before);
    events.off("afterMessage", after);
  }
}

/** A `callTracer` frame (the fields read here). */
export interface TraceFrame {
  from: string;
  to?: string;
  type?: string;
  output?: string;
  error?: string;
  calls?: TraceFrame[];
}

/** The rollup's outgoing CALL frames in order, not looking inside them: its L1 calls come first. */
export function rollupCalls(frame: TraceFrame, rollup: string, out: TraceFrame[] = []): TraceFrame[] {
  for (const child of frame.calls ?? []) {
    if (child.from.toLowerCase() === rollup && child.type === "CALL") out.push(child);
    else rollupCalls(child, rollup, out);
  }
  return out;
}

const sameRequest = (a: Omit<L1Call, "success" | "returnData">, b: Omit<L1Call, "success" | "returnData">) =>
  a.caller.toLowerCase() === b.caller.toLowerCase() && a.target.toLowerCase() === b.target.toLowerCase() && a.data.toLowerCase() === b.data.toLowerCase();

/**
 * One round of settling a block's L2 → L1 call table: `made` are the L1 frames that answered the
 * table's calls (from a `debug_traceCall` of the advance), `asked` what the block built on the
 * table requested. Returns the corrected table, or undefined when the table is settled:
 * - an L1 answer that differs from the table's (at or before the first unanswered request): the L2
 *   ran on a wrong answer from there on, so take L1's and drop what followed;
 * - a request the table does not hold at its place: add it (unanswered), drop what followed;
 * - entries the block did not consume: drop them.
 */
export function reconcileL1Calls(calls: readonly L1Call[], made: readonly TraceFrame[], asked: L2Requests): L1Call[] | undefined {
  const differs = made.findIndex((f, k) => (f.error === undefined) !== calls[k]!.success || (f.output ?? "0x").toLowerCase() !== calls[k]!.returnData.toLowerCase());
  const wantedAt = asked.wanted?.index ?? Infinity;
  if (differs >= 0 && differs <= wantedAt) {
    const f = made[differs]!;
    return [...calls.slice(0, differs), { ...calls[differs]!, success: f.error === undefined, returnData: f.output ?? "0x" }];
  }
  if (asked.wanted !== undefined) {
    const known = calls[wantedAt];
    if (known === undefined || !sameRequest(known, asked.wanted.request)) return [...calls.slice(0, wantedAt), { ...asked.wanted.request, success: false, returnData: "0x" }];
  }
  if (asked.consumed < calls.length) return calls.slice(0, asked.consumed);
  return undefined;
}

/**
 * Builds the `advanceWithL1Calls` transaction: the table of L2 → L1 calls the block's
 * transactions make, each with the result L1 gives it now (`debug_traceCall` at `pending`), the
 * block answered from that table, the proof of its `l1CallsConsumed`, and the calldata. Nothing
 * is sent. Throws {@link SyncBuildError} if the table does not settle in {@link MAX_SYNC_ROUNDS}
 * rounds (e.g. a transaction that calls L1 and then reverts: its entries are not consumed).
 */
export async function prepareL1Calls(options: L1CallOptions): Promise<PreparedL1Calls> {
  const { rollup, chain, provider } = options;
  const rollupAddress = (await rollup.getAddress()).toLowerCase();
  const iface = nativeRollupInterface();
  const from = await (rollup.runner as Signer).getAddress();
  const anchor = options.anchor ?? (await latestL1Block(provider));
  const coinbase = options.coinbase ?? from;
  // EXECUTE's fee (docs/execute.md, "Gas market"), the transaction's value.
  const market = await readExecuteMarket(provider);
  let calls: L1Call[] = [];
  for (let round = 1; round <= MAX_SYNC_ROUNDS; round++) {
    const delivery = await l1CallsDelivery(options, anchor, calls, from);
    const block = await buildOn(chain, anchor, coinbase, options.transactions, delivery);
    const claim = blockClaim(block.header, anchor.number, delivery.messageCount);
    const proof = await proveStorage(chain, block.header.stateRoot, PREDEPLOYS.messenger, [l1CallsConsumedSlot(block.header.number)]);
    const l1 = { calls, accountProof: proof.account, storageProof: proof.storage[0]!.proof };
    const data = iface.encodeFunctionData("advanceWithL1Calls", [claim, block.input.transactions, block.input.witness, block.input.messages, l1]);
    const value = executeFeeFor(market, block.header.gasUsed);
    const request = { from, to: rollupAddress, data, value: "0x" + value.toString(16), gas: "0x" + L1_TRANSACTION_GAS_CAP.toString(16) };
    const asked = await l2Requests(chain, block);
    // The L1 results of the table's calls: the first that differs makes the trace revert there.
    const trace = calls.length === 0 ? undefined : ((await provider.send("debug_traceCall", [request, "pending", { tracer: "callTracer" }])) as TraceFrame);
    const made = trace === undefined ? [] : rollupCalls(trace, rollupAddress).slice(0, calls.length);
    const corrected = reconcileL1Calls(calls, made, asked);
    if (corrected !== undefined) {
      calls = corrected;
      continue;
    }
    const base = { rollup: rollupAddress, calls, block, claim, delivery, data, value, rounds: round };
    return { ...base, simulation: await simulateL1(provider, request, [iface]) };
  }
  throw new SyncBuildError("The L2 → L1 call table did not settle: the block's L1 calls keep changing", { rounds: MAX_SYNC_ROUNDS });
}

/**
 * Sends a prepared `advanceWithL1Calls` and, once L1 verified it, appends the block to
 * `options.chain`. On a revert nothing is appended and it throws {@link SyncFailedError} with the
 * decoded error (`NativeRollup_L1CallResultMismatch` when L1 state moved since the build: rebuild).
 */
export async function sendPreparedL1Calls(options: Pick<L1CallOptions, "rollup" | "chain" | "provider">, prepared: PreparedL1Calls, gasLimit?: bigint): Promise<SentL1Calls> {
  const request = { to: prepared.rollup, data: prepared.data, value: prepared.value };
  const receipt = await sendSyncTransaction(options.rollup.runner as Signer, options.provider, request, gasLimit, "advanceWithL1Calls", [nativeRollupInterface()]);
  const event = parseBlockAdvanced(receipt.logs)[0]!;
  const { block } = prepared;
  appendBlock(options.chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return { prepared, receipt, event };
}

/**
 * One L1 transaction that verifies an L2 block whose transactions call L1 synchronously
 * ({@link prepareL1Calls}, then {@link sendPreparedL1Calls}). Refuses to send one whose simulation
 * reverts ({@link SyncSimulationError}).
 *
 * ```ts
 * const { event } = await sendL1Calls({ rollup, chain, provider, transactions: [signedBuy] });
 * ```
 */
export async function sendL1Calls(options: L1CallOptions): Promise<SentL1Calls> {
  const prepared = await prepareL1Calls(options);
  if (!prepared.simulation.ok) {
    const { errorName, error } = prepared.simulation;
    throw new SyncSimulationError(`The L2 → L1 sync transaction would revert: ${errorName}`, { errorName, error, calls: prepared.calls.length });
  }
  return sendPreparedL1Calls(options, prepared);
}
