import { EXECUTE_BASE_GAS, EXECUTE_BATCH_BASE_GAS, EXECUTE_BATCH_BLOCK_GAS, EXECUTE_BLOB_GAS, EXECUTE_INPUT_BYTE_GAS } from "./gas.js";
import { BATCH_BLOB_HASHES_OFFSET_WORD, BATCH_COUNT_OFFSET, BATCH_ENTRIES_OFFSET_WORD, BATCH_GAS_USED_OFFSET, BLOB_HASHES_OFFSET_WORD, GAS_USED_OFFSET } from "./codec.js";
import { EXECUTE_VERDICT_SELECTOR, MAX_EXECUTE_BATCH } from "./batch.js";
import { MAX_BLOBS_PER_BLOCK } from "../engine/types.js";
import { DEFAULT_EXECUTE_MARKET, checkExecuteMarketConfig, type ExecuteMarketConfig } from "./market.js";
import { EXECUTE_MARKET_ORACLE_ADDRESS, MARKET_ORACLE_PREFIX_BYTES } from "./market-oracle.js";

/**
 * Where the Hardhat emulation answers EXECUTE's work under 1:1 pricing. EDR's call-override hook
 * charges no gas, so 0x…0101 holds a small contract (the shim) that charges the formula and then
 * asks this address, whose calls the hook answers. An emulation detail: call 0x…0101, never this.
 */
export const EXECUTE_ORACLE_ADDRESS = "0x00000000000000000000000000000000ffff0101";

/**
 * How EXECUTE is priced (docs/execute.md): `"market"` (the default) — the L2 gas is paid in ETH
 * at the execute base fee and metered per L1 block (src/precompile/market.ts), L1 gas is the
 * fixed cost and the input's bytes and blobs; `"l1-gas"` — the L2 gas is charged as L1 gas, 1:1
 * (the pricing before issue 17, kept for comparison).
 */
export type ExecutePricing = "market" | "l1-gas";

/** What the shim at 0x…0101 is built for. */
export interface ExecuteShimOptions {
  /** Default "market". */
  pricing?: ExecutePricing;
  /** The market's parameters (default DEFAULT_EXECUTE_MARKET); ignored under "l1-gas". */
  market?: ExecuteMarketConfig;
}

type Op = string | { push: bigint | string; size?: number } | { label: string } | { jumpTo: string };

const OPCODES: Record<string, number> = {
  STOP: 0x00, ADD: 0x01, MUL: 0x02, SUB: 0x03, DIV: 0x04, LT: 0x10, GT: 0x11, EQ: 0x14, ISZERO: 0x15, ADDRESS: 0x30,
  SHR: 0x1c, SHA3: 0x20, CALLVALUE: 0x34, TLOAD: 0x5c, TSTORE: 0x5d, SWAP1: 0x90, SWAP2: 0x91, SWAP3: 0x92, DUP4: 0x83, CALLDATALOAD: 0x35, CALLDATASIZE: 0x36, CALLDATACOPY: 0x37, RETURNDATASIZE: 0x3d, RETURNDATACOPY: 0x3e,
  NUMBER: 0x43, POP: 0x50, MLOAD: 0x51, MSTORE: 0x52, SLOAD: 0x54, SSTORE: 0x55, JUMP: 0x56, JUMPI: 0x57, GAS: 0x5a,
  JUMPDEST: 0x5b, PUSH0: 0x5f, DUP1: 0x80, DUP2: 0x81, DUP3: 0x82, DUP6: 0x85, STATICCALL: 0xfa, RETURN: 0xf3, INVALID: 0xfe,
};

