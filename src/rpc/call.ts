import { createBlock } from "@ethereumjs/block";
import { getOpcodesForHF, paramsEVM, type EVMOpts } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches } from "@ethereumjs/statemanager";
import { Account, bytesToHex, createAddressFromString, hexToBytes, unpadBytes, ValueEncoding } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { createL2EVM } from "../engine/precompiles.js";
import { l2ExecutePrecompile } from "../engine/vm.js";
import { AbiCoder } from "ethers";
import { createL2Common } from "../engine/chain.js";
import { EngineStateManager } from "../engine/state-manager.js";
import type { ChainView } from "./view.js";
import type { CallBlock } from "./pending.js";
import { RpcError } from "./errors.js";
import type { AccountOverride, CallRequest } from "./params.js";

/** Limits on one eth_call: the gas it may use and the time it may take. */
export interface CallLimits {
  gasCap: bigint;
  timeoutMs: number;
}

/**
 * How long a call runs before it lets the event loop serve others (the L1 node of the devnet, the
 * other L2 clients). The EVM runs on this thread: without these pauses a looping call held both
 * endpoints for ~11 s. A pause costs ~0.1 ms, so 10 ms slices cost ~1 %.
 */
const SLICE_MS = 10;

/** The EVM error a revert carries (`EVMError.errorMessages.REVERT`). */
const REVERT = "revert";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** What one bounded run of a call did. */
export interface CallOutcome {
  /** The EVM's error ("revert", "out of gas", …), or undefined on success. */
  error?: string;
  returnValue: Uint8Array;
  /** Gas the execution used (without the transaction's intrinsic gas), before its refund. */
  gasUsed: bigint;
  /** The refund the execution earned (a transaction gets at most a fifth of its gas back). */
  gasRefund: bigint;
}

/** An EIP-2930 access list entry: warm from the start of the call, as a transaction carrying it would be. */
export interface AccessListEntry {
  address: string;
  storageKeys: string[];
}

/** What a caller adds to one run: an access list to warm, and a look at the EVM before it runs (tracers). */
export interface CallHooks {
  accessList?: AccessListEntry[];
  /** Called with the run's VM before the call starts: attach `step` / message listeners here. */
  attach?(vm: VM): void;
}

/**
 * `eth_call` in block `at` of `view` (a canonical block, or the pending one), bounded: at most `limits.gasCap` gas (a larger `gas` is
 * capped, as geth caps it) and `limits.timeoutMs` of wall time, after which it is aborted with
 * geth's "execution aborted (timeout = …)". While it runs it yields the thread every 10 ms.
 *
 * The block context (NUMBER, TIMESTAMP, BASEFEE, COINBASE, GASLIMIT, PREVRANDAO) is that block's
 * header; state changes go to a throwaway layer. Errors: a revert → code 3 "execution reverted"
 * (with the decoded reason and the revert data); any other failure (out of gas, invalid opcode)
 * → -32000 with the EVM's message.
 */
export async function boundedCall(view: ChainView, at: CallBlock, request: CallRequest, limits: CallLimits, overrides?: Map<string, AccountOverride>): Promise<string> {
  const gasLimit = request.gas === undefined || request.gas > limits.gasCap ? limits.gasCap : request.gas;
  const outcome = await runBoundedCall(view, at, request, gasLimit, limits, overrides);
  throwIfFailed(outcome);
  return bytesToHex(outcome.returnValue);
}

/** Throws the JSON-RPC error of a failed call (see {@link boundedCall}). */
export function throwIfFailed(outcome: CallOutcome): void {
  if (outcome.error === undefined) return;
  if (outcome.error === REVERT) {
    const reason = revertReason(outcome.returnValue);
    throw new RpcError(3, reason === undefined ? "execution reverted" : `execution reverted: ${reason}`, bytesToHex(outcome.returnValue));
  }
  throw new RpcError(-32000, outcome.error);
}

/**
 * Runs a call with exactly `gasLimit` gas for its execution (no intrinsic gas is charged: that
 * is the caller's to add) and reports what happened instead of throwing, so `eth_estimateGas`
 * can search on it. Only the time budget throws (-32000 "execution aborted").
 */
