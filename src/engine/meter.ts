import type { Common } from "@ethereumjs/common";
import { getOpcodesForHF, paramsEVM, type EVM, type EVMOpts, type Message } from "@ethereumjs/evm";
import { ExecutionRejectedError } from "./errors.js";

// The package exports these only through EVMOpts.
type AddOpcode = Extract<NonNullable<EVMOpts["customOpcodes"]>[number], { logicFunction: unknown }>;
type RunState = Parameters<AddOpcode["logicFunction"]>[0];

/**
 * The stateless verifier ran past the gas the input claims (and EXECUTE charged for): the block
 * is invalid whatever follows, so execution stops here instead of doing unpaid work.
 */
export class GasBudgetExceededError extends ExecutionRejectedError {
  override name = "GasBudgetExceededError";
  constructor(
    readonly what: string,
    readonly consumed: bigint,
    readonly budget: bigint,
  ) {
    super(`Execution passed the gas the input pays for (${what})`, { what, consumed, budget });
  }
}

/**
 * Opcodes at which the meter looks: every loop passes a JUMPDEST, every new call frame starts
 * at a CALL/CREATE, and the rest are the opcodes whose work grows with their (dynamic) gas —
 * hashing, copying, logging, state access, memory expansion. Between two looks a frame runs only straight-line
 * cheap opcodes, so the work done past the budget stays bounded by a small constant.
 */
const METERED_OPCODES = [
  0x5b, // JUMPDEST
  0xf0, 0xf1, 0xf2, 0xf4, 0xf5, 0xfa, // CREATE, CALL, CALLCODE, DELEGATECALL, CREATE2, STATICCALL
  0x20, // KECCAK256
  0x31, 0x3b, 0x3c, 0x3f, // BALANCE, EXTCODESIZE, EXTCODECOPY, EXTCODEHASH
  0x37, 0x39, 0x3e, 0x5e, // CALLDATACOPY, CODECOPY, RETURNDATACOPY, MCOPY
  0x54, 0x55, // SLOAD, SSTORE
  0xa0, 0xa1, 0xa2, 0xa3, 0xa4, // LOG0..LOG4
  // Memory expansion: its gas is charged before the handler allocates, so a look here stops a
  // frame with gas to burn (the delivery call gets the block gas limit, up to 2^64 − 1 when a
  // direct caller picks the parent header) before it allocates gigabytes (issue 15).
  0x51, 0x52, 0x53, 0xf3, 0xfd, // MLOAD, MSTORE, MSTORE8, RETURN, REVERT
];

/** A call frame the meter knows: the gas outside it when it started, and the gas it was given. */
interface Frame {
  /** Gas the transaction had consumed outside this frame when the frame started. */
  outside: bigint;
  /** Gas the frame was given. */
  start: bigint;
}

/**
 * Stops a stateless verification as soon as the gas one transaction has consumed passes what
 * the input still pays for — mid-transaction, not after it. Without it, a direct caller of
 * EXECUTE could claim 0 gas and make L1 run 2^24 gas per transaction for free.
 *
 * How the gas consumed so far is known without a step hook (which costs microseconds per
 * opcode): while a child frame runs, its parent's `gasLeft` is frozen (the child's use is
 * subtracted on return), so consumed = intrinsic + Σ over active frames (given − left). Each
 * frame records the sum outside it when it starts (EVM `beforeMessage`), and the metered
 * opcodes compare `outside + start − gasLeft` with the limit.
 *
 * The rule that makes the meter sound (it must never refuse a block the builder built): what
 * it measures never decreases during a transaction, so it never exceeds the transaction's
 * final consumption (its gas before the refund). The EVM's own consumption does decrease, at
 * one place only: a CALL or CALLCODE with value hands the callee a 2,300 stipend the caller
 * never paid (ethereumjs adds it to the caller's `gasLeft` right after the CALL's charge, and
 * the callee gives back what it does not use). A transaction whose last act is such a call to
 * an EOA (Uniswap's `removeLiquidityETH` paying out ETH) peaks 2,300 above its final
 * consumption, at the CALL. So at a value-bearing CALL/CALLCODE the meter counts the stipend
 * as already handed over: it measures the charge minus 2,300, exactly what the next look will
 * see. Every other change of `gasLeft` (opcode and memory charges, a child's use on return, a
 * halted child's whole gas, a CREATE collision) only adds; a call that fails before its frame
 * (balance, depth) returns the stipend as the same kind of credit; refunds are kept apart (in
 * `gasRefund`) and never touch `gasLeft`. The limit given to `begin` can then be the final
 * consumption's bound: see `applyBlockBody` for the 5/4 of a transaction's receipt gas. The
 * work bound is kept: the EVM is 2,300 above the measure only between the CALL's charge and
 * its stipend, where no opcode runs. (EIP-8037's state-gas credits, which would also add to
 * `gasLeft`, are not in Osaka: a hardfork that brings them must revisit this rule.)
 *
 * A precompile call is given at most one gas more than is left under the limit (see
 * `attach`), so its one-step work is bounded too.
 *
 * The builder uses the same opcode table with no limit set: its semantics are untouched, the
 * metered opcodes run their original handlers.
 */
