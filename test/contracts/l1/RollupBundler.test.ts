/**
 * RollupBundler (docs/rollups.md, "Bundles"): two rollups made by one factory advance in one L1
 * transaction, each block verified by the real EXECUTE, one in calldata and one in a blob at
 * index 1 of a type-3 transaction; a bundle is all or nothing; `assertStorage` checks an L2
 * storage slot of a verified block through MPT proofs.
 */
import { hexToBytes } from "@ethereumjs/util";
import { expect } from "chai";
import { getCreateAddress, Wallet, ZeroHash, type Contract } from "ethers";
import { network } from "hardhat";
import { blockDataToBlobs } from "../../../src/blobs/da.js";
import { encodeBlobs } from "../../../src/blobs/codec.js";
import { makeSidecar } from "../../../src/blobs/kzg.js";
import { devAccounts } from "../../../src/engine/chain.js";
import { devGenesis } from "../../../src/engine/genesis.js";
import type { L2Chain } from "../../../src/engine/state.js";
import { onVerdict, type ExecuteVerdict } from "../../../src/precompile/run.js";
import { advanceGasLimit } from "../../../src/proposer/propose.js";
import { chainViewOf, createRpcHandler } from "../../../src/rpc/index.js";
import type { DeployedRollup } from "../../../src/sdk/contracts.js";
import { createRollup, deployFactory } from "../../../src/sdk/factory.js";
import { commit, prepareBlock, signL2, type PreparedBlock } from "../helpers.js";

const { ethers } = await network.create();

/** Runtime-less initcode that stores 42 at slot 0 of the contract it creates: PUSH1 0x2a PUSH0 SSTORE STOP. */
const STORE_42 = "0x602a5f5500";
const SLOT_0 = ZeroHash;

/** An L2 transfer from dev wallet `from` on `chain` (nonce from its state). */
async function transfer(chain: L2Chain, from: number, nonce = 0): Promise<string> {
  const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
  return signL2(chain, wallets[from]!, { to: wallets[19]!.address, value: 10n ** 15n, nonce });
}

/** `eth_getProof` of `slot` of `account` at L2 block `number` of `chain`. */
async function proofOf(chain: L2Chain, account: string, slot: string, number: bigint) {
  const rpc = createRpcHandler({ view: chainViewOf(chain) });
  const proof = (await rpc.request({ method: "eth_getProof", params: [account, [slot], "0x" + number.toString(16)] })) as {
    accountProof: string[];
    storageProof: { value: string; proof: string[] }[];
  };
  rpc.close();
  // For an account absent from the state, this RPC returns no storageProof entry at all (geth
  // returns one with an empty proof): an empty proof against the empty storage trie either way.
  const [entry] = proof.storageProof;
  return { account: proof.accountProof, storage: entry?.proof ?? [], value: BigInt(entry?.value ?? 0) };
}

