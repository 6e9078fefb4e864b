import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { hexToBytes } from "../shared/bytes.js";
import { UltrasoundError } from "../shared/errors.js";

/** The fork whose post states the L2 is held to: the engine's `L2_HARDFORK` (Osaka). */
export const CONFORMANCE_FORK = "Osaka";

/** An account as state-test fixtures write it: every quantity 0x-hex, storage slot → value. */
export interface FixtureAccount {
  nonce: string;
  balance: string;
  code: string;
  storage: Record<string, string>;
}

/** The block environment of a state test, parsed. */
export interface CaseEnv {
  coinbase: Uint8Array;
  gasLimit: bigint;
  number: bigint;
  timestamp: bigint;
  prevRandao: Uint8Array;
  baseFee: bigint;
  excessBlobGas: bigint;
}

/** What the fixture says the post state is. */
export interface CaseExpectation {
  /** The post state root, 0x-hex. */
  hash: string;
  /** keccak256(rlp(logs)) of the transaction, 0x-hex. */
  logs: string;
  /** The full post state, where the fixture carries it. */
  state?: Record<string, FixtureAccount>;
  /** The exception the fixture expects (the transaction is invalid: no state change). */
  exception?: string;
}

/** One conformance case: one `post.Osaka` entry of one state test. */
export interface ConformanceCase {
  /** `<state test name>#<post entry index>`: the test name is the fixture's key, greppable. */
  id: string;
  /** The EIP folder the fixture is in (`eip7939_count_leading_zeros`, …): the report's rows. */
  group: string;
  /** The fixture file, relative to the fixtures directory. */
  file: string;
  chainId: bigint;
  env: CaseEnv;
  pre: Record<string, FixtureAccount>;
  /** The signed transaction, exactly as the fixture gives it. */
  txbytes: Uint8Array;
  /** Which data / gas / value variant of the fixture's transaction this case is. */
  indexes: { data: number; gas: number; value: number };
  expected: CaseExpectation;
}

/** A post entry for a fork other than {@link CONFORMANCE_FORK}: counted, not run. */
export interface OtherForkEntry {
  id: string;
  group: string;
  fork: string;
}

/** Every case found under a fixtures directory. */
export interface FixtureSet {
  dir: string;
  files: number;
  cases: ConformanceCase[];
  otherForks: OtherForkEntry[];
}

/** A fixture file that is not a state test in the format this runner reads. */
export class FixtureFormatError extends UltrasoundError {
  override name = "FixtureFormatError";
}

/**
 * Reads every `*.json` state-test fixture under `dir` (recursively, in sorted order so runs are
 * reproducible). Post entries for {@link CONFORMANCE_FORK} become cases; entries for other forks
 * are listed apart so the report can count them. Throws `FixtureFormatError` naming the file and
 * test on anything it cannot read: a silently dropped case would look like a pass.
 */
export function loadFixtures(dir: string): FixtureSet {
  const files = listJsonFiles(dir);
  const cases: ConformanceCase[] = [];
  const otherForks: OtherForkEntry[] = [];
  for (const path of files) {
    const file = relative(dir, path);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new FixtureFormatError("Fixture file is not JSON", { file, reason: (error as Error).message });
    }
    if (typeof json !== "object" || json === null) throw new FixtureFormatError("Fixture file is not an object of tests", { file });
    const group = groupOf(file);
    for (const [name, test] of Object.entries(json as Record<string, unknown>)) {
      const where = { file, test: name };
      const fixture = test as Record<string, any>;
      if (fixture?.post === undefined || fixture.pre === undefined || fixture.env === undefined) {
        throw new FixtureFormatError("Not a state test (needs env, pre, post)", where);
      }
      for (const [fork, entries] of Object.entries(fixture.post as Record<string, unknown[]>)) {
        (entries as Record<string, any>[]).forEach((post, index) => {
          const id = `${name}#${index}`;
          if (fork !== CONFORMANCE_FORK) {
            otherForks.push({ id, group, fork });
            return;
          }
          cases.push({
            id,
            group,
            file,
            chainId: quantity(fixture.config?.chainid ?? "0x01", "config.chainid", where),
            env: parseEnv(fixture.env, where),
            pre: fixture.pre,
            txbytes: bytes(post.txbytes, "txbytes", where),
            indexes: post.indexes,
            expected: {
              hash: post.hash,
              logs: post.logs,
              state: post.state,
              exception: post.expectException,
            },
          });
        });
      }
    }
  }
  return { dir, files: files.length, cases, otherForks };
}

function listJsonFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    // `.meta` holds the fixture release's build notes, not tests.
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listJsonFiles(path));
    else if (entry.name.endsWith(".json")) found.push(path);
  }
  return found;
}

/** The first `eipNNNN_…` folder of the path (EEST's layout), else the file's folder. */
function groupOf(file: string): string {
  const parts = file.split(sep);
  return parts.find((part) => /^eip\d+/.test(part)) ?? (parts.slice(0, -1).join("/") || ".");
}

function parseEnv(env: Record<string, string>, where: Record<string, string>): CaseEnv {
  if (env.currentBaseFee === undefined) throw new FixtureFormatError("env has no currentBaseFee (pre-London test?)", where);
  return {
    coinbase: bytes(env.currentCoinbase, "env.currentCoinbase", where),
    gasLimit: quantity(env.currentGasLimit, "env.currentGasLimit", where),
    number: quantity(env.currentNumber, "env.currentNumber", where),
    timestamp: quantity(env.currentTimestamp, "env.currentTimestamp", where),
    // Post-merge tests carry `currentRandom`; it is the header's mixHash (prevRandao).
    prevRandao: bytes(env.currentRandom ?? `0x${"00".repeat(32)}`, "env.currentRandom", where),
    baseFee: quantity(env.currentBaseFee, "env.currentBaseFee", where),
    excessBlobGas: quantity(env.currentExcessBlobGas ?? "0x00", "env.currentExcessBlobGas", where),
  };
}

function quantity(value: unknown, field: string, where: Record<string, string>): bigint {
  if (typeof value === "string" && /^0x[0-9a-fA-F]+$/.test(value)) return BigInt(value);
  throw new FixtureFormatError("Expected a 0x-hex quantity", { ...where, field, value: String(value) });
}

function bytes(value: unknown, field: string, where: Record<string, string>): Uint8Array {
  const parsed = hexToBytes(value);
  if (parsed === undefined) throw new FixtureFormatError("Expected 0x-hex bytes", { ...where, field });
  return parsed;
}
