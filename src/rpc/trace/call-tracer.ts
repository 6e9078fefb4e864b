/**
 * geth's `callTracer` over ethereumjs's EVM events: the tree of call frames of one transaction —
 * type, from, to, value, gas, gasUsed, input, output, error, revertReason, calls, and (withLog)
 * the logs each frame emitted with their position among its calls.
 */
import type { EVMResult, InterpreterStep, Message } from "@ethereumjs/evm";
import { bigIntToBytes, bytesToHex, setLengthLeft } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { AbiCoder } from "ethers";
import { gethError } from "../access-list.js";
import { toQuantity } from "../format.js";
import type { Tracer, TxFacts } from "./types.js";

/** One frame as geth's callTracer shows it. */
interface Frame {
  type: string;
  from: string;
  to?: string;
  value?: string;
  gas: string;
  gasUsed: string;
  input: string;
  output?: string;
  error?: string;
  revertReason?: string;
  calls?: Frame[];
  logs?: { address: string; topics: string[]; data: string; position: string }[];
}

/** `tracerConfig` of the callTracer. */
export interface CallTracerConfig {
  onlyTopCall?: boolean;
  withLog?: boolean;
}

const CALL_TYPES = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL", "CREATE", "CREATE2"]);

/**
 * A callTracer. Frames come from `beforeMessage` / `afterMessage`; a frame's type is the opcode
 * its parent frame ran last (ethereumjs's message does not say it). As in geth, DELEGATECALL and
 * CALLCODE frames go from the calling contract to the code's address, DELEGATECALL carries the
 * parent's value, STATICCALL none; a failed CREATE has no `to`; `output` is omitted when empty
 * and, on failure, kept only for a revert; logs of failed frames are dropped.
 */
export function callTracer(config: CallTracerConfig): Tracer {
  const stack: Frame[] = [];
  /** Per depth: the address executing and the last opcode it ran. */
  const frames: { address: string; op: string }[] = [];
  let top: Frame | undefined;
  let facts: TxFacts | undefined;
  /** The depth of each message under way (ethereumjs's afterMessage does not carry it). */
  const depths: number[] = [];
  const listeners = {
    step: (step: InterpreterStep, resolve?: (r?: unknown) => void) => {
      frames[step.depth] = { address: step.address.toString(), op: step.opcode.name };
      if (config.withLog === true && step.opcode.name.startsWith("LOG") && !(config.onlyTopCall === true && step.depth > 0)) {
        const s = step.stack;
        const offset = Number(s[s.length - 1]!);
        const size = Number(s[s.length - 2]!);
        const topics = Array.from({ length: Number(step.opcode.name.slice(3)) }, (_, i) => bytesToHex(setLengthLeft(bigIntToBytes(s[s.length - 3 - i]!), 32)));
        const memory = new Uint8Array(offset + size);
        memory.set(step.memory.subarray(0, Math.min(step.memory.length, offset + size)));
        const frame = stack[stack.length - 1];
        if (frame !== undefined) {
          (frame.logs ??= []).push({ address: step.address.toString(), topics, data: bytesToHex(memory.subarray(offset, offset + size)), position: toQuantity(frame.calls?.length ?? 0) });
        }
      }
      resolve?.();
    },
    beforeMessage: (message: Message, resolve?: (r?: unknown) => void) => {
      const depth = message.depth;
      const parent = frames[depth - 1];
      const op = depth === 0 ? (message.to === undefined ? "CREATE" : "CALL") : CALL_TYPES.has(parent?.op ?? "") ? parent!.op : "CALL";
      const isCreate = message.to === undefined;
      const frame: Frame = {
        type: op,
        from: depth === 0 || parent === undefined ? message.caller.toString() : parent.address,
        ...(isCreate ? {} : { to: (op === "DELEGATECALL" || op === "CALLCODE" ? message.codeAddress : message.to!).toString() }),
        ...(op === "STATICCALL" ? {} : { value: toQuantity(message.value) }),
        gas: toQuantity(message.gasLimit),
        gasUsed: "0x0",
        input: bytesToHex(message.data),
      };
      if (depth === 0) top = frame;
      depths.push(depth);
      if (depth === 0 || config.onlyTopCall !== true) stack.push(frame);
      resolve?.();
    },
    afterMessage: (result: EVMResult, resolve?: (r?: unknown) => void) => {
      const depth = depths.pop() ?? 0;
      // With onlyTopCall inner frames were never pushed: only the top one ends here.
      if (config.onlyTopCall === true && depth > 0) return resolve?.();
      const frame = stack.pop()!;
      finish(frame, result);
      if (depth > 0) (stack[stack.length - 1]!.calls ??= []).push(frame);
      resolve?.();
    },
  };
  return {
    attach(vm: VM, txFacts: TxFacts) {
      facts = txFacts;
      const events = vm.evm.events!;
      events.on("step", listeners.step);
      events.on("beforeMessage", listeners.beforeMessage);
      events.on("afterMessage", listeners.afterMessage);
      return () => {
        events.off("step", listeners.step);
        events.off("beforeMessage", listeners.beforeMessage);
        events.off("afterMessage", listeners.afterMessage);
      };
    },
    async result(outcome) {
      if (top === undefined) throw new Error("callTracer: the transaction ran no message");
      // The top frame is the transaction's: its gas limit and the gas its receipt shows.
      top.gas = toQuantity(facts!.gasLimit);
      top.gasUsed = toQuantity(outcome.gasUsed);
      if (config.withLog === true) dropFailedLogs(top, false);
      return top;
    },
  };
}

