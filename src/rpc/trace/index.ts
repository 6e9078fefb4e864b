/**
 * geth's `debug_trace*` methods over a {@link ChainView}: a block's transactions re-executed on
 * its parent's state (the L1 anchor and the L1→L2 message delivery first, as the block ran) with a
 * tracer listening to the EVM — `callTracer`, `prestateTracer` (and `diffMode`), or the default
 * struct logger.
 */
import { createBlock } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { runTx, type VM } from "@ethereumjs/vm";
import { applyBlockBody, type BlockEnv } from "../../engine/apply.js";
import { createEngineVM } from "../../engine/vm.js";
import { createL2Common } from "../../engine/chain.js";
import { WitnessMissingHeaderError } from "../../engine/errors.js";
import { EngineStateManager } from "../../engine/state-manager.js";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches } from "@ethereumjs/statemanager";
import { ValueEncoding } from "@ethereumjs/util";
import { applyOverrides, callState, runBoundedCall, type CallLimits } from "../call.js";
import { excerpt, RpcError } from "../errors.js";
import type { CallBlock } from "../pending.js";
import type { AccountOverride, CallRequest } from "../params.js";
import { createTx } from "@ethereumjs/tx";
import type { ChainView } from "../view.js";
import { callTracer } from "./call-tracer.js";
import { prestateTracer } from "./prestate-tracer.js";
import { structLogger } from "./struct-logger.js";
import type { Tracer, TxOutcome } from "./types.js";

/** The `options` parameter of the debug_trace* methods (geth's TraceConfig). */
export interface TraceOptions {
  tracer?: string;
  tracerConfig?: Record<string, unknown>;
  disableStack?: boolean;
  disableStorage?: boolean;
  enableMemory?: boolean;
  enableReturnData?: boolean;
  limit?: number;
  timeout?: string;
}

const OPTION_FIELDS = new Set(["tracer", "tracerConfig", "disableStack", "disableStorage", "enableMemory", "enableReturnData", "limit", "timeout", "reexec", "stateOverrides", "blockOverrides", "debug", "overrides"]);

/** Validates a trace options object; omitted is the struct logger with its defaults. */
export function traceOptionsParam(value: unknown): TraceOptions {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw new RpcError(-32602, `invalid trace options: expected an object, got ${excerpt(value)}`);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!OPTION_FIELDS.has(key)) throw new RpcError(-32602, `invalid trace options: unknown field ${excerpt(key)}`);
  if (o.tracer !== undefined && o.tracer !== null && o.tracer !== "" && o.tracer !== "callTracer" && o.tracer !== "prestateTracer") {
    throw new RpcError(-32602, `tracer not found: ${excerpt(o.tracer)} (this node has callTracer, prestateTracer, and the struct logger when none is given)`);
  }
  if (o.tracerConfig !== undefined && o.tracerConfig !== null && (typeof o.tracerConfig !== "object" || Array.isArray(o.tracerConfig))) {
    throw new RpcError(-32602, `invalid tracerConfig: expected an object, got ${excerpt(o.tracerConfig)}`);
  }
  for (const flag of ["disableStack", "disableStorage", "enableMemory", "enableReturnData"]) {
    if (o[flag] !== undefined && o[flag] !== null && typeof o[flag] !== "boolean") throw new RpcError(-32602, `invalid ${flag}: expected a boolean, got ${excerpt(o[flag])}`);
  }
  if (o.limit !== undefined && o.limit !== null && (typeof o.limit !== "number" || !Number.isSafeInteger(o.limit) || o.limit < 0)) {
    throw new RpcError(-32602, `invalid limit: expected a non-negative integer, got ${excerpt(o.limit)}`);
  }
  return o as TraceOptions;
}

function createTracer(options: TraceOptions): Tracer {
  const config = (options.tracerConfig ?? {}) as Record<string, boolean>;
  if (options.tracer === "callTracer") return callTracer({ onlyTopCall: config.onlyTopCall === true, withLog: config.withLog === true });
  if (options.tracer === "prestateTracer") return prestateTracer({ diffMode: config.diffMode === true, disableCode: config.disableCode === true, disableStorage: config.disableStorage === true });
  return structLogger(options);
}

/**
 * Traces the transactions of canonical block `number` whose index `wanted` accepts: the block is
 * re-executed on its parent's state up to the last of them, each wanted one with its own tracer.
 * Returns `[{ txHash, result }]` in block order (geth's debug_traceBlock* shape).
 */
