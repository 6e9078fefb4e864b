import { expect } from "chai";
import { Contract, ContractFactory, type Signer, type TypedDataDomain, Wallet } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../../src/engine/chain.js";
import { devGenesis, type GenesisConfig } from "../../../src/engine/genesis.js";
import { createL2Chain, type L2Chain } from "../../../src/engine/state.js";
import { deployRollup } from "../../../src/sdk/contracts.js";
import { loadArtifact } from "../../../src/shared/artifacts.js";
import { createRollup, deployFactory } from "../../../src/sdk/factory.js";
import {
  commitmentOf,
  deployGatedRollup,
  deployPreconfRegistry,
  equivocationArgs,
  preconfDomain,
  signCommitment,
  type Commitment,
} from "../../../src/preconf/index.js";
import { commit, prepareBlock, signL2, type PreparedBlock } from "../helpers.js";

const { ethers } = await network.create();

const BOND = 10n ** 18n;
const WITHDRAW_DELAY = 5n;
const EPOCH_SLOTS = 4n;
const ZERO = "0x0000000000000000000000000000000000000000";

/** The next L1 block number. */
async function nextBlock(): Promise<bigint> {
  return BigInt((await ethers.provider.send("eth_blockNumber", [])) as string) + 1n;
}

/** Mines until the next transaction lands in L1 block (= slot) `slot`. */
async function mineUntilNext(slot: bigint): Promise<void> {
  const gap = slot - (await nextBlock());
  if (gap < 0n) throw new Error(`slot ${slot} is already past`);
  if (gap > 0n) await ethers.provider.send("hardhat_mine", ["0x" + gap.toString(16)]);
}

