/**
 * geth's default tracer (the struct logger): one entry per opcode executed — pc, op, gas, gasCost,
 * depth, stack, and optionally memory and storage — what Hardhat and Foundry-style tools read.
 */
import type { InterpreterStep } from "@ethereumjs/evm";
import { bigIntToBytes, bytesToHex, setLengthLeft } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { RpcError } from "../errors.js";
import type { Tracer } from "./types.js";

/** The struct logger's options (geth's `logger.Config`, as JSON). */
export interface StructLoggerConfig {
  disableStack?: boolean;
  disableStorage?: boolean;
  enableMemory?: boolean;
  enableReturnData?: boolean;
  /** Most steps to record (0: no limit). */
  limit?: number;
}

/** Most steps one trace may record: beyond, the answer would take hundreds of MB. */
export const MAX_STRUCT_LOGS = 500_000;

interface StructLog {
  pc: number;
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
  memory?: string[];
  storage?: Record<string, string>;
  refund?: number;
}

const word = (value: bigint) => Buffer.from(setLengthLeft(bigIntToBytes(value), 32)).toString("hex");

/**
 * A struct logger, in geth's format: `depth` from 1, `gas` before the step, `gasCost` the step's
 * whole cost (a call's includes the gas it passes on), `stack` as hex quantities (bottom first),
 * `memory` as 32-byte words without 0x, `storage` on SLOAD/SSTORE (the executing contract's slots
 * seen so far, words without 0x), `refund` when non-zero; the result is `{ gas, failed,
 * returnValue (hex without 0x; empty on a failure other than a revert), structLogs }`.
 */
export function structLogger(config: StructLoggerConfig): Tracer {
  const logs: StructLog[] = [];
  const storage = new Map<string, Map<string, string>>();
  const limit = config.limit !== undefined && config.limit > 0 ? Math.min(config.limit, MAX_STRUCT_LOGS) : MAX_STRUCT_LOGS;
  let overflow = false;
  const step = async (step: InterpreterStep, resolve?: (r?: unknown) => void) => {
    try {
      if (logs.length >= limit) {
        overflow = config.limit === undefined || config.limit <= 0 || config.limit > MAX_STRUCT_LOGS;
        return;
      }
      const log: StructLog = { pc: step.pc, op: step.opcode.name, gas: Number(step.gasLeft), gasCost: Number(step.opcode.dynamicFee ?? BigInt(step.opcode.fee)), depth: step.depth + 1 };
      if (config.disableStack !== true) log.stack = step.stack.map((v) => `0x${v.toString(16)}`);
      if (config.enableMemory === true) {
        const memory: string[] = [];
        for (let i = 0; i < step.memory.length; i += 32) memory.push(Buffer.from(step.memory.subarray(i, i + 32)).toString("hex").padEnd(64, "0"));
        log.memory = memory;
      }
      if (config.disableStorage !== true && (log.op === "SLOAD" || log.op === "SSTORE") && step.stack.length >= 1) {
        const address = step.address.toString();
        const slots = storage.get(address) ?? new Map<string, string>();
        storage.set(address, slots);
        const key = step.stack[step.stack.length - 1]!;
        if (log.op === "SSTORE" && step.stack.length >= 2) slots.set(word(key), word(step.stack[step.stack.length - 2]!));
        else {
          const value = await step.stateManager.getStorage(step.address, setLengthLeft(bigIntToBytes(key), 32));
          slots.set(word(key), Buffer.from(setLengthLeft(value, 32)).toString("hex"));
        }
        log.storage = Object.fromEntries(slots);
      }
      if (step.gasRefund > 0n) log.refund = Number(step.gasRefund);
      logs.push(log);
    } finally {
      resolve?.();
    }
  };
  return {
    attach(vm: VM) {
      const events = vm.evm.events!;
      events.on("step", step);
      return () => events.off("step", step);
    },
    async result(outcome) {
      if (overflow) throw new RpcError(-32000, `trace too large: more than ${MAX_STRUCT_LOGS} steps (pass a smaller "limit", or use the callTracer)`);
      const failed = outcome.error !== undefined;
      const returnValue = failed && outcome.error !== "revert" ? "" : bytesToHex(outcome.returnValue).slice(2);
      return { gas: Number(outcome.gasUsed), failed, returnValue, structLogs: logs };
    },
  };
}
