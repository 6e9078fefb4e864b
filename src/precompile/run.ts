import { bytesToHex } from "@ethereumjs/util";
import { execute, type ExecuteOptions } from "../engine/execute.js";
import { ExecutionRejectedError } from "../engine/errors.js";
import { decodeExecuteInput, encodeExecuteOutput } from "./codec.js";

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

/** What the precompile body returns: output bytes on success, the reason on failure. */
export type PrecompileOutcome = { ok: true; output: Uint8Array } | { ok: false; error: Error };

/**
 * The body of EXECUTE, shared by every place the precompile is installed (Hardhat's EDR and an
 * @ethereumjs/evm): decode the input, run the stateless verification, encode the output.
 * Never throws: a rejection is an outcome, and an unexpected error (a bug) is one too — the
 * precompile fails closed and the verdict log says why.
 */
export async function runExecute(input: Uint8Array, options: ExecuteOptions = {}): Promise<PrecompileOutcome> {
  const started = performance.now();
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
    verdict.error = { name: error.name, message: error.message };
    if (error.cause instanceof Error) verdict.error.cause = error.cause.name;
    if (!(error instanceof ExecutionRejectedError)) {
      // Not a verdict on the block but a fault of ours: say so loudly.
      console.error(`[ultrasound] EXECUTE failed unexpectedly: ${error.stack ?? error.message}`);
    }
    outcome = { ok: false, error };
  }
  verdict.durationMs = performance.now() - started;
  recent.push(verdict);
  if (recent.length > RECENT_LIMIT) recent.shift();
  for (const listener of listeners) listener(verdict);
  return outcome;
}
