import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { REFUSED_CODE } from "../../src/devnet/dev-methods.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import { devnetPorts, rpc, startDevnetProcess, type DevnetProcess } from "./process.js";

type Block = { number: string; hash: string; timestamp: string; transactions: unknown[] };

describe("devnet dev methods on the L2 URL (Hardhat's and anvil's, kept verifiable by L1)", function () {
  this.timeout(300_000);
  let dataDir: string;
  let devnet: DevnetProcess;
  let l1: JsonRpcProvider;
  let l2: JsonRpcProvider;

  before(async function () {
    dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-dev-methods-"));
    // No slots (blocks only for transactions: timestamps are exact) and no funding (setBalance funds).
    devnet = await startDevnetProcess(["--data-dir", dataDir, "--block-time", "0", "--fund-l2", "0", "--no-relay"], await devnetPorts());
    l1 = new JsonRpcProvider(devnet.l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    l2 = new JsonRpcProvider(devnet.l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async function () {
    l1?.destroy();
    l2?.destroy();
    await devnet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const latest = async () => (await rpc(devnet.l2Url, "eth_getBlockByNumber", ["latest", false])) as Block;
  const balance = async (address: string) => BigInt((await rpc(devnet.l2Url, "eth_getBalance", [address, "latest"])) as string);
  const verifiedOnL1 = async () => ((await nativeRollupAt(devnet.rollupAddress, l1).getFunction("head")()) as { number: bigint; blockHash: string });

  it("hardhat_setBalance / anvil_setBalance raise a balance by a real deposit and return once it is delivered; a decrease is refused", async function () {
    const who = Wallet.createRandom().address;
    const queuedBefore = (await nativeRollupAt(devnet.rollupAddress, l1).getFunction("messageCount")()) as bigint;
    expect(await rpc(devnet.l2Url, "hardhat_setBalance", [who, "0x" + parseEther("5").toString(16)])).to.equal(true);
    expect(await balance(who)).to.equal(parseEther("5"));
    // It was an L1 deposit, delivered in a block L1 verified.
    expect((await nativeRollupAt(devnet.rollupAddress, l1).getFunction("messageCount")()) as bigint).to.equal(queuedBefore + 1n);
    expect((await verifiedOnL1()).blockHash.toLowerCase()).to.equal((await latest()).hash.toLowerCase());
    expect(await rpc(devnet.l2Url, "anvil_setBalance", [who, "0x" + parseEther("7.5").toString(16)])).to.equal(true);
    expect(await balance(who)).to.equal(parseEther("7.5"));
    const lower = await rpc(devnet.l2Url, "anvil_setBalance", [who, "0x1"]).catch((error: Error & { code: number }) => error);
    expect(lower).to.be.instanceOf(Error);
    expect((lower as Error & { code: number }).code).to.equal(-32602);
    expect((lower as Error).message).to.match(/cannot lower the L2 balance of .* from 7500000000000000000 to 1 wei/);
    expect(await balance(who)).to.equal(parseEther("7.5"));
  });

  it("evm_mine proposes an L2 block now, verified on L1; hardhat_mine proposes several", async function () {
    const before = await latest();
    expect(await rpc(devnet.l2Url, "evm_mine")).to.equal("0x0");
    const mined = await latest();
    expect(BigInt(mined.number)).to.equal(BigInt(before.number) + 1n);
    expect(mined.transactions).to.have.length(0);
    const head = await verifiedOnL1();
    expect(head.number).to.equal(BigInt(mined.number));
    expect(head.blockHash.toLowerCase()).to.equal(mined.hash.toLowerCase());
    await rpc(devnet.l2Url, "hardhat_mine", ["0x3"]);
    expect(BigInt((await latest()).number)).to.equal(BigInt(mined.number) + 3n);
  });

  it("evm_increaseTime and evm_setNextBlockTimestamp move L1 and L2 together", async function () {
    const before = await latest();
    await rpc(devnet.l2Url, "evm_increaseTime", [3600]);
    await rpc(devnet.l2Url, "evm_mine");
    const later = await latest();
    expect(BigInt(later.timestamp) - BigInt(before.timestamp) >= 3600n, `${before.timestamp} → ${later.timestamp}`).to.equal(true);
    const l1Head = (await rpc(devnet.l1Url, "eth_getBlockByNumber", ["latest", false])) as Block;
    expect(BigInt(l1Head.timestamp) >= BigInt(later.timestamp)).to.equal(true);

    const target = BigInt(later.timestamp) + 86_400n;
    await rpc(devnet.l2Url, "evm_setNextBlockTimestamp", ["0x" + target.toString(16)]);
    await rpc(devnet.l2Url, "evm_mine");
    expect(BigInt((await latest()).timestamp)).to.equal(target);
    // A time before the L2 head's is refused: L2 time cannot go back.
    const back = await rpc(devnet.l2Url, "evm_setNextBlockTimestamp", [Number(target) - 10]).catch((error: Error) => error);
    expect((back as Error).message).to.match(/before the L2 head's/);
    // A user transaction's block, after time travel, is verified on L1 like any other.
    expect((await verifiedOnL1()).number).to.equal(BigInt((await latest()).number));
  });

  it("evm_snapshot / evm_revert revert the L1 and the L2 with it; the reverted transaction is gone and the devnet keeps going", async function () {
    const alice = Wallet.createRandom().connect(l2);
    await rpc(devnet.l2Url, "hardhat_setBalance", [alice.address, "0x" + parseEther("1").toString(16)]);
    const before = await latest();
    const id = await rpc(devnet.l2Url, "evm_snapshot");
    const sent = await alice.sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.25") });
    const receipt = await sent.wait();
    expect(receipt!.blockNumber).to.equal(Number(before.number) + 1);
    expect(await balance(alice.address) < parseEther("0.75")).to.equal(true);

    expect(await rpc(devnet.l2Url, "evm_revert", [id])).to.equal(true);
    const after = await latest();
    expect(after.hash).to.equal(before.hash);
    expect(await balance(alice.address)).to.equal(parseEther("1"));
    expect(await rpc(devnet.l2Url, "eth_getTransactionReceipt", [sent.hash])).to.equal(null);
    // Dropped with the revert, as on Hardhat: not handed back to the mempool.
    expect(((await rpc(devnet.l2Url, "ultrasound_getTransactionStatus", [sent.hash])) as { status: string }).status).to.equal("unknown");
    expect((await verifiedOnL1()).blockHash.toLowerCase()).to.equal(before.hash.toLowerCase());

    // The devnet goes on from the reverted state: a new transaction lands and L1 verifies it.
    const again = await alice.sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.5"), nonce: 0 });
    const landed = await again.wait();
    expect(landed!.status).to.equal(1);
    expect((await verifiedOnL1()).number).to.equal(BigInt(landed!.blockNumber));
  });

  for (const [method, params, says] of [
    ["hardhat_setCode", ["0x000000000000000000000000000000000000dEaD", "0x00"], /Deploy the contract with a transaction/],
    ["hardhat_setStorageAt", ["0x000000000000000000000000000000000000dEaD", "0x0", "0x" + "00".repeat(32)], /contract call in a transaction/],
    ["anvil_setNonce", ["0x000000000000000000000000000000000000dEaD", "0x5"], /send transactions from it/],
    ["hardhat_impersonateAccount", ["0x000000000000000000000000000000000000dEaD"], /Sign with the account's key/],
  ] as const) {
    it(`${method} is refused, saying why and what to do instead`, async function () {
      const refused = await rpc(devnet.l2Url, method, [...params]).catch((error: Error & { code: number }) => error);
      expect(refused).to.be.instanceOf(Error);
      expect((refused as Error & { code: number }).code).to.equal(REFUSED_CODE);
      expect((refused as Error).message).to.contain(`${method} is not available on the rollup`);
      expect((refused as Error).message).to.match(/L1/);
      expect((refused as Error).message).to.match(says);
    });
  }
});