export async function traceBlock(view: ChainView, number: bigint, options: TraceOptions, wanted: (index: number) => boolean = () => true): Promise<{ txHash: string; result: unknown }[]> {
  if (number === 0n) throw new RpcError(-32000, "genesis is not traceable");
  const chainBlock = view.block(number);
  const parent = view.header(number - 1n);
  if (chainBlock === undefined || parent === undefined) throw new RpcError(-32000, `block #${number} not found`);
  const header = chainBlock.header;
  const txs = chainBlock.transactions();
  const indexes = txs.map((_, i) => i).filter(wanted);
  if (indexes.length === 0) return [];
  const common = createL2Common(view.chainId);
  const layer = view.stateDb();
  const vm = await createEngineVM({
    common,
    db: layer,
    stateRoot: parent.stateRoot,
    ancestors: (n) => {
      const ancestor = n < number ? view.header(n) : undefined;
      if (ancestor === undefined) throw new WitnessMissingHeaderError({ number: n });
      return ancestor;
    },
    nestingDepth: view.nestingDepth,
  });
  const env: BlockEnv = {
    number,
    parentHash: header.parentHash,
    timestamp: header.timestamp,
    coinbase: header.coinbase.bytes,
    gasLimit: header.gasLimit,
    baseFeePerGas: header.baseFeePerGas ?? 0n,
    prevRandao: header.mixHash,
    anchor: header.parentBeaconBlockRoot ?? new Uint8Array(32),
  };
  // The node's blocks carry their L1→L2 messages; the delivery ran before the transactions.
  const messages = (chainBlock as { messages?: Uint8Array }).messages ?? new Uint8Array(0);
  const first = indexes[0]!;
  const before = await applyBlockBody(vm, env, txs.slice(0, first), "verify", { messages });
  let blockGasUsed = before.receipts.length === 0 ? 0n : before.receipts[before.receipts.length - 1]!.cumulativeBlockGasUsed;
  const block = createBlock(
    {
      header: {
        number, parentHash: header.parentHash, timestamp: header.timestamp, coinbase: header.coinbase, gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas, mixHash: header.mixHash, parentBeaconBlockRoot: header.parentBeaconBlockRoot, excessBlobGas: 0n,
      },
    },
    { common, setHardfork: false },
  );
  const out: { txHash: string; result: unknown }[] = [];
  const last = indexes[indexes.length - 1]!;
  for (let i = first; i <= last; i++) {
    const tx = txs[i]!;
    if (!wanted(i)) {
      blockGasUsed += (await runTx(vm, { tx, block, blockGasUsed, skipHardForkValidation: true })).totalGasSpent;
      continue;
    }
    const tracer = createTracer(options);
    const pre = stateReader(vm, layer, await vm.stateManager.getStateRoot());
    const detach = tracer.attach(vm, { from: tx.getSenderAddress().toString(), to: tx.to?.toString(), gasLimit: tx.gasLimit, coinbase: header.coinbase.toString(), pre });
    let result;
    try {
      result = await runTx(vm, { tx, block, blockGasUsed, skipHardForkValidation: true });
    } finally {
      detach();
    }
    blockGasUsed += result.totalGasSpent;
    const outcome: TxOutcome = {
      gasUsed: result.totalGasSpent,
      error: result.execResult.exceptionError?.error,
      returnValue: result.execResult.returnValue,
      createdAddress: result.createdAddress?.toString(),
      vm,
    };
    out.push({ txHash: bytesToHex(tx.hash()), result: await tracer.result(outcome) });
  }
  return out;
}

/** Traces one included transaction (`debug_traceTransaction`). */
export async function traceTransaction(view: ChainView, hash: string, options: TraceOptions): Promise<unknown> {
  const found = view.transaction(hash);
  if (found === undefined) throw new RpcError(-32000, "transaction not found");
  const [traced] = await traceBlock(view, found.blockNumber, options, (i) => i === found.index);
  return traced!.result;
}

/**
 * `debug_traceCall`: the call traced in block `at` (state overrides applied), as a transaction
 * from `from` with gas `gas` (default: the call cap) would run — the top frame's gasUsed is
 * intrinsic + execution − refund.
 */
export async function traceCall(view: ChainView, request: CallRequest, at: CallBlock, options: TraceOptions, limits: CallLimits, overrides?: Map<string, AccountOverride>): Promise<unknown> {
  const common = createL2Common(view.chainId);
  const unsigned = createTx({ to: request.to as `0x${string}` | undefined, data: request.data as `0x${string}`, value: request.value ?? 0n, gasLimit: 0n, type: 2, maxFeePerGas: 0n }, { common, freeze: false });
  const intrinsic = unsigned.getIntrinsicGas();
  const gasLimit = request.gas !== undefined && request.gas < limits.gasCap ? request.gas : limits.gasCap;
  if (gasLimit < intrinsic) throw new RpcError(-32000, `intrinsic gas too low: gas ${gasLimit}, minimum needed ${intrinsic}`);
  const pre = callState(view, at, common);
  if (overrides !== undefined) await applyOverrides(pre, overrides);
  const tracer = createTracer(options);
  let vm: VM | undefined;
  const outcome = await runBoundedCall(view, at, request, gasLimit - intrinsic, limits, overrides, {
    attach(v) {
      vm = v;
      tracer.attach(v, { from: request.from ?? "0x0000000000000000000000000000000000000000", to: request.to, gasLimit, coinbase: at.header.coinbase.toString(), pre });
    },
  });
  const total = intrinsic + outcome.gasUsed;
  const refund = outcome.error === undefined ? (outcome.gasRefund < total / 5n ? outcome.gasRefund : total / 5n) : 0n;
  const floor = unsigned.getMinimumGasLimit();
  return tracer.result({ gasUsed: total - refund > floor ? total - refund : floor, error: outcome.error, returnValue: outcome.returnValue, vm: vm! });
}

/** A reader of the state at `root` in `layer`, apart from the VM's (whose state moves on). */
function stateReader(vm: VM, layer: ReturnType<ChainView["stateDb"]>, root: Uint8Array): EngineStateManager {
  const trie = new MerklePatriciaTrie({ db: layer, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common: vm.common });
  return new EngineStateManager({ trie, common: vm.common, caches: new Caches() });
}
