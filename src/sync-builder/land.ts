/**
 * The user path of synchronous L1 → L2 calls (docs/sync.md, "The user path"): a user's own signed
 * L1 transaction, sent unchanged, whose L1 calls into a rollup's L2Proxy are answered. The
 * builder cannot wrap a signed transaction, so it lands two transactions in one L1 block:
 *
 *   L1 block n:  [builder] rollup.prepareSyncCalls(block, table, origin = user)   verifies the L2 block, keeps the table
 *                [user]    the signed transaction, unchanged                      its proxy calls consume the table;
 *                                                                                 the successful one adopts the L2 block
 *
 * If the user's transaction is not in block n, or reverts, nothing is adopted (the table dies
 * with block n); the builder loses tx 1's gas. The table is found by the SDK's `prepareSync`
 * (the user's call traced as `syncExecute`'s L1 call), so calls whose behaviour depends on their
 * L1 `msg.sender` being the user are outside this step (see docs/sync.md).
 */
import { Transaction, type Contract, type JsonRpcApiProvider, type Signer, type TransactionReceipt } from "ethers";
import { appendBlock, type L2Chain } from "../engine/state.js";
import { L1_TRANSACTION_GAS_CAP } from "../proposer/propose.js";
import { UltrasoundError } from "../shared/errors.js";
import { nativeRollupInterface } from "../sdk/contracts.js";
import { prepareSync, proxyRequests, type PreparedSync, type SyncCall, type SyncTraceFrame } from "../sdk/sync.js";
import { decodeRevert, revertDataOf } from "../sdk/bundle.js";

/** A rollup the builder serves: its NativeRollup connected to the builder's L1 signer, and its L2 chain. */
export interface BuilderRollup {
  rollup: Contract;
  chain: L2Chain;
}

/** The user's transaction makes sync calls the user path cannot serve (named in `details`). */
export class UserSyncUnsupportedError extends UltrasoundError {
  override name = "UserSyncUnsupportedError";
}

/** The L1 node did not put the builder's transaction right before the user's in one block. */
export class UserSyncLandingError extends UltrasoundError {
  override name = "UserSyncLandingError";
}

/** A user transaction prepared for the user path: its table, block and the builder's transaction. */
export interface PreparedUserSync {
  /** The user's L1 call. */
  call: UserCall;
  target: BuilderRollup;
  prepared: PreparedSync;
  /** Whether the user's call, traced on top of the builder's `prepareSyncCalls`, succeeds. */
  userOk: boolean;
  /** `prepareSyncCalls` calldata and value (EXECUTE's fee). */
  request: { to: string; data: string; value: bigint };
}

/** What landing a user transaction did. */
export interface LandedUserSync {
  userHash: string;
  /** Undefined when the transaction made no sync call (it was forwarded as it was). */
  prepared?: PreparedUserSync;
  prepareReceipt?: TransactionReceipt;
  userReceipt?: TransactionReceipt;
  /** Whether the L2 block became the head (the user's transaction made its successful call). */
  adopted: boolean;
}

const GWEI = 1_000_000_000n;

/** A user's L1 call: a signed transaction's, or an `eth_estimateGas` request's. */
export interface UserCall {
  from: string;
  to: string;
  data: string;
  value: bigint;
  gasLimit: bigint;
}

/** {@link prepareUserCall} for the signed transaction `raw` (undefined for a contract creation). */
export async function prepareUserSync(provider: JsonRpcApiProvider, rollups: readonly BuilderRollup[], raw: string): Promise<PreparedUserSync | undefined> {
  let user: Transaction;
  try {
    user = Transaction.from(raw);
  } catch {
    return undefined; // not one ethers decodes (a blob transaction's network form, …): the L1 judges it
  }
  if (user.to === null || user.from === null) return undefined;
  return prepareUserCall(provider, rollups, { from: user.from, to: user.to, data: user.data, value: user.value, gasLimit: user.gasLimit });
}

