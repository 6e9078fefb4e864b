/**
 * EXECUTE's work per gas it charges, for honest blocks and for the hostile inputs of issue 9:
 * each input is encoded, priced with the formula (`executeGas`) and run through `runExecute` —
 * the body every installation of the precompile runs. The documented bound (docs/execute.md)
 * is what the worst row must stay under.
 */
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { RLP } from "@ethereumjs/rlp";
import {
  buildBlock,
  createL2Chain,
  devGenesis,
  encodeTransactions,
  encodeWitness,
  PREDEPLOYS,
  type ExecuteInput,
  type L2Chain,
} from "../src/engine/index.js";
import { blockDataToBlobs, createBlobDataResolver } from "../src/blobs/da.js";
import { makeSidecar } from "../src/blobs/kzg.js";
import { createBlobPool } from "../src/blobs/pool.js";
import { encodeExecuteInput } from "../src/precompile/codec.js";
import { claimedBlobCount, claimedGasUsed } from "../src/precompile/ethereumjs.js";
import { executeGas } from "../src/precompile/gas.js";
import { runExecute } from "../src/precompile/run.js";
import type { ExecuteOptions } from "../src/engine/execute.js";
import { signL2Transaction } from "../src/sdk/transactions.js";
import { devAccounts } from "../src/engine/chain.js";
import { Wallet } from "ethers";
import { buildBench, erc20Chain, erc20Transfers, ethWorkload } from "./workloads.js";
import { benchCallerChoices, benchPrecompiles, machineLoad, type HostileKit, type Measured } from "./hostile-precompiles.js";
import { cpuMs as cpuMsSince } from "./precompile-speed.js";

/** What `bench/index.ts` passes in: where results go. */
interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number }): void;
}

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const CONTRACT = "0x00000000000000000000000000000000000c0de1";
const env = (n: number) => ({
  timestamp: 1_700_000_000n + BigInt(n),
  coinbase: hexToBytes("0x00000000000000000000000000000000c0ffee00"),
  prevRandao: new Uint8Array(32).fill(1),
  anchor: new Uint8Array(32),
});

async function sign(chain: L2Chain, from: number, tx: { nonce: number; to: string; data?: string; gasLimit: bigint }): Promise<Uint8Array> {
  const raw = await signL2Transaction(chain, wallets[from]!, { ...tx, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n });
  return hexToBytes(raw as `0x${string}`);
}

/** Runs one input through EXECUTE's body; returns CPU and wall ms (best of `runs`) and the verdict. */
async function measure(input: ExecuteInput, options: ExecuteOptions = {}, runs = 2): Promise<Measured> {
  const bytes = encodeExecuteInput(input);
  const gas = executeGas(bytes.length, claimedGasUsed(bytes), Number(claimedBlobCount(bytes)));
  let wallMs = Infinity;
  let cpuMs = Infinity;
  let verdict = "";
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const outcome = await runExecute(bytes, options);
    cpuMs = Math.min(cpuMs, cpuMsSince(cpu));
    wallMs = Math.min(wallMs, performance.now() - started);
    verdict = outcome.ok ? "accepted" : outcome.error.name;
  }
  return { cpuMs, wallMs, gas, verdict };
}

