import { EXECUTE_BASE_GAS, EXECUTE_BLOB_GAS, EXECUTE_INPUT_BYTE_GAS } from "./gas.js";
import { BLOB_HASHES_OFFSET_WORD, GAS_USED_OFFSET } from "./codec.js";
import { MAX_BLOBS_PER_BLOCK } from "../engine/types.js";

/**
 * Where the Hardhat emulation answers EXECUTE's work. EDR's call-override hook charges no gas,
 * so 0x…0101 holds a small contract (the shim) that charges the formula and then asks this
 * address, whose calls the hook answers. An emulation detail: call 0x…0101, never this.
 */
export const EXECUTE_ORACLE_ADDRESS = "0x00000000000000000000000000000000ffff0101";

type Op = string | { push: bigint | string; size?: number } | { label: string } | { jumpTo: string };

const OPCODES: Record<string, number> = {
  STOP: 0x00, ADD: 0x01, MUL: 0x02, SUB: 0x03, DIV: 0x04, LT: 0x10, ADDRESS: 0x30, GT: 0x11, ISZERO: 0x15, CALLDATALOAD: 0x35,
  CALLDATASIZE: 0x36, CALLDATACOPY: 0x37, RETURNDATASIZE: 0x3d, RETURNDATACOPY: 0x3e, POP: 0x50,
  JUMP: 0x56, JUMPI: 0x57, GAS: 0x5a, JUMPDEST: 0x5b, PUSH0: 0x5f, DUP1: 0x80, DUP2: 0x81, DUP6: 0x85,
  STATICCALL: 0xfa, RETURN: 0xf3, INVALID: 0xfe,
};

/**
 * The shim's program. In words:
 *   if calldata is empty: fail                      (no valid input is empty; see the burn)
 *   gasUsed = calldata[256:288]; if gasUsed > 2^64-1: fail
 *   cost = BASE + gasUsed + PER_BYTE * calldatasize
 *   blobs = calldata[calldata[448:480]:…]          (length of blobVersionedHashes); if blobs > 6: fail
 *   cost += PER_BLOB * blobs
 *   if gas < cost + cost/63 + 10,000: fail          (EIP-150 keeps 1/64 back from a call)
 *   burn: staticcall(self, gas = cost, no data)     (empty input → INVALID: exactly `cost` burnt)
 *   (ok, out) = staticcall(ORACLE, calldata); if !ok: fail; return out
 *   fail: INVALID — consumes all the call's gas, as a failing precompile does
 * Burning in one call frame, not a loop, keeps traces (and Hardhat's stack traces of a revert,
 * which re-run the transaction traced) one step long instead of one per 22 gas.
 * The copy of the input into memory adds its memory-expansion gas on top of the formula.
 */
const PROGRAM: Op[] = [
  "CALLDATASIZE", "ISZERO", { jumpTo: "fail" }, "JUMPI",
  { push: BigInt(GAS_USED_OFFSET), size: 2 }, "CALLDATALOAD",
  { push: 2n ** 64n - 1n, size: 8 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
  "CALLDATASIZE", { push: EXECUTE_INPUT_BYTE_GAS, size: 1 }, "MUL", "ADD",
  { push: EXECUTE_BASE_GAS, size: 4 }, "ADD",
  { push: BigInt(BLOB_HASHES_OFFSET_WORD), size: 2 }, "CALLDATALOAD", "CALLDATALOAD",
  { push: BigInt(MAX_BLOBS_PER_BLOCK), size: 1 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
  { push: EXECUTE_BLOB_GAS, size: 3 }, "MUL", "ADD",
  "DUP1", { push: 63n, size: 1 }, "DUP2", "DIV", "ADD", { push: 10_000n, size: 2 }, "ADD",
  "GAS", "LT", { jumpTo: "fail" }, "JUMPI",
  "PUSH0", "PUSH0", "PUSH0", "PUSH0", "ADDRESS", "DUP6", "STATICCALL", "POP", "POP",
  "CALLDATASIZE", "PUSH0", "PUSH0", "CALLDATACOPY",
  "PUSH0", "PUSH0", "CALLDATASIZE", "PUSH0", { push: EXECUTE_ORACLE_ADDRESS, size: 20 }, "GAS", "STATICCALL",
  { jumpTo: "ok" }, "JUMPI",
  { label: "fail" }, "INVALID",
  { label: "ok" }, "RETURNDATASIZE", "PUSH0", "PUSH0", "RETURNDATACOPY", "RETURNDATASIZE", "PUSH0", "RETURN",
];

/** Runtime bytecode of the shim installed at the EXECUTE address on Hardhat networks. */
export const EXECUTE_SHIM_BYTECODE: string = assemble(PROGRAM);

/** A two-pass assembler for the few opcodes above: labels become JUMPDESTs, jumps PUSH2s. */
function assemble(program: Op[]): string {
  const sizeOf = (op: Op): number =>
    typeof op === "string" ? 1 : "push" in op ? 1 + (op.size ?? 32) : "label" in op ? 1 : 3;
  const labels = new Map<string, number>();
  let pc = 0;
  for (const op of program) {
    if (typeof op === "object" && "label" in op) labels.set(op.label, pc);
    pc += sizeOf(op);
  }
  const bytes: number[] = [];
  const push = (value: bigint, size: number) => {
    bytes.push(0x5f + size);
    for (let i = size - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn));
  };
  for (const op of program) {
    if (typeof op === "string") bytes.push(OPCODES[op]!);
    else if ("label" in op) bytes.push(OPCODES.JUMPDEST!);
    else if ("jumpTo" in op) push(BigInt(labels.get(op.jumpTo)!), 2);
    else push(typeof op.push === "string" ? BigInt(op.push) : op.push, op.size ?? 32);
  }
  return "0x" + Buffer.from(bytes).toString("hex");
}
