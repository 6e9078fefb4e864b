import { bytesToHex } from "@ethereumjs/util";
import { execute, type ExecuteOptions } from "../engine/execute.js";
import { executeBatch } from "../engine/execute-batch.js";
import { ExecutionRejectedError } from "../engine/errors.js";
import { decodeExecuteInput, encodeExecuteOutput, isExecuteBatch } from "./codec.js";
import { decodeExecuteBatch, encodeBatchOutput, verdictKey, type BatchVerdict } from "./batch.js";

/** One EXECUTE call and how it ended: kept so a failed `advance` can be explained. */
export interface ExecuteVerdict {
  ok: boolean;
  /** Block number claimed by the input, when it decoded. */
  blockNumber?: bigint;
  /**
   * Block hash claimed by the input, when it decoded — on a rejection too, so that a caller
   * sending several blocks in one L1 transaction (a shared advance) can tell which one EXECUTE
   * refused. On acceptance it is the verified header's hash (EXECUTE checks the claim matches).
   */
  blockHash?: string;
  /** The base fee the block burned (EXECUTE's second output word), when it was accepted. */
  burnedFees?: bigint;
  /** Why it failed: the error's name and message, and its cause's name (e.g. a blob error). */
  error?: { name: string; message: string; cause?: string };
  inputLength: number;
  durationMs: number;
  /** For a block of a batch: its index in the batch and the batch's size (its verdict is one of `count`). */
  batch?: { index: number; count: number };
}

const RECENT_LIMIT = 64;
const recent: ExecuteVerdict[] = [];
const listeners = new Set<(verdict: ExecuteVerdict) => void>();

/** The most recent EXECUTE verdicts of this process (newest last, at most 64). */
export function recentVerdicts(): readonly ExecuteVerdict[] {
  return [...recent];
}

/** Calls `listener` on every EXECUTE verdict; returns the function that unsubscribes. */
export function onVerdict(listener: (verdict: ExecuteVerdict) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * What the precompile body returns: output bytes on success, the reason on failure. A batch's
 * success also names the verdict key (`keccak256(entry)`) of each block it accepted, which the
 * installation remembers for the rest of the L1 transaction (`executeVerdict`).
 */
export type PrecompileOutcome = { ok: true; output: Uint8Array; accepted?: { key: Uint8Array; verdict: NonNullable<BatchVerdict> }[] } | { ok: false; error: Error };

function record(verdict: ExecuteVerdict): void {
  recent.push(verdict);
  if (recent.length > RECENT_LIMIT) recent.shift();
  for (const listener of listeners) listener(verdict);
}

function describe(error: Error): ExecuteVerdict["error"] {
  const described: ExecuteVerdict["error"] = { name: error.name, message: error.message };
  if (error.cause instanceof Error) described.cause = error.cause.name;
  if (!(error instanceof ExecutionRejectedError)) {
    // Not a verdict on the block but a fault of ours: say so loudly.
    console.error(`[ultrasound] EXECUTE failed unexpectedly: ${error.stack ?? error.message}`);
  }
  return described;
}

/**
 * A batch (docs/execute.md, "Batches"): a batch that does not decode fails the whole call; else
 * each block is verified in order and gets its own verdict (in the output, and one verdict each in
 * the log, naming the block and its index), and the call succeeds. A fault of ours in one block
 * fails that block closed, not the others.
 */
async function runExecuteBatch(input: Uint8Array, options: ExecuteOptions, started: number): Promise<PrecompileOutcome> {
  let batch;
  try {
    batch = decodeExecuteBatch(input);
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    record({ ok: false, inputLength: input.length, durationMs: performance.now() - started, error: describe(error) });
    return { ok: false, error };
  }
  const outcomes = await executeBatch(batch.entries.map((e) => e.input), options);
  const durationMs = (performance.now() - started) / outcomes.length;
  const verdicts: BatchVerdict[] = [];
  const accepted: { key: Uint8Array; verdict: NonNullable<BatchVerdict> }[] = [];
  outcomes.forEach((outcome, index) => {
    const entry = batch.entries[index]!;
    const verdict: ExecuteVerdict = {
      ok: outcome.ok, blockNumber: entry.input.number, blockHash: bytesToHex(entry.input.blockHash),
      inputLength: entry.bytes.length, durationMs, batch: { index, count: outcomes.length },
    };
    if (outcome.ok) {
      const accept = { blockHash: outcome.result.blockHash, burnedFees: outcome.result.burnedFees };
      verdict.blockHash = bytesToHex(accept.blockHash);
      verdict.burnedFees = accept.burnedFees;
      verdicts.push(accept);
      accepted.push({ key: verdictKey(entry.bytes), verdict: accept });
    } else {
      verdict.error = describe(outcome.error);
      verdicts.push(undefined);
    }
    record(verdict);
  });
  return { ok: true, output: encodeBatchOutput(verdicts), accepted };
}

/**
 * The body of EXECUTE, shared by every place the precompile is installed (Hardhat's EDR and an
 * @ethereumjs/evm): decode the input, run the stateless verification, encode the output.
 * Never throws: a rejection is an outcome, and an unexpected error (a bug) is one too — the
 * precompile fails closed and the verdict log says why.
 */
export async function runExecute(input: Uint8Array, options: ExecuteOptions = {}): Promise<PrecompileOutcome> {
  const started = performance.now();
  if (isExecuteBatch(input)) return runExecuteBatch(input, options, started);
  const verdict: ExecuteVerdict = { ok: false, inputLength: input.length, durationMs: 0 };
  let outcome: PrecompileOutcome;
  try {
    const decoded = decodeExecuteInput(input);
    verdict.blockNumber = decoded.number;
    verdict.blockHash = bytesToHex(decoded.blockHash);
    const result = await execute(decoded, options);
    verdict.ok = true;
    verdict.blockHash = bytesToHex(result.blockHash);
    verdict.burnedFees = result.burnedFees;
    outcome = { ok: true, output: encodeExecuteOutput(result.blockHash, result.burnedFees) };
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    verdict.error = describe(error);
    outcome = { ok: false, error };
  }
  verdict.durationMs = performance.now() - started;
  record(verdict);
  return outcome;
}