/** The hostile-input table: ns per gas charged, per class of input. */
export async function benchHostileInputs(report: Report, quick: boolean): Promise<void> {
  console.log("\nEXECUTE: work per gas charged (honest blocks and hostile inputs; the bound is in docs/execute.md)");
  console.log(`  ${machineLoad()} at the start`);
  const rows: ({ name: string } & Measured)[] = [];
  const add = (name: string, result: Measured) => {
    rows.push({ name, ...result });
    report.add({ name: `EXECUTE ns/gas: ${name} (${result.verdict})`, unit: "ns/gas", value: (result.wallMs * 1e6) / Number(result.gas) });
    report.add({ name: `EXECUTE CPU ns/gas: ${name} (${result.verdict})`, unit: "ns/gas", value: (result.cpuMs * 1e6) / Number(result.gas) });
  };

  // Honest blocks.
  const size = quick ? 200 : 500;
  const tokenChain = await erc20Chain();
  const erc20 = await buildBench(tokenChain, await erc20Transfers(tokenChain, size));
  add(`honest: ${size} ERC20 transfers`, await measure(erc20.input));
  const ethChain = await ethWorkload.chain();
  const eth = await measure((await buildBench(ethChain, await ethWorkload.transactions(ethChain, size))).input);
  add(`honest: ${size} ETH transfers`, eth);
  const ethNsPerGas = (eth.cpuMs * 1e6) / Number(eth.gas);
  const kit: HostileKit = { measure: (input) => measure(input, {}, 1), sign, add, report };
  await benchPrecompiles(kit, quick, ethNsPerGas);
  await benchCallerChoices(kit);
  const blake = (rounds: number) => {
    const data = new Uint8Array(213);
    new DataView(data.buffer).setUint32(0, rounds);
    data[212] = 1;
    return bytesToHex(data);
  };
  const BLAKE2F = "0x0000000000000000000000000000000000000009";
  const plain = await createL2Chain(devGenesis());
  const blakeBlock = await buildBlock(plain, { ...env(1), transactions: [await sign(plain, 1, { nonce: 0, to: BLAKE2F, data: blake(quick ? 200_000 : 1_000_000), gasLimit: 2_000_000n })] });
  add("honest: BLAKE2F, 1M rounds in one call", await measure(blakeBlock.input));

  // Work past the claimed gas: loops and a precompile claimed as 100,000 gas.
  const loopChain = await createL2Chain(devGenesis({ alloc: { [CONTRACT]: { code: "0x5b5f56" } } }));
  const loopBlock = await buildBlock(loopChain, { ...env(1), transactions: [await sign(loopChain, 1, { nonce: 0, to: CONTRACT, gasLimit: 100_000n })] });
  const loops = [1, 2, 3].map((i) => sign(loopChain, i, { nonce: 0, to: CONTRACT, gasLimit: 16_000_000n }));
  add("3 × 16M-gas loops claimed as 100,000 gas", await measure({ ...loopBlock.input, transactions: encodeTransactions(await Promise.all(loops)), gasUsed: 100_000n }));
  add("BLAKE2F of 14M rounds claimed as 100,000 gas", await measure({
    ...blakeBlock.input,
    transactions: encodeTransactions([await sign(plain, 1, { nonce: 0, to: BLAKE2F, data: blake(14_000_000), gasLimit: 16_000_000n })]),
    gasUsed: 100_000n,
  }));
  // An anchor predeploy that loops when the anchor is not zero: the system call's 250,000 gas.
  const anchorLoop = "0x60043515600b575b6007565b00";
  const anchorChain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code: anchorLoop } } }));
  const anchorBlock = await buildBlock(anchorChain, { ...env(1), transactions: [] });
  add("an anchor predeploy that loops (empty block)", await measure({ ...anchorBlock.input, anchor: new Uint8Array(32).fill(1) }));

  // Large witnesses and fields.
  const empty = (await buildBlock(plain, { ...env(1), transactions: [] })).input;
  const witness = RLP.decode(empty.witness) as unknown as Uint8Array[][];
  const junkNodes = Array.from({ length: 60_000 }, (_, i) => new Uint8Array(33).fill(i & 0xff).map((b, j) => (j < 4 ? (i >> (8 * j)) & 0xff : b)));
  add("2 MB witness of 60,000 unused 33-byte nodes", await measure({ ...empty, witness: encodeWitness({ nodes: [...witness[0]!, ...junkNodes], codes: witness[1]!, headers: witness[2]! }) }));
  // RLP by hand: the library's encoder takes its items as call arguments (2M overflow the stack).
  const list = (payload: Uint8Array) => {
    const length = new Uint8Array([payload.length >> 16, (payload.length >> 8) & 0xff, payload.length & 0xff]);
    return new Uint8Array([0xfa, ...length, ...payload]);
  };
  const oneByteNodes = list(new Uint8Array(2_000_000).fill(1));
  add("2 MB witness of 2M one-byte nodes", await measure({ ...empty, witness: list(new Uint8Array([...oneByteNodes, 0xc0, 0xc0])) }, {}, 1));
  const bigHeaders = Array.from({ length: 256 }, (_, i) => new Uint8Array(8_000).fill(i & 0xff));
  add("2 MB witness of 256 unused 8 KB headers", await measure({ ...empty, witness: encodeWitness({ nodes: witness[0]!, codes: witness[1]!, headers: [...witness[2]!, ...bigHeaders] }) }));
  let nested: unknown = new Uint8Array(120);
  for (let i = 0; i < 5_000; i++) nested = [nested, new Uint8Array(120)];
  add("620 KB witness of 5,000 nested lists", await measure({ ...empty, witness: RLP.encode(nested as never) }));
  const codes = Array.from({ length: 8_000 }, (_, i) => new Uint8Array(250).fill(i & 0xff).map((b, j) => (j < 2 ? (i >> (8 * j)) & 0xff : b)));
  add("2 MB of 8,000 codes claimed as 16M gas", await measure({ ...empty, gasUsed: 16_000_000n, witness: encodeWitness({ nodes: witness[0]!, codes: [...witness[1]!, ...codes], headers: witness[2]! }) }));

  // Blobs: duplicates, and a compression bomb (16 MB of zeros in one blob).
  const hash = hexToBytes(("0x01" + "00".repeat(31)) as `0x${string}`);
  add("300 copies of one blob hash", await measure({ ...empty, transactions: new Uint8Array(0), blobVersionedHashes: Array.from({ length: 300 }, () => hash) }));
  const bombBlobs = blockDataToBlobs(new Uint8Array(16 * 1024 * 1024 - 64));
  const sidecar = makeSidecar(bombBlobs);
  const pool = createBlobPool();
  sidecar.versionedHashes.forEach((h, i) => pool.put(h, { blob: sidecar.blobs[i]!, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! }));
  const blobHashes = sidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`));
  add(`a ${bombBlobs.length}-blob batch that inflates to 16 MB`, await measure({ ...empty, transactions: new Uint8Array(0), blobVersionedHashes: blobHashes }, { resolveBlobData: createBlobDataResolver({ pool }) }));

  // Blob-carried witnesses of unused, compressible nodes: 15,000 of 33 bytes (512 KiB, refused by
  // the per-blob item bound), 4,090 of 33 bytes (the most items a blob may carry) and 512 KiB of
  // 128-byte nodes (the most bytes).
  for (const [count, size] of [[15_000, 33], [4_090, 33], [4_000, 128]] as const) {
    const nodes = junkNodes.slice(0, count).map((node) => (size === 33 ? node : new Uint8Array(size).map((_, j) => node[j % 33]! ^ j)));
    const junkWitness = encodeWitness({ nodes: [...witness[0]!, ...nodes], codes: witness[1]!, headers: witness[2]! });
    const witnessBlobs = blockDataToBlobs(empty.transactions, junkWitness);
    const witnessSidecar = makeSidecar(witnessBlobs);
    const witnessPool = createBlobPool();
    witnessSidecar.versionedHashes.forEach((h, i) => witnessPool.put(h, { blob: witnessSidecar.blobs[i]!, commitment: witnessSidecar.commitments[i]!, proof: witnessSidecar.proofs[i]! }));
    add(`a ${witnessBlobs.length}-blob witness of ${count} nodes, ${Math.round(junkWitness.length / 1024)} KiB`, await measure(
      { ...empty, transactions: new Uint8Array(0), witness: new Uint8Array(0), blobVersionedHashes: witnessSidecar.versionedHashes.map((h) => hexToBytes(h as `0x${string}`)) },
      { resolveBlobData: createBlobDataResolver({ pool: witnessPool }) },
    ));
  }

  const cpuPerGas = (r: Measured) => (r.cpuMs * 1e6) / Number(r.gas);
  const wallPerGas = (r: Measured) => (r.wallMs * 1e6) / Number(r.gas);
  console.log(`\n  ${"input".padEnd(66)} ${"verdict".padEnd(26)} ${"CPU ns/gas".padStart(10)} ${"wall".padStart(6)} ${"× ETH".padStart(6)}`);
  for (const r of rows) {
    console.log(`  ${r.name.slice(0, 66).padEnd(66)} ${r.verdict.padEnd(26)} ${cpuPerGas(r).toFixed(0).padStart(10)} ${wallPerGas(r).toFixed(0).padStart(6)} ${(cpuPerGas(r) / ethNsPerGas).toFixed(1).padStart(6)}`);
  }
  const worst = rows.reduce((a, b) => (cpuPerGas(a) > cpuPerGas(b) ? a : b));
  console.log(`  worst: ${worst.name}: ${cpuPerGas(worst).toFixed(0)} CPU ns/gas, ${wallPerGas(worst).toFixed(0)} wall (${worst.cpuMs.toFixed(1)} ms CPU for ${worst.gas} gas)`);
  console.log(`  ${machineLoad()} at the end`);
}