describe("PreconfRegistry", function () {
  let genesis: GenesisConfig;
  let snapshot: string;
  let registry: Contract;
  let rollup: Contract;
  let chain: L2Chain;
  let domain: TypedDataDomain;
  let signers: Signer[];
  let operator: Signer;
  let other: Signer;
  let prover: Signer;

  before(async function () {
    signers = await ethers.getSigners();
    [other, operator, prover] = signers as [Signer, Signer, Signer];
    genesis = devGenesis();
    ({ registry } = await deployPreconfRegistry(signers[0]!, { minBond: BOND, withdrawDelay: WITHDRAW_DELAY, epochSlots: EPOCH_SLOTS }));
    ({ rollup } = await deployGatedRollup(signers[0]!, await registry.getAddress(), genesis));
    domain = preconfDomain(await registry.getAddress(), (await ethers.provider.getNetwork()).chainId);
    snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
  });

  beforeEach(async function () {
    await ethers.provider.send("evm_revert", [snapshot]);
    snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
    chain = await createL2Chain(genesis);
  });

  const reg = (signer: Signer) => registry.connect(signer) as Contract;
  const register = (signer: Signer, value = BOND) => reg(signer).getFunction("register")({ value });

  /** The next slot at or after the next block whose lookahead names `who` (address(0): an open slot). */
  async function nextSlotOf(who: string): Promise<bigint> {
    for (let slot = (await nextBlock()) + 1n; ; slot++) {
      if ((await registry.getFunction("operatorAt")(slot)) === who) return slot;
    }
  }

  /** `advance` of a prepared block from `from`. */
  function advance(from: Signer, prepared: PreparedBlock) {
    return (rollup.connect(from) as Contract).getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", {
      gasLimit: prepared.gasLimit, value: prepared.fee,
    });
  }

  async function commitmentFor(prepared: PreparedBlock): Promise<Commitment> {
    return commitmentOf(prepared.block.header, await rollup.getAddress(), genesis.chainId);
  }

  /** A second, different block at the same height: one transfer instead of none. */
  async function otherBlock(): Promise<PreparedBlock> {
    const wallet = new Wallet(devAccounts()[0]!.privateKey);
    const raw = await signL2(chain, wallet, { to: ZERO.replace(/0$/, "1"), value: 1n, nonce: 0 });
    return prepareBlock(ethers, chain, { transactions: [raw] });
  }

  describe("bonds", function () {
    it("takes a bond of at least MIN_BOND and refuses a second registration", async function () {
      await expect(register(operator, BOND - 1n))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_BondTooLow")
        .withArgs(BOND - 1n, BOND);
      await expect(register(operator)).to.emit(registry, "OperatorRegistered").withArgs(await operator.getAddress(), BOND);
      await expect(register(operator))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_AlreadyRegistered")
        .withArgs(await operator.getAddress());
      const record = await registry.getFunction("operatorOf")(await operator.getAddress());
      expect(record.bond).to.equal(BOND);
      expect(await registry.getFunction("activeCount")()).to.equal(1n);
    });

    it("pays the bond back only WITHDRAW_DELAY L1 blocks after unregister", async function () {
      const address = await operator.getAddress();
      await expect(reg(operator).getFunction("withdraw")()).to.be.revertedWithCustomError(registry, "PreconfRegistry_NotOperator").withArgs(address);
      await register(operator);
      await expect(reg(operator).getFunction("withdraw")()).to.be.revertedWithCustomError(registry, "PreconfRegistry_NotUnregistered").withArgs(address);
      const exitBlock = await nextBlock();
      await expect(reg(operator).getFunction("unregister")())
        .to.emit(registry, "OperatorUnregistered")
        .withArgs(address, exitBlock + WITHDRAW_DELAY);
      expect(await registry.getFunction("activeCount")()).to.equal(0n);
      await expect(reg(operator).getFunction("unregister")())
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_AlreadyUnregistered")
        .withArgs(address, exitBlock);
      await mineUntilNext(exitBlock + WITHDRAW_DELAY - 1n);
      await expect(reg(operator).getFunction("withdraw")())
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_WithdrawTooEarly")
        .withArgs(address, exitBlock + WITHDRAW_DELAY, exitBlock + WITHDRAW_DELAY - 1n);
      // A reverted call mines no block: mine one so the next transaction lands at allowedAt.
      await mineUntilNext(exitBlock + WITHDRAW_DELAY);
      const withdrawal = reg(operator).getFunction("withdraw")();
      await expect(withdrawal).to.emit(registry, "BondWithdrawn").withArgs(address, BOND);
      await expect(withdrawal).to.changeEtherBalance(ethers, operator, BOND);
      // Withdrawn: registering again is allowed.
      await expect(register(operator)).to.emit(registry, "OperatorRegistered");
    });
  });

  describe("lookahead", function () {
    it("leaves every slot open with no operator", async function () {
      for (let slot = 0n; slot < 8n; slot++) expect(await registry.getFunction("operatorAt")(slot)).to.equal(ZERO);
      await expect(reg(other).getFunction("checkProposer")(await other.getAddress())).not.to.revert(ethers);
    });

    it("gates the first min(n, EPOCH_SLOTS) slots of each epoch round-robin and leaves the rest open", async function () {
      const [a, b, c] = await Promise.all([operator, prover, signers[3]!].map((s) => s.getAddress()));
      await register(operator);
      await register(prover);
      const two = await Promise.all([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((s) => registry.getFunction("operatorAt")(s)));
      expect(two).to.deep.equal([a, b, ZERO, ZERO, a, b, ZERO, ZERO]);
      // Five operators, four slots per epoch: every slot gated, the k-th gated slot to active[k % 5].
      await register(signers[3]!);
      await register(signers[4]!);
      await register(signers[5]!);
      const [d, e] = await Promise.all([signers[4]!, signers[5]!].map((s) => s.getAddress()));
      const five = await Promise.all([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n].map((s) => registry.getFunction("operatorAt")(s)));
      expect(five).to.deep.equal([a, b, c, d, e, a, b, c, d]);
      // Unregistering takes an operator out at once (swap-and-pop: the last one takes its place).
      await reg(operator).getFunction("unregister")();
      expect(await registry.getFunction("activeAt")(0n)).to.equal(e);
      expect(await registry.getFunction("activeCount")()).to.equal(4n);
    });
  });

  describe("gated advance", function () {
    it("refuses a non-operator in the operator's slot, accepts the operator then, and anyone in an open slot", async function () {
      const address = await operator.getAddress();
      await register(operator);
      const slot = await nextSlotOf(address);
      await mineUntilNext(slot);
      const first = await prepareBlock(ethers, chain);
      await expect(advance(other, first))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotSlotOperator")
        .withArgs(await other.getAddress(), address, slot);
      // The refused transaction (sent with its gas limit, so mined) used up the slot: wait for the next one.
      await mineUntilNext(await nextSlotOf(address));
      await expect(advance(operator, first)).to.emit(rollup, "BlockAdvanced");
      commit(chain, first);

      // The slot passed: the next ones are open (EPOCH_SLOTS = 4, one operator), anyone advances.
      expect(await registry.getFunction("operatorAt")(await nextBlock())).to.equal(ZERO);
      const second = await prepareBlock(ethers, chain);
      await expect(advance(other, second)).to.emit(rollup, "BlockAdvanced");
      expect((await rollup.getFunction("head")()).number).to.equal(2n);
    });

    it("gates clones of a chain-id-0 PreconfGatedRollup made by a RollupFactory (the registry is in the implementation's code)", async function () {
      const address = await operator.getAddress();
      await register(operator);
      const artifact = loadArtifact("l1/PreconfGatedRollup.sol", "PreconfGatedRollup");
      const zero = "0x" + "00".repeat(32);
      const implementation = await new ContractFactory(artifact.abi as never, artifact.bytecode, other)
        .deploy(await registry.getAddress(), 0, 0, zero, zero, 0, ZERO, ZERO);
      const factory = await deployFactory(other, { implementation: await implementation.getAddress() });
      const clone = await createRollup(factory, genesis);
      const gated = new Contract(clone.address, ["function PRECONF_REGISTRY() view returns (address)"], other);
      expect(await gated.getFunction("PRECONF_REGISTRY")()).to.equal(await registry.getAddress());
      const slot = await nextSlotOf(address);
      await mineUntilNext(slot);
      const prepared = await prepareBlock(ethers, clone.chain);
      await expect(
        clone.rollup.getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", { gasLimit: prepared.gasLimit, value: prepared.fee }),
      )
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotSlotOperator")
        .withArgs(await other.getAddress(), address, slot);
      await mineUntilNext(await nextSlotOf(address));
      await expect(
        (clone.rollup.connect(operator) as Contract).getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", {
          gasLimit: prepared.gasLimit, value: prepared.fee,
        }),
      ).to.emit(clone.rollup, "BlockAdvanced");
    });

    it("gates syncExecute and prepareSyncCalls too: they verify their block in the sync extension, gated on the same registry", async function () {
      const address = await operator.getAddress();
      await register(operator);
      const prepared = await prepareBlock(ethers, chain);
      // An empty table whose L1 call (to an account without code) succeeds: the first check left is the gate.
      const sync = { calls: [], target: ZERO.replace(/0$/, "1"), data: "0x", executeFee: 0n, accountProof: [], storageProof: [] };
      const gated = rollup.connect(other) as Contract;
      for (const entry of ["syncExecute", "prepareSyncCalls"]) {
        const slot = await nextSlotOf(address);
        await mineUntilNext(slot);
        await expect(gated.getFunction(entry)(prepared.claim, prepared.transactions, prepared.witness, "0x", sync, { gasLimit: prepared.gasLimit + 1_000_000n, value: prepared.fee }))
          .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotSlotOperator")
          .withArgs(await other.getAddress(), address, slot);
      }
    });

    it("keeps plain NativeRollups ungated", async function () {
      await register(operator);
      const plain = await deployRollup(other, genesis);
      await mineUntilNext(await nextSlotOf(await operator.getAddress()));
      const prepared = await prepareBlock(ethers, plain.chain);
      await expect(
        plain.rollup.getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", { gasLimit: prepared.gasLimit, value: prepared.fee }),
      ).to.emit(plain.rollup, "BlockAdvanced");
    });
  });

  describe("slashing", function () {
    it("slashes an equivocation proven by a third party, who gets half the bond; the rest is burned", async function () {
      await register(operator);
      const a = await signCommitment(operator, domain, await commitmentFor(await prepareBlock(ethers, chain)));
      const b = await signCommitment(operator, domain, await commitmentFor(await otherBlock()));
      expect(a.commitment.number).to.equal(b.commitment.number);
      expect(a.commitment.blockHash).not.to.equal(b.commitment.blockHash);
      const digest = await registry.getFunction("commitmentDigest")(a.commitment);
      const slash = reg(prover).getFunction("slashEquivocation")(...equivocationArgs(a, b));
      await expect(slash)
        .to.emit(registry, "OperatorSlashed")
        .withArgs(await operator.getAddress(), await prover.getAddress(), digest, true, BOND / 2n, BOND / 2n);
      await expect(slash).to.changeEtherBalance(ethers, prover, BOND / 2n);
      expect(await registry.getFunction("totalBurned")()).to.equal(BOND / 2n);
      const record = await registry.getFunction("operatorOf")(await operator.getAddress());
      expect([record.bond, record.slashed]).to.deep.equal([0n, true]);
      expect(await registry.getFunction("activeCount")()).to.equal(0n);
      // A double slash, and a comeback, are refused.
      await expect(reg(prover).getFunction("slashEquivocation")(...equivocationArgs(b, a)))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_AlreadySlashed")
        .withArgs(await operator.getAddress());
      await expect(register(operator)).to.be.revertedWithCustomError(registry, "PreconfRegistry_WasSlashed");
    });

    it("slashes a divergence after a real advance of a different block, even during the withdrawal delay", async function () {
      await register(operator);
      const promised = await otherBlock();
      const signed = await signCommitment(operator, domain, await commitmentFor(promised));
      // Above the head: nothing verified yet to diverge from.
      await expect(reg(prover).getFunction("slashDivergence")(signed.commitment, signed.signature))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable")
        .withArgs(1n);
      await reg(operator).getFunction("unregister")();
      const advanced = await prepareBlock(ethers, chain);
      await expect(advance(other, advanced)).to.emit(rollup, "BlockAdvanced");
      // The block L1 verified is no divergence, even signed.
      const honest = await signCommitment(operator, domain, await commitmentFor(advanced));
      await expect(reg(prover).getFunction("slashDivergence")(honest.commitment, honest.signature))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_NoDivergence")
        .withArgs(1n, advanced.claim.stateRoot);
      const digest = await registry.getFunction("commitmentDigest")(signed.commitment);
      const slash = reg(prover).getFunction("slashDivergence")(signed.commitment, signed.signature);
      await expect(slash)
        .to.emit(registry, "OperatorSlashed")
        .withArgs(await operator.getAddress(), await prover.getAddress(), digest, false, BOND / 2n, BOND / 2n);
      await expect(slash).to.changeEtherBalance(ethers, prover, BOND / 2n);
      // Nothing left to withdraw.
      await mineUntilNext((await nextBlock()) + WITHDRAW_DELAY);
      await expect(reg(operator).getFunction("withdraw")()).to.be.revertedWithCustomError(registry, "PreconfRegistry_NotOperator");
    });

    it("refuses a forged signature, a malformed one, and the same commitment twice", async function () {
      await register(operator);
      const commitment = await commitmentFor(await prepareBlock(ethers, chain));
      const b = await signCommitment(operator, domain, await commitmentFor(await otherBlock()));
      const forged = await signCommitment(other, domain, commitment);
      await expect(reg(prover).getFunction("slashEquivocation")(...equivocationArgs(forged, b)))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_DifferentSigners")
        .withArgs(await other.getAddress(), await operator.getAddress());
      const b2 = await signCommitment(other, domain, b.commitment);
      await expect(reg(prover).getFunction("slashEquivocation")(...equivocationArgs(forged, b2)))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotOperator")
        .withArgs(await other.getAddress());
      await expect(reg(prover).getFunction("slashEquivocation")(commitment, "0x" + "00".repeat(65), b.commitment, b.signature))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_InvalidSignature");
      const digest = await registry.getFunction("commitmentDigest")(b.commitment);
      await expect(reg(prover).getFunction("slashEquivocation")(...equivocationArgs(b, b)))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_SameCommitment")
        .withArgs(digest);
    });

    it("refuses a commitment for another rollup or chain", async function () {
      await register(operator);
      const plain = await deployRollup(other, genesis);
      const a = await signCommitment(operator, domain, await commitmentFor(await prepareBlock(ethers, chain)));
      const elsewhere = await signCommitment(operator, domain, { ...a.commitment, rollup: plain.address, blockHash: "0x" + "11".repeat(32) });
      await expect(reg(prover).getFunction("slashEquivocation")(...equivocationArgs(a, elsewhere)))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_NotSameHeight");
      await expect(reg(prover).getFunction("slashDivergence")(elsewhere.commitment, elsewhere.signature))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_RollupNotGated")
        .withArgs(plain.address);
      const wrongChain = await signCommitment(operator, domain, { ...a.commitment, chainId: genesis.chainId + 1n });
      await expect(reg(prover).getFunction("slashDivergence")(wrongChain.commitment, wrongChain.signature))
        .to.be.revertedWithCustomError(registry, "PreconfRegistry_WrongChainId")
        .withArgs(genesis.chainId + 1n, genesis.chainId);
      // A commitment signed for another registry (another EIP-712 domain) recovers to someone else.
      const foreign = await signCommitment(operator, { ...domain, verifyingContract: plain.address }, a.commitment);
      const recovered = await registry.getFunction("commitmentSigner")(foreign.commitment, foreign.signature);
      expect(recovered).not.to.equal(await operator.getAddress());
    });
  });
});
