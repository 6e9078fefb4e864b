import { expect } from "chai";
import { hexToBytes } from "@ethereumjs/util";
import { toBeHex, zeroPadValue } from "ethers";
import {
  AnchorCallFailedError,
  buildBlock,
  createL2Chain,
  devGenesis,
  execute,
  ExecutionRejectedError,
  GasBudgetExceededError,
  PREDEPLOYS,
  SYSTEM_CALL_GAS,
  type ExecuteInput,
  type GenesisConfig,
} from "../../src/engine/index.js";
import { encodeDelivery } from "../../src/bridge/messages.js";
import { anchorPrecompileLoopCode, loopCalldata, MEMORY_GROWTH_CODE, PRECOMPILE_LOOP_CODE, precompileCases } from "../../bench/precompile-inputs.js";
import { largestMemoryDuring, precompileCallsDuring } from "./hostile-spies.js";
import { COINBASE, sign } from "./helpers.js";

/** The seeded generator of mutation.test.ts: the same campaign on every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
  return { below: (n: number) => next() % n, big: (bits: number) => BigInt.asUintN(bits, (BigInt(next()) << 32n) | BigInt(next())) };
}

const ZERO32 = "0x" + "00".repeat(32);
const LOOP = "0x00000000000000000000000000000000000c0de3";
/** Loops for ever when the delivery's first word (`l1BlockHash`) is not zero; stops otherwise. */
const MESSENGER_LOOP_CODE = "0x600435600857005b5b6008" + "56";
/** Largest memory `gas` can pay for: 3·w + w²/512 ≤ gas, in bytes. */
const memoryFor = (gas: bigint) => 32 * Math.ceil(Math.sqrt(512 * Number(gas)) + 1);

/** A block built on `genesis` with honest choices (zero anchor, zero first word of the delivery). */
async function honest(genesis: GenesisConfig, transactions: (chain: Awaited<ReturnType<typeof createL2Chain>>) => Promise<Uint8Array[]>, messages?: string) {
  const chain = await createL2Chain(genesis);
  return buildBlock(chain, {
    transactions: await transactions(chain),
    timestamp: 1_700_000_000n,
    coinbase: COINBASE,
    prevRandao: new Uint8Array(32).fill(3),
    anchor: new Uint8Array(32),
    messages: messages === undefined ? undefined : hexToBytes(messages as `0x${string}`),
  });
}

const delivery = (first: bigint) => encodeDelivery({ l1BlockHash: zeroPadValue(toBeHex(first), 32), count: 0n, rollingHash: ZERO32, messages: [] });

/** One round: the hostile input, and what bounded work means for it. */
interface Round {
  input: ExecuteInput;
  /** The verdict expected (a subclass of ExecutionRejectedError). */
  verdict: new (...args: never[]) => ExecutionRejectedError;
  /** Most WebAssembly precompile calls allowed. */
  maxBackendCalls: number;
  /** Most EVM memory (bytes) any frame may ask for. */
  maxMemory: number;
}

type Rand = ReturnType<typeof generator>;
const cases = precompileCases();

