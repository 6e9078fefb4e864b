/**
 * The devnet's log levels (`--log-level`): `quiet` prints nothing but the banner, `info` (the
 * default) a line per proposed block and per proposer incident, `debug` adds a line per L2
 * transaction of each block (hash, sender, recipient or created contract, gas, status).
 */
import { bytesToHex } from "@ethereumjs/util";
import type { ProposedBlock } from "../proposer/propose.js";
import { UltrasoundError } from "../shared/errors.js";

/** How much the devnet prints. */
export type LogLevel = "quiet" | "info" | "debug";

/** Every log level, in order of how much they print. */
export const LOG_LEVELS: readonly LogLevel[] = ["quiet", "info", "debug"];

/** What `startDevnet` takes to print: its `log` and `onProposed` options. */
export interface DevnetLogger {
  level: LogLevel;
  /** A line of the devnet's own (proposer outcomes, incidents). */
  log: (line: string) => void;
  /** Called with each block the proposer got verified on L1: at `debug`, a line per transaction. */
  onProposed: (proposed: ProposedBlock) => void;
}

/** A log level that is not one of {@link LOG_LEVELS}. */
export class LogLevelError extends UltrasoundError {
  override name = "LogLevelError";
}

/** Parses a log level; throws `LogLevelError` naming the valid ones. */
export function parseLogLevel(text: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(text)) return text as LogLevel;
  throw new LogLevelError(`Unknown log level ${JSON.stringify(text)}: use one of ${LOG_LEVELS.join(", ")}`, { got: text });
}

/** A logger that prints through `print` (default `console.log`) what `level` asks for. */
export function createLogger(level: LogLevel, print: (line: string) => void = (line) => console.log(line)): DevnetLogger {
  return {
    level,
    log: level === "quiet" ? () => undefined : print,
    onProposed: level === "debug" ? (proposed) => { for (const line of transactionLines(proposed)) print(line); } : () => undefined,
  };
}

/** One line per transaction of a proposed block: `  tx 0x… from 0x… to 0x…|create 0x…: 21000 gas, ok|reverted`. */
export function transactionLines(proposed: ProposedBlock): string[] {
  const { block } = proposed;
  return block.transactions.map((tx, i) => {
    const receipt = block.receipts[i]!;
    const used = receipt.cumulativeBlockGasUsed - (i === 0 ? 0n : block.receipts[i - 1]!.cumulativeBlockGasUsed);
    const ok = "status" in receipt ? receipt.status === 1 : true;
    const target = tx.to === undefined ? "create" : `to ${tx.to.toString()}`;
    return `  tx ${bytesToHex(tx.hash())} from ${tx.getSenderAddress().toString()} ${target}: ${used} gas, ${ok ? "ok" : "reverted"}`;
  });
}
