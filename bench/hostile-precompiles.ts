/**
 * Issue 15's rows of the `hostile` section: each precompile's work per gas, (1) its own function
 * called directly, with ethereumjs's default backends (before) and the engine's (after), and
 * (2) end to end — an L2 transaction that calls it in a loop until out of gas, verified through
 * `runExecute` — as CPU ns per gas EXECUTE charges, and as a ratio to ETH transfers measured in
 * the same run. Plus the inputs of issue 15 a direct caller chooses (anchor code, parent gas limit).
 */
import { cpus, loadavg } from "node:os";
import { hexToBytes } from "@ethereumjs/util";
import { toBeHex, zeroPadValue } from "ethers";
import { buildBlock, createL2Chain, devGenesis, PREDEPLOYS, SYSTEM_ADDRESS, type ExecuteInput } from "../src/engine/index.js";
import { anchorCommitment, encodeDelivery, rollingHashOf, type L1Message } from "../src/bridge/messages.js";
import { precompileBackends } from "../src/engine/precompiles.js";
import { blake2fPrecompile } from "../src/engine/blake2f.js";
import { devAccounts } from "../src/engine/chain.js";
import { anchorPrecompileLoopCode, g2AddInput, loopCalldata, MEMORY_GROWTH_CODE, PRECOMPILE_LOOP_CODE, precompileCases } from "./precompile-inputs.js";
import { l2Evm, precompileNsPerGas } from "./precompile-speed.js";

/** One measured input: CPU and wall ns per gas charged, and the verdict. */
export interface Measured {
  cpuMs: number;
  wallMs: number;
  gas: bigint;
  verdict: string;
}

/** What hostile.ts lends this file: its measure and sign helpers, and its report. */
export interface HostileKit {
  measure(input: ExecuteInput): Promise<Measured>;
  sign(chain: Awaited<ReturnType<typeof createL2Chain>>, from: number, tx: { nonce: number; to: string; data?: string; gasLimit: bigint }): Promise<Uint8Array>;
  add(name: string, result: Measured): void;
  report: { add(result: { name: string; unit: string; value: number }): void };
}

const LOOP = "0x00000000000000000000000000000000000c0de2";
const env = () => ({ timestamp: 1_700_000_001n, coinbase: hexToBytes("0x00000000000000000000000000000000c0ffee00"), prevRandao: new Uint8Array(32).fill(1), anchor: new Uint8Array(32) });
const perGas = (ms: number, gas: bigint) => (ms * 1e6) / Number(gas);

/** Machine load, printed with the figures (the machine is shared; every figure grows with it). */
export function machineLoad(): string {
  const [one, five] = loadavg();
  return `load average ${one!.toFixed(2)} (1 min), ${five!.toFixed(2)} (5 min) on ${cpus().length} cores`;
}

/** The per-precompile table; `ethNsPerGas` is the ETH-transfer baseline (CPU ns per gas charged) of this run. */
export async function benchPrecompiles(kit: HostileKit, quick: boolean, ethNsPerGas: number): Promise<void> {
  const lines: string[] = [];
  const load = machineLoad();
  // Before: the L2 EVM as it was — JavaScript BLS12-381, BN254 and SHA-256.
  const before = await l2Evm();
  before.common.customCrypto.sha256 = undefined;
  const after = await l2Evm({ customPrecompiles: [blake2fPrecompile] });
  // createEVM replaces any bn254 option; set the engine's backends on this one by hand.
  Object.assign(after as unknown as Record<string, unknown>, { _bls: precompileBackends.bls, _bn254: precompileBackends.bn254 });
  const chain = await createL2Chain(devGenesis({ alloc: { [LOOP]: { code: PRECOMPILE_LOOP_CODE } } }));
  const gasLimit = quick ? 600_000n : 2_000_000n;
  for (const c of precompileCases()) {
    const old = await precompileNsPerGas(before, c, quick ? 60 : 200);
    const now = await precompileNsPerGas(after, c, quick ? 60 : 200);
    const block = await buildBlock(chain, { ...env(), transactions: [await kit.sign(chain, 1, { nonce: 0, to: LOOP, data: loopCalldata(c.address, c.input), gasLimit })] });
    const run = await kit.measure(block.input);
    const cpu = perGas(run.cpuMs, run.gas);
    lines.push(`  ${c.name.padEnd(26)} ${String(old.gas).padStart(9)} ${old.nsPerGas.toFixed(0).padStart(8)} ${now.nsPerGas.toFixed(0).padStart(8)} ${cpu.toFixed(0).padStart(8)} ${(cpu / ethNsPerGas).toFixed(1).padStart(6)}  ${run.verdict}`);
    kit.report.add({ name: `precompile CPU ns/gas, ethereumjs default: ${c.name}`, unit: "ns/gas", value: old.nsPerGas });
    kit.report.add({ name: `precompile CPU ns/gas, engine: ${c.name}`, unit: "ns/gas", value: now.nsPerGas });
    kit.add(`L2 loop on ${c.name}`, run);
  }
  console.log(`\n  precompiles (${load}): CPU ns per gas — the function alone, ethereumjs's default backends (before) → the engine's (after);`);
  console.log(`  then an L2 transaction looping on it, verified by EXECUTE: CPU ns per gas charged, and × the ETH-transfer baseline (${ethNsPerGas.toFixed(0)})`);
  console.log(`  ${"precompile".padEnd(26)} ${"gas".padStart(9)} ${"before".padStart(8)} ${"after".padStart(8)} ${"EXECUTE".padStart(8)} ${"× ETH".padStart(6)}  verdict`);
  for (const line of lines) console.log(line);
}

