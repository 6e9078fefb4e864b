/**
 * Prints the top self-time entries of a V8 `.cpuprofile` (from `node --cpu-prof` or
 * bench/profile.ts), by function and by package:
 *
 *   node_modules/.bin/node --import tsx bench/summarise-profile.ts <file.cpuprofile> [top]
 *
 * A package is the node_modules package a function's file is in (`ultrasound` for this repo's
 * own files, `node` for Node's internals); V8's pseudo-entries — `(garbage collector)`,
 * `(program)`, `(idle)` — stand for themselves.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

const file = process.argv[2];
if (file === undefined) throw new Error("usage: summarise-profile.ts <file.cpuprofile> [top]");
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;

// Self time per node: the time deltas of the samples that landed in it.
const selfUs = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
for (let i = 0; i < samples.length; i++) {
  // timeDeltas[i] is the time before sample i; attribute the next delta to sample i.
  const us = deltas[i + 1] ?? 0;
  selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + us);
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

function packageOf(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native/builtin)";
  if (url.startsWith("node:")) return "node";
  const at = url.lastIndexOf("node_modules/");
  if (at >= 0) {
    const parts = url.slice(at + "node_modules/".length).split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  return "ultrasound";
}

function shortUrl(url: string): string {
  const at = url.lastIndexOf("node_modules/");
  if (at >= 0) return url.slice(at + "node_modules/".length);
  const src = url.search(/\/(src|bench|test)\//);
  return src >= 0 ? url.slice(src + 1) : url.replace(/^file:\/\//, "");
}

const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName === "" ? "(anonymous)" : functionName;
  const key = url === "" ? name : `${name}  ${shortUrl(url)}:${lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const pkg = packageOf(url, name);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
}

function print(title: string, entries: Map<string, number>, limit: number): void {
  console.log(`\n${title}`);
  for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(6)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
}

console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
print("self time by package", byPackage, 15);
print(`top ${top} functions by self time`, byFunction, top);
