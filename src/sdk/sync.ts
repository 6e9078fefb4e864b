/**
 * Synchronous L1 → L2 calls (docs/sync.md): an L1 call that calls L2 contracts through their
 * L2Proxy and gets their results, with the L2 block that makes those calls verified by EXECUTE in
 * the same L1 transaction (`NativeRollup.syncExecute`).
 *
 * The builder's loop ({@link prepareSync}), until the execution table is stable:
 *
 *   table (requests + results) ──build──▶ L2 block delivering the queue + the table's calls
 *        ▲                                   │ results from the messenger's SyncCallExecuted logs
 *        │                                   ▼
 *        └── requests the L1 call made ◀── debug_traceCall of syncExecute (callTracer)
 *
 * A request is read from the trace (every `syncProxyCall` frame, even one the L1 call caught),
 * so an L1 call whose later calls depend on earlier results converges one call per round.
 */
import { executeFeeFor, readExecuteMarket } from "./execute-market.js";
import { bytesToHex } from "@ethereumjs/util";
import { AbiCoder, Interface, keccak256, type Contract, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { anchorCommitment, rollingHashOf, type L1Message } from "../bridge/messages.js";
import { deliveredCount, readQueue, type NextDelivery } from "../bridge/queue.js";
import { PREDEPLOYS } from "../engine/chain.js";
import { appendBlock, type L2Chain } from "../engine/state.js";
import type { BuiltBlock } from "../engine/build.js";
import type { TypedTransaction } from "@ethereumjs/tx";
import { buildOn, L1_TRANSACTION_GAS_CAP, latestL1Block, type L1Anchor } from "../proposer/propose.js";
import { artifactInterface } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import { decodeRevert, proveStorage, revertDataOf, simulateL1, type L1Simulation } from "./bundle.js";
import { blockClaim, nativeRollupInterface, parseBlockAdvanced, type BlockAdvancedEvent, type BlockClaim } from "./contracts.js";

/** `NativeRollup.SYNC_SOURCE`: the `sourceRollup` of a sync call's message. */
export const SYNC_SOURCE = "0x0000000000000000000000000000000000000001";
/** The storage slot of `L2Messenger.syncResults` (a mapping by L2 block number). */
export const SYNC_RESULTS_SLOT = 6n;
/** L2 gas each sync call gets unless the caller says otherwise (NativeRollup's MAX_MESSAGE_GAS). */
export const DEFAULT_SYNC_GAS_LIMIT = 1_000_000n;
/** Rounds of build + simulate before giving up (each round settles at least one more call). */
export const MAX_SYNC_ROUNDS = 32;

const abi = AbiCoder.defaultAbiCoder();
const ZERO_HASH = "0x" + "00".repeat(32);

/** One entry of the execution table (`INativeRollup.SyncCall`). */
export interface SyncCall {
  caller: string;
  to: string;
  value: bigint;
  gasLimit: bigint;
  data: string;
  success: boolean;
  returnData: string;
}

/** Options of {@link prepareSync} and {@link sendSync}. */
export interface SyncOptions {
  /** The NativeRollup, connected to the signer that sends the L1 transaction. */
  rollup: Contract;
  /** The rollup's L2 chain: the block is built on its head and appended once L1 verified it. */
  chain: L2Chain;
  provider: JsonRpcApiProvider;
  /** The L1 call `syncExecute` makes (`target.call{value}(data)`); its calls to L2 proxies are the sync calls. */
  target: string;
  data: string;
  value?: bigint;
  /** L2 gas per sync call (default {@link DEFAULT_SYNC_GAS_LIMIT}). */
  gasLimit?: bigint;
  /**
   * L2 transactions the sync block also carries (e.g. the mempool's pending ones). They run after
   * the delivery, so after the sync calls; those the block cannot take are in `block.skipped`.
   */
  transactions?: TypedTransaction[];
  /** The L2 block's coinbase (default: the sender). */
  coinbase?: string;
  /** The L1 block the L2 block is anchored to (default: the latest). */
  anchor?: L1Anchor;
  /** Interfaces to decode the L1 call's reverts with (NativeRollup's is always tried). */
  interfaces?: Interface[];
  /**
   * Traces one round's L1 call instead of `debug_traceCall` of `syncExecute` (`round.sync` is its
   * last argument): the user path (src/sync-builder) traces the user's own transaction, so that
   * the proxies' callers and the L1 call's `msg.sender` are the user's.
   */
  traceRound?: (round: { claim: BlockClaim; block: BuiltBlock; sync: { calls: SyncCall[]; target: string; data: string; executeFee: bigint; accountProof: string[]; storageProof: string[] } }) => Promise<SyncTraceFrame>;
}

/** A sync transaction built and simulated, ready to send. */
export interface PreparedSync {
  rollup: string;
  calls: SyncCall[];
  block: BuiltBlock;
  claim: BlockClaim;
  delivery: NextDelivery;
  /** `syncExecute` calldata. */
  data: string;
  value: bigint;
  /** Build + simulate rounds it took. */
  rounds: number;
  /** The last simulation: its return data (the L1 call's), or the decoded revert. */
  simulation: L1Simulation;
}

/** What {@link sendSync} returns once L1 verified the transaction. */
export interface SentSync {
  prepared: PreparedSync;
  receipt: TransactionReceipt;
  event: BlockAdvancedEvent;
  /** The L1 call's return data (as the simulation computed it; the transaction returned the same or reverted). */
  returnData: string;
}

/** The table did not settle, or the L1 call makes a request the builder cannot serve. */
export class SyncBuildError extends UltrasoundError {
  override name = "SyncBuildError";
}

/** The simulated transaction reverts: `details.errorName` and `details.error` say why. */
export class SyncSimulationError extends UltrasoundError {
  override name = "SyncSimulationError";
}

/** The sync transaction reverted on L1 (nothing was applied): `details.errorName` is the decoded error. */
export class SyncFailedError extends UltrasoundError {
  override name = "SyncFailedError";
  /** Another block took the parent first. */
  get lostRace(): boolean {
    return this.details.errorName === "NativeRollup_ParentMismatch";
  }
}

/** The L2 messenger's ABI (for its SyncCallExecuted event). */
function messengerInterface(): Interface {
  return artifactInterface("l2/L2Messenger.sol", "L2Messenger");
}

/** The storage key of `L2Messenger.syncResults[number]`. */
export function syncResultsSlot(number: bigint): string {
  return keccak256(abi.encode(["uint256", "uint256"], [number, SYNC_RESULTS_SLOT]));
}

/** The fold L1 and the messenger compute over a block's sync results (docs/sync.md). */
export function syncResultsHash(results: readonly { index: bigint; success: boolean; returnData: string }[]): string {
  return results.reduce(
    (h, r) => keccak256(abi.encode(["bytes32", "uint256", "bool", "bytes32"], [h, r.index, r.success, keccak256(r.returnData)])),
    ZERO_HASH,
  );
}

/** The L2Proxy address of `l2Address` on `rollup` (created or not). */
export async function l2ProxyAddress(rollup: Contract, l2Address: string): Promise<string> {
  return (await rollup.getFunction("l2Proxy")(l2Address)) as string;
}

/** Creates (once) the L2Proxy of `l2Address` and returns its address. */
export async function createL2Proxy(rollup: Contract, l2Address: string): Promise<string> {
  const address = await l2ProxyAddress(rollup, l2Address);
  const provider = (rollup.runner as Signer).provider!;
  if ((await provider.getCode(address)) === "0x") await (await rollup.getFunction("createL2Proxy")(l2Address)).wait();
  return address;
}

/** The messages the sync block delivers: L1's undelivered queue, then the table's calls at the next indices. */
export async function syncDelivery(options: Pick<SyncOptions, "rollup" | "chain" | "provider">, anchor: L1Anchor, calls: readonly SyncCall[]): Promise<NextDelivery> {
  const { rollup, chain } = options;
  const delivered = await deliveredCount(chain);
  const queued = (await rollup.getFunction("messageCount")()) as bigint;
  const onL1 = queued > delivered ? await readQueue(rollup, options.provider, delivered, queued) : [];
  const sync: L1Message[] = calls.map((c, k) => ({
    index: queued + BigInt(k), sender: c.caller, sourceRollup: SYNC_SOURCE, to: c.to, value: c.value, fee: 0n, gasLimit: c.gasLimit, data: c.data,
  }));
  const messages = [...onL1, ...sync];
  const count = delivered + BigInt(messages.length);
  const start = delivered === 0n ? ZERO_HASH : ((await rollup.getFunction("rollingHash")(delivered)) as string);
  const rollingHash = rollingHashOf(messages, start);
  const commitment = anchorCommitment(anchor.hash, count, rollingHash);
  if (messages.length === 0) return { messageCount: count, anchor: commitment };
  return { messageCount: count, anchor: commitment, delivery: { l1BlockHash: anchor.hash, count, rollingHash, messages } };
}

/** The sync results a built block recorded (the messenger's SyncCallExecuted logs), by queue index. */
export function blockResults(block: BuiltBlock): Map<bigint, { success: boolean; returnData: string }> {
  const iface = messengerInterface();
  const messenger = PREDEPLOYS.messenger.toLowerCase();
  const out = new Map<bigint, { success: boolean; returnData: string }>();
  for (const [address, topics, data] of block.deliveryLogs) {
    if (bytesToHex(address).toLowerCase() !== messenger) continue;
    const parsed = iface.parseLog({ topics: topics.map((t) => bytesToHex(t)), data: bytesToHex(data) });
    if (parsed?.name === "SyncCallExecuted") out.set(parsed.args.index as bigint, { success: parsed.args.success as boolean, returnData: parsed.args.returnData as string });
  }
  return out;
}

/** A `callTracer` frame (the fields the builders read). */
export interface SyncTraceFrame {
  from: string;
  to?: string;
  type?: string;
  input: string;
  output?: string;
  error?: string;
  value?: string;
  calls?: SyncTraceFrame[];
}

/** The proxy calls a traced run made, in order: `syncProxyCall` frames into the rollup (pre-order). */
export function proxyRequests(frame: SyncTraceFrame, rollup: string, selector: string, out: SyncTraceFrame[] = []): SyncTraceFrame[] {
  if (frame.to?.toLowerCase() === rollup && frame.input.slice(0, 10).toLowerCase() === selector) out.push(frame);
  for (const child of frame.calls ?? []) proxyRequests(child, rollup, selector, out);
  return out;
}

/**
 * The table the traced L1 call asks for, given the table it ran with: the first request that
 * differs from its entry (or is beyond the table) replaces that entry and all after it, which
 * may depend on its result; a table longer than the requests is cut. Undefined when they agree.
 * `l2AddressOf` names the L2 contract behind a proxy (the zero address: not a proxy of this
 * rollup, which refused the call, so it is skipped).
 */
export async function reconcileSyncCalls(
  calls: readonly SyncCall[],
  requests: readonly SyncTraceFrame[],
  l2AddressOf: (proxy: string) => Promise<string>,
  gasLimit: bigint,
): Promise<SyncCall[] | undefined> {
  const iface = nativeRollupInterface();
  for (const [i, frame] of requests.entries()) {
    const [caller, callData] = iface.decodeFunctionData("syncProxyCall", frame.input) as unknown as [string, string];
    const made = { caller, to: await l2AddressOf(frame.from), value: BigInt(frame.value ?? "0x0"), data: callData };
    if (made.to === "0x0000000000000000000000000000000000000000") continue;
    const known = calls[i];
    if (known !== undefined && sameSyncRequest(known, made)) continue;
    return [...calls.slice(0, i), { ...made, gasLimit, success: false, returnData: "0x" }];
  }
  return requests.length < calls.length ? calls.slice(0, requests.length) : undefined;
}

/** Whether a table entry is the request `b`. */
export const sameSyncRequest = (a: SyncCall, b: Omit<SyncCall, "success" | "returnData" | "gasLimit">) =>
  a.caller.toLowerCase() === b.caller.toLowerCase() && a.to.toLowerCase() === b.to.toLowerCase() && a.value === b.value && a.data.toLowerCase() === b.data.toLowerCase();

/**
 * What a sync builder starts from ({@link prepareSync}, `prepareSyncNested`): the rollup's address,
 * the `syncProxyCall` selector its traces are searched for, the sender (the rollup's signer), the
 * L1 anchor (default: the latest block) and the options' defaults.
 */
export async function syncStart(options: Pick<SyncOptions, "rollup" | "provider" | "anchor" | "coinbase" | "value" | "gasLimit">) {
  const rollupAddress = (await options.rollup.getAddress()).toLowerCase();
  const iface = nativeRollupInterface();
  const selector = iface.getFunction("syncProxyCall")!.selector.toLowerCase();
  const from = await (options.rollup.runner as Signer).getAddress();
  const anchor = options.anchor ?? (await latestL1Block(options.provider));
  return { rollupAddress, iface, selector, from, anchor, coinbase: options.coinbase ?? from, value: options.value ?? 0n, gasLimit: options.gasLimit ?? DEFAULT_SYNC_GAS_LIMIT };
}

/**
 * Builds the sync transaction: the execution table, the L2 block that makes its calls (the
 * proposer's `buildOn`, delivering L1's undelivered queue first), the proof of the block's
 * `syncResults`, and `syncExecute` calldata, simulated with `debug_traceCall` until the L1 call
 * makes exactly the table's calls. Nothing is sent. Throws {@link SyncBuildError} if the table
 * does not settle in {@link MAX_SYNC_ROUNDS} rounds; a simulation that reverts for another reason
 * is reported in `simulation` (see {@link sendSync}).
 */
export async function prepareSync(options: SyncOptions): Promise<PreparedSync> {
  const { rollup, chain, provider } = options;
  const { rollupAddress, iface, selector, from, anchor, coinbase, value, gasLimit } = await syncStart(options);
  const targets = new Map<string, string>();
  const l2AddressOf = async (proxy: string) => {
    let to = targets.get(proxy.toLowerCase());
    if (to === undefined) targets.set(proxy.toLowerCase(), (to = (await rollup.getFunction("l2ProxyTarget")(proxy)) as string));
    return to;
  };

  // EXECUTE's fee (docs/execute.md, "Gas market"): out of the transaction's value, beside the L1 call's.
  const market = await readExecuteMarket(provider);
  let calls: SyncCall[] = [];
  for (let round = 1; round <= MAX_SYNC_ROUNDS; round++) {
    const delivery = await syncDelivery(options, anchor, calls);
    const block = await buildOn(chain, anchor, coinbase, options.transactions ?? [], delivery);
    const results = blockResults(block);
    const firstIndex = delivery.messageCount - BigInt(calls.length);
    calls = calls.map((c, k) => ({ ...c, ...(results.get(firstIndex + BigInt(k)) ?? { success: false, returnData: "0x" }) }));
    const claim = blockClaim(block.header, anchor.number, delivery.messageCount);
    const proof = await proveStorage(chain, block.header.stateRoot, PREDEPLOYS.messenger, [syncResultsSlot(block.header.number)]);
    const executeFee = executeFeeFor(market, block.header.gasUsed);
    const sync = { calls, target: options.target, data: options.data, executeFee, accountProof: proof.account, storageProof: proof.storage[0]!.proof };
    const data = iface.encodeFunctionData("syncExecute", [claim, block.input.transactions, block.input.witness, block.input.messages, sync]);
    const request = { from, to: rollupAddress, data, value: "0x" + (value + executeFee).toString(16), gas: "0x" + L1_TRANSACTION_GAS_CAP.toString(16) };
    // "pending": the block the transaction will land in (where the anchor, the latest block, has a hash).
    const trace = options.traceRound !== undefined
      ? await options.traceRound({ claim, block, sync })
      : ((await provider.send("debug_traceCall", [request, "pending", { tracer: "callTracer" }])) as SyncTraceFrame);

    // The calls the L1 call made with this table: the first that differs from the table (or
    // is beyond it) replaces the rest, which may depend on its result.
    const corrected = await reconcileSyncCalls(calls, proxyRequests(trace, rollupAddress, selector), l2AddressOf, gasLimit);
    if (corrected !== undefined) {
      calls = corrected;
      continue;
    }

    // The verdict from eth_call: EDR's debug_traceCall does not run EXECUTE through its hook
    // (its requests are all the trace is for).
    const base = { rollup: rollupAddress, calls, block, claim, delivery, data, value: value + executeFee, rounds: round };
    return { ...base, simulation: await simulateL1(provider, request, [iface, ...(options.interfaces ?? [])]) };
  }
  throw new SyncBuildError("The execution table did not settle: the L1 call's L2 calls keep changing", { rounds: MAX_SYNC_ROUNDS, target: options.target });
}

/**
 * Sends a prepared sync transaction (`syncExecute`) and, once L1 verified it, appends its L2
 * block to `options.chain`. On a revert nothing is appended and it throws {@link SyncFailedError}
 * with the decoded error (`lostRace` when another block took the parent first).
 */
export async function sendPreparedSync(options: Pick<SyncOptions, "rollup" | "chain" | "provider" | "interfaces">, prepared: PreparedSync, gasLimit?: bigint): Promise<SentSync> {
  const request = { to: prepared.rollup, data: prepared.data, value: prepared.value };
  const receipt = await sendSyncTransaction(options.rollup.runner as Signer, options.provider, request, gasLimit, "syncExecute", [nativeRollupInterface(), ...(options.interfaces ?? [])]);
  const event = parseBlockAdvanced(receipt.logs)[0]!;
  const { block } = prepared;
  appendBlock(options.chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  const returnData = prepared.simulation.ok ? syncReturnData(prepared.simulation.returnData) : "0x";
  return { prepared, receipt, event, returnData };
}

/**
 * One L1 transaction that makes `options.data`'s L1 call with its sync L2 calls answered, and
 * the L2 block that makes them verified ({@link prepareSync}, then {@link sendPreparedSync}).
 * Refuses to send a transaction whose simulation reverts ({@link SyncSimulationError}) unless
 * `sendFailing` is set. `returnData` is the L1 call's return data.
 *
 * ```ts
 * const proxy = await createL2Proxy(rollup, counterOnL2);
 * const { returnData } = await sendSync({ rollup, chain, provider, target: user, data: user.interface.encodeFunctionData("readSetRead", [proxy, 66]) });
 * ```
 */
export async function sendSync(options: SyncOptions & { sendFailing?: boolean }): Promise<SentSync> {
  const prepared = await prepareSync(options);
  if (!prepared.simulation.ok && options.sendFailing !== true) {
    const { errorName, error } = prepared.simulation;
    throw new SyncSimulationError(`The sync transaction would revert: ${errorName}`, { errorName, error, calls: prepared.calls.length });
  }
  return sendPreparedSync(options, prepared, options.sendFailing === true && !prepared.simulation.ok ? L1_TRANSACTION_GAS_CAP : undefined);
}

/**
 * Sends one of the sync builders' L1 transactions (`syncExecute`, `advanceWithL1Calls`, the
 * cross-rollup `syncExecute`) and waits for its receipt. Its gas is `gasLimit`, or 6/5 of the
 * estimate + 50,000, capped at EIP-7825's limit. A revert throws {@link SyncFailedError}
 * ("<what> reverted: <error>") with the error decoded by `interfaces`; when the thrown error
 * carries no revert data, the call is replayed with `eth_call` to find it.
 */
export async function sendSyncTransaction(
  signer: Signer,
  provider: JsonRpcApiProvider,
  request: { to: string; data: string; value: bigint },
  gasLimit: bigint | undefined,
  what: string,
  interfaces: Interface[],
): Promise<TransactionReceipt> {
  const from = await signer.getAddress();
  const rpcRequest = { from, to: request.to, data: request.data, value: "0x" + request.value.toString(16) };
  try {
    let gas = gasLimit;
    if (gas === undefined) {
      const limit = (BigInt((await provider.send("eth_estimateGas", [rpcRequest])) as string) * 6n) / 5n + 50_000n;
      gas = limit < L1_TRANSACTION_GAS_CAP ? limit : L1_TRANSACTION_GAS_CAP;
    }
    return (await (await signer.sendTransaction({ ...request, gasLimit: gas })).wait())!;
  } catch (error) {
    const data = revertDataOf(error) ?? (await provider.send("eth_call", [rpcRequest, "latest"]).then(() => undefined, (replayed: unknown) => revertDataOf(replayed)));
    if (data === undefined) throw error;
    const decoded = decodeRevert(data, interfaces);
    throw new SyncFailedError(`${what} reverted: ${decoded.name}`, { errorName: decoded.name, error: decoded.text, data }, { cause: error });
  }
}

/** The L1 call's return data decoded from `syncExecute`'s (a `bytes`). */
export function syncReturnData(encoded: string): string {
  return nativeRollupInterface().decodeFunctionResult("syncExecute", encoded)[0] as string;
}