export interface GasMeter {
  /** The EVM options that route the metered opcodes through the meter. */
  readonly customOpcodes: AddOpcode[];
  /** Listens to the EVM's call frames (once, after the VM exists). */
  attach(evm: EVM): void;
  /**
   * Meters the next top-level call: `gasLimit` is its transaction's (or system call's) gas
   * limit; execution stops once consumption exceeds `limit`. `undefined` turns the meter off.
   */
  begin(what: string, gasLimit: bigint, limit: bigint | undefined): void;
}

/** A meter for an EVM of `common`'s hardfork (see {@link GasMeter}). */
export function createGasMeter(common: Common): GasMeter {
  const frames: Frame[] = [];
  let what = "";
  let topGasLimit = 0n;
  let limit: bigint | undefined;

  const check = (consumed: bigint) => {
    if (limit !== undefined && consumed > limit) throw new GasBudgetExceededError(what, consumed, limit);
  };
  // The gas consumed by the whole call tree while `runState` (at `depth`) is executing.
  const consumedAt = (runState: RunState): bigint | undefined => {
    const depth = runState.env.depth;
    const frame = frames[depth];
    if (frame === undefined) return undefined;
    frames.length = depth + 1; // deeper frames have returned: their gas is in ours now
    last[depth] = runState;
    return frame.outside + frame.start - runState.gasLeft;
  };
  // The latest run state seen at each depth: a parent's, when its child frame starts.
  const last: RunState[] = [];

  const opcodeMap = originalOpcodes(common);
  const customOpcodes: AddOpcode[] = METERED_OPCODES.map((code) => {
    const original = opcodeMap[code]!;
    const handler = original.opHandler;
    return {
      opcode: code,
      opcodeName: original.opcodeInfo.name,
      baseFee: original.opcodeInfo.fee,
      gasFunction: original.gasHandler,
      logicFunction: (runState: RunState, opCommon: Common) => {
        if (limit !== undefined) {
          const consumed = consumedAt(runState);
          if (consumed !== undefined) check(consumed - stipendAhead(code, runState, opCommon));
        }
        return handler(runState, opCommon);
      },
    } as AddOpcode;
  });

  return {
    customOpcodes,
    attach(evm) {
      // A one-argument listener is called synchronously: what it throws aborts the run.
      evm.events.on("beforeMessage", (message: Message) => {
        if (limit === undefined) return;
        const depth = message.depth;
        frames.length = depth;
        let outside = topGasLimit - message.gasLimit;
        if (depth > 0) {
          const parent = frames[depth - 1];
          const parentState = last[depth - 1];
          // The parent's CALL/CREATE (a metered opcode) recorded its run state just now.
          outside = parent !== undefined && parentState !== undefined ? parent.outside + parent.start - parentState.gasLeft : 0n;
        }
        check(outside);
        // A precompile does all its work in one step, with no opcode for the meter to look at:
        // give it at most one gas more than what is left under the limit. If it needs no more,
        // nothing changes (its gas depends on its input alone); if it needs more, it runs out of
        // gas having consumed past the limit, and the next look stops the run — the block was
        // invalid anyway (see `GasBudgetExceededError`).
        // `codeAddress` throws for a CREATE (no code address): only a call can reach a precompile.
        const target = message.to === undefined ? undefined : message.codeAddress;
        if (target !== undefined && evm.getPrecompile(target) !== undefined && message.gasLimit > limit - outside + 1n) {
          message.gasLimit = limit - outside + 1n;
        }
        frames[depth] = { outside, start: message.gasLimit };
      });
    },
    begin(label, gasLimit, budget) {
      what = label;
      topGasLimit = gasLimit;
      limit = budget;
      frames.length = 0;
      last.length = 0;
    },
  };
}

/**
 * The stipend the opcode about to run hands back to its frame: 2,300 for a CALL or CALLCODE
 * with value (both add it to the caller's `gasLeft` before the callee starts, whether or not
 * the callee can start), else 0. Its gas is already charged when the meter looks (the EVM runs
 * the gas handler first), and its arguments are still on the stack (the handler pops them):
 * value is the third word from the top.
 */
function stipendAhead(code: number, runState: RunState, common: Common): bigint {
  if (code !== 0xf1 && code !== 0xf2) return 0n;
  return runState.stack.peek(3)[2] === 0n ? 0n : common.param("callStipendGas");
}

/** The hardfork's own opcode handlers, built once per hardfork (they are pure functions). */
const opcodeMaps = new Map<string, ReturnType<typeof getOpcodesForHF>["opcodeMap"]>();

function originalOpcodes(common: Common): ReturnType<typeof getOpcodesForHF>["opcodeMap"] {
  const key = `${common.hardfork()}:${common.eips().join(",")}`;
  let map = opcodeMaps.get(key);
  if (map === undefined) {
    // The EVM registers its gas parameters on `common` when it is created; the opcode table
    // needs them before that (the EVM is created with the metered opcodes).
    common.updateParams(paramsEVM);
    map = getOpcodesForHF(common).opcodeMap;
    opcodeMaps.set(key, map);
  }
  return map;
}
