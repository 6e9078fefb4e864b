import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { expect } from "chai";
import { setExecutePricing } from "../../src/hardhat/execute-pricing.js";
import { getCreateAddress, keccak256, Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { buildBlock } from "../../src/engine/build.js";
import { devAccounts } from "../../src/engine/chain.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { appendBlock, createL2Chain } from "../../src/engine/state.js";
import type { ExecuteInput } from "../../src/engine/types.js";
import { decodeWitness, encodeWitness } from "../../src/engine/witness.js";
import { encodeBlockData } from "../../src/engine/block-data.js";
import { EXECUTE_ADDRESS, encodeExecuteInput, encodeExecuteOutput } from "../../src/precompile/codec.js";
import { claimedBlobCount, claimedGasUsed, executePrecompile } from "../../src/precompile/ethereumjs.js";
import { claimedBlockCount } from "../../src/precompile/codec.js";
import { executeGas } from "../../src/precompile/gas.js";
import { onVerdict, type ExecuteVerdict } from "../../src/precompile/run.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { configureHardhatExecute, defaultHardhatExecuteOptions } from "../../src/hardhat/edr-hook.js";
import { memoryGas } from "../contracts/helpers.js";

// The ethereumjs installation prices EXECUTE 1:1 (its market is not installed: docs/execute.md),
// so the Hardhat side is compared under the same pricing.
const { ethers, provider: hardhatProvider } = await network.create();
await setExecutePricing(hardhatProvider, { pricing: "l1-gas" });

/** Gas of the eth_call that wraps `executeRaw`: far above every case, below the EIP-7825 cap. */
const CALL_GAS = 12_000_000n;

/** What one installation answered. */
interface Answer {
  ok: boolean;
  output: string;
  /** Verdicts the engine recorded while answering (none when the call failed before it). */
  verdicts: Pick<ExecuteVerdict, "ok" | "blockNumber" | "blockHash" | "error">[];
}

/** Records the verdicts produced while `run` runs. */
async function withVerdicts<T>(run: () => Promise<T>): Promise<[T, Answer["verdicts"]]> {
  const seen: Answer["verdicts"] = [];
  const stop = onVerdict(({ ok, blockNumber, blockHash, error }) => seen.push({ ok, blockNumber, blockHash, error: error && { name: error.name, message: error.message } }));
  try {
    return [await run(), seen];
  } finally {
    stop();
  }
}

/** The emulation on Hardhat: the shim at 0x…0101, reached through `ExecuteHarness.executeRaw`. */
async function onHardhat(harness: Contract, data: Uint8Array, gas: bigint): Promise<Answer & { gasSpent: bigint }> {
  const [[ok, output, gasSpent], verdicts] = await withVerdicts(() =>
    harness.getFunction("executeRaw").staticCall(bytesToHex(data), gas, { gasLimit: CALL_GAS }),
  );
  return { ok, output, gasSpent, verdicts };
}

/** The @ethereumjs/evm custom precompile, called directly with `gas`. */
async function onEthereumjs(vm: VM, data: Uint8Array, gas: bigint): Promise<Answer & { gasUsed: bigint; error?: string }> {
  const [result, verdicts] = await withVerdicts(() =>
    vm.evm.runCall({ to: createAddressFromString(EXECUTE_ADDRESS), data, gasLimit: gas }),
  );
  const exec = result.execResult;
  return {
    ok: exec.exceptionError === undefined,
    output: bytesToHex(exec.returnValue),
    gasUsed: exec.executionGasUsed,
    error: exec.exceptionError?.error,
    verdicts,
  };
}

/** `length` deterministic bytes that mean nothing. */
const garbage = (length: number) => Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);

/** The gas EXECUTE charges for `data` (read as the precompile reads it). */
const chargeOf = (data: Uint8Array) => executeGas(data.length, claimedGasUsed(data), Number(claimedBlobCount(data)), claimedBlockCount(data));

/**
 * A real L2 block 2 (block 1 deploys a contract; block 2 calls it and moves ETH), so the witness
 * carries storage nodes, code and two ancestor headers.
 */
