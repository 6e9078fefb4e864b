import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One measured figure; `baseline` and `ratio` (value / baseline) where it is compared. */
export interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline?: number;
  ratio?: number;
  /** Context for the figure (e.g. what others publish for the same step, with the source): printed under the table. */
  note?: string;
}

/** Collects results, prints them as a table and writes bench/results/latest.json. */
export function createReport() {
  const results: BenchResult[] = [];
  return {
    add(result: BenchResult): void {
      if (result.baseline !== undefined && result.ratio === undefined) result.ratio = result.value / result.baseline;
      results.push(result);
      console.log(`  ${result.name}: ${fmt(result.value)} ${result.unit}${result.ratio !== undefined ? `  (baseline ${fmt(result.baseline!)}, ratio ${result.ratio.toFixed(2)})` : ""}`);
    },
    finish(meta: Record<string, unknown>): string {
      const width = Math.max(...results.map((r) => r.name.length));
      console.log("\n" + "benchmark".padEnd(width) + " | value          | unit       | baseline       | ratio");
      console.log("-".repeat(width) + "-|----------------|------------|----------------|------");
      for (const r of results) {
        console.log(
          `${r.name.padEnd(width)} | ${fmt(r.value).padStart(14)} | ${r.unit.padEnd(10)} | ${(r.baseline === undefined ? "" : fmt(r.baseline)).padStart(14)} | ${r.ratio === undefined ? "" : r.ratio.toFixed(2)}`,
        );
      }
      const noted = results.filter((r) => r.note !== undefined);
      if (noted.length > 0) {
        console.log("\nnotes:");
        for (const r of noted) console.log(`  ${r.name}: ${r.note}`);
      }
      const dir = fileURLToPath(new URL("./results/", import.meta.url));
      mkdirSync(dir, { recursive: true });
      const file = `${dir}latest.json`;
      writeFileSync(file, JSON.stringify({ ...meta, results }, null, 2) + "\n");
      return file;
    },
  };
}

function fmt(value: number): string {
  return Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(4);
}
