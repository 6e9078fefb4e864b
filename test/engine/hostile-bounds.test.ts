import { expect } from "chai";
import { createEVM, MCLBLS, NobleBN254, type EVM } from "@ethereumjs/evm";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { AbiCoder, toBeHex, zeroPadValue } from "ethers";
import {
  AnchorCallFailedError,
  buildBlock,
  checkCanonicalMessages,
  createL2Chain,
  createL2Common,
  devGenesis,
  execute,
  GasBudgetExceededError,
  getL2Account,
  MessagesDecodeError,
  PREDEPLOYS,
  SYSTEM_ADDRESS,
  type BuiltBlock,
  type L2Chain,
} from "../../src/engine/index.js";
import { createEngineVM } from "../../src/engine/vm.js";
import { blake2fPrecompile } from "../../src/engine/blake2f.js";
import { anchorCommitment, encodeDelivery, L1_MESSAGE_TUPLE, type L1Message } from "../../src/bridge/messages.js";
import { anchorPrecompileLoopCode, g2AddInput, MEMORY_GROWTH_CODE, offSubgroupCases, precompileCases } from "../../bench/precompile-inputs.js";
import { largestMemoryDuring, precompileCallsDuring } from "./hostile-spies.js";
import { build, COINBASE, sign, wallets } from "./helpers.js";

const G2ADD = "0x000000000000000000000000000000000000000d";
const ZERO32 = "0x" + "00".repeat(32);

/** Builds the next block with the given anchor, coinbase and messages. */
async function buildWith(chain: L2Chain, options: { anchor?: string; coinbase?: Uint8Array; messages?: string; transactions?: Uint8Array[] }): Promise<BuiltBlock> {
  const n = BigInt(chain.headers.length);
  return buildBlock(chain, {
    transactions: options.transactions ?? [],
    timestamp: 1_700_000_000n + n * 12n,
    coinbase: options.coinbase ?? COINBASE,
    prevRandao: new Uint8Array(32).fill(7),
    anchor: hexToBytes((options.anchor ?? ZERO32) as `0x${string}`),
    messages: options.messages === undefined ? undefined : hexToBytes(options.messages as `0x${string}`),
  });
}

