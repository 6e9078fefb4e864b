import { expect } from "chai";
import { Contract, Interface, type Signer } from "ethers";
import { network } from "hardhat";
import { devGenesis, type GenesisConfig } from "../../../src/engine/genesis.js";
import { createL2Chain, type L2Chain } from "../../../src/engine/state.js";
import { deployRollup } from "../../../src/sdk/contracts.js";
import { deployBundler } from "../../../src/sdk/bundle-types.js";
import { deployGatedRollup, deployPreconfRegistry } from "../../../src/preconf/index.js";
import { commit, prepareBlock, type PreparedBlock } from "../helpers.js";

// PreconfRegistry.bundle (docs/preconf.md, "Several blocks in one L1 transaction"): several
// advances of gated rollups in one L1 transaction, the slot's gate checking the bundle's caller.
const { ethers } = await network.create();

const BOND = 10n ** 18n;
const EPOCH_SLOTS = 4n;
const ZERO = "0x0000000000000000000000000000000000000000";

async function nextBlock(): Promise<bigint> {
  return BigInt((await ethers.provider.send("eth_blockNumber", [])) as string) + 1n;
}

async function mineUntilNext(slot: bigint): Promise<void> {
  const gap = slot - (await nextBlock());
  if (gap < 0n) throw new Error(`slot ${slot} is already past`);
  if (gap > 0n) await ethers.provider.send("hardhat_mine", ["0x" + gap.toString(16)]);
}

describe("PreconfRegistry.bundle", function () {
  let genesis: GenesisConfig;
  let snapshot: string;
  let registry: Contract;
  let rollup: Contract;
  let chain: L2Chain;
  let operator: Signer;
  let other: Signer;

  before(async function () {
    const signers: Signer[] = await ethers.getSigners();
    [other, operator] = signers as [Signer, Signer];
    genesis = devGenesis();
    ({ registry } = await deployPreconfRegistry(signers[0]!, { minBond: BOND, withdrawDelay: 5n, epochSlots: EPOCH_SLOTS }));
    ({ rollup } = await deployGatedRollup(signers[0]!, await registry.getAddress(), genesis));
    await (await (registry.connect(operator) as Contract).getFunction("register")({ value: BOND })).wait();
    snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
  });

  beforeEach(async function () {
    await ethers.provider.send("evm_revert", [snapshot]);
    snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
    chain = await createL2Chain(genesis);
  });

  async function nextSlotOf(who: string): Promise<bigint> {
    for (let slot = (await nextBlock()) + 1n; ; slot++) {
      if ((await registry.getFunction("operatorAt")(slot)) === who) return slot;
    }
  }

  /** Two consecutive blocks on `chain` (the first committed to it, so the second builds on it). */
  async function twoBlocks(): Promise<[PreparedBlock, PreparedBlock]> {
    const first = await prepareBlock(ethers, chain);
    commit(chain, first);
    return [first, await prepareBlock(ethers, chain)];
  }

  const advanceCall = (prepared: PreparedBlock, target?: string) => ({
    target: target ?? (rollup.target as string),
    data: rollup.interface.encodeFunctionData("advance", [prepared.claim, prepared.transactions, prepared.witness, "0x"]),
    value: prepared.fee,
  });
  const gasOf = (blocks: PreparedBlock[]) => blocks.reduce((sum, b) => sum + b.gasLimit, 100_000n);
  const valueOf = (blocks: PreparedBlock[]) => blocks.reduce((sum, b) => sum + b.fee, 0n);

  it("advances the operator's consecutive blocks in one L1 transaction in its slot", async function () {
    const blocks = await twoBlocks();
    await mineUntilNext(await nextSlotOf(await operator.getAddress()));
    const sent = await (registry.connect(operator) as Contract).getFunction("bundle")(blocks.map((b) => advanceCall(b)), {
      gasLimit: gasOf(blocks), value: valueOf(blocks),
    });
    const receipt = await sent.wait();
    const advanced = receipt!.logs.filter((log: { address: string }) => log.address === rollup.target).length;
    expect(advanced).to.equal(2);
    expect((await rollup.getFunction("head")()).number).to.equal(2n);
  });

  it("gates the bundle's caller, not tx.origin: another account, or the operator through a contract, is refused in the operator's slot", async function () {
    const address = await operator.getAddress();
    const blocks = await twoBlocks();
    const calls = blocks.map((b) => advanceCall(b));
    const notSlotOperator = (proposer: string, slot: bigint) => registry.interface.encodeErrorResult("PreconfRegistry_NotSlotOperator", [proposer, address, slot]);

    let slot = await nextSlotOf(address);
    await mineUntilNext(slot);
    await expect((registry.connect(other) as Contract).getFunction("bundle")(calls, { gasLimit: gasOf(blocks), value: valueOf(blocks) }))
      .to.be.revertedWithCustomError(registry, "PreconfRegistry_CallFailed")
      .withArgs(0n, notSlotOperator(await other.getAddress(), slot));

    // The operator signs the L1 transaction, but a contract (here a RollupBundler) calls the
    // registry: the gate sees that contract. tx.origin would let any contract the operator
    // touches in its slot advance blocks it never signed.
    const bundler = await deployBundler(operator);
    const inner = registry.interface.encodeFunctionData("bundle", [calls]);
    slot = await nextSlotOf(address);
    await mineUntilNext(slot);
    const wrapped = (bundler.connect(operator) as Contract).getFunction("bundle")([{ target: registry.target, data: inner, value: valueOf(blocks) }], {
      gasLimit: gasOf(blocks) + 100_000n, value: valueOf(blocks),
    });
    await expect(wrapped).to.be.revertedWithCustomError(bundler, "RollupBundler_CallFailed");
    expect((await rollup.getFunction("head")()).number).to.equal(0n);
  });

  it("makes only advances of rollups it gates, with exactly the bundle's value", async function () {
    const [first] = await twoBlocks();
    const reg = registry.connect(operator) as Contract;
    await mineUntilNext(await nextSlotOf(await operator.getAddress()));
    // Not an advance: a deposit on the gated rollup.
    const deposit = { target: rollup.target, data: new Interface(["function deposit(address)"]).encodeFunctionData("deposit", [ZERO]), value: 0n };
    await expect(reg.getFunction("bundle")([deposit]))
      .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotAnAdvance")
      .withArgs(0n, rollup.target, deposit.data.slice(0, 10));
    // An advance of a rollup this registry does not gate.
    const plain = await deployRollup(other, genesis);
    const foreign = advanceCall(first, plain.address);
    await expect(reg.getFunction("bundle")([foreign], { value: foreign.value }))
      .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotAnAdvance")
      .withArgs(0n, plain.address, foreign.data.slice(0, 10));
    // An account without code.
    await expect(reg.getFunction("bundle")([{ ...advanceCall(first), target: await other.getAddress() }], { value: first.fee }))
      .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotAnAdvance");
    await expect(reg.getFunction("bundle")([advanceCall(first)], { value: first.fee + 1n }))
      .to.be.revertedWithCustomError(registry, "PreconfRegistry_ValueMismatch")
      .withArgs(first.fee, first.fee + 1n);
  });
});