export async function runBoundedCall(
  view: ChainView,
  at: CallBlock,
  request: CallRequest,
  gasLimit: bigint,
  limits: CallLimits,
  overrides?: Map<string, AccountOverride>,
  hooks: CallHooks = {},
): Promise<CallOutcome> {
  const header = at.header;
  const common = createL2Common(view.chainId);
  const stateManager = callState(view, at, common);
  if (overrides !== undefined) await applyOverrides(stateManager, overrides);
  const clock = createCallClock(limits.timeoutMs);
  const blockchain = {
    getBlock: async (n: number) => {
      const ancestor = at.ancestor(BigInt(n));
      if (ancestor === undefined) throw new Error(`no ancestor ${n}`);
      return ancestor;
    },
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  } as never;
  // The engine's precompile backends and its EXECUTE (at the chain's depth, docs/nested.md):
  // eth_call answers as the engine runs (and as fast).
  const evm = createL2EVM({ common, stateManager, blockchain, customOpcodes: clock.customOpcodes(common), customPrecompiles: [l2ExecutePrecompile(view.nestingDepth)] });
  const vm = await createVM({ common, stateManager, blockchain, evm });
  // Each new call frame is a chance to check the clock too (a call tree need not loop).
  vm.evm.events!.on("beforeMessage", (_message: unknown, resolve?: (result?: unknown) => void) => {
    clock.check();
    if (clock.shouldPause()) clock.pause().then(() => resolve?.());
    else resolve?.();
  });
  const block = createBlock(
    {
      header: {
        number: header.number,
        timestamp: header.timestamp,
        gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas,
        coinbase: header.coinbase,
        mixHash: header.mixHash,
        parentBeaconBlockRoot: header.parentBeaconBlockRoot,
        excessBlobGas: 0n,
      },
    },
    { common, setHardfork: false },
  );
  const caller = createAddressFromString(request.from ?? ZERO_ADDRESS);
  // Warm what a transaction starts with (runTx does this; runCall does not): the precompiles, the
  // sender, the recipient, the coinbase (EIP-3651), and the access list. Without it a call to a
  // precompile or a BALANCE of the sender costs 2,500 more than in the transaction.
  const journal = vm.evm.journal;
  await journal.cleanup();
  for (const [address] of vm.evm.precompiles) journal.addAlwaysWarmAddress(address);
  journal.addAlwaysWarmAddress(caller.toString());
  if (request.to !== undefined) journal.addAlwaysWarmAddress(request.to);
  journal.addAlwaysWarmAddress(header.coinbase.toString());
  for (const entry of hooks.accessList ?? []) {
    // The journal keys by lowercase hex (addresses of 20 bytes, slots of 32).
    journal.addAlwaysWarmAddress(entry.address.toLowerCase());
    for (const key of entry.storageKeys) journal.addAlwaysWarmSlot(entry.address.toLowerCase(), key.toLowerCase());
  }
  hooks.attach?.(vm);
  let result;
  try {
    result = await vm.evm.runCall({
      caller,
      origin: caller,
      to: request.to === undefined ? undefined : createAddressFromString(request.to),
      data: hexToBytes(request.data as `0x${string}`),
      value: request.value ?? 0n,
      gasLimit,
      gasPrice: 0n,
      skipBalance: true,
      block,
    });
  } catch (error) {
    if (error instanceof CallTimeoutError) throw new RpcError(-32000, `execution aborted (timeout = ${limits.timeoutMs / 1000}s)`);
    throw error;
  }
  const { exceptionError, returnValue, executionGasUsed, gasRefund } = result.execResult;
  return { error: exceptionError?.error, returnValue, gasUsed: executionGasUsed, gasRefund: gasRefund ?? 0n };
}

/** The state a call in `at` starts from, in a throwaway layer of its own. */
export function callState(view: ChainView, at: CallBlock, common = createL2Common(view.chainId)): EngineStateManager {
  const trie = new MerklePatriciaTrie({ db: at.db(), root: at.header.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  return new EngineStateManager({ trie, common, caches: new Caches() });
}

/** geth's state overrides, written into the call's throwaway layer before it runs. */
export async function applyOverrides(state: EngineStateManager, overrides: Map<string, AccountOverride>): Promise<void> {
  for (const [address, o] of overrides) {
    const at = createAddressFromString(address);
    const account = (await state.getAccount(at)) ?? new Account();
    if (o.balance !== undefined) account.balance = o.balance;
    if (o.nonce !== undefined) account.nonce = o.nonce;
    await state.putAccount(at, account);
    if (o.code !== undefined) await state.putCode(at, hexToBytes(o.code as `0x${string}`));
    if (o.state !== undefined) await state.clearStorage(at);
    for (const [slot, value] of o.state ?? o.stateDiff ?? []) {
      await state.putStorage(at, hexToBytes(slot as `0x${string}`), unpadBytes(hexToBytes(value as `0x${string}`)));
    }
  }
}

/** The call ran past its time budget. */
class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
}

/**
 * The clock of one call: JUMPDEST (which every loop passes) and every new call frame look at it;
 * past the deadline they abort the call, and every {@link SLICE_MS} they pause for the event loop.
 */
function createCallClock(timeoutMs: number) {
  const started = performance.now();
  let sliceStart = started;
  let jumps = 0;
  const clock = {
    check() {
      if (performance.now() - started > timeoutMs) throw new CallTimeoutError();
    },
    shouldPause: () => performance.now() - sliceStart > SLICE_MS,
    async pause() {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    },
    customOpcodes(common: ReturnType<typeof createL2Common>): NonNullable<EVMOpts["customOpcodes"]> {
      common.updateParams(paramsEVM);
      const jumpdest = getOpcodesForHF(common).opcodeMap[0x5b]!;
      return [
        {
          opcode: 0x5b,
          opcodeName: jumpdest.opcodeInfo.name,
          baseFee: jumpdest.opcodeInfo.fee,
          // A custom opcode is awaited: returning a promise pauses the call here.
          logicFunction: async () => {
            // Reading the clock costs ~50 ns: every 64th JUMPDEST is enough (a loop turn is ≥ 1 µs).
            if ((++jumps & 63) !== 0) return;
            clock.check();
            if (clock.shouldPause()) await clock.pause();
          },
        },
      ] as NonNullable<EVMOpts["customOpcodes"]>;
    },
  };
  return clock;
}

/** The string of a Solidity `Error(string)` revert, if that is what the data is. */
function revertReason(data: Uint8Array): string | undefined {
  if (data.length < 4 || bytesToHex(data.subarray(0, 4)) !== "0x08c379a0") return undefined;
  try {
    const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], data.subarray(4));
    return String(reason).replace(/\s+/g, " ").slice(0, 200);
  } catch {
    return undefined;
  }
}