describe("engine: EXECUTE's work bounded by the gas it charges (issue 15)", function () {
  this.timeout(120_000);

  describe("precompiles run on WebAssembly backends, with L1's results", function () {
    it("the engine's EVM uses mcl (BLS12-381), rustbn (BN254) and its own BLAKE2F, not the pure-JavaScript defaults", async function () {
      const chain = await createL2Chain(devGenesis());
      const vm = await createEngineVM({ common: createL2Common(chain.genesis.chainId), db: chain.db, stateRoot: chain.headers[0]!.stateRoot, ancestors: () => chain.headers[0]! });
      const evm = vm.evm as unknown as { _bls: unknown; _bn254: unknown };
      expect(evm._bls).to.be.instanceOf(MCLBLS);
      expect(evm._bn254).to.have.keys("add", "mul", "pairing"); // rustbn, failures through NobleBN254
      expect(evm._bn254).not.to.be.instanceOf(NobleBN254);
      expect((vm.evm as unknown as EVM).getPrecompile(createAddressFromString("0x0000000000000000000000000000000000000009"))).to.equal(blake2fPrecompile.function);
    });

    it("every precompile case gives the same output and gas as ethereumjs's default backends", async function () {
      const chain = await createL2Chain(devGenesis());
      const vm = await createEngineVM({ common: createL2Common(chain.genesis.chainId), db: chain.db, stateRoot: chain.headers[0]!.stateRoot, ancestors: () => chain.headers[0]! });
      const engine = vm.evm as unknown as EVM;
      const reference = await createEVM({ common: createL2Common(chain.genesis.chainId) });
      const run = async (evm: EVM, address: string, data: Uint8Array) => {
        const result = await evm.getPrecompile(createAddressFromString(address))!({ data, gasLimit: 100_000_000n, common: evm.common, _EVM: evm } as never);
        return { gas: result.executionGasUsed, out: bytesToHex(result.returnValue), error: result.exceptionError?.error };
      };
      const cases = precompileCases();
      // Invalid inputs too: a point off the curve, a field element ≥ p, a short input.
      const broken = cases.filter((c) => c.name.startsWith("BLS") || c.name.startsWith("BN254")).flatMap((c) => [
        { ...c, name: `${c.name}, one byte flipped`, input: c.input.map((b, i) => (i === c.input.length - 5 ? b ^ 1 : b)) },
        { ...c, name: `${c.name}, field element ≥ p`, input: c.input.map((b, i) => (i >= 16 && i < 64 ? 0xff : b)) },
        { ...c, name: `${c.name}, short`, input: c.input.subarray(0, c.input.length - 1) },
      ]);
      for (const c of [...cases, ...broken, ...offSubgroupCases()]) {
        expect(await run(engine, c.address, c.input), c.name).to.deep.equal(await run(reference, c.address, c.input));
      }
      // The off-subgroup cases do what EIP-2537 says: addition accepts them, MSM and pairing refuse.
      for (const c of offSubgroupCases()) {
        expect((await run(engine, c.address, c.input)).error, c.name).to.equal(c.name.includes("ADD") ? undefined : "point not on curve");
      }
    });
  });

  describe("the anchor system call (250,000 gas, paid only by the base price) calls no precompile", function () {
    const code = anchorPrecompileLoopCode(G2ADD, g2AddInput(), 50);

    it("a block whose anchor predeploy calls one cannot be built (AnchorCallFailedError)", async function () {
      const chain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code } } }));
      const { calls, error } = await precompileCallsDuring(() => buildWith(chain, { anchor: "0x" + "11".repeat(32) }));
      expect(error, "the build must fail").to.be.instanceOf(AnchorCallFailedError);
      expect(calls).to.equal(0);
    });

    it("a direct caller's pre-state whose anchor code loops on G2ADD is rejected before the first call", async function () {
      // Built with a zero anchor (the code stops at once), run with another: the caller's choice.
      const chain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.anchor]: { code } } }));
      const block = await buildWith(chain, {});
      await execute(block.input);
      const { calls, error } = await precompileCallsDuring(() => execute({ ...block.input, anchor: new Uint8Array(32).fill(0x11) }));
      expect(error).to.be.instanceOf(AnchorCallFailedError);
      expect(calls, "G2ADD calls made inside the anchor call").to.equal(0);
    });
  });

  describe("memory growth is metered in every frame, the delivery system call included", function () {
    it("messenger code storing one byte at 64 MiB under a parent gas limit of 2^64 − 1 is stopped before it allocates", async function () {
      const chain = await createL2Chain(devGenesis({ gasLimit: 2n ** 64n - 1n, alloc: { [PREDEPLOYS.messenger]: { code: MEMORY_GROWTH_CODE } } }));
      const delivery = (offset: bigint) => encodeDelivery({ l1BlockHash: zeroPadValue(toBeHex(offset), 32), count: 0n, rollingHash: ZERO32, messages: [] });
      const block = await buildWith(chain, { messages: delivery(0n) });
      await execute(block.input);
      const hostile = { ...block.input, messages: hexToBytes(delivery(2n ** 26n) as `0x${string}`) };
      const { bytes, error } = await largestMemoryDuring(() => execute(hostile));
      expect(error).to.be.instanceOf(GasBudgetExceededError);
      // The claim is the block's gasUsed (a few hundred gas): memory that gas buys is a few KiB.
      expect(bytes, "largest EVM memory requested").to.be.below(64 * 1024);
    });
  });

  describe("ETH that reaches SYSTEM_ADDRESS during the delivery stays there (the L2 supply matches L1's escrow)", function () {
    it("a deposit to SYSTEM_ADDRESS, with its fee paid to a coinbase equal to SYSTEM_ADDRESS: Σ balances unchanged, block verifies", async function () {
      const chain = await createL2Chain(devGenesis());
      const message: L1Message = { index: 0n, sender: wallets[5]!.address, sourceRollup: "0x" + "00".repeat(20), to: SYSTEM_ADDRESS, value: 3n * 10n ** 18n, fee: 10n ** 15n, gasLimit: 0n, data: "0x" };
      const l1BlockHash = "0x" + "ab".repeat(32);
      const { rollingHashOf } = await import("../../src/bridge/messages.js");
      const rolling = rollingHashOf([message]);
      const accounts = [PREDEPLOYS.messenger, SYSTEM_ADDRESS, bytesToHex(COINBASE)];
      const supply = async () => (await Promise.all(accounts.map((a) => getL2Account(chain, a)))).reduce((sum, a) => sum + a.balance, 0n);
      const before = await supply();
      const block = await buildWith(chain, {
        anchor: anchorCommitment(l1BlockHash, 1n, rolling),
        coinbase: hexToBytes(SYSTEM_ADDRESS),
        messages: encodeDelivery({ l1BlockHash, count: 1n, rollingHash: rolling, messages: [message] }),
      });
      expect((await execute(block.input)).blockHash).to.deep.equal(block.header.hash());
      const { appendBlock } = await import("../../src/engine/index.js");
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
      expect((await getL2Account(chain, SYSTEM_ADDRESS)).balance, "value + fee at SYSTEM_ADDRESS").to.equal(message.value + message.fee);
      expect(await supply(), "Σ balances (nothing burned: no transactions)").to.equal(before);
      expect(block.burnedFees).to.equal(0n);
    });
  });

  describe("messages: exactly one encoding is accepted", function () {
    const abi = AbiCoder.defaultAbiCoder();
    const message = (i: number, length: number): L1Message => ({
      index: BigInt(i), sender: wallets[1]!.address, sourceRollup: wallets[2]!.address, to: wallets[3]!.address,
      value: BigInt(i) * 10n ** 17n, fee: BigInt(i), gasLimit: BigInt(i * 1000), data: "0x" + "cd".repeat(length),
    });
    const encode = (messages: L1Message[]) => hexToBytes(encodeDelivery({ l1BlockHash: "0x" + "01".repeat(32), count: 5n, rollingHash: "0x" + "02".repeat(32), messages }) as `0x${string}`);

    it("checkCanonicalMessages accepts abi.encode's output and counts the messages", function () {
      for (const lengths of [[], [0], [1], [31, 32, 33], [0, 64, 65, 100]]) {
        expect(checkCanonicalMessages(encode(lengths.map((l, i) => message(i, l))))).to.equal(lengths.length);
      }
      // Field for field as Solidity's abi.encode (the tuple the contracts use).
      expect(bytesToHex(encode([message(1, 3)]))).to.equal(abi.encode(["bytes32", "uint256", "bytes32", `${L1_MESSAGE_TUPLE}[]`], ["0x" + "01".repeat(32), 5n, "0x" + "02".repeat(32), [message(1, 3)]]));
    });

    const variants: [string, (b: Uint8Array) => Uint8Array][] = [
      ["32 trailing zero bytes", (b) => Uint8Array.from([...b, ...new Uint8Array(32)])],
      ["one trailing byte", (b) => Uint8Array.from([...b, 0])],
      ["the last (padding) byte cut off", (b) => b.subarray(0, b.length - 1)],
      ["the array moved 32 bytes on (offset 0xa0)", (b) => {
        const out = Uint8Array.from([...b.subarray(0, 128), ...new Uint8Array(32), ...b.subarray(128)]);
        out[127] = 0xa0;
        return out;
      }],
      ["dirty high bytes in an address", (b) => b.map((x, i) => (i === 160 + 32 * 2 + 32 * 1 ? 1 : x))],
      ["a non-zero padding byte", (b) => b.map((x, i) => (i === b.length - 1 ? 1 : x))],
    ];

    for (const [name, change] of variants) {
      it(`refuses ${name} (MessagesDecodeError), in checkCanonicalMessages and in execute`, async function () {
        const canonical = encode([message(0, 3), message(1, 40)]);
        expect(() => checkCanonicalMessages(change(canonical))).to.throw(MessagesDecodeError);
      });
    }

    it("execute rejects every variant of a delivered block's messages that Solidity would decode alike", async function () {
      // The probe-free chain: the real messenger delivers a deposit; each variant is one more input for the same block.
      const chain = await createL2Chain(devGenesis());
      const m: L1Message = { index: 0n, sender: wallets[5]!.address, sourceRollup: "0x" + "00".repeat(20), to: wallets[6]!.address, value: 10n ** 18n, fee: 0n, gasLimit: 0n, data: "0x" };
      const { rollingHashOf } = await import("../../src/bridge/messages.js");
      const rolling = rollingHashOf([m]);
      const l1BlockHash = "0x" + "ee".repeat(32);
      const block = await buildWith(chain, { anchor: anchorCommitment(l1BlockHash, 1n, rolling), messages: encodeDelivery({ l1BlockHash, count: 1n, rollingHash: rolling, messages: [m] }) });
      await execute(block.input);
      for (const [name, change] of variants) {
        const rejected = await execute({ ...block.input, messages: change(block.input.messages) }).then(() => undefined, (e: Error) => e);
        expect(rejected, name).to.be.instanceOf(MessagesDecodeError);
      }
    });
  });

  it("an L2 transaction looping on G2ADD, claimed below its use, stops within the claim: calls ≤ claim / 600 + 1", async function () {
    const loop = "0x00000000000000000000000000000000000c0de2";
    const { PRECOMPILE_LOOP_CODE, loopCalldata } = await import("../../bench/precompile-inputs.js");
    const chain = await createL2Chain(devGenesis({ alloc: { [loop]: { code: PRECOMPILE_LOOP_CODE } } }));
    const block = await build(chain, [await sign(chain, 1, { nonce: 0, to: loop, data: loopCalldata(G2ADD, g2AddInput()), gasLimit: 300_000n })]);
    await execute(block.input);
    const claim = 100_000n;
    const { calls, error } = await precompileCallsDuring(() => execute({ ...block.input, gasUsed: claim }));
    expect(error).to.be.instanceOf(GasBudgetExceededError);
    expect(BigInt(calls)).to.be.at.most(((claim * 5n) / 4n) / 600n + 1n);
  });
});
