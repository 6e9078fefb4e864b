/**
 * `buildBlock` of 600 ETH transfers as the proposer calls it — with the mempool's decoded
 * transactions — against the work it did before issue 14 item 8's follow-up: each candidate
 * serialised again, then decoded and its sender recovered again (the same path raw bytes take).
 * Alternated rounds in one process, with the machine's load. Not a test: prints figures.
 *
 *   node_modules/.bin/node --import tsx bench/build-decoded.ts [count] [rounds]
 */
import { availableParallelism, loadavg } from "node:os";
import { bytesToHex } from "@ethereumjs/util";
import { createMempool } from "../src/proposer/mempool.js";
import { buildBench, ethWorkload } from "./workloads.js";

const count = Number(process.argv[2] ?? 600);
const rounds = Number(process.argv[3] ?? 3);
const chain = await ethWorkload.chain();
const raws = await ethWorkload.transactions(chain, count);
const pool = createMempool(chain, { maxPerSender: count });
for (const raw of raws) await pool.add(raw);
const pending = pool.pending();
if (pending.length !== count) throw new Error(`the pool holds ${pending.length} of ${count}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = { before: [] as number[], after: [] as number[] };
const hashes = new Set<string>();
await buildBench(chain, pending); // warm-up (JIT, trie caches)
for (let round = 0; round < rounds; round++) {
  for (const mode of ["before", "after"] as const) {
    const started = performance.now();
    // "before": what the old buildBlock did with each object (serialise, then decode and recover).
    const block = await buildBench(chain, mode === "before" ? pending.map((tx) => tx.serialize()) : pending);
    times[mode].push(performance.now() - started);
    hashes.add(bytesToHex(block.header.hash()));
  }
}
if (hashes.size !== 1) throw new Error(`the two paths built different blocks: ${[...hashes].join(", ")}`);
const [before, after] = [median(times.before), median(times.after)];
console.log(`buildBlock of ${count} ETH transfers from the mempool's objects, median of ${rounds} alternated rounds`);
console.log(`  before (serialise + decode + recover each): ${before.toFixed(0)} ms (${times.before.map((t) => t.toFixed(0)).join(", ")})`);
console.log(`  after (objects used as they are):           ${after.toFixed(0)} ms (${times.after.map((t) => t.toFixed(0)).join(", ")})`);
console.log(`  saved: ${(before - after).toFixed(0)} ms per build, ${(((before - after) / count) * 1000).toFixed(0)} µs per transaction; same block ${[...hashes][0]}`);
console.log(`  load average ${loadavg().map((l) => l.toFixed(2)).join(" ")} on ${availableParallelism()} cores`);
