/**
 * One EXECUTE call over a shared advance's blocks (docs/shared-advances.md, "One EXECUTE call"):
 * `RollupBundler.executeBatch` makes the batched call, each rollup's `advanceBatched` runs every
 * check of an advance and accepts only the verdict EXECUTE remembered in this transaction for
 * exactly the input it builds itself. Real EDR, real EXECUTE (shim + hook), real blobs and KZG.
 * Each way to cheat reverts with a custom error: no batch (a forged verdict), the oracle called
 * directly, an entry of another rollup, a verdict of an earlier transaction, a replayed advance,
 * a rejected entry; a reordered batch is harmless (each rollup finds its own verdict, by input).
 */
import { expect } from "chai";
import { Interface, keccak256, Wallet, type Contract } from "ethers";
import { devAccounts } from "../../../src/engine/chain.js";
import { network } from "hardhat";
import { devGenesis } from "../../../src/engine/genesis.js";
import { EXECUTE_ADDRESS, encodeExecuteInput } from "../../../src/precompile/codec.js";
import { appendBlock } from "../../../src/engine/index.js";
import { encodeExecuteBatch } from "../../../src/precompile/batch.js";
import { EXECUTE_ORACLE_ADDRESS } from "../../../src/precompile/shim.js";
import { createRollup, deployFactory } from "../../../src/sdk/factory.js";
import { deployBundler } from "../../../src/sdk/bundle.js";
import { deployGatedRollup, deployPreconfRegistry } from "../../../src/preconf/index.js";
import { prepareSharedAdvance, type PreparedSharedAdvance } from "../../../src/sdk/shared-advance.js";
import type { DeployedRollup } from "../../../src/sdk/contracts.js";
import { transfers } from "../../node/helpers.js";

const { ethers } = await network.create();
const bundlerInterface = new Interface([
  "function executeBatch(bytes input, (address target, bytes data, uint256 value)[] calls) payable returns (bytes[])",
  "function bundle((address target, bytes data, uint256 value)[] calls) payable returns (bytes[])",
  "error RollupBundler_CallFailed(uint256 index, bytes returnData)",
  "error RollupBundler_EntryRejected(uint256 index, address target)",
]);