/** Issue 15's inputs that a direct caller of EXECUTE chooses. */
export async function benchCallerChoices(kit: HostileKit): Promise<void> {
  // (1a) An anchor predeploy looping on G2ADD inside the anchor call's 250,000 gas (empty block).
  const anchorChain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code: anchorPrecompileLoopCode("0x0d", g2AddInput(), 400) } } }));
  const anchorBlock = await buildBlock(anchorChain, { ...env(), transactions: [] });
  kit.add("an anchor predeploy looping on G2ADD (empty block, gasUsed 0)", await kit.measure({ ...anchorBlock.input, anchor: new Uint8Array(32).fill(0x11) }));

  // (2) Messenger code storing one byte at 2 GiB, under a parent gas limit of 2^64 − 1.
  const delivery = (first: bigint) => encodeDelivery({ l1BlockHash: zeroPadValue(toBeHex(first), 32), count: 0n, rollingHash: "0x" + "00".repeat(32), messages: [] });
  const memoryChain = await createL2Chain(devGenesis({ gasLimit: 2n ** 64n - 1n, alloc: { [PREDEPLOYS.messenger]: { code: MEMORY_GROWTH_CODE } } }));
  const memoryBlock = await buildBlock(memoryChain, { ...env(), transactions: [], messages: hexToBytes(delivery(0n) as `0x${string}`) });
  kit.add("delivery storing a byte at 2 GiB, parent gas limit 2^64 − 1", await kit.measure({ ...memoryBlock.input, messages: hexToBytes(delivery(2n ** 31n) as `0x${string}`) }));

  // (3) A deposit to SYSTEM_ADDRESS whose fee goes to a coinbase equal to it; (4) its messages with 32 trailing bytes.
  const chain = await createL2Chain(devGenesis());
  const message: L1Message = { index: 0n, sender: devAccounts()[5]!.address, sourceRollup: "0x" + "00".repeat(20), to: SYSTEM_ADDRESS, value: 10n ** 18n, fee: 10n ** 15n, gasLimit: 0n, data: "0x" };
  const rolling = rollingHashOf([message]);
  const l1BlockHash = "0x" + "ab".repeat(32);
  const deposit = await buildBlock(chain, {
    ...env(),
    transactions: [],
    coinbase: hexToBytes(SYSTEM_ADDRESS),
    anchor: hexToBytes(anchorCommitment(l1BlockHash, 1n, rolling) as `0x${string}`),
    messages: hexToBytes(encodeDelivery({ l1BlockHash, count: 1n, rollingHash: rolling, messages: [message] }) as `0x${string}`),
  });
  kit.add("a deposit to SYSTEM_ADDRESS, fee to coinbase SYSTEM_ADDRESS", await kit.measure(deposit.input));
  const trailing = new Uint8Array(deposit.input.messages.length + 32);
  trailing.set(deposit.input.messages);
  kit.add("the same messages with 32 trailing bytes", await kit.measure({ ...deposit.input, messages: trailing }));
}
