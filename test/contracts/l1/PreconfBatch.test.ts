/**
 * PreconfRegistry.executeBatch (docs/preconf.md, "One EXECUTE call"): a preconfirming operator's
 * consecutive blocks of a gated rollup verified by ONE batched EXECUTE call, each block an
 * `advanceBatched` that finds EXECUTE's verdict on its own input, the slot's gate checking the
 * registry's caller as in `bundle`. Real EDR, real EXECUTE (shim + hook), real blobs and KZG; the
 * blocks are a real preconfer's (test/preconf/helpers.ts), the transactions built by
 * `prepareTogether` and then altered for each refusal.
 */
import { expect } from "chai";
import { Contract, Wallet, type Signer } from "ethers";
import { hexToBytes } from "@ethereumjs/util";
import { devAccounts } from "../../../src/engine/chain.js";
import { devGenesis } from "../../../src/engine/genesis.js";
import { EXECUTE_ADDRESS, decodeExecuteInput, encodeExecuteInput } from "../../../src/precompile/codec.js";
import { decodeExecuteBatch, encodeExecuteBatch } from "../../../src/precompile/batch.js";
import { prepareTogether, TogetherBatchedError, type PreparedTogether } from "../../../src/preconf/index.js";
import { deployRollup } from "../../../src/sdk/contracts.js";
import { signL2Transaction } from "../../../src/sdk/transactions.js";
import { preconfSetup, wallets } from "../../preconf/helpers.js";

type Env = Awaited<ReturnType<typeof preconfSetup>>;
type Call = { target: string; data: string; value: bigint };

