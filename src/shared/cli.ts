import { parseArgs } from "node:util";
import { UltrasoundError } from "./errors.js";

/** A command line ultrasound cannot act on: an unknown option, a missing or malformed value. */
export class CommandLineError extends UltrasoundError {
  override name = "CommandLineError";
}

/** One option of a command: `--name <value>` (a string) or `--name` (a flag). */
export interface CommandOption {
  type: "string" | "boolean";
  /** What the value stands for in the usage text, e.g. `<port>`. Strings only. */
  value?: string;
  /** One line (or a few) for the usage text. */
  help: string;
  short?: string;
}

/** What the command line said: each option's value, absent when not given. */
export type ParsedCommandLine = Record<string, string | boolean | undefined>;

/**
 * Parses `argv` (without `node` and the script) against `options`, strictly: an option that is
 * not in `options`, a value given to a flag, a string option without its value, or a stray
 * positional argument is a `CommandLineError` that names it and lists the valid options (with
 * the nearest spelling, when one is close) — a misspelled option must never be ignored silently.
 * Built on Node's own `util.parseArgs`.
 */
export function parseCommandLine(command: string, argv: string[], options: Record<string, CommandOption>): ParsedCommandLine {
  try {
    const { values } = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
      strict: true,
      allowPositionals: false,
    });
    return values as ParsedCommandLine;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const given = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? "";
    const valid = Object.keys(options).map((name) => `--${name}`);
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const nearest = nearestOption(given.split("=")[0]!, valid);
      throw new CommandLineError(`${command}: unknown option ${given}${nearest === undefined ? "" : ` (did you mean ${nearest}?)`}`, { "valid options": valid.join(" ") });
    }
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new CommandLineError(`${command}: unexpected argument ${given || (error as Error).message}: every value follows its option (--name value)`, { "valid options": valid.join(" ") });
    }
    throw new CommandLineError(`${command}: ${(error as Error).message.split("\n")[0]}`, { "valid options": valid.join(" ") });
  }
}

/**
 * {@link parseCommandLine} for a script's entry: on a bad command line it prints the error and
 * `usage` and exits 2; with `--help` it prints `usage` and exits 0. Returns what it parsed.
 */
export function parseCommandLineOrExit(command: string, argv: string[], options: Record<string, CommandOption>, usage: string): ParsedCommandLine {
  let values: ParsedCommandLine;
  try {
    values = parseCommandLine(command, argv, options);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  return values;
}

/** The usage text: the synopsis, then one aligned line per option. */
export function commandUsage(synopsis: string, options: Record<string, CommandOption>): string {
  const heads = Object.entries(options).map(([name, o]) => `--${name}${o.type === "string" ? ` ${o.value ?? "<value>"}` : ""}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  const lines = Object.values(options).map((o, i) => {
    const [first, ...rest] = o.help.split("\n");
    return [`  ${heads[i]!.padEnd(width)}${first}`, ...rest.map((line) => `  ${" ".repeat(width)}${line}`)].join("\n");
  });
  return `${synopsis}\n\n${lines.join("\n")}`;
}

/** A string option as an integer in [min, max], or `fallback` when absent. */
export function integerOption(command: string, values: ParsedCommandLine, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (typeof raw !== "string" || !/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new CommandLineError(`${command}: --${name} needs an integer from ${min} to ${max}`, { got: String(raw) });
  }
  return value;
}

/** The valid option closest to `given` (edit distance ≤ 2, or one contains the other), if any. */
function nearestOption(given: string, valid: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of valid) {
    const distance = editDistance(given, name);
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  return best !== undefined && best.distance <= 2 ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
