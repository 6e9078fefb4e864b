/**
 * keccak-256 candidates on the trie's input sizes (issue 9): ns per call, best of 5 runs of
 * 100,000 calls, each checked against @noble/hashes first.
 *
 *   node_modules/.bin/node --import tsx bench/keccak.ts
 *
 * Candidates that are not dependencies are measured when present (`npm install --no-save keccak
 * js-sha3`), and reported as absent otherwise.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { createKeccak } from "hash-wasm";
import { createRequire } from "node:module";

type Hash = (data: Uint8Array) => Uint8Array;
const require = createRequire(import.meta.url);

function optional(name: string, make: () => Hash): [string, Hash | string] {
  try {
    return [name, make()];
  } catch (error) {
    return [name, `absent (${(error as Error).message.split("\n")[0]})`];
  }
}

const wasm = await createKeccak(256);
const candidates: [string, Hash | string][] = [
  ["@noble/hashes keccak_256 (ethereumjs's default)", (d) => keccak_256(d)],
  ["hash-wasm createKeccak(256), one hasher reused", (d) => wasm.init().update(d).digest("binary")],
  optional("js-sha3 keccak256.arrayBuffer", () => {
    const { keccak256 } = require("js-sha3") as { keccak256: { arrayBuffer(d: Uint8Array): ArrayBuffer } };
    return (d) => new Uint8Array(keccak256.arrayBuffer(d));
  }),
  optional("keccak (N-API prebuilt) package API", () => {
    const create = require("keccak/bindings") as (alg: string) => { update(b: Buffer): { digest(): Buffer } };
    return (d) => create("keccak256").update(Buffer.from(d.buffer, d.byteOffset, d.byteLength)).digest();
  }),
  optional("keccak (N-API prebuilt) raw state, reused", () => {
    const dir = require.resolve("keccak/bindings").replace(/bindings\.js$/, "");
    const State = (require("node-gyp-build") as (dir: string) => new () => {
      initialize(rate: number, capacity: number): void;
      absorb(b: Buffer): void;
      absorbLastFewBits(bits: number): void;
      squeeze(length: number): Buffer;
    })(dir);
    const state = new State();
    return (d) => {
      state.initialize(1088, 512);
      state.absorb(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
      state.absorbLastFewBits(1);
      return state.squeeze(32);
    };
  }),
];

const sizes = [32, 64, 110, 200, 300, 532, 600];
const inputs = new Map(sizes.map((size) => [size, Array.from({ length: 256 }, (_, k) => new Uint8Array(size).map((_, i) => (i * 7 + k) & 255))]));
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
console.log("ns per call".padEnd(50) + sizes.map((s) => `${s} B`.padStart(9)).join(""));
for (const [name, hash] of candidates) {
  if (typeof hash === "string") {
    console.log(`${name.padEnd(50)}${hash}`);
    continue;
  }
  for (const length of [0, 1, 31, 32, 135, 136, 137, 600, 20_000]) {
    const data = new Uint8Array(length).map((_, i) => (i * 31 + length) & 255);
    if (hex(hash(data)) !== hex(keccak_256(data))) throw new Error(`${name} differs from @noble/hashes at ${length} bytes`);
  }
  const row: number[] = [];
  for (const size of sizes) {
    const batch = inputs.get(size)!;
    for (let i = 0; i < 20_000; i++) hash(batch[i & 255]!);
    let best = Infinity;
    for (let run = 0; run < 5; run++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < 100_000; i++) hash(batch[i & 255]!);
      best = Math.min(best, Number(process.hrtime.bigint() - started) / 100_000);
    }
    row.push(best);
  }
  console.log(name.padEnd(50) + row.map((ns) => ns.toFixed(0).padStart(9)).join(""));
}