async function realInput(): Promise<{ input: ExecuteInput; burnedFees: bigint }> {
  const chain = await createL2Chain(devGenesis());
  const [a, b] = devAccounts().map((acc) => new Wallet(acc.privateKey));
  const anchor = hexToBytes(keccak256("0x01") as `0x${string}`);
  const env = { timestamp: 1_700_000_000n, coinbase: hexToBytes("0x00000000000000000000000000000000000c0ffe"), prevRandao: anchor, anchor };
  // Runtime `sstore(number(), blockhash(calldataload(0)))`, deployed by a 9-byte initcode.
  const initcode = "0x" + "6006" + "80" + "6009" + "5f" + "39" + "5f" + "f3" + "5f3540435500";
  const deploy = await signL2Transaction(chain, a!, { to: null, data: initcode, nonce: 0, gasLimit: 200_000n });
  const block1 = await buildBlock(chain, { transactions: [hexToBytes(deploy as `0x${string}`)], ...env });
  expect(block1.transactions.length).to.equal(1);
  appendBlock(chain, { header: block1.header, transactions: block1.transactions, receipts: block1.receipts });
  const recorder = getCreateAddress({ from: a!.address, nonce: 0 });
  const txs = [
    // blockhash(0) from block 2: the witness must carry block 1's and genesis's headers.
    await signL2Transaction(chain, a!, { to: recorder, data: "0x" + "00".repeat(32), nonce: 1, gasLimit: 100_000n }),
    await signL2Transaction(chain, b!, { to: a!.address, value: 10n ** 18n, nonce: 0 }),
  ];
  const block2 = await buildBlock(chain, { transactions: txs.map((t) => hexToBytes(t as `0x${string}`)), ...env, timestamp: env.timestamp + 12n });
  expect(block2.transactions.length).to.equal(2);
  expect(block2.witness.codes.length).to.be.greaterThan(0);
  expect(block2.burnedFees).to.be.greaterThan(0n);
  return { input: block2.input, burnedFees: block2.burnedFees };
}