describe("PreconfRegistry.executeBatch: a preconfirming operator's blocks with one EXECUTE call", function () {
  this.timeout(300_000);
  let env: Env;
  let registry: Contract;
  let rollup: Contract;
  let snapshot: string;
  let batched: PreparedTogether;
  let perBlock: PreparedTogether;
  let input: string;
  let calls: Call[];
  let operator: string;

  before(async function () {
    env = await preconfSetup({ dataAvailability: "blobs" });
    registry = env.registry as unknown as Contract;
    rollup = env.deployed.rollup;
    operator = env.operator;
    // Two consecutive preconfirmed blocks of one transfer each (not advanced: the tests send them).
    for (let i = 0; i < 2; i++) {
      const from = wallets[2 + i]!;
      await env.mempool.add(await signL2Transaction(env.chain, from, { nonce: Number(await env.mempool.nextNonce(from.address)), to: wallets[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
      await env.preconfer.preconfirmNext();
    }
    const blocks = [1n, 2n].map((n) => env.preconfer.byNumber(n)!.fitted);
    const options = { rollup, registry: env.registryAddress, provider: env.ethers.provider as never, blocks };
    batched = await prepareTogether(options);
    perBlock = await prepareTogether({ ...options, execute: "per-block" });
    expect(batched.execute).to.equal("batched");
    expect(perBlock.execute).to.equal("per-block");
    // advanceBatched reads its block from blobs: with calldata the default is bundle, and batched is refused.
    expect((await prepareTogether({ ...options, dataAvailability: "calldata" })).execute).to.equal("per-block");
    await prepareTogether({ ...options, dataAvailability: "calldata", execute: "batched" }).then(
      () => expect.fail("batched with calldata"),
      (error: unknown) => expect(error).to.be.instanceOf(TogetherBatchedError),
    );
    const decoded = registry.interface.decodeFunctionData("executeBatch", batched.data);
    input = decoded[0] as string;
    calls = (decoded[1] as Call[]).map((c) => ({ target: c.target, data: c.data, value: c.value }));
    snapshot = (await env.provider.request({ method: "evm_snapshot" })) as string;
  });

  after(async function () {
    await env?.stop();
  });

  beforeEach(async function () {
    await env.provider.request({ method: "evm_revert", params: [snapshot] });
    snapshot = (await env.provider.request({ method: "evm_snapshot" })) as string;
  });

  const wallet = (index: number) => new Wallet(devAccounts()[index]!.privateKey, env.ethers.provider);
  const nextBlock = async () => BigInt((await env.provider.request({ method: "eth_blockNumber" })) as string) + 1n;

  /** Mines until the next block is a slot of `who` (address(0): an open slot); returns that slot. */
  async function mineToSlotOf(who: string): Promise<bigint> {
    let slot = (await nextBlock()) + 1n;
    while ((await registry.getFunction("operatorAt")(slot)).toLowerCase() !== who.toLowerCase()) slot++;
    const gap = slot - (await nextBlock());
    if (gap > 0n) await env.provider.request({ method: "hardhat_mine", params: ["0x" + gap.toString(16)] });
    return slot;
  }

  /** Sends `data` to the registry as a type-3 transaction carrying the prepared blobs; the receipt's status, or the revert data. */
  async function send(from: Signer, data: string, value = batched.value): Promise<{ status: number; logs: number; gasUsed: bigint; revert?: string }> {
    const sidecar = batched.sidecar!;
    return from
      .sendTransaction({
        type: 3, to: env.registryAddress, data, value, gasLimit: batched.gasLimit, maxFeePerBlobGas: 10n,
        blobs: sidecar.blobs.map((blob, i) => ({ data: blob, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
      })
      .then(
        async (tx) => {
          const receipt = (await tx.wait())!;
          return { status: receipt.status!, logs: receipt.logs.filter((log) => log.address === rollup.target).length, gasUsed: receipt.gasUsed };
        },
        (error: { data?: string }) => {
          expect(error.data, `a revert with data: ${String(error)}`).to.be.a("string");
          return { status: 0, logs: 0, gasUsed: 0n, revert: error.data };
        },
      );
  }

  const executeBatch = (batch: string, some: Call[]) => registry.interface.encodeFunctionData("executeBatch", [batch, some]);

  /** The revert is `error(args)` of the registry, or (unwrapped from `PreconfRegistry_CallFailed(index, …)` when `index` is given) of the call. */
  function expectRevert(sent: { status: number; revert?: string }, error: string, args: unknown[], index?: number): void {
    expect(sent.status, "reverted").to.equal(0);
    let data = sent.revert!;
    if (index !== undefined) {
      const outer = registry.interface.parseError(data);
      expect(outer?.name, `PreconfRegistry_CallFailed around ${error}`).to.equal("PreconfRegistry_CallFailed");
      expect(outer!.args[0]).to.equal(BigInt(index));
      data = outer!.args[1] as string;
    }
    const parsed = registry.interface.parseError(data) ?? rollup.interface.parseError(data);
    expect(parsed?.name, `reverted with ${error}`).to.equal(error);
    expect([...parsed!.args].map((a) => (typeof a === "string" ? a.toLowerCase() : a))).to.deep.equal(args.map((a) => (typeof a === "string" ? a.toLowerCase() : a)));
  }

  it("lands both blocks in the operator's slot with one EXECUTE call paying both fees, and costs less L1 gas than bundle", async function () {
    expect(calls.map((c) => c.data.slice(0, 10))).to.deep.equal(Array(2).fill(rollup.interface.getFunction("advanceBatched")!.selector));
    expect(decodeExecuteBatch(hexToBytes(input as `0x${string}`)).entries).to.have.length(2);
    const paidBefore = await env.ethers.provider.getBalance(EXECUTE_ADDRESS);
    await mineToSlotOf(operator);
    const sent = await send(wallet(1), batched.data);
    expect(sent.status).to.equal(1);
    expect(sent.logs, "two BlockAdvanced").to.equal(2);
    expect((await rollup.getFunction("head")()).number).to.equal(2n);
    expect(await env.ethers.provider.getBalance(EXECUTE_ADDRESS) - paidBefore, "the batch paid both fees to EXECUTE once").to.equal(batched.value);
    expect(batched.value, "the same fees as the two advances of bundle").to.equal(perBlock.value);

    // The same two blocks through bundle (each advance calls EXECUTE itself), from the same state.
    await env.provider.request({ method: "evm_revert", params: [snapshot] });
    snapshot = (await env.provider.request({ method: "evm_snapshot" })) as string;
    await mineToSlotOf(operator);
    const bundled = await send(wallet(1), perBlock.data, perBlock.value);
    expect(bundled.status).to.equal(1);
    expect(sent.gasUsed, `executeBatch ${sent.gasUsed} < bundle ${bundled.gasUsed}`).to.be.lessThan(bundled.gasUsed);
  });

  it("lets anyone advance in an open slot, as bundle does", async function () {
    await mineToSlotOf("0x0000000000000000000000000000000000000000");
    expect((await send(wallet(2), batched.data)).status).to.equal(1);
    expect((await rollup.getFunction("head")()).number).to.equal(2n);
  });

  it("RevertWhen_NotSlotOperator: another account in the operator's slot (the gate sees the registry's caller)", async function () {
    const other = wallet(2);
    const slot = await mineToSlotOf(operator);
    expectRevert(await send(other, batched.data), "PreconfRegistry_NotSlotOperator", [other.address, operator, slot], 0);
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
  });

  it("RevertWhen_NotAnAdvance: a rollup it does not gate, another selector (advanceWithBlobRange here, advanceBatched in bundle)", async function () {
    await mineToSlotOf(operator);
    const plain = await deployRollup(env.signers[0]!, devGenesis({ chainId: 190_020n }));
    const selector = calls[0]!.data.slice(0, 10);
    expectRevert(await send(wallet(1), executeBatch(input, [calls[0]!, { ...calls[1]!, target: plain.address }])), "PreconfRegistry_NotAnAdvance", [1n, plain.address, selector]);
    const ranged = registry.interface.decodeFunctionData("bundle", perBlock.data)[0] as Call[];
    const rangeSelector = ranged[0]!.data.slice(0, 10);
    expectRevert(await send(wallet(1), executeBatch(input, ranged.map((c) => ({ target: c.target, data: c.data, value: 0n })))), "PreconfRegistry_NotAnAdvance", [0n, rollup.target, rangeSelector]);
    // bundle makes advances that call EXECUTE themselves: advanceBatched is not one.
    expectRevert(await send(wallet(1), registry.interface.encodeFunctionData("bundle", [calls]), 0n), "PreconfRegistry_NotAnAdvance", [0n, rollup.target, selector]);
  });

  it("RevertWhen_BatchCallValue / BatchFailed: a call carrying value; msg.value short of the fees (the market refuses the batch)", async function () {
    await mineToSlotOf(operator);
    expectRevert(await send(wallet(1), executeBatch(input, [calls[0]!, { ...calls[1]!, value: 1n }]), batched.value + 1n), "PreconfRegistry_BatchCallValue", [1n, 1n]);
    expectRevert(await send(wallet(1), batched.data, batched.value - 1n), "PreconfRegistry_BatchFailed", [2n, 0n]);
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
  });

  it("RevertWhen_EntryRejected: EXECUTE rejected entry 1 (a tampered state root): nothing lands", async function () {
    await mineToSlotOf(operator);
    const batch = decodeExecuteBatch(hexToBytes(input as `0x${string}`));
    const tampered = { ...decodeExecuteInput(batch.entries[1]!.bytes), postStateRoot: new Uint8Array(32).fill(7) };
    const bad = encodeExecuteBatch([batch.entries[0]!.bytes, encodeExecuteInput(tampered)], batch.blobVersionedHashes);
    expectRevert(await send(wallet(1), executeBatch("0x" + Buffer.from(bad).toString("hex"), calls)), "PreconfRegistry_EntryRejected", [1n, rollup.target]);
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
  });

  it("RevertWhen_NestedBundle: a 'gated' contract called from executeBatch calls bundle, and one called from bundle calls executeBatch", async function () {
    await mineToSlotOf(operator);
    const operatorSigner = wallet(1);
    const factory = await env.ethers.getContractFactory("PreconfReentrant", env.signers[0]!);
    const probe = (await (await factory.deploy(env.registryAddress)).waitForDeployment()) as unknown as Contract;
    const probeAddress = await probe.getAddress();
    // executeBatch → probe (entry 0 is an accepted block, so the registry calls it) → bundle([]).
    await (await probe.getFunction("setReentry")(registry.interface.encodeFunctionData("bundle", [[]]))).wait();
    expectRevert(await send(operatorSigner, executeBatch(input, [{ ...calls[0]!, target: probeAddress }, calls[1]!])), "PreconfRegistry_NestedBundle", [], 0);
    // bundle → probe (an advance's selector) → executeBatch.
    await (await probe.getFunction("setReentry")(batched.data)).wait();
    const ranged = registry.interface.decodeFunctionData("bundle", perBlock.data)[0] as Call[];
    expectRevert(await send(operatorSigner, registry.interface.encodeFunctionData("bundle", [[{ target: probeAddress, data: ranged[0]!.data, value: 0n }]]), 0n), "PreconfRegistry_NestedBundle", [], 0);
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
  });
});