/**
 * Finds the rollup whose proxies the user's call calls (a `debug_traceCall` of it
 * as it is: its first proxy call is refused, `NativeRollup_NoSyncTable`, but shows in the trace)
 * and builds its table and block. Undefined when it calls no proxy of a known rollup.
 * Throws {@link UserSyncUnsupportedError} for a transaction this step cannot serve.
 */
export async function prepareUserCall(provider: JsonRpcApiProvider, rollups: readonly BuilderRollup[], user: UserCall): Promise<PreparedUserSync | undefined> {
  const iface = nativeRollupInterface();
  const selector = iface.getFunction("syncProxyCall")!.selector.toLowerCase();
  const call = { from: user.from, to: user.to, data: user.data, value: "0x" + user.value.toString(16), gas: "0x" + user.gasLimit.toString(16) };
  const trace = (await provider.send("debug_traceCall", [call, "pending", { tracer: "callTracer" }])) as SyncTraceFrame;
  const called: BuilderRollup[] = [];
  for (const r of rollups) {
    const address = (await r.rollup.getAddress()).toLowerCase();
    if (proxyRequests(trace, address, selector).length > 0) called.push(r);
  }
  if (called.length === 0) return undefined;
  if (called.length > 1) throw new UserSyncUnsupportedError("The transaction calls the proxies of several rollups: one rollup per user transaction", { from: user.from, to: user.to, rollups: called.length });
  const target = called[0]!;
  const rollupAddress = (await target.rollup.getAddress()).toLowerCase();
  // Each round's table is tried as it will run: prepareSyncCalls landed under a snapshot, then the
  // user's own call traced in that L1 block (its proxies' callers and msg.sender are the user's).
  const signer = target.rollup.runner as Signer;
  let last: SyncTraceFrame | undefined;
  const traceRound = async (round: { claim: unknown; block: { input: { transactions: Uint8Array; witness: Uint8Array; messages: Uint8Array } }; sync: { calls: SyncCall[]; executeFee: bigint; accountProof: string[]; storageProof: string[] } }) => {
    const successful = round.sync.calls.flatMap((c, i) => (c.success ? [i] : []));
    if (successful.length > 1) {
      throw new UserSyncUnsupportedError("The transaction makes more than one successful L2 call: the user path adopts its L2 block at one call's consumption", {
        from: user.from,
        to: user.to,
        calls: round.sync.calls.length,
        successful,
      });
    }
    const table = { calls: round.sync.calls, target: user.from, data: "0x", executeFee: 0n, accountProof: round.sync.accountProof, storageProof: round.sync.storageProof };
    const data = iface.encodeFunctionData("prepareSyncCalls", [round.claim, round.block.input.transactions, round.block.input.witness, round.block.input.messages, table]);
    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    try {
      const land = async () => (await signer.sendTransaction({ to: rollupAddress, data, value: round.sync.executeFee, gasLimit: L1_TRANSACTION_GAS_CAP })).wait();
      await land().catch(async (error: unknown) => {
        const replayed = await provider.send("eth_call", [{ from: await signer.getAddress(), to: rollupAddress, data, value: "0x" + round.sync.executeFee.toString(16) }, "latest"]).then(() => undefined, (e: unknown) => e);
        const reason = revertDataOf(replayed) ?? revertDataOf(error);
        const decoded = reason === undefined ? { name: "unknown", text: "reverted" } : decodeRevert(reason, [iface]);
        throw new UserSyncUnsupportedError(`The builder's prepareSyncCalls reverts: ${decoded.text}`, { from: user.from, to: user.to, calls: round.sync.calls.length, errorName: decoded.name }, { cause: error });
      });
      last = (await provider.send("debug_traceCall", [call, "latest", { tracer: "callTracer" }])) as SyncTraceFrame;
      return last;
    } finally {
      await provider.send("evm_revert", [snapshot]);
    }
  };
  const prepared = await prepareSync({ rollup: target.rollup, chain: target.chain, provider, target: user.to, data: user.data, value: user.value, traceRound: traceRound as never });
  const successes = prepared.calls.map((c, i) => [c, i] as const).filter(([c]) => c.success);
  if (successes.length > 1) {
    throw new UserSyncUnsupportedError("The transaction makes more than one successful L2 call: the user path adopts its L2 block at one call's consumption", {
      from: user.from,
      to: user.to,
      calls: prepared.calls.length,
      successful: successes.map(([, i]) => i),
    });
  }
  const [claim, transactions, witness, messages, sync] = iface.decodeFunctionData("syncExecute", prepared.data);
  const table = { calls: prepared.calls, target: user.from, data: "0x", executeFee: 0n, accountProof: [...sync.accountProof], storageProof: [...sync.storageProof] };
  const data = iface.encodeFunctionData("prepareSyncCalls", [claim, transactions, witness, messages, table]);
  return { call: user, target, prepared, userOk: last !== undefined && last.error === undefined, request: { to: rollupAddress, data, value: sync.executeFee as bigint } };
}

