import { KNOWN_DEFECTS, type CaseResult, type ConformanceReport } from "./results.js";

type Outcome = CaseResult["outcome"];

/** Counts of a conformance run: overall, by reason, by EIP folder. */
export interface ConformanceSummary {
  /** Every fixture entry found (Osaka cases run or skipped, and other forks' entries). */
  entries: number;
  passed: number;
  failed: number;
  mapped: Map<string, number>;
  skipped: Map<string, number>;
  /** Failures by known defect id; `"unexplained"` for the rest. */
  failedBy: Map<string, number>;
  byGroup: Map<string, Record<Outcome, number>>;
}

/** Counts the results of a run. */
export function summarize(report: ConformanceReport): ConformanceSummary {
  const summary: ConformanceSummary = {
    entries: report.results.length,
    passed: 0,
    failed: 0,
    mapped: new Map(),
    skipped: new Map(),
    failedBy: new Map(),
    byGroup: new Map(),
  };
  for (const result of report.results) {
    const group = summary.byGroup.get(result.group) ?? { passed: 0, mapped: 0, skipped: 0, failed: 0 };
    group[result.outcome]++;
    summary.byGroup.set(result.group, group);
    if (result.outcome === "passed") summary.passed++;
    else if (result.outcome === "failed") {
      summary.failed++;
      increment(summary.failedBy, result.knownDefect ?? "unexplained");
    } else increment(summary[result.outcome], result.reason);
  }
  return summary;
}

/**
 * The run as text: a table by EIP folder, the totals by outcome and reason, then every failed
 * case with its expected and got values (known defects listed apart from the rest).
 */
export function formatReport(report: ConformanceReport): string {
  const summary = summarize(report);
  const lines: string[] = [];
  const ran = report.results.filter((r) => !(r.outcome === "skipped" && r.reason.startsWith("post for "))).length;
  lines.push(`Ethereum conformance: execution-spec-tests state tests in ${report.dir}`);
  lines.push(`${report.files} files, ${summary.entries} post entries, ${ran} Osaka cases`);
  lines.push("Genesis = fixture pre (no L2Anchor predeploy: the anchor system call is then a no-op); tx alone in block 1;");
  lines.push("each case through buildBlock and execute.");
  lines.push("");

  const width = Math.max(5, ...[...summary.byGroup.keys()].map((g) => g.length));
  const row = (name: string, counts: Record<Outcome, number>) =>
    `${name.padEnd(width)}  ${[counts.passed, counts.mapped, counts.failed, counts.skipped].map((n) => String(n).padStart(8)).join("")}`;
  lines.push(`${"group".padEnd(width)}  ${["passed", "mapped", "failed", "skipped"].map((h) => h.padStart(8)).join("")}`);
  const total: Record<Outcome, number> = { passed: 0, mapped: 0, failed: 0, skipped: 0 };
  for (const [group, counts] of [...summary.byGroup].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(row(group, counts));
    for (const key of Object.keys(total) as Outcome[]) total[key] += counts[key];
  }
  lines.push(row("total", total));
  lines.push("");

  const entries: [string, number][] = [["passed", summary.passed]];
  for (const [reason, n] of summary.mapped) entries.push([`mapped: ${reason}`, n]);
  entries.push(["failed", summary.failed]);
  for (const [cause, n] of summary.failedBy) {
    const defect = KNOWN_DEFECTS.find((d) => d.id === cause);
    entries.push([`  ${defect === undefined ? "unexplained" : `known defect ${defect.id}: ${defect.description}`}`, n]);
  }
  for (const [reason, n] of summary.skipped) entries.push([`skipped: ${reason}`, n]);
  const labelWidth = Math.max(...entries.map(([label]) => label.length));
  for (const [label, n] of entries) lines.push(`${label.padEnd(labelWidth)}  ${String(n).padStart(5)}`);

  const failures = report.results.filter((r): r is Extract<CaseResult, { outcome: "failed" }> => r.outcome === "failed");
  for (const known of [undefined, ...KNOWN_DEFECTS.map((d) => d.id)]) {
    const these = failures.filter((f) => f.knownDefect === known);
    if (these.length === 0) continue;
    lines.push("");
    lines.push(known === undefined ? `Failed cases (${these.length}):` : `Failed cases, known defect ${known} (${these.length}):`);
    for (const failure of these) {
      lines.push(`  ${failure.id}`);
      lines.push(`    ${failure.reason}`);
      for (const m of failure.mismatches) lines.push(`    ${m.what}: expected ${m.expected}, got ${m.got}`);
    }
  }
  return lines.join("\n");
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