/**
 * The shim's program. In words:
 *   if calldata is empty: fail                      (no valid input is empty; see the burn)
 *   if calldata is 4 bytes: go to the market        (the `executeMarket()` view; nothing charged)
 *   if calldata is 36 bytes: answer executeVerdict(key) from transient storage (docs/execute.md, "Verdicts")
 *   a single input (first byte 0):
 *     gasUsed = calldata[256:288]; cost = BASE (+ gasUsed under "l1-gas"); hashes at calldata[448]
 *   a batch (first byte not 0; docs/execute.md, "Batches"):
 *     k = calldata[32:64]; if k == 0 or k > MAX_EXECUTE_BATCH: fail
 *     gasUsed = calldata[64:96]; cost = BATCH_BASE + k × BATCH_BLOCK (+ gasUsed under "l1-gas"); hashes at calldata[96]
 *   if gasUsed > 2^64-1: fail
 *   cost += PER_BYTE * calldatasize
 *   blobs = length of the hashes; if blobs > 6: fail
 *   cost += PER_BLOB * blobs                         (market: only hashes not yet charged in this L1
 *                                                     transaction, see blobsOncePerTransaction)
 *   if gas < cost + cost/63 + 10,000: fail          (EIP-150 keeps 1/64 back from a call)
 *   burn: staticcall(self, gas = cost, no data)     (empty input → INVALID: exactly `cost` burnt)
 *   "l1-gas": (ok, out) = staticcall(ORACLE, calldata); if !ok: fail
 *   market:  (ok, out) = staticcall(MARKET_ORACLE, state ‖ CALLVALUE ‖ NUMBER ‖ market's 4 parameters ‖ calldata)
 *            if !ok: fail (a refusal: over the block's limit, or paid too little)
 *            if out[0:32] != state: state = out[0:32]  (storage slot 0; never written by the view)
 *            out = out[32:]                          (empty: the block was rejected, the fee is kept)
 *   a batch: for each accepted entry i: TSTORE(keccak256(entry i), blockHash_i), TSTORE(+1, burnedFees_i)
 *   return out
 *   fail: INVALID — consumes all the call's gas, as a failing precompile does
 * Burning in one call frame, not a loop, keeps traces (and Hardhat's stack traces of a revert,
 * which re-run the transaction traced) one step long instead of one per 22 gas.
 * The market's rules are TypeScript (market.ts), answered by the hook; the shim only brings them
 * what EDR's hook cannot see — the call's value, the L1 block number and the state in storage,
 * which therefore reverts with its transaction and is never kept by eth_call or eth_estimateGas.
 * Under "l1-gas" the view answers "no market" (all zeros), so a rollup's pre-checks pass.
 */
