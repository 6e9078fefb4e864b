/**
 * Under EXECUTE's market a blob is charged once per L1 transaction (docs/execute.md, "Shared
 * advances"): many rollups' blocks read ranges of one shared blob, and its KZG check is one piece
 * of work. Both installations: the Hardhat shim (its transient storage) and the @ethereumjs/evm
 * precompile (the EVM's transient storage).
 */
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createBlock } from "@ethereumjs/block";
import { createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM } from "@ethereumjs/vm";
import { expect } from "chai";
import { network } from "hardhat";
import { buildBlock } from "../../src/engine/build.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain } from "../../src/engine/state.js";
import { encodeExecuteInput } from "../../src/precompile/codec.js";
import { executePrecompile } from "../../src/precompile/ethereumjs.js";
import { EXECUTE_BLOB_GAS, executeMarketGas } from "../../src/precompile/gas.js";

/** An empty L2 block's input naming `blobs` versioned hashes of blobs nobody sent, claiming 0 L2 gas (fee 0): EXECUTE rejects it, and under the market the call still succeeds, charged. */
async function blobInput(blobs: number): Promise<Uint8Array> {
  const chain = await createL2Chain(devGenesis());
  const block = await buildBlock(chain, { transactions: [], timestamp: 1_700_000_000n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32).fill(1), anchor: new Uint8Array(32).fill(2) });
  const hashes = Array.from({ length: blobs }, (_, i) => hexToBytes(("0x01" + (i + 1).toString(16).padStart(62, "0")) as `0x${string}`));
  return encodeExecuteInput({ ...block.input, transactions: new Uint8Array(0), blobVersionedHashes: hashes, witness: new Uint8Array(0) });
}

describe("precompile: under the market a blob is charged once per L1 transaction", function () {
  it("Hardhat shim: a second call naming the same 2 blobs in the same transaction skips their 100,000; a new transaction pays again", async function () {
    const { ethers } = await network.create();
    const harness = await ethers.deployContract("ExecuteHarness");
    const twice = async (input: Uint8Array) => (await harness.getFunction("executeRawTwice").staticCall(input)) as [bigint, bigint];
    await (await harness.getFunction("executeRawTwice").send(await blobInput(0))).wait(); // the market's state slot written once
    // The first call of a transaction also pays the cold access to 0x…0101; against a blob-less
    // input the difference is the blobs' charge alone (plus the first call's two TSTOREs, and
    // the 64 more input bytes of the two hashes).
    const [first0, second0] = await twice(await blobInput(0));
    const [first2, second2] = await twice(await blobInput(2));
    const saved = first2 - second2 - (first0 - second0);
    expect(saved).to.be.greaterThanOrEqual(2n * EXECUTE_BLOB_GAS);
    expect(saved).to.be.lessThan(2n * EXECUTE_BLOB_GAS + 1_000n);
    expect(second2 - second0, "the second call pays no blob").to.be.lessThan(2_000n);
    const [again] = await twice(await blobInput(2));
    expect(again, "transient storage ends with the transaction").to.equal(first2);
    const tx = await harness.getFunction("executeRawTwice").send(await blobInput(2));
    expect((await tx.wait())!.status).to.equal(1);
  });

  it("@ethereumjs/evm: a contract calling it twice with the same 2 blobs pays executeMarketGas(len, 2), then executeMarketGas(len, 0)", async function () {
    const vm = await createVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }), evmOpts: { customPrecompiles: [executePrecompile({ resolveBlobData: async () => { throw new Error("no blob"); } })] } });
    const input = await blobInput(2);
    const charged: bigint[] = [];
    // A caller contract that calls 0x…0101 twice with its calldata: CALLDATACOPY, then twice
    // CALL(gas, 0x0101, 0, 0, size, 0, 0), recording each call's gas left as GAS before/after.
    const harness = createAddressFromString("0x00000000000000000000000000000000000c0002");
    await vm.stateManager.putAccount(harness, undefined);
    await vm.stateManager.putCode(harness, hexToBytes(CALL_TWICE as `0x${string}`));
    const result = await vm.evm.runCall({ to: harness, data: input, gasLimit: 2_000_000n, block: createBlock({ header: { number: 1n } }, { common: vm.common }) });
    expect(result.execResult.exceptionError).to.equal(undefined);
    const out = result.execResult.returnValue;
    for (let i = 0; i < 2; i++) charged.push(BigInt("0x" + Buffer.from(out.subarray(32 * i, 32 * i + 32)).toString("hex")));
    // Each word is gas before − gas after the CALL: the precompile's charge plus the CALL's own
    // cost (cold access to 0x…0101 the first time: 2,500 more) and a few pushes.
    const overhead = charged[1]! - executeMarketGas(input.length, 0);
    expect(overhead, "the second call pays no blob").to.be.within(100n, 200n);
    expect(charged[0]! - charged[1]!, "the first call pays both blobs").to.equal(2n * EXECUTE_BLOB_GAS + 2_500n);
  });
});

/**
 * Runtime code: copies its calldata to memory, then twice: GAS, CALL(GAS, 0x0101, 0, 0, size, 0, 0),
 * POP, GAS, SUB, store the difference (the call's cost) at word i; returns the two words.
 */
const CALL_TWICE =
  "0x" +
  "36" + "5f" + "5f" + "37" + //                        CALLDATACOPY(0, 0, size)
  ["5a", "5f5f365f5f6101015af1", "50", "5a", "90", "03"].join("") + "61" + "1000" + "52" + // cost₀ → mem[0x1000]
  ["5a", "5f5f365f5f6101015af1", "50", "5a", "90", "03"].join("") + "61" + "1020" + "52" + // cost₁ → mem[0x1020]
  "6040" + "611000" + "f3"; //                          RETURN(0x1000, 64)
