/**
 * Finds the long synchronous stretches of one thread in a V8 `.cpuprofile` (from `node
 * --cpu-prof`): runs of consecutive samples not in `(idle)` longer than a threshold, each with the
 * frames of this repo (and the packages) that took most of it. What holds an event loop:
 *
 *   node_modules/.bin/node --import tsx bench/long-tasks.ts <file.cpuprofile> [minMs=50] [top=15]
 *
 * Prints the stretches, longest first, and the functions summed over all of them. When
 * `<file>.stalls.json` exists (bench/offthread.ts writes it: timer stalls measured on the thread,
 * `[{ endMs, ms }]` in the profile's clock), the stretches are those stalls — single synchronous
 * tasks — rather than runs of busy samples, which can hold many short tasks.
 */
import { existsSync, readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

const file = process.argv[2];
if (file === undefined) throw new Error("usage: long-tasks.ts <file.cpuprofile> [minMs] [top]");
const minMs = Number(process.argv[3] ?? 50);
const top = Number(process.argv[4] ?? 15);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const label = (node: ProfileNode): string => {
  const url = node.callFrame.url.replace(/^file:\/\//, "");
  const short = url.includes("node_modules/") ? url.slice(url.lastIndexOf("node_modules/") + 13) : url.replace(/.*\/(src|bench|test)\//, "$1/");
  return `${node.callFrame.functionName || "(anonymous)"} ${short}:${node.callFrame.lineNumber + 1}`;
};
/** The innermost frames of this repo's src/ on the sample's stack: where our code called the cost. */
const ownFrames = (id: number): string[] => {
  const out: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at)!;
    if (/\/src\//.test(node.callFrame.url) && !node.callFrame.url.includes("node_modules")) out.push(label(node));
  }
  return out;
};

const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
interface Stretch {
  startMs: number;
  ms: number;
  self: Map<string, number>;
  own: Map<string, number>;
}
const add = (stretch: Stretch, id: number, ms: number) => {
  const self = label(byId.get(id)!);
  stretch.self.set(self, (stretch.self.get(self) ?? 0) + ms);
  // Each of our frames on the stack counts once per sample (inclusive time).
  for (const frame of new Set(ownFrames(id))) stretch.own.set(frame, (stretch.own.get(frame) ?? 0) + ms);
};
const stretches: Stretch[] = [];
const stallsFile = `${file}.stalls.json`;
if (existsSync(stallsFile)) {
  const stalls = (JSON.parse(readFileSync(stallsFile, "utf8")) as { endMs: number; ms: number }[]).filter((s) => s.ms >= minMs);
  for (const stall of stalls) stretches.push({ startMs: stall.endMs - stall.ms, ms: stall.ms, self: new Map(), own: new Map() });
  let t = 0;
  for (let i = 0; i < samples.length; i++) {
    t += (deltas[i] ?? 0) / 1000;
    const stretch = stretches.find((s) => t >= s.startMs && t <= s.startMs + s.ms);
    if (stretch !== undefined) add(stretch, samples[i]!, (deltas[i + 1] ?? 0) / 1000);
  }
} else {
  let current: Stretch | undefined;
  let t = 0;
  for (let i = 0; i < samples.length; i++) {
    t += (deltas[i] ?? 0) / 1000;
    const node = byId.get(samples[i]!)!;
    if (node.callFrame.functionName === "(idle)") {
      if (current !== undefined && current.ms >= minMs) stretches.push(current);
      current = undefined;
      continue;
    }
    const ms = (deltas[i + 1] ?? 0) / 1000;
    current ??= { startMs: t, ms: 0, self: new Map(), own: new Map() };
    current.ms += ms;
    add(current, node.id, ms);
  }
  if (current !== undefined && current.ms >= minMs) stretches.push(current);
}

const sorted = [...stretches].sort((a, b) => b.ms - a.ms);
const topOf = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
console.log(`${stretches.length} stretches ≥ ${minMs} ms, ${stretches.reduce((s, x) => s + x.ms, 0).toFixed(0)} ms in all`);
for (const stretch of sorted.slice(0, top)) {
  console.log(`\n${stretch.ms.toFixed(0)} ms at ${(stretch.startMs / 1000).toFixed(1)} s`);
  for (const [name, ms] of topOf(stretch.own, 8)) console.log(`  incl ${ms.toFixed(0).padStart(6)} ms  ${name}`);
  for (const [name, ms] of topOf(stretch.self, 4)) console.log(`  self ${ms.toFixed(0).padStart(6)} ms  ${name}`);
}
const own = new Map<string, number>();
for (const stretch of stretches) for (const [name, ms] of stretch.own) own.set(name, (own.get(name) ?? 0) + ms);
console.log(`\nour frames, inclusive, over all stretches:`);
for (const [name, ms] of topOf(own, 30)) console.log(`  ${ms.toFixed(0).padStart(7)} ms  ${name}`);
