/**
 * Blob benchmark (not a test): compressor candidates on a realistic batch, and KZG timings per
 * blob. Prints a table and one JSON line. Run: `npx hardhat run bench/compression.ts`.
 * The body runs only when this file is the script.
 */
import zlib from "node:zlib";
import { compressBatch, decompressBatch } from "../src/blobs/compression.js";
import { encodeBlobs, decodeBlobs } from "../src/blobs/codec.js";
import { blobToCommitment, computeBlobProof, getKzg, verifyBlobProof } from "../src/blobs/kzg.js";
import { createRng, makeErc20TransferBatch, randomBytes } from "../test/blobs/fixtures.js";

function time<T>(reps: number, f: () => T): { ms: number; out: T } {
  let out!: T;
  const t = performance.now();
  for (let i = 0; i < reps; i++) out = f();
  return { ms: (performance.now() - t) / reps, out };
}

export async function main(): Promise<void> {
  const data = makeErc20TransferBatch(1000);
  const buf = Buffer.from(data);
  const mb = data.length / 1e6;
  const reps = 5;
  const C = zlib.constants;
  const candidates: [string, () => Buffer, (b: Buffer) => Buffer][] = [
    ["deflate 6", () => zlib.deflateRawSync(buf, { level: 6 }), (b) => zlib.inflateRawSync(b)],
    ["deflate 9", () => zlib.deflateRawSync(buf, { level: 9 }), (b) => zlib.inflateRawSync(b)],
    ...[1, 5, 9, 11].map(
      (q) =>
        [
          `brotli q${q}`,
          () => zlib.brotliCompressSync(buf, { params: { [C.BROTLI_PARAM_QUALITY]: q, [C.BROTLI_PARAM_SIZE_HINT]: buf.length } }),
          (b: Buffer) => zlib.brotliDecompressSync(b),
        ] as [string, () => Buffer, (b: Buffer) => Buffer],
    ),
  ];
  if (typeof zlib.zstdCompressSync === "function") {
    for (const l of [3, 9, 19]) {
      candidates.push([
        `zstd ${l}`,
        () => zlib.zstdCompressSync(buf, { params: { [C.ZSTD_c_compressionLevel]: l } }),
        (b) => zlib.zstdDecompressSync(b),
      ]);
    }
  }
  const results: Record<string, unknown>[] = [];
  console.log(`payload: 1000 signed ERC20 transfers, RLP list, ${data.length} bytes`);
  for (const [name, c, d] of candidates) {
    const comp = time(name === "brotli q11" ? 1 : reps, c);
    const dec = time(reps, () => d(comp.out));
    const row = {
      name,
      bytes: comp.out.length,
      ratio: +(data.length / comp.out.length).toFixed(3),
      compressMBs: +(mb / (comp.ms / 1000)).toFixed(1),
      decompressMBs: +(mb / (dec.ms / 1000)).toFixed(1),
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
  const ours = time(reps, () => compressBatch(data));
  const ourDec = time(reps, () => decompressBatch(ours.out));
  console.log(`compressBatch: ${ours.out.length} bytes, ${ours.ms.toFixed(1)} ms; decompressBatch ${ourDec.ms.toFixed(2)} ms`);

  const t0 = performance.now();
  getKzg();
  const loadMs = performance.now() - t0;
  const blob = encodeBlobs(randomBytes(createRng(7), 130_000))[0];
  const enc = time(20, () => encodeBlobs(randomBytes(createRng(7), 130_000)));
  const dec = time(20, () => decodeBlobs([blob]));
  const commit = time(10, () => blobToCommitment(blob));
  const proof = time(5, () => computeBlobProof(blob, commit.out));
  const verify = time(10, () => verifyBlobProof(blob, commit.out, proof.out));
  const kzg = {
    loadMs: +loadMs.toFixed(0),
    commitmentMs: +commit.ms.toFixed(1),
    proofMs: +proof.ms.toFixed(1),
    verifyMs: +verify.ms.toFixed(1),
    encodeBlobMs: +enc.ms.toFixed(2),
    decodeBlobMs: +dec.ms.toFixed(2),
  };
  console.log("kzg per blob:", JSON.stringify(kzg));
  console.log(JSON.stringify({ bench: "blobs", payloadBytes: data.length, compressors: results, kzg }));
}

await main();