/**
 * Lands a prepared user transaction: the builder's `prepareSyncCalls` and the user's signed
 * transaction, unchanged, in one L1 block, in that order (automine paused, the builder's
 * transaction tipped above the user's, one `evm_mine`). Appends the L2 block to the rollup's
 * chain once the user's transaction adopted it.
 */
export async function landUserSync(provider: JsonRpcApiProvider, prepared: PreparedUserSync, raw: string): Promise<LandedUserSync> {
  const signer = prepared.target.rollup.runner as Signer;
  const from = await signer.getAddress();
  const estimate = BigInt((await provider.send("eth_estimateGas", [{ from, to: prepared.request.to, data: prepared.request.data, value: "0x" + prepared.request.value.toString(16) }])) as string);
  const gasLimit = (estimate * 6n) / 5n + 50_000n < L1_TRANSACTION_GAS_CAP ? (estimate * 6n) / 5n + 50_000n : L1_TRANSACTION_GAS_CAP;
  const user = Transaction.from(raw);
  const userTip = user.maxPriorityFeePerGas ?? user.gasPrice ?? 0n;
  const userMax = user.maxFeePerGas ?? user.gasPrice ?? 0n;
  // Ahead of the user's in the block: a strictly higher effective tip (EDR orders by it).
  const maxPriorityFeePerGas = userTip + GWEI;
  const maxFeePerGas = userMax + 2n * GWEI;
  let prepareHash: string;
  let userHash: string;
  await provider.send("evm_setAutomine", [false]);
  try {
    prepareHash = (await signer.sendTransaction({ ...prepared.request, gasLimit, maxPriorityFeePerGas, maxFeePerGas })).hash;
    userHash = (await provider.send("eth_sendRawTransaction", [raw])) as string;
    await provider.send("evm_mine", []);
  } finally {
    await provider.send("evm_setAutomine", [true]);
  }
  const prepareReceipt = (await provider.getTransactionReceipt(prepareHash))!;
  const userReceipt = (await provider.getTransactionReceipt(userHash))!;
  if (prepareReceipt === null || userReceipt === null || prepareReceipt.blockNumber !== userReceipt.blockNumber || prepareReceipt.index > userReceipt.index) {
    throw new UserSyncLandingError("The builder's prepareSyncCalls did not land right before the user's transaction in one L1 block", {
      prepare: prepareHash,
      user: userHash,
      prepareBlock: prepareReceipt?.blockNumber,
      userBlock: userReceipt?.blockNumber,
    });
  }
  const rollupAddress = prepared.request.to;
  const iface = nativeRollupInterface();
  const adopted = userReceipt.logs.some((log) => log.address.toLowerCase() === rollupAddress && iface.parseLog(log)?.name === "SyncCallsAdopted");
  if (adopted) {
    const { block } = prepared.prepared;
    appendBlock(prepared.target.chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  }
  return { userHash, prepared, prepareReceipt, userReceipt, adopted };
}