describe("advanceBatched: a shared advance verified by ONE EXECUTE call", function () {
  this.timeout(300_000);
  let bundler: Contract;
  let rollups: DeployedRollup[];
  let rollupInterface: Interface;

  beforeEach(async function () {
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    rollups = [];
    for (const chainId of [7101n, 7102n, 7103n]) rollups.push(await createRollup(factory, devGenesis({ chainId })));
    bundler = await deployBundler(signer!);
    rollupInterface = rollups[0]!.rollup.interface as unknown as Interface;
  });

  const prepare = async (some = rollups): Promise<PreparedSharedAdvance> =>
    prepareSharedAdvance({
      bundler, provider: ethers.provider as never, execute: "batched",
      legs: await Promise.all(some.map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) }))),
    });

  /**
   * Sends `data` to `to` as a type-3 transaction carrying the prepared blobs (BLOBHASH must see
   * them). Resolves to the receipt, or to the revert data when Hardhat refuses it (its error's data).
   */
  const send = async (prepared: PreparedSharedAdvance, data: string, to = prepared.bundler, value = prepared.value): Promise<{ status: number; revert?: string }> => {
    const proposer = new Wallet(devAccounts()[0]!.privateKey, ethers.provider);
    const sidecar = prepared.sidecar!;
    return proposer
      .sendTransaction({
        type: 3, to, data, value, gasLimit: 16_000_000n, maxFeePerBlobGas: 10n,
        blobs: sidecar.blobs.map((blob, i) => ({ data: blob, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
      })
      .then(
        async (tx) => ({ status: (await tx.wait())!.status! }),
        (error: { data?: string }) => {
          expect(error.data, `a revert with data: ${String(error)}`).to.be.a("string");
          return { status: 0, revert: error.data };
        },
      );
  };
  const batchOf = (prepared: PreparedSharedAdvance, order = prepared.legs.map((_, i) => i)) =>
    encodeExecuteBatch(order.map((i) => encodeExecuteInput(prepared.legs[i]!.input)), prepared.legs[0]!.input.blobVersionedHashes);
  const callsOf = (prepared: PreparedSharedAdvance, order = prepared.legs.map((_, i) => i)) =>
    order.map((i) => ({ target: prepared.calls[i]!.target, data: prepared.calls[i]!.data, value: 0n }));
  const keyOf = (prepared: PreparedSharedAdvance, i: number) => keccak256(encodeExecuteInput(prepared.legs[i]!.input));

  it("lands three rollups' blocks with one EXECUTE call: heads move, the batch pays Σ gasUsed × base fee to EXECUTE once", async function () {
    const prepared = await prepare();
    expect(prepared.execute).to.equal("batched");
    const burnedBefore = await ethers.provider.getBalance(EXECUTE_ADDRESS);
    const receipt = await send(prepared, prepared.data);
    expect(receipt.status).to.equal(1);
    const gasUsed = prepared.legs.reduce((n, leg) => n + leg.input.gasUsed, 0n);
    expect(prepared.value, "Σ gasUsed × the execute base fee (the floor, 1 wei)").to.equal(gasUsed);
    expect(await ethers.provider.getBalance(EXECUTE_ADDRESS) - burnedBefore, "paid to EXECUTE once, by the batch").to.equal(prepared.value);
    for (const [i, r] of rollups.entries()) {
      expect((await r.rollup.getFunction("head")()).blockHash).to.equal(prepared.legs[i]!.claim.blockHash);
    }
  });

  it("RevertWhen_NoBatch: advanceBatched without a batched EXECUTE call (a forged verdict) reverts NativeRollup_NoVerdict(number, key)", async function () {
    const prepared = await prepare();
    const data = bundlerInterface.encodeFunctionData("bundle", [[{ target: prepared.calls[0]!.target, data: prepared.calls[0]!.data, value: 0n }]]);
    expectRevert(await send(prepared, data, prepared.bundler, 0n), "NativeRollup_NoVerdict", [prepared.legs[0]!.input.number, keyOf(prepared, 0)]);
  });

  it("RevertWhen_OracleCalledDirectly: EXECUTE's emulation oracle answers, but only EXECUTE remembers verdicts: NativeRollup_NoVerdict", async function () {
    const prepared = await prepare(rollups.slice(0, 1));
    const forger = await ethers.deployContract("VerdictForger");
    const data = forger.interface.encodeFunctionData("callThenAdvance", [EXECUTE_ORACLE_ADDRESS, batchOf(prepared), prepared.calls[0]!.target, prepared.calls[0]!.data]);
    expectRevert(await send(prepared, data, await forger.getAddress(), 0n), "NativeRollup_NoVerdict", [prepared.legs[0]!.input.number, keyOf(prepared, 0)]);
  });

  it("RevertWhen_EntryOfAnotherRollup: a batch that verified rollup A's block does not advance rollup B", async function () {
    const prepared = await prepare(rollups.slice(0, 2));
    // The batch holds A's entry only; the call is B's advanceBatched.
    const data = bundlerInterface.encodeFunctionData("executeBatch", [encodeExecuteBatch([encodeExecuteInput(prepared.legs[0]!.input)], prepared.legs[0]!.input.blobVersionedHashes), [callsOf(prepared)[1]!]]);
    expectRevert(await send(prepared, data, prepared.bundler, prepared.value), "NativeRollup_NoVerdict", [prepared.legs[1]!.input.number, keyOf(prepared, 1)]);
  });

  it("RevertWhen_VerdictOfAnEarlierTransaction: a batch alone, then the advance in the next transaction: NativeRollup_NoVerdict", async function () {
    const prepared = await prepare(rollups.slice(0, 1));
    const harness = await ethers.deployContract("ExecuteHarness");
    const first = await send(prepared, harness.interface.encodeFunctionData("executeBatchThenVerdicts", [batchOf(prepared), [keyOf(prepared, 0)]]), await harness.getAddress(), prepared.value);
    expect((await rollups[0]!.rollup.getFunction("head")()).number, "nothing advanced").to.equal(0n);
    expect(first.status).to.equal(1);
    const data = bundlerInterface.encodeFunctionData("bundle", [[{ target: prepared.calls[0]!.target, data: prepared.calls[0]!.data, value: 0n }]]);
    expectRevert(await send(prepared, data, prepared.bundler, 0n), "NativeRollup_NoVerdict", [prepared.legs[0]!.input.number, keyOf(prepared, 0)]);
  });

  it("RevertWhen_Replayed: the same advance again (same batch, next transaction) reverts NativeRollup_ParentMismatch; twice in one batch too", async function () {
    const prepared = await prepare(rollups.slice(0, 2));
    expect((await send(prepared, prepared.data)).status).to.equal(1);
    for (const leg of prepared.legs) appendBlock(rollups.find((r) => r.address.toLowerCase() === leg.address)!.chain, { header: leg.fitted.block.header, transactions: leg.fitted.block.transactions, receipts: leg.fitted.block.receipts });
    // Twice in one batch: the second advance's parent is the head the first one wrote.
    const next = await prepare(rollups.slice(0, 1));
    const twice = bundlerInterface.encodeFunctionData("executeBatch", [batchOf(next, [0, 0]), callsOf(next, [0, 0])]);
    expectRevert(await send(next, twice, next.bundler, 2n * next.value), "NativeRollup_ParentMismatch", [next.legs[0]!.claim.blockHash, next.legs[0]!.claim.parentHash]);
    expectRevert(await send(prepared, prepared.data), "NativeRollup_ParentMismatch", [prepared.legs[0]!.claim.blockHash, prepared.legs[0]!.claim.parentHash]);
  });

  it("RevertWhen_EntryRejected: a tampered entry is rejected by EXECUTE and the bundler reverts RollupBundler_EntryRejected(index, target)", async function () {
    const prepared = await prepare(rollups.slice(0, 2));
    const tampered = { ...prepared.legs[1]!.input, postStateRoot: new Uint8Array(32).fill(7) };
    const batch = encodeExecuteBatch([encodeExecuteInput(prepared.legs[0]!.input), encodeExecuteInput(tampered)], prepared.legs[0]!.input.blobVersionedHashes);
    expectRevert(await send(prepared, bundlerInterface.encodeFunctionData("executeBatch", [batch, callsOf(prepared)])), "RollupBundler_EntryRejected", [1n, prepared.calls[1]!.target]);
  });

  it("RevertWhen_Retired: a retired rollup refuses advanceBatched (NativeRollup_Retired) even with EXECUTE's verdict on its block", async function () {
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    const retiring = await createRollup(factory, devGenesis({ chainId: 7109n }), { retirer: await signer!.getAddress() });
    const prepared = await prepare([rollups[0]!, retiring]);
    await (await retiring.rollup.getFunction("retire")()).wait();
    expectRevert(await send(prepared, prepared.data), "NativeRollup_Retired", []);
  });

  it("RevertWhen_NotSlotOperator: a preconf-gated rollup's proposer gate applies to advanceBatched (the bundler is not the slot's operator)", async function () {
    const signers = await ethers.getSigners();
    const { registry } = await deployPreconfRegistry(signers[0]!, { minBond: 10n ** 18n, withdrawDelay: 5n, epochSlots: 4n });
    const gated = await deployGatedRollup(signers[0]!, await registry.getAddress(), devGenesis({ chainId: 7110n }));
    await (await (registry.connect(signers[1]!) as Contract).getFunction("register")({ value: 10n ** 18n })).wait();
    // The transaction lands in a slot whose operator is the registered one (not the bundler).
    const operator = await signers[1]!.getAddress();
    const next = async () => BigInt((await ethers.provider.send("eth_blockNumber", [])) as string) + 1n;
    let slot = (await next()) + 2n;
    while ((await registry.getFunction("operatorAt")(slot)) !== operator) slot++;
    const prepared = await prepare([rollups[0]!, gated]);
    const gap = slot - (await next());
    if (gap > 0n) await ethers.provider.send("hardhat_mine", ["0x" + gap.toString(16)]);
    const sent = await send(prepared, prepared.data);
    expect(sent.status).to.equal(0);
    const outer = bundlerInterface.parseError(sent.revert!);
    expect(outer?.name).to.equal("RollupBundler_CallFailed");
    expect(outer!.args[0]).to.equal(1n);
    const inner = registry.interface.parseError(outer!.args[1] as string);
    expect(inner?.name).to.equal("PreconfRegistry_NotSlotOperator");
    expect((inner!.args[0] as string).toLowerCase()).to.equal(prepared.bundler);
    expect((await gated.rollup.getFunction("head")()).number, "nothing advanced").to.equal(0n);
  });

  it("a reordered batch is harmless: each rollup finds the verdict on its own input, whatever its position; misaligned over a rejected entry it reverts", async function () {
    const prepared = await prepare(rollups.slice(0, 2));
    const receipt = await send(prepared, bundlerInterface.encodeFunctionData("executeBatch", [batchOf(prepared, [1, 0]), callsOf(prepared)]));
    expect(receipt.status).to.equal(1);
    for (const [i, r] of rollups.slice(0, 2).entries()) expect((await r.rollup.getFunction("head")()).blockHash).to.equal(prepared.legs[i]!.claim.blockHash);

    // Misaligned over a rejected entry: call 0 (rollup 3) sits at entry 0 (rollup 2's, accepted), its own entry was rejected.
    const more = await prepare(rollups.slice(1, 3));
    const tampered = { ...more.legs[1]!.input, receiptsRoot: new Uint8Array(32).fill(5) };
    const batch = encodeExecuteBatch([encodeExecuteInput(more.legs[0]!.input), encodeExecuteInput(tampered)], more.legs[0]!.input.blobVersionedHashes);
    expectRevert(await send(more, bundlerInterface.encodeFunctionData("executeBatch", [batch, callsOf(more, [1, 0])])), "NativeRollup_NoVerdict", [more.legs[1]!.input.number, keyOf(more, 1)]);
  });

  /** The revert is `error(args)`, from the rollup (unwrapped from the bundler's RollupBundler_CallFailed) or from the bundler. */
  function expectRevert(sent: { status: number; revert?: string }, error: string, args: unknown[]): void {
    expect(sent.status, "reverted").to.equal(0);
    let data = sent.revert!;
    const outer = bundlerInterface.parseError(data);
    if (outer?.name === "RollupBundler_CallFailed" && error !== "RollupBundler_CallFailed") data = outer.args[1] as string;
    const parsed = bundlerInterface.parseError(data) ?? rollupInterface.parseError(data);
    expect(parsed?.name, `reverted with ${error}`).to.equal(error);
    expect([...parsed!.args]).to.deep.equal(args);
  }
});