function program(pricing: ExecutePricing, market: ExecuteMarketConfig): Op[] {
  const isMarket = pricing === "market";
  const words = isMarket ? [market.limit, market.target, market.minBaseFee, market.updateFraction] : [0n, 0n, 0n, 0n];
  // Stack in: [gasUsed]; out: [cost without the blobs, the offset word's position].
  const charge = (fixed: Op[], offsetWord: number): Op[] => [
    { push: 2n ** 64n - 1n, size: 8 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
    // Under the market the L2 gas is paid in ETH: it leaves the L1 charge.
    ...(isMarket ? ["POP", "PUSH0"] : []),
    "CALLDATASIZE", { push: EXECUTE_INPUT_BYTE_GAS, size: 1 }, "MUL", "ADD",
    ...fixed, "ADD",
    { push: BigInt(offsetWord), size: 2 },
  ];
  return [
    "CALLDATASIZE", "ISZERO", { jumpTo: "fail" }, "JUMPI",
    { push: 4n, size: 1 }, "CALLDATASIZE", "EQ", { jumpTo: "market" }, "JUMPI",
    { push: 36n, size: 1 }, "CALLDATASIZE", "EQ", { jumpTo: "verdict" }, "JUMPI",
    // A batch starts with its magic (first byte non-zero), a single input with a uint64 (zero).
    "PUSH0", "CALLDATALOAD", { push: 248n, size: 1 }, "SHR", { jumpTo: "batch" }, "JUMPI",
    { push: BigInt(GAS_USED_OFFSET), size: 2 }, "CALLDATALOAD",
    ...charge([{ push: EXECUTE_BASE_GAS, size: 4 }], BLOB_HASHES_OFFSET_WORD),
    { jumpTo: "blobs" }, "JUMP",
    // A batch: 1 ≤ count ≤ MAX_EXECUTE_BATCH, fixed gas BATCH_BASE + count × BATCH_BLOCK.
    { label: "batch" },
    { push: BigInt(BATCH_GAS_USED_OFFSET), size: 1 }, "CALLDATALOAD",
    ...charge([
      { push: BigInt(BATCH_COUNT_OFFSET), size: 1 }, "CALLDATALOAD",
      "DUP1", "ISZERO", { jumpTo: "fail" }, "JUMPI",
      { push: BigInt(MAX_EXECUTE_BATCH), size: 2 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
      { push: EXECUTE_BATCH_BLOCK_GAS, size: 4 }, "MUL", { push: EXECUTE_BATCH_BASE_GAS, size: 4 }, "ADD",
    ], BATCH_BLOB_HASHES_OFFSET_WORD),
    { label: "blobs" }, //                                                   [offsetWord, cost]
    ...(isMarket ? blobsOncePerTransaction() : [
      "CALLDATALOAD", "CALLDATALOAD",
      { push: BigInt(MAX_BLOBS_PER_BLOCK), size: 1 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
      { push: EXECUTE_BLOB_GAS, size: 3 }, "MUL", "ADD",
    ] satisfies Op[]),
    "DUP1", { push: 63n, size: 1 }, "DUP2", "DIV", "ADD", { push: 10_000n, size: 2 }, "ADD",
    "GAS", "LT", { jumpTo: "fail" }, "JUMPI",
    "PUSH0", "PUSH0", "PUSH0", "PUSH0", "ADDRESS", "DUP6", "STATICCALL", "POP", "POP",
    ...(isMarket ? [] : [
      "CALLDATASIZE", "PUSH0", "PUSH0", "CALLDATACOPY",
      "PUSH0", "PUSH0", "CALLDATASIZE", "PUSH0", { push: EXECUTE_ORACLE_ADDRESS, size: 20 }, "GAS", "STATICCALL",
      "ISZERO", { jumpTo: "fail" }, "JUMPI",
      "RETURNDATASIZE", "PUSH0", "PUSH0", "RETURNDATACOPY",
      ...rememberVerdicts(0),
      "RETURNDATASIZE", "PUSH0", "RETURN",
    ] satisfies Op[]),
    { label: "market" },
    "PUSH0", "SLOAD", "DUP1", "PUSH0", "MSTORE",
    "CALLVALUE", { push: 32n, size: 1 }, "MSTORE",
    "NUMBER", { push: 64n, size: 1 }, "MSTORE",
    ...words.flatMap((value, i): Op[] => [{ push: value, size: 32 }, { push: BigInt(96 + 32 * i), size: 1 }, "MSTORE"]),
    "CALLDATASIZE", "PUSH0", { push: BigInt(MARKET_ORACLE_PREFIX_BYTES), size: 1 }, "CALLDATACOPY",
    "PUSH0", "PUSH0", "CALLDATASIZE", { push: BigInt(MARKET_ORACLE_PREFIX_BYTES), size: 1 }, "ADD", "PUSH0",
    { push: EXECUTE_MARKET_ORACLE_ADDRESS, size: 20 }, "GAS", "STATICCALL",
    "ISZERO", { jumpTo: "fail" }, "JUMPI",
    "RETURNDATASIZE", "PUSH0", "PUSH0", "RETURNDATACOPY",
    "PUSH0", "MLOAD", "DUP1", "DUP3", "EQ", { jumpTo: "same" }, "JUMPI",
    "DUP1", "PUSH0", "SSTORE",
    { label: "same" }, "POP", "POP",
    // The view (4 bytes) answers 6 words and is no batch (its first byte is the selector's, but
    // it never reaches a batch's verdicts: the oracle's output is empty of them).
    { push: 4n, size: 1 }, "CALLDATASIZE", "EQ", { jumpTo: "marketOut" }, "JUMPI",
    ...rememberVerdicts(32),
    { label: "marketOut" },
    { push: 32n, size: 1 }, "RETURNDATASIZE", "SUB", { push: 32n, size: 1 }, "RETURN",
    // executeVerdict(bytes32 key): the verdict this transaction's batches remembered, or zeros.
    { label: "verdict" },
    "PUSH0", "CALLDATALOAD", { push: 224n, size: 1 }, "SHR", { push: BigInt(EXECUTE_VERDICT_SELECTOR), size: 4 }, "EQ", "ISZERO", { jumpTo: "fail" }, "JUMPI",
    { push: 4n, size: 1 }, "CALLDATALOAD", "DUP1", "TLOAD", "PUSH0", "MSTORE",
    { push: 1n, size: 1 }, "ADD", "TLOAD", { push: 32n, size: 1 }, "MSTORE",
    { push: 64n, size: 1 }, "PUSH0", "RETURN",
    { label: "fail" }, "INVALID",
  ];
}

/**
 * After a batch's output was copied to memory at `outAt`: for each entry i whose block hash
 * (word 2i) is not zero, TSTORE(keccak256(entry i), blockHash) and TSTORE(key + 1, burnedFees),
 * the verdicts `executeVerdict` answers for the rest of the transaction (docs/execute.md,
 * "Verdicts"). The keys are hashed here from the calldata, which the oracle has decoded as a
 * canonical batch; the entries are copied to scratch memory after the output. Nothing for a
 * single input. Stack in and out: [].
 */
function rememberVerdicts(outAt: number): Op[] {
  const tag = (name: string) => `${name}${outAt}`;
  const scratch: Op[] = [{ push: BigInt(BATCH_COUNT_OFFSET), size: 1 }, "CALLDATALOAD", { push: 64n, size: 1 }, "MUL", { push: BigInt(outAt), size: 1 }, "ADD"];
  return [
    "PUSH0", "CALLDATALOAD", { push: 248n, size: 1 }, "SHR", "ISZERO", { jumpTo: tag("rememberDone") }, "JUMPI",
    "PUSH0", //                                                                  [i]
    { label: tag("rememberLoop") },
    { push: BigInt(BATCH_COUNT_OFFSET), size: 1 }, "CALLDATALOAD", "DUP2", "LT", "ISZERO", { jumpTo: tag("rememberEnd") }, "JUMPI",
    "DUP1", { push: 64n, size: 1 }, "MUL", { push: BigInt(outAt), size: 1 }, "ADD", "MLOAD", // [hash, i]
    "DUP1", "ISZERO", { jumpTo: tag("rememberSkip") }, "JUMPI",
    { push: BigInt(BATCH_ENTRIES_OFFSET_WORD), size: 1 }, "CALLDATALOAD", { push: 32n, size: 1 }, "ADD", // [base, hash, i]
    "DUP1", "DUP4", { push: 32n, size: 1 }, "MUL", "ADD", "CALLDATALOAD", "ADD", //               [p, hash, i]
    "DUP1", "CALLDATALOAD", "SWAP1", { push: 32n, size: 1 }, "ADD", //                           [start, len, hash, i]
    "DUP2", "DUP2", ...scratch, "CALLDATACOPY", "POP", //                                        [len, hash, i]
    ...scratch, "SHA3", //                                                                       [key, hash, i]
    "DUP1", "SWAP2", "SWAP1", "TSTORE", //                                                       [key, i]
    "DUP2", { push: 64n, size: 1 }, "MUL", { push: BigInt(outAt + 32), size: 1 }, "ADD", "MLOAD", // [burned, key, i]
    "SWAP1", { push: 1n, size: 1 }, "ADD", "TSTORE", //                                          [i]
    { jumpTo: tag("rememberNext") }, "JUMP",
    { label: tag("rememberSkip") }, "POP",
    { label: tag("rememberNext") }, { push: 1n, size: 1 }, "ADD", { jumpTo: tag("rememberLoop") }, "JUMP",
    { label: tag("rememberEnd") }, "POP",
    { label: tag("rememberDone") },
  ];
}

/**
 * Under the market, the per-blob charge is paid once per versioned hash per L1 transaction
 * (docs/execute.md, "Shared advances"): many rollups' blocks read ranges of one shared blob, and
 * the blob's KZG check and decoding are one piece of work. The shim keeps the hashes already
 * charged in its transient storage (hash → 1), which reverts with a failing call and ends with
 * the transaction. Stack in: [offsetWord, cost]; out: [cost + 50,000 × (hashes not yet charged)].
 *   off = calldata[offsetWord] (448 for a single input, 96 for a batch); n = calldata[off]; if n > 6: fail
 *   for i in 0..n: h = calldata[off + 32 + 32·i]; if !TLOAD(h): TSTORE(h, 1); cost += PER_BLOB
 */
function blobsOncePerTransaction(): Op[] {
  return [
    "CALLDATALOAD", //                                                       [off, cost]
    "DUP1", "CALLDATALOAD", //                                               [n, off, cost]
    { push: BigInt(MAX_BLOBS_PER_BLOCK), size: 1 }, "DUP2", "GT", { jumpTo: "fail" }, "JUMPI",
    "PUSH0", //                                                              [i, n, off, cost]
    { label: "blobLoop" },
    "DUP2", "DUP2", "LT", "ISZERO", { jumpTo: "blobsDone" }, "JUMPI",
    "DUP1", { push: 32n, size: 1 }, "MUL", "DUP4", "ADD", { push: 32n, size: 1 }, "ADD", "CALLDATALOAD", // [h, i, n, off, cost]
    "DUP1", "TLOAD", { jumpTo: "blobPaid" }, "JUMPI",
    { push: 1n, size: 1 }, "SWAP1", "TSTORE", //                             [i, n, off, cost]
    "SWAP3", { push: EXECUTE_BLOB_GAS, size: 3 }, "ADD", "SWAP3",
    { jumpTo: "blobNext" }, "JUMP",
    { label: "blobPaid" }, "POP",
    { label: "blobNext" }, { push: 1n, size: 1 }, "ADD", { jumpTo: "blobLoop" }, "JUMP",
    { label: "blobsDone" }, "POP", "POP", "POP", //                          [cost]
  ];
}

/** Runtime bytecode of the shim for `options` (default: the market with its default parameters). */
export function executeShimBytecode(options: ExecuteShimOptions = {}): string {
  const pricing = options.pricing ?? "market";
  if (pricing !== "market" && pricing !== "l1-gas") throw new TypeError(`unknown EXECUTE pricing ${String(pricing)}: "market" or "l1-gas"`);
  return assemble(program(pricing, checkExecuteMarketConfig(options.market ?? DEFAULT_EXECUTE_MARKET)));
}

/** Runtime bytecode of the shim installed at the EXECUTE address on Hardhat networks by default (the market). */
export const EXECUTE_SHIM_BYTECODE: string = executeShimBytecode();

/** The shim of the 1:1 pricing ("l1-gas"), for comparison. */
export const EXECUTE_L1_GAS_SHIM_BYTECODE: string = executeShimBytecode({ pricing: "l1-gas" });

/** A two-pass assembler for the few opcodes above: labels become JUMPDESTs, jumps PUSH2s. */
function assemble(ops: Op[]): string {
  const sizeOf = (op: Op): number =>
    typeof op === "string" ? 1 : "push" in op ? 1 + (op.size ?? 32) : "label" in op ? 1 : 3;
  const labels = new Map<string, number>();
  let pc = 0;
  for (const op of ops) {
    if (typeof op === "object" && "label" in op) labels.set(op.label, pc);
    pc += sizeOf(op);
  }
  const bytes: number[] = [];
  const push = (value: bigint, size: number) => {
    bytes.push(0x5f + size);
    for (let i = size - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(8 * i)) & 0xffn));
  };
  for (const op of ops) {
    if (typeof op === "string") {
      const code = OPCODES[op];
      if (code === undefined) throw new Error(`the shim's assembler does not know ${op}`);
      bytes.push(code);
    }
    else if ("label" in op) bytes.push(OPCODES.JUMPDEST!);
    else if ("jumpTo" in op) push(BigInt(labels.get(op.jumpTo)!), 2);
    else push(typeof op.push === "string" ? BigInt(op.push) : op.push, op.size ?? 32);
  }
  return "0x" + Buffer.from(bytes).toString("hex");
}
