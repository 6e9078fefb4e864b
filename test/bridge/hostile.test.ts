/**
 * Hostile claims on the real path: messages really sent on L2 (the messenger predeploy, the real
 * engine), blocks verified by the real EXECUTE, proofs from the fixture node's eth_getProof. Each
 * test tampers with one thing a claim rests on and shows that L1 refuses it, with the error that
 * says why.
 */
import { expect } from "chai";
import { getBytes, hexlify, Wallet, type BrowserProvider, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { ClaimRefusedError, deposit, proofFor, proveAndClaim, sendMessageToRollup, withdraw, type MessageProof, type SentMessage } from "../../src/sdk/bridge.js";
import { deployTest, l1Balance, l2Provider, proofAt, ZERO_ADDRESS } from "./helpers.js";

const { ethers } = await network.create();
const ETHER = 10n ** 18n;

/** A copy of `node` (0x-hex) with one byte flipped. */
function flipped(node: string, at: number): string {
  const bytes = getBytes(node).slice();
  bytes[at] = bytes[at]! ^ 0xff;
  return hexlify(bytes);
}

describe("bridge: hostile claims (real proofs, real EXECUTE)", function () {
  let l2: RollupFixture;
  let provider: BrowserProvider;
  let claimer: Signer;
  let rollup: Contract;

  beforeEach(async function () {
    l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    rollup = l2.rollup;
    provider = l2Provider(l2);
    const signers = await ethers.getSigners();
    claimer = signers[2]!;
    await deposit(signers[4]!, rollup, { value: 10n * ETHER, to: l2.wallets[1]!.address }); // the escrow the claims draw on
    await l2.advance();
  });

  const claim = (m: SentMessage["message"], p: MessageProof) => (rollup.connect(claimer) as Contract).getFunction("claim")(m, p.l2BlockNumber, p.accountProof, p.storageProof);
  /** The custom error a claim reverts with (by simulation: no L1 block spent). */
  async function revertOf(m: SentMessage["message"], p: MessageProof): Promise<{ name: string; args: unknown[] }> {
    const data = await (rollup.connect(claimer) as Contract).getFunction("claim").staticCall(m, p.l2BlockNumber, p.accountProof, p.storageProof).then(
      () => expect.fail("the claim went through"),
      (e: { data?: string }) => e.data,
    );
    const parsed = rollup.interface.parseError(data!);
    expect(parsed, `unparsed revert ${data}`).to.not.equal(null);
    return { name: parsed!.name, args: [...parsed!.args] };
  }
  const withdrawal = async (value: bigint, to = Wallet.createRandom().address, from = 1) => withdraw(await provider.getSigner(from), { value, to });

  it("rejects a forged proof: one byte flipped in any account or storage node", async function () {
    const sent = await withdrawal(ETHER);
    const proof = await proofFor(rollup, provider, sent);
    for (let i = 0; i < proof.accountProof.length; i++) {
      const forged = { ...proof, accountProof: proof.accountProof.map((n, j) => (j === i ? flipped(n, Math.floor(getBytes(n).length / 2)) : n)) };
      expect((await revertOf(sent.message, forged)).name, `account node ${i}`).to.match(/^MerkleTrie_/);
    }
    for (let i = 0; i < proof.storageProof.length; i++) {
      const forged = { ...proof, storageProof: proof.storageProof.map((n, j) => (j === i ? flipped(n, getBytes(n).length - 1) : n)) };
      expect((await revertOf(sent.message, forged)).name, `storage node ${i}`).to.match(/^MerkleTrie_/);
    }
    expect(await rollup.getFunction("claimed")(sent.hash)).to.equal(false);
    await claim(sent.message, proof); // the genuine proof still works
  });

  it("rejects a proof against a root L1 does not hold (beyond the head) or whose block lacks the message", async function () {
    const sent = await withdrawal(ETHER);
    const proof = await proofFor(rollup, provider, sent);
    const head = proof.l2BlockNumber;
    await expect(rollup.getFunction("stateRootAt")(head + 1n)).to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable").withArgs(head + 1n);
    expect(await revertOf(sent.message, { ...proof, l2BlockNumber: head + 1n })).to.deep.equal({ name: "NativeRollup_StateRootUnavailable", args: [head + 1n] });
    // Proven at its block, claimed at the block before (whose root has no such record).
    expect((await revertOf(sent.message, { ...proof, l2BlockNumber: sent.l2BlockNumber - 1n })).name).to.match(/^MerkleTrie_/);
    // An honest proof at the block before: it proves the slot is empty.
    const before = await proofAt(provider, sent, sent.l2BlockNumber - 1n);
    expect(before.value).to.equal(0n);
    expect(await revertOf(sent.message, before)).to.deep.equal({ name: "NativeRollup_InvalidProof", args: ["message not sent"] });
    // An older proof of a later block still holds: the record stays in every later root.
    await l2.advance();
    await claim(sent.message, await proofAt(provider, sent, sent.l2BlockNumber));
  });

  it("rejects another rollup's proof: the same message, sent on a second rollup (another chainId) on the same L1, cannot be claimed on the first", async function () {
    const other = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
    expect(other.address).to.not.equal(l2.address);
    const otherProvider = l2Provider(other);
    const to = Wallet.createRandom().address;
    await other.advance(); // B's numbering catches up with A's (A delivered a deposit in block 1)
    const onB = await withdraw(await otherProvider.getSigner(1), { value: ETHER, to });
    const proofB = await proofFor(other.rollup, otherProvider, onB);
    expect(proofB.l2BlockNumber).to.equal((await rollup.getFunction("head")()).number + 1n);
    await l2.advance(); // A has a block with that number too, with its own root
    expect(await revertOf(onB.message, proofB)).to.have.property("name").that.matches(/^MerkleTrie_/);

    // The very same message (same sender, nonce 0, to, value) sent on A: same hash, A's own proof claims it.
    const onA = await withdraw(await provider.getSigner(1), { value: ETHER, to });
    expect(onA.hash).to.equal(onB.hash);
    await proveAndClaim(claimer, rollup, provider, onA);
    expect(await l1Balance(ethers, to)).to.equal(ETHER);
    expect(await other.rollup.getFunction("claimed")(onB.hash), "claims are per rollup").to.equal(false);
  });

  it("rejects a replayed claim, whatever block it is proven at", async function () {
    const sent = await withdrawal(ETHER);
    const proof = await proofFor(rollup, provider, sent);
    await claim(sent.message, proof);
    await expect(claim(sent.message, proof)).to.be.revertedWithCustomError(rollup, "NativeRollup_AlreadyClaimed").withArgs(sent.hash);
    await l2.advance();
    expect(await revertOf(sent.message, await proofFor(rollup, provider, sent))).to.deep.equal({ name: "NativeRollup_AlreadyClaimed", args: [sent.hash] });
  });

  it("a reentrant recipient cannot claim again from its receive: neither the same message nor another", async function () {
    const recipient = await deployTest(claimer, "BridgeRecipient");
    const to = await recipient.getAddress();
    const first = await withdrawal(ETHER, to);
    const second = await withdrawal(2n * ETHER, to);
    const p1 = await proofFor(rollup, provider, first);
    const p2 = await proofFor(rollup, provider, second);
    const reentrant = rollup.interface.getError("NativeRollup_Reentrant")!.selector;
    const claimData = (m: SentMessage, p: MessageProof) => rollup.interface.encodeFunctionData("claim", [m.message, p.l2BlockNumber, p.accountProof, p.storageProof]);

    // Claiming `first`, the recipient re-enters to claim `second`: the lock refuses, `first` is paid.
    await (await recipient.getFunction("setReenter")(claimData(second, p2))).wait();
    await claim(first.message, p1);
    expect(await recipient.getFunction("reenterOk")()).to.equal(false);
    expect(((await recipient.getFunction("reenterResult")()) as string).slice(0, 10)).to.equal(reentrant);
    expect(await rollup.getFunction("claimed")(first.hash)).to.equal(true);
    expect(await rollup.getFunction("claimed")(second.hash)).to.equal(false);
    expect(await l1Balance(ethers, to)).to.equal(ETHER);

    // Claiming `second`, it re-enters to claim `second` again (a double payment): the lock refuses before the replay check.
    await claim(second.message, p2);
    expect(await recipient.getFunction("reenterOk")()).to.equal(false);
    expect(((await recipient.getFunction("reenterResult")()) as string).slice(0, 10)).to.equal(reentrant);
    expect(await recipient.getFunction("calls")()).to.equal(2n);
    expect(await l1Balance(ethers, to)).to.equal(3n * ETHER);
  });

  it("rejects a message given the value and data of another (the proof of the first no longer fits)", async function () {
    const to = Wallet.createRandom().address;
    const small = await withdrawal(1n, to);
    const large = await withdraw(await provider.getSigner(1), { value: 3n * ETHER, to });
    const proof = await proofFor(rollup, provider, small);
    const tampered = { ...small.message, value: large.message.value, data: large.message.data };
    const error = await revertOf(tampered, proof);
    expect(error.name).to.match(/^MerkleTrie_|^NativeRollup_InvalidProof$/);
    // With the nonce of the other too it is the other message, which needs its own proof.
    expect((await revertOf({ ...tampered, nonce: large.message.nonce }, proof)).name).to.match(/^MerkleTrie_|^NativeRollup_InvalidProof$/);
    await claim(small.message, proof);
    expect(await l1Balance(ethers, to)).to.equal(1n);
  });

  it("rejects the wrong destination: claim of a message for a rollup, forward of a message for L1", async function () {
    const destination = Wallet.createRandom().address; // any rollup's L1 address
    const toRollup = await sendMessageToRollup(await provider.getSigner(1), { destination, to: Wallet.createRandom().address, value: 5n });
    const pRollup = await proofFor(rollup, provider, toRollup);
    expect(await revertOf(toRollup.message, pRollup)).to.deep.equal({ name: "NativeRollup_WrongDestination", args: [destination] });
    const refused = await proveAndClaim(claimer, rollup, provider, toRollup).then(() => undefined, (e: unknown) => e);
    expect(refused).to.be.instanceOf(ClaimRefusedError);

    const toL1 = await withdrawal(5n);
    const pL1 = await proofFor(rollup, provider, toL1);
    await expect(rollup.getFunction("forward")(toL1.message, pL1.l2BlockNumber, pL1.accountProof, pL1.storageProof))
      .to.be.revertedWithCustomError(rollup, "NativeRollup_WrongDestination").withArgs(ZERO_ADDRESS);
    expect(await rollup.getFunction("claimed")(toL1.hash)).to.equal(false);
    expect(await rollup.getFunction("claimed")(toRollup.hash)).to.equal(false);
  });
});
