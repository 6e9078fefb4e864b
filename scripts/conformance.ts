/**
 * `npm run conformance` — runs Ethereum's execution-spec-tests Osaka state tests through the L2
 * engine (`buildBlock`, then `execute`) and prints passed / mapped / failed / skipped by reason,
 * then every failed case with expected and got values. Exits 1 if any case failed.
 *
 *   npm run conformance                              the fixtures in ../shared/fixtures/eest-osaka
 *   npm run conformance -- --fixtures DIR            another directory of state-test fixtures
 *   npm run conformance -- --filter clz_gas_cost     only the cases whose id contains this text
 *   npm run conformance -- --json out.json           also write every result as JSON
 */
import { existsSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatReport, runConformance, summarize } from "../src/conformance/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
}

const dir = resolve(option("--fixtures") ?? resolve(repoRoot, "../shared/fixtures/eest-osaka"));
const filter = option("--filter");
const jsonOut = option("--json");
if (!existsSync(dir)) {
  console.error(`conformance: fixtures directory not found: ${dir} (give one with --fixtures DIR)`);
  process.exit(2);
}

const started = Date.now();
const report = await runConformance(dir, {
  select: filter === undefined ? undefined : (testCase) => testCase.id.includes(filter),
  onResult: (result, done, total) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${done}/${total} ${result.outcome.padEnd(7)}`);
    if (result.outcome === "failed") process.stderr.write(`${process.stderr.isTTY ? "\r" : ""}FAILED ${result.id}\n`);
  },
});
if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
console.log(formatReport(report));
console.log(`\n(${((Date.now() - started) / 1000).toFixed(1)} s)`);
if (jsonOut !== undefined) writeFileSync(jsonOut, JSON.stringify(report, null, 2));
process.exit(summarize(report).failed > 0 ? 1 : 0);