/** The classes of issue 15: what a direct caller of EXECUTE chooses, and must not buy unpaid work with. */
const classes: [string, (rand: Rand) => Promise<Round>][] = [
  ["anchor code chosen by the caller (precompile loops inside the anchor call)", async (rand) => {
    const c = cases[rand.below(cases.length)]!;
    // As many calls as fit the anchor call's gas: the loop completes (what the old engine accepted).
    const fit = Number((SYSTEM_CALL_GAS - 20_000n) / ((await priceOf(c)) + 200n));
    const code = anchorPrecompileLoopCode(c.address, c.input, 1 + rand.below(Math.max(1, fit)));
    // A transaction to the precompile puts its account in the witness, as a real attacker would.
    const block = await honest(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code } } }), async (chain) => [
      await sign(chain, 1, { nonce: 0, to: c.address, gasLimit: 100_000n }),
    ]);
    await execute(block.input);
    const anchor = hexToBytes(zeroPadValue(toBeHex(1n + rand.big(255)), 32) as `0x${string}`);
    return { input: { ...block.input, anchor }, verdict: AnchorCallFailedError, maxBackendCalls: 0, maxMemory: memoryFor(SYSTEM_CALL_GAS) };
  }],
  ["anchor code chosen by the caller (memory growth inside the anchor call)", async (rand) => {
    const block = await honest(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code: MEMORY_GROWTH_CODE } } }), async () => []);
    const anchor = hexToBytes(zeroPadValue(toBeHex(1n << BigInt(16 + rand.below(40))), 32) as `0x${string}`);
    // Small offsets fit the call's gas (the block then fails on its hash), large ones run it out of gas.
    return { input: { ...block.input, anchor }, verdict: ExecutionRejectedError, maxBackendCalls: 0, maxMemory: memoryFor(SYSTEM_CALL_GAS) };
  }],
  ["parent gas limit chosen by the caller (a delivery that loops with up to 2^64 − 1 gas)", async (rand) => {
    const gasLimit = (1n << BigInt(25 + rand.below(39))) - 1n;
    const block = await honest(devGenesis({ gasLimit, alloc: { [PREDEPLOYS.messenger]: { code: MESSENGER_LOOP_CODE } } }), async () => [], delivery(0n));
    await execute(block.input);
    const messages = hexToBytes(delivery(1n + rand.big(64)) as `0x${string}`);
    return { input: { ...block.input, messages, gasUsed: block.input.gasUsed + BigInt(rand.below(100_000)) }, verdict: GasBudgetExceededError, maxBackendCalls: 0, maxMemory: 1024 };
  }],
  ["memory growth in system calls (the delivery stores a byte far out)", async (rand) => {
    const gasLimit = (1n << BigInt(40 + rand.below(24))) - 1n;
    const block = await honest(devGenesis({ gasLimit, alloc: { [PREDEPLOYS.messenger]: { code: MEMORY_GROWTH_CODE } } }), async () => [], delivery(0n));
    await execute(block.input);
    const messages = hexToBytes(delivery(1n << BigInt(20 + rand.below(20))) as `0x${string}`);
    const claim = block.input.gasUsed + BigInt(rand.below(50_000));
    // Stopped by the claim (GasBudgetExceededError), or out of the block's gas first (MessageDeliveryFailedError).
    return { input: { ...block.input, messages, gasUsed: claim }, verdict: ExecutionRejectedError, maxBackendCalls: 0, maxMemory: memoryFor(claim) };
  }],
  ["precompile loops (an L2 transaction calling one until out of gas, claimed below its use)", async (rand) => {
    const wasm = cases.filter((x) => x.name.startsWith("BLS") || x.name.startsWith("BN254"));
    const c = wasm[rand.below(wasm.length)]!;
    const block = await honest(devGenesis({ alloc: { [LOOP]: { code: PRECOMPILE_LOOP_CODE } } }), async (chain) => [
      await sign(chain, 1, { nonce: 0, to: LOOP, data: loopCalldata(c.address, c.input), gasLimit: 2_000_000n }),
    ]);
    const claim = 21_000n + BigInt(rand.below(200_000));
    const price = await priceOf(c);
    // The meter stops once consumption passes 5/4 of the claim; a call it lets start is the last.
    return { input: { ...block.input, gasUsed: claim }, verdict: GasBudgetExceededError, maxBackendCalls: Number((claim * 5n) / 4n / price) + 1, maxMemory: 64 * 1024 };
  }],
];

const prices = new Map<string, bigint>();
/** A precompile case's gas, from the engine's own EVM (what the loop pays per call, at least). */
async function priceOf(c: (typeof cases)[number]): Promise<bigint> {
  if (!prices.has(c.name)) {
    const { createEVM } = await import("@ethereumjs/evm");
    const { createAddressFromString } = await import("@ethereumjs/util");
    const { createL2Common } = await import("../../src/engine/index.js");
    const evm = await createEVM({ common: createL2Common(1n) });
    const result = await evm.getPrecompile(createAddressFromString(c.address))!({ data: c.input, gasLimit: 10n ** 9n, common: evm.common, _EVM: evm } as never);
    prices.set(c.name, result.executionGasUsed);
  }
  return prices.get(c.name)!;
}

describe("engine: a seeded campaign of hostile pre-states and parents chosen by the caller (issue 15)", function () {
  this.timeout(300_000);

  it("rejects every round with the class's verdict, within the work its gas pays for (precompile calls, memory)", async function () {
    const rand = generator(0x5eed_0015);
    const seen = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      const [name, make] = classes[round % classes.length]!;
      const hostile = await make(rand);
      let memory = 0;
      const { calls, error } = await precompileCallsDuring(async () => {
        const result = await largestMemoryDuring(() => execute(hostile.input));
        memory = result.bytes;
        if (result.error !== undefined) throw result.error;
      });
      expect(error, `round ${round} (${name}): accepted`).to.not.equal(undefined);
      expect(error, `round ${round} (${name}): ${error?.stack}`).to.be.instanceOf(hostile.verdict);
      expect(calls, `round ${round} (${name}): precompile calls`).to.be.at.most(hostile.maxBackendCalls);
      expect(memory, `round ${round} (${name}): largest memory`).to.be.at.most(hostile.maxMemory);
      seen.set(name, (seen.get(name) ?? 0) + 1);
    }
    expect(seen.size).to.equal(classes.length);
  });
});