describe("RollupBundler", function () {
  let bundler: Contract;
  let a: DeployedRollup;
  let b: DeployedRollup;
  let seen: ExecuteVerdict[];
  let stop: () => void;

  beforeEach(async function () {
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    a = await createRollup(factory, devGenesis({ chainId: 5001n }));
    b = await createRollup(factory, devGenesis({ chainId: 5002n }));
    bundler = (await ethers.deployContract("RollupBundler")) as unknown as Contract;
    seen = [];
    stop = onVerdict((verdict) => seen.push(verdict));
  });

  afterEach(function () {
    stop();
  });

  const advanceCall = (rollup: DeployedRollup, p: PreparedBlock) => ({
    target: rollup.address,
    data: rollup.rollup.interface.encodeFunctionData("advance", [p.claim, p.transactions, p.witness, "0x"]),
    value: p.fee,
  });

  it("advances two rollups in one L1 transaction: A in calldata, B in the transaction's blob at index 1", async function () {
    const deployer = new Wallet(devAccounts()[4]!.privateKey);
    const pa = await prepareBlock(ethers, a.chain, { transactions: [await signL2(a.chain, deployer, { to: null, data: STORE_42, gasLimit: 100_000n, nonce: 0 })] });
    const pb = await prepareBlock(ethers, b.chain, { transactions: [await transfer(b.chain, 1)] });
    // Blob 0 is someone else's (another rollup's, say); B names only its own, at index 1.
    const sidecar = makeSidecar([encodeBlobs(new Uint8Array([7, 7, 7]))[0]!, ...blockDataToBlobs(pb.block.input.transactions)]);
    const bHash = sidecar.versionedHashes[1]!;
    const calls = [
      advanceCall(a, pa),
      { target: b.address, data: b.rollup.interface.encodeFunctionData("advanceWithBlobs", [pb.claim, [bHash], pb.witness, "0x"]), value: pb.fee },
    ];
    const gasLimit = pa.gasLimit + advanceGasLimit({ ...pb.block.input, transactions: new Uint8Array(0), blobVersionedHashes: [hexToBytes(bHash as `0x${string}`)] }) + 50_000n;
    expect(gasLimit).to.be.lessThan(2n ** 24n);
    const proposer = new Wallet(devAccounts()[0]!.privateKey, ethers.provider);
    const tx = await proposer.sendTransaction({
      type: 3,
      to: await bundler.getAddress(),
      data: bundler.interface.encodeFunctionData("bundle", [calls]),
      value: pa.fee + pb.fee,
      gasLimit,
      maxFeePerBlobGas: 10n,
      blobs: sidecar.blobs.map((data, i) => ({ data, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })),
    });
    const receipt = (await tx.wait())!;
    const events = receipt.logs
      .map((log) => ({ address: log.address, parsed: a.rollup.interface.parseLog(log) }))
      .filter((e) => e.parsed?.name === "BlockAdvanced");
    expect(events.map((e) => e.address)).to.deep.equal([a.address, b.address]);
    expect(events[0]!.parsed!.args.blockHash).to.equal(pa.claim.blockHash);
    expect(events[1]!.parsed!.args.blockHash).to.equal(pb.claim.blockHash);
    expect([...events[1]!.parsed!.args.blobHashes]).to.deep.equal([bHash]);
    // The bundler made the calls: it is the rollups' msg.sender (the event's proposer).
    expect(events[0]!.parsed!.args.proposer).to.equal(await bundler.getAddress());
    expect((await a.rollup.getFunction("head")()).blockHash).to.equal(pa.claim.blockHash);
    expect((await b.rollup.getFunction("head")()).blockHash).to.equal(pb.claim.blockHash);
    expect(seen.map((v) => [v.ok, v.blockHash])).to.deep.equal([[true, pa.claim.blockHash], [true, pb.claim.blockHash]]);
    console.log(`      gas: bundle of two advances (calldata + blob) ${receipt.gasUsed}`);

    // A's new state, read on L1 through proofs: the contract block 1 created holds 42 at slot 0.
    commit(a.chain, pa);
    const stored = getCreateAddress({ from: deployer.address, nonce: 0 });
    const proof = await proofOf(a.chain, stored, SLOT_0, 1n);
    expect(proof.value).to.equal(42n);
    const word42 = "0x" + 42n.toString(16).padStart(64, "0");
    expect(await a.rollup.getFunction("storageAt")(1n, stored, SLOT_0, proof.account, proof.storage)).to.equal(word42);
    await bundler.getFunction("assertStorage")(a.address, 1n, stored, SLOT_0, word42, proof.account, proof.storage);
    const word43 = "0x" + 43n.toString(16).padStart(64, "0");
    await expect(bundler.getFunction("assertStorage")(a.address, 1n, stored, SLOT_0, word43, proof.account, proof.storage))
      .to.be.revertedWithCustomError(bundler, "RollupBundler_AssertionFailed")
      .withArgs(a.address, stored, SLOT_0, word43, word42);
    // An absent slot proves 0; an account absent from the state too.
    const empty = await proofOf(a.chain, stored, "0x" + "00".repeat(31) + "01", 1n);
    expect(await a.rollup.getFunction("storageAt")(1n, stored, "0x" + "00".repeat(31) + "01", empty.account, empty.storage)).to.equal(ZeroHash);
    const nobody = "0x00000000000000000000000000000000000000aa";
    const absent = await proofOf(a.chain, nobody, SLOT_0, 1n);
    await bundler.getFunction("assertStorage")(a.address, 1n, nobody, SLOT_0, ZeroHash, absent.account, absent.storage);
    // A proof against another block's root does not pass.
    await expect(a.rollup.getFunction("storageAt")(0n, stored, SLOT_0, proof.account, proof.storage)).to.be.revertedWithCustomError(a.rollup, "MerkleTrie_InvalidNodeHash");
  });

  it("all or nothing: B's block is invalid, so A's valid block in the same bundle is undone (RollupBundler_CallFailed(1, B's revert))", async function () {
    const pa = await prepareBlock(ethers, a.chain, { transactions: [await transfer(a.chain, 2)] });
    const pb = await prepareBlock(ethers, b.chain, { transactions: [await transfer(b.chain, 3)] });
    const bad = { ...pb, claim: { ...pb.claim, stateRoot: "0x" + "11".repeat(32) } };
    const expectedRevert = b.rollup.interface.encodeErrorResult("NativeRollup_ExecutionFailed", [1n]);
    await expect(bundler.getFunction("bundle")([advanceCall(a, pa), advanceCall(b, bad)], { gasLimit: pa.gasLimit + pb.gasLimit + 50_000n, value: pa.fee + pb.fee }))
      .to.be.revertedWithCustomError(bundler, "RollupBundler_CallFailed")
      .withArgs(1n, expectedRevert);
    // EXECUTE accepted A's block and rejected B's, and the revert undid A's advance.
    expect(seen.map((v) => v.ok)).to.deep.equal([true, false]);
    expect((await a.rollup.getFunction("head")()).number).to.equal(0n);
    expect((await b.rollup.getFunction("head")()).number).to.equal(0n);
    // The same bundle with B's valid block lands whole.
    await bundler.getFunction("bundle")([advanceCall(a, pa), advanceCall(b, pb)], { gasLimit: pa.gasLimit + pb.gasLimit + 50_000n, value: pa.fee + pb.fee });
    expect((await a.rollup.getFunction("head")()).blockHash).to.equal(pa.claim.blockHash);
    expect((await b.rollup.getFunction("head")()).blockHash).to.equal(pb.claim.blockHash);
  });

  it("all or nothing: a failing assertStorage at the end of a bundle undoes A's advance", async function () {
    const deployer = new Wallet(devAccounts()[4]!.privateKey);
    const pa = await prepareBlock(ethers, a.chain, { transactions: [await signL2(a.chain, deployer, { to: null, data: STORE_42, gasLimit: 100_000n, nonce: 0 })] });
    // The bundle builder knows the block's post-state: it proves against it before sending.
    commit(a.chain, pa);
    const stored = getCreateAddress({ from: deployer.address, nonce: 0 });
    const proof = await proofOf(a.chain, stored, SLOT_0, 1n);
    const assertion = (expected: bigint) => ({
      target: bundler.target as string,
      data: bundler.interface.encodeFunctionData("assertStorage", [a.address, 1n, stored, SLOT_0, "0x" + expected.toString(16).padStart(64, "0"), proof.account, proof.storage]),
      value: 0n,
    });
    const gasLimit = pa.gasLimit + 200_000n;
    const failed = bundler.interface.encodeErrorResult("RollupBundler_AssertionFailed", [a.address, stored, SLOT_0, "0x" + 7n.toString(16).padStart(64, "0"), "0x" + 42n.toString(16).padStart(64, "0")]);
    await expect(bundler.getFunction("bundle")([advanceCall(a, pa), assertion(7n)], { gasLimit, value: pa.fee }))
      .to.be.revertedWithCustomError(bundler, "RollupBundler_CallFailed").withArgs(1n, failed);
    expect((await a.rollup.getFunction("head")()).number).to.equal(0n);
    await bundler.getFunction("bundle")([advanceCall(a, pa), assertion(42n)], { gasLimit, value: pa.fee });
    expect((await a.rollup.getFunction("head")()).blockHash).to.equal(pa.claim.blockHash);
  });

  it("RevertWhen_NoCode: a call to an address without code (it would succeed doing nothing)", async function () {
    const eoa = await (await ethers.getSigners())[7]!.getAddress();
    await expect(bundler.getFunction("bundle")([{ target: eoa, data: "0x", value: 0n }]))
      .to.be.revertedWithCustomError(bundler, "RollupBundler_NoCode").withArgs(0n, eoa);
  });
});
