import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { REFUSED_CODE } from "../../src/devnet/dev-methods.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import { sendMessageToRollup, withdraw } from "../../src/sdk/bridge.js";
import { devnetPorts, rpc, startDevnetProcess, until, type DevnetProcess } from "./process.js";

type Block = { number: string; hash: string; timestamp: string; transactions: unknown[] };
type Listed = { chainId: bigint; address: string; url: string };
type Status = { status: string; messages?: { hash: string; destination: string; status: string; l1TransactionHash?: string }[] };

describe("devnet with --rollups 2: the dev methods on every rollup's URL, and the relayer's message states", function () {
  this.timeout(400_000);
  let dataDir: string;
  let devnet: DevnetProcess;
  let l1: JsonRpcProvider;
  let one: Listed;
  let two: Listed;
  const providers: JsonRpcProvider[] = [];
  const provider = (url: string) => {
    const made = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
    providers.push(made);
    return made;
  };

  before(async function () {
    dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-multi-dev-"));
    // No slots (timestamps exact) and no funding (setBalance funds); the relayer on.
    devnet = await startDevnetProcess(["--rollups", "2", "--data-dir", dataDir, "--block-time", "0", "--fund-l2", "0", "--explorer-port", "0"], await devnetPorts(), 300_000);
    [one, two] = [...devnet.output().matchAll(/^\s+\d+\. chain id (\d+)  (0x[0-9a-fA-F]{40})  (http:\/\/\S+)$/gm)].map((m) => ({ chainId: BigInt(m[1]!), address: m[2]!, url: m[3]! })) as [Listed, Listed];
    l1 = provider(devnet.l1Url);
  });
  after(async function () {
    for (const p of providers) p.destroy();
    await devnet?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const latest = async (url: string) => (await rpc(url, "eth_getBlockByNumber", ["latest", false])) as Block;
  const balance = async (url: string, address: string) => BigInt((await rpc(url, "eth_getBalance", [address, "latest"])) as string);
  const verified = async (r: Listed) => (await nativeRollupAt(r.address, l1).getFunction("head")()) as { number: bigint; blockHash: string };
  const quantity = (wei: bigint) => "0x" + wei.toString(16);

  it("hardhat_setBalance on a rollup's URL deposits to that rollup (both at once: one faucet, no nonce clash); the other rollup is untouched", async function () {
    const who = Wallet.createRandom().address;
    const queued = async (r: Listed) => (await nativeRollupAt(r.address, l1).getFunction("messageCount")()) as bigint;
    const [queuedOne, queuedTwo] = [await queued(one), await queued(two)];
    expect(await Promise.all([rpc(two.url, "hardhat_setBalance", [who, quantity(parseEther("5"))]), rpc(one.url, "anvil_setBalance", [who, quantity(parseEther("2"))])])).to.deep.equal([true, true]);
    expect(await balance(two.url, who)).to.equal(parseEther("5"));
    expect(await balance(one.url, who)).to.equal(parseEther("2"));
    expect(await queued(two)).to.equal(queuedTwo + 1n);
    expect(await queued(one)).to.equal(queuedOne + 1n);
    expect((await verified(two)).blockHash.toLowerCase()).to.equal((await latest(two.url)).hash.toLowerCase());
    const lower = await rpc(two.url, "hardhat_setBalance", [who, "0x1"]).catch((error: Error & { code: number }) => error);
    expect((lower as Error & { code: number }).code).to.equal(-32602);
    expect((lower as Error).message).to.match(/cannot lower the L2 balance/);
  });

  it("evm_mine proposes a block on that rollup only, verified on L1; hardhat_mine on `/` mines the first rollup", async function () {
    const [beforeOne, beforeTwo] = [await latest(one.url), await latest(two.url)];
    expect(await rpc(two.url, "evm_mine")).to.equal("0x0");
    const mined = await latest(two.url);
    expect(BigInt(mined.number)).to.equal(BigInt(beforeTwo.number) + 1n);
    expect(mined.transactions).to.have.length(0);
    expect((await verified(two)).blockHash.toLowerCase()).to.equal(mined.hash.toLowerCase());
    expect((await latest(one.url)).hash).to.equal(beforeOne.hash);
    await rpc(devnet.l2Url, "hardhat_mine", ["0x2"]);
    expect(BigInt((await latest(one.url)).number)).to.equal(BigInt(beforeOne.number) + 2n);
    expect((await latest(two.url)).hash).to.equal(mined.hash);
  });

  it("time travel on one rollup's URL moves L1 and every rollup; a time before any rollup's head is refused, naming it", async function () {
    const before = await latest(two.url);
    await rpc(one.url, "evm_increaseTime", [3600]);
    await rpc(two.url, "evm_mine");
    const later = await latest(two.url);
    expect(BigInt(later.timestamp) - BigInt(before.timestamp) >= 3600n, `${before.timestamp} → ${later.timestamp}`).to.equal(true);
    const target = BigInt(later.timestamp) + 86_400n;
    await rpc(two.url, "evm_setNextBlockTimestamp", [quantity(target)]);
    await rpc(two.url, "evm_mine");
    expect(BigInt((await latest(two.url)).timestamp)).to.equal(target);
    // Rollup 1's head is older, rollup 2's is at `target`: asked on rollup 1's URL, L1 time still cannot go before rollup 2's head.
    const back = await rpc(one.url, "evm_setNextBlockTimestamp", [Number(target) - 10]).catch((error: Error) => error);
    expect((back as Error).message).to.match(/before the L2 head's of rollup 167002/);
    await rpc(one.url, "evm_mine");
    expect(BigInt((await latest(one.url)).timestamp) >= target).to.equal(true);
  });

  it("evm_snapshot / evm_revert revert L1 and every rollup; the reverted transactions are gone and both rollups go on", async function () {
    const alice = Wallet.createRandom();
    await rpc(one.url, "hardhat_setBalance", [alice.address, quantity(parseEther("1"))]);
    await rpc(two.url, "hardhat_setBalance", [alice.address, quantity(parseEther("1"))]);
    const [beforeOne, beforeTwo] = [await latest(one.url), await latest(two.url)];
    const id = await rpc(one.url, "evm_snapshot");
    const sentOne = await alice.connect(provider(one.url)).sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.25") });
    const sentTwo = await alice.connect(provider(two.url)).sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.25") });
    await sentOne.wait();
    await sentTwo.wait();

    expect(await rpc(two.url, "evm_revert", [id])).to.equal(true);
    expect((await latest(one.url)).hash).to.equal(beforeOne.hash);
    expect((await latest(two.url)).hash).to.equal(beforeTwo.hash);
    for (const [r, sent] of [[one, sentOne], [two, sentTwo]] as const) {
      expect(await balance(r.url, alice.address)).to.equal(parseEther("1"));
      expect(await rpc(r.url, "eth_getTransactionReceipt", [sent.hash])).to.equal(null);
      // Dropped with the revert, as on Hardhat: not handed back to the mempool.
      expect(((await rpc(r.url, "ultrasound_getTransactionStatus", [sent.hash])) as Status).status).to.equal("unknown");
    }
    // Both go on from the reverted state: a new transaction lands on each and L1 verifies it.
    for (const r of [one, two]) {
      const landed = await (await alice.connect(provider(r.url)).sendTransaction({ to: Wallet.createRandom().address, value: parseEther("0.5"), nonce: 0 })).wait();
      expect(landed!.status).to.equal(1);
      expect((await verified(r)).number).to.equal(BigInt(landed!.blockNumber));
    }
  });

  it("ultrasound_getTransactionStatus on a rollup's URL lists its messages: a withdrawal from rollup 2 claimed, a message from rollup 1 forwarded, with the relayer's L1 transactions", async function () {
    const bob = Wallet.createRandom();
    await rpc(one.url, "hardhat_setBalance", [bob.address, quantity(parseEther("3"))]);
    await rpc(two.url, "hardhat_setBalance", [bob.address, quantity(parseEther("3"))]);
    const out = await withdraw(bob.connect(provider(two.url)), { value: parseEther("0.5"), to: Wallet.createRandom().address });
    const across = await sendMessageToRollup(bob.connect(provider(one.url)), { destination: two.address, to: Wallet.createRandom().address, value: parseEther("1") });
    const settled = async (r: Listed, hash: string, wanted: string) => {
      const status = (await rpc(r.url, "ultrasound_getTransactionStatus", [hash])) as Status;
      return status.messages?.[0]?.status === wanted && status.messages[0].l1TransactionHash !== undefined ? status : undefined;
    };
    const claimed = await until("the withdrawal claimed", () => settled(two, out.receipt.hash, "claimed"), 90_000);
    expect(claimed.status).to.equal("included");
    expect(claimed.messages![0]!.hash).to.equal(out.hash);
    expect(claimed.messages![0]!.destination).to.equal("L1");
    expect((await l1.getTransactionReceipt(claimed.messages![0]!.l1TransactionHash!))!.status).to.equal(1);
    const forwarded = await until("the message forwarded", () => settled(one, across.receipt.hash, "forwarded"), 90_000);
    expect(forwarded.messages![0]!.destination.toLowerCase()).to.equal(two.address.toLowerCase());
    expect((await l1.getTransactionReceipt(forwarded.messages![0]!.l1TransactionHash!))!.status).to.equal(1);
  });

  for (const url of ["/rollup/167002", "/"]) {
    it(`state-forging methods are refused on ${url}, saying why`, async function () {
      const refused = await rpc(devnet.l2Url + (url === "/" ? "" : url), "hardhat_setCode", ["0x000000000000000000000000000000000000dEaD", "0x00"]).catch((error: Error & { code: number }) => error);
      expect((refused as Error & { code: number }).code).to.equal(REFUSED_CODE);
      expect((refused as Error).message).to.match(/hardhat_setCode is not available on the rollup: .*Deploy the contract with a transaction/);
    });
  }
});