function finish(frame: Frame, result: EVMResult): void {
  const { exceptionError, returnValue, executionGasUsed } = result.execResult;
  frame.gasUsed = toQuantity(executionGasUsed);
  if (result.createdAddress !== undefined && exceptionError === undefined) frame.to = result.createdAddress.toString();
  if (exceptionError === undefined) {
    if (returnValue.length > 0) frame.output = bytesToHex(returnValue);
    return;
  }
  frame.error = gethError(exceptionError.error);
  if (frame.type === "CREATE" || frame.type === "CREATE2") delete frame.to;
  if (exceptionError.error !== "revert" || returnValue.length === 0) return;
  frame.output = bytesToHex(returnValue);
  const reason = unpackRevert(returnValue);
  if (reason !== undefined) frame.revertReason = reason;
}

/** Logs are not emitted when the frame (or a frame above it) failed. */
function dropFailedLogs(frame: Frame, parentFailed: boolean): void {
  const failed = parentFailed || frame.error !== undefined;
  if (failed) delete frame.logs;
  for (const call of frame.calls ?? []) dropFailedLogs(call, failed);
}

const PANICS: Record<number, string> = {
  0x00: "generic panic",
  0x01: "assert(false)",
  0x11: "arithmetic underflow or overflow",
  0x12: "division or modulo by zero",
  0x21: "enum overflow",
  0x22: "invalid encoded storage byte array accessed",
  0x31: "out-of-bounds array access; popping on an empty array",
  0x32: "out-of-bounds access of an array or bytesN",
  0x41: "out of memory",
  0x51: "uninitialized function",
};

/** geth's `abi.UnpackRevert`: the string of `Error(string)`, or the meaning of `Panic(uint256)`. */
export function unpackRevert(data: Uint8Array): string | undefined {
  const selector = bytesToHex(data.subarray(0, 4));
  try {
    if (selector === "0x08c379a0") return String(AbiCoder.defaultAbiCoder().decode(["string"], data.subarray(4))[0]);
    if (selector === "0x4e487b71") {
      const code = AbiCoder.defaultAbiCoder().decode(["uint256"], data.subarray(4))[0] as bigint;
      return PANICS[Number(code)] ?? `unknown panic code: 0x${code.toString(16)}`;
    }
  } catch {
    return undefined;
  }
  return undefined;
}