describe("precompile/crosscheck: EXECUTE on Hardhat (shim + EDR hook) and on @ethereumjs/vm agree", function () {
  let harness: Contract;
  let vm: VM;
  let valid: ExecuteInput;
  let validBurnedFees: bigint;
  let validBytes: Uint8Array;

  before(async function () {
    harness = (await ethers.deployContract("ExecuteHarness")) as unknown as Contract;
    vm = await createVM({
      common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }),
      evmOpts: { customPrecompiles: [executePrecompile({ pricing: "l1-gas" })] },
    });
    ({ input: valid, burnedFees: validBurnedFees } = await realInput());
    validBytes = encodeExecuteInput(valid);
  });

  describe("same success flag, same output bytes, same verdict, for", function () {
    const cases: { name: string; data: () => Uint8Array; expect: { ok: boolean; verdict?: string } }[] = [
      { name: "a valid block", data: () => validBytes, expect: { ok: true } },
      {
        name: "a wrong post-state root",
        data: () => encodeExecuteInput({ ...valid, postStateRoot: hexToBytes(keccak256(valid.postStateRoot) as `0x${string}`) }),
        expect: { ok: false, verdict: "CommitmentMismatchError" },
      },
      {
        name: "a witness with a node dropped",
        data: () => {
          const witness = decodeWitness(valid.witness);
          return encodeExecuteInput({ ...valid, witness: encodeWitness({ ...witness, nodes: witness.nodes.slice(0, -1) }) });
        },
        expect: { ok: false, verdict: "WitnessMissingNodeError" },
      },
      {
        name: "a witness with the code dropped",
        data: () => encodeExecuteInput({ ...valid, witness: encodeWitness({ ...decodeWitness(valid.witness), codes: [] }) }),
        expect: { ok: false, verdict: "WitnessMissingNodeError" },
      },
      {
        name: "a witness without the grandparent header BLOCKHASH reads",
        data: () => {
          const witness = decodeWitness(valid.witness);
          expect(witness.headers.length).to.equal(2);
          return encodeExecuteInput({ ...valid, witness: encodeWitness({ ...witness, headers: witness.headers.slice(0, 1) }) });
        },
        expect: { ok: false, verdict: "WitnessMissingHeaderError" },
      },
      {
        name: "garbage bytes (with a plausible gasUsed word, so the engine decodes and refuses them)",
        data: () => {
          const bytes = garbage(700);
          bytes[0] = 0; // a single input (a batch starts with a non-zero byte: docs/execute.md, "Batches")
          bytes.fill(0, 8 * 32, 8 * 32 + 30); // gasUsed = a 2-byte number
          return bytes;
        },
        expect: { ok: false, verdict: "ExecuteInputDecodeError" },
      },
      {
        name: "garbage bytes read as a batch (first byte not 0) with a plausible count and gas, so the engine decodes and refuses them",
        data: () => {
          const bytes = garbage(700);
          bytes[0] = 0x45;
          bytes.fill(0, 32, 63); // count = one byte
          bytes[63] = 3;
          bytes.fill(0, 64, 94); // gasUsed = a 2-byte number
          bytes.fill(0, 96, 128); // the blob hashes at byte 160: none
          bytes[127] = 160;
          bytes.fill(0, 160, 192);
          return bytes;
        },
        expect: { ok: false, verdict: "ExecuteBatchDecodeError" },
      },
      {
        name: "garbage bytes (whose gasUsed word is above 2^64: refused before the engine runs)",
        data: () => garbage(700),
        expect: { ok: false },
      },
      { name: "an empty input (refused before the engine runs)", data: () => new Uint8Array(0), expect: { ok: false } },
      {
        name: "a gasUsed word above 2^64 (refused before the engine runs)",
        data: () => {
          const bytes = validBytes.slice();
          bytes[8 * 32 + 7] = 0x01; // bit 192 of word 8
          return bytes;
        },
        expect: { ok: false },
      },
    ];

    for (const c of cases) {
      it(c.name, async function () {
        const data = c.data();
        // Enough for the formula and the shim's own overhead; capped for the over-2^64 case.
        const charge = chargeOf(data);
        const gas = charge > 5_000_000n ? 5_000_000n : charge + 50_000n;
        const hardhat = await onHardhat(harness, data, gas);
        const ethereumjs = await onEthereumjs(vm, data, gas);

        expect(hardhat.ok, "Hardhat success flag").to.equal(c.expect.ok);
        expect(ethereumjs.ok, "ethereumjs success flag").to.equal(c.expect.ok);
        expect(hardhat.output).to.equal(ethereumjs.output);
        expect(hardhat.verdicts).to.deep.equal(ethereumjs.verdicts);
        if (c.expect.ok) {
          expect(hardhat.output).to.equal(bytesToHex(encodeExecuteOutput(valid.blockHash, validBurnedFees)));
          expect(hardhat.output.length).to.equal(2 + 2 * 64); // abi.encode(bytes32 blockHash, uint256 burnedFees)
          expect(hardhat.verdicts).to.have.length(1);
        } else {
          expect(hardhat.output).to.equal("0x");
          expect(hardhat.verdicts.map((v) => v.error?.name)).to.deep.equal(c.expect.verdict === undefined ? [] : [c.expect.verdict]);
          // A failing precompile consumes all the gas it was given, on both.
          expect(ethereumjs.gasUsed).to.equal(gas);
          expect(hardhat.gasSpent).to.be.greaterThanOrEqual(gas);
        }
      });
    }
  });

  describe("gas", function () {
    it("ethereumjs charges exactly executeGas(len, gasUsed) for a valid block", async function () {
      const answer = await onEthereumjs(vm, validBytes, CALL_GAS);
      expect(answer.ok).to.equal(true);
      expect(answer.gasUsed).to.equal(executeGas(validBytes.length, valid.gasUsed));
    });

    it("Hardhat spends at least executeGas, plus no more than the memory of two input copies and a few thousand", async function () {
      const charge = executeGas(validBytes.length, valid.gasUsed);
      const answer = await onHardhat(harness, validBytes, charge + 100_000n);
      expect(answer.ok).to.equal(true);
      // Beyond the formula, the caller and the shim each copy the input into fresh memory
      // (3·words copy + 3·words + words²/512 expansion) and each touch a cold address (2,600).
      const words = BigInt(Math.ceil(validBytes.length / 32));
      const copies = 2n * (memoryGas(validBytes.length) + 3n * words);
      expect(answer.gasSpent).to.be.greaterThanOrEqual(charge + copies);
      expect(answer.gasSpent).to.be.lessThanOrEqual(charge + copies + 6_000n);
      console.log(`      input ${validBytes.length} bytes: executeGas ${charge}, spent ${answer.gasSpent} (+${answer.gasSpent - charge}; copies ${copies})`);
    });

    it("with executeGas − 1 both fail and consume all of it", async function () {
      const gas = executeGas(validBytes.length, valid.gasUsed) - 1n;
      const [hardhat, ethereumjs] = [await onHardhat(harness, validBytes, gas), await onEthereumjs(vm, validBytes, gas)];
      expect(hardhat.ok).to.equal(false);
      expect(ethereumjs.ok).to.equal(false);
      expect(ethereumjs.error).to.equal("out of gas");
      expect(hardhat.output).to.equal(ethereumjs.output);
      expect(hardhat.verdicts).to.deep.equal([]); // refused before the engine ran, on both
      expect(ethereumjs.verdicts).to.deep.equal([]);
      expect(ethereumjs.gasUsed).to.equal(gas);
      expect(hardhat.gasSpent).to.be.greaterThanOrEqual(gas);
    });

    it("the least gas that succeeds: exactly executeGas on ethereumjs; on Hardhat above it by the shim's overhead only", async function () {
      const charge = executeGas(validBytes.length, valid.gasUsed);
      expect((await onEthereumjs(vm, validBytes, charge)).ok).to.equal(true);
      // Bisect Hardhat's minimum in [charge, charge + 40,000).
      let [low, high] = [charge - 1n, charge + 40_000n]; // low fails, high succeeds
      expect((await onHardhat(harness, validBytes, high)).ok).to.equal(true);
      while (high - low > 1n) {
        const mid = (low + high) / 2n;
        if ((await onHardhat(harness, validBytes, mid)).ok) high = mid;
        else low = mid;
      }
      // The shim asks for headroom before it burns (the 1/64 a call keeps back, and 10,000 for
      // its own work); what it spends beyond the charge is its copy of the input, a cold
      // STATICCALL to the oracle, a warm one to itself and ~30 opcodes.
      const words = BigInt(Math.ceil(validBytes.length / 32));
      const shimCopy = memoryGas(validBytes.length) + 3n * words;
      const headroom = charge / 63n + 10_000n;
      expect(high - charge).to.be.greaterThanOrEqual(headroom);
      expect(high - charge).to.be.lessThanOrEqual(headroom + shimCopy + 3_500n);
      console.log(`      least gas that succeeds: ethereumjs ${charge}, Hardhat ${high} (+${high - charge})`);
    });
  });

  describe("gas per blob", function () {
    // The valid block with its data "in" three blobs: both installations resolve them to the
    // block's transactions and witness (the blob source is not what is under test here).
    const resolveBlobData = async () => encodeBlockData({ transactions: valid.transactions, witness: valid.witness });
    const hashes = [1, 2, 3].map((n) => hexToBytes(("0x01" + n.toString(16).padStart(62, "0")) as `0x${string}`));
    let blobBytes: Uint8Array;
    let blobVM: VM;
    before(async function () {
      blobBytes = encodeExecuteInput({ ...valid, transactions: new Uint8Array(0), blobVersionedHashes: hashes, witness: new Uint8Array(0) });
      blobVM = await createVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }), evmOpts: { customPrecompiles: [executePrecompile({ resolveBlobData, pricing: "l1-gas" })] } });
      configureHardhatExecute({ resolveBlobData });
    });
    after(() => configureHardhatExecute(defaultHardhatExecuteOptions()));

    it("both read the blob count from the layout and charge executeGas(len, gasUsed, blobs)", async function () {
      expect(claimedBlobCount(blobBytes)).to.equal(3n);
      const charge = executeGas(blobBytes.length, valid.gasUsed, 3);
      expect(charge - executeGas(blobBytes.length, valid.gasUsed)).to.equal(150_000n);
      const exact = await onEthereumjs(blobVM, blobBytes, charge);
      expect(exact.ok).to.equal(true);
      expect(exact.gasUsed).to.equal(charge);
      expect((await onEthereumjs(blobVM, blobBytes, charge - 1n)).error).to.equal("out of gas");
      const hardhat = await onHardhat(harness, blobBytes, charge + 100_000n);
      expect(hardhat.ok).to.equal(true);
      expect(hardhat.gasSpent).to.be.greaterThanOrEqual(charge);
      const short = await onHardhat(harness, blobBytes, charge - 1n);
      expect(short.ok).to.equal(false);
      expect(short.verdicts).to.deep.equal([]); // the shim refused before the engine ran
    });

    it("both accept the witness in the blobs, and both refuse it in the blobs and in the input at once", async function () {
      expect((await onEthereumjs(blobVM, blobBytes, CALL_GAS)).ok).to.equal(true);
      expect((await onHardhat(harness, blobBytes, CALL_GAS - 100_000n)).ok).to.equal(true);
      const twice = encodeExecuteInput({ ...valid, transactions: new Uint8Array(0), blobVersionedHashes: hashes });
      const [hardhat, ethereumjs] = [await onHardhat(harness, twice, CALL_GAS - 100_000n), await onEthereumjs(blobVM, twice, CALL_GAS)];
      expect(hardhat.ok).to.equal(false);
      expect(ethereumjs.ok).to.equal(false);
      expect(ethereumjs.verdicts.map((v) => v.error?.message.split("\n")[0])).to.deep.equal(["Block header field 'witness' is invalid"]);
      expect(hardhat.verdicts.map((v) => v.error?.name)).to.deep.equal(ethereumjs.verdicts.map((v) => v.error?.name));
    });

    it("both refuse more than 6 blob hashes before any work", async function () {
      const seven = encodeExecuteInput({ ...valid, transactions: new Uint8Array(0), blobVersionedHashes: [...hashes, ...hashes.map((h) => Uint8Array.from(h, (b, i) => (i === 31 ? b + 8 : b))), hashes[0]!.map((b, i) => (i === 30 ? 1 : b))] });
      expect(claimedBlobCount(seven)).to.equal(7n);
      const [hardhat, ethereumjs] = [await onHardhat(harness, seven, CALL_GAS - 100_000n), await onEthereumjs(blobVM, seven, CALL_GAS - 100_000n)];
      expect(hardhat.ok).to.equal(false);
      expect(ethereumjs.ok).to.equal(false);
      expect(hardhat.verdicts).to.deep.equal([]);
      expect(ethereumjs.verdicts).to.deep.equal([]);
    });
  });
});
