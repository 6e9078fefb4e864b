import { expect } from "chai";
import { Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain } from "../../src/engine/state.js";
import { buildBlock } from "../../src/engine/build.js";
import {
  CommitmentError,
  commitmentDigest,
  commitmentOf,
  commitmentStructHash,
  deployPreconfRegistry,
  preconfDomain,
  recoverCommitmentSigner,
  signCommitment,
  verifyCommitment,
  type Commitment,
} from "../../src/preconf/index.js";

const { ethers } = await network.create();

describe("preconf commitments", function () {
  let registry: Contract;
  let l1ChainId: bigint;
  const operator = Wallet.createRandom();
  const sample: Commitment = {
    rollup: "0x00000000000000000000000000000000000000aa",
    chainId: 167_001n,
    number: 42n,
    blockHash: "0x" + "01".repeat(32),
    stateRoot: "0x" + "02".repeat(32),
    anchor: "0x" + "03".repeat(32),
    parentHash: "0x" + "04".repeat(32),
  };

  before(async function () {
    ({ registry } = await deployPreconfRegistry((await ethers.getSigners())[0]!));
    l1ChainId = (await ethers.provider.getNetwork()).chainId;
  });

  it("hashes and signs exactly as PreconfRegistry does (round trip through Solidity)", async function () {
    const domain = preconfDomain(await registry.getAddress(), l1ChainId);
    const signed = await signCommitment(operator, domain, sample);
    expect(await registry.getFunction("commitmentDigest")(sample)).to.equal(commitmentDigest(domain, sample));
    expect(await registry.getFunction("commitmentSigner")(sample, signed.signature)).to.equal(operator.address);
    // The struct type string is the contract's COMMITMENT_TYPEHASH (hashStruct of a zero struct differs otherwise).
    expect(commitmentStructHash(sample)).to.match(/^0x[0-9a-f]{64}$/);
    expect(recoverCommitmentSigner(domain, signed)).to.equal(operator.address);
    // Every field is covered: changing any one changes the digest on both sides.
    for (const [field, value] of Object.entries({ rollup: "0x00000000000000000000000000000000000000bb", chainId: 1n, number: 43n, blockHash: sample.stateRoot, stateRoot: sample.blockHash, anchor: sample.parentHash, parentHash: sample.anchor })) {
      const changed = { ...sample, [field]: value };
      const digest = commitmentDigest(domain, changed);
      expect(digest, field).not.to.equal(commitmentDigest(domain, sample));
      expect(await registry.getFunction("commitmentDigest")(changed), field).to.equal(digest);
    }
  });

  it("builds a commitment from a real L2 header, with its anchor", async function () {
    const chain = await createL2Chain(devGenesis());
    const anchor = new Uint8Array(32).fill(7);
    const block = await buildBlock(chain, { transactions: [], timestamp: 1_000n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32).fill(9), anchor });
    const c = commitmentOf(block.header, sample.rollup, 167_001n);
    expect(c.number).to.equal(1n);
    expect(c.anchor).to.equal("0x" + "07".repeat(32));
    expect(c.parentHash).to.equal("0x" + Buffer.from(chain.headers[0]!.hash()).toString("hex"));
  });

  it("rejects a commitment signed by someone else, or for another registry, with both addresses", async function () {
    const domain = preconfDomain(await registry.getAddress(), l1ChainId);
    const forger = Wallet.createRandom();
    const forged = await signCommitment(forger, domain, sample);
    expect(() => verifyCommitment(domain, forged, operator.address)).to.throw(CommitmentError, forger.address);
    const otherDomain = preconfDomain(sample.rollup, l1ChainId);
    const elsewhere = await signCommitment(operator, otherDomain, sample);
    expect(() => verifyCommitment(domain, elsewhere, operator.address)).to.throw(CommitmentError, "not signed by the operator");
    verifyCommitment(otherDomain, elsewhere, operator.address);
    expect(() => recoverCommitmentSigner(domain, { commitment: sample, signature: "0x1234" })).to.throw(CommitmentError, "malformed");
  });
});
