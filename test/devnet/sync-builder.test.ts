import { expect } from "chai";
import hre from "hardhat";
import { ContractFactory, Interface, JsonRpcProvider, Wallet } from "ethers";
import { createPublicClient, createWalletClient, defineChain, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startDevnet } from "../../src/devnet/index.js";
import { devAccounts } from "../../src/engine/index.js";
import { freePort } from "../../src/shared/ports.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

/** Polls `read` until it returns `want` or the deadline passes; returns the last value. */
async function until<T>(read: () => Promise<T>, want: T, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (last !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}

/** The devnet's L1 with the sync builder in front (docs/sync.md, "The user path"): unmodified wallets, a real devnet. */
describe("devnet: the sync builder in front of the L1 JSON-RPC (--sync-port)", function () {
  this.timeout(600_000);

  it("an ethers 6 and a viem 2 wallet send ordinary L1 transactions whose L2 call lands; wait() works; the L2 node shows it", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-syncfront-"));
    const lines: string[] = [];
    const devnet = await startDevnet(hre, { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort(), explorerPort: 0, syncPort: 0, dataDir, proposeIntervalMs: 100, log: (l) => lines.push(l) });
    try {
      expect(devnet.syncUrl).to.match(/^http:\/\//);
      const counterArtifact = loadArtifact("examples/sync/SyncCounter.sol", "SyncCounter");
      const userArtifact = loadArtifact("examples/sync/SyncCounterUser.sol", "SyncCounterUser");
      const counterIface = new Interface(counterArtifact.abi as never);
      const userIface = new Interface(userArtifact.abi as never);
      // On L2: the counter (42). On L1: its proxy and the L1 contract that calls it, from account #2.
      const l2 = new JsonRpcProvider(devnet.l2Url, undefined, { staticNetwork: true, pollingInterval: 200, cacheTimeout: -1 });
      const deployer = new Wallet(devAccounts()[1]!.privateKey, l2);
      const counter = await (await new ContractFactory(counterArtifact.abi as never, counterArtifact.bytecode, deployer).deploy(42n)).waitForDeployment();
      const counterAddress = await counter.getAddress();
      const l1 = new JsonRpcProvider(devnet.l1Url, undefined, { staticNetwork: true, pollingInterval: 200, cacheTimeout: -1 });
      const l1Signer = new Wallet(devAccounts()[2]!.privateKey, l1);
      const rollup = devnet.rollup.connect(l1Signer) as typeof devnet.rollup;
      await (await rollup.getFunction("createL2Proxy")(counterAddress)).wait();
      const proxy = (await rollup.getFunction("l2Proxy")(counterAddress)) as string;
      const user = await (await new ContractFactory(userArtifact.abi as never, userArtifact.bytecode, l1Signer).deploy()).waitForDeployment();
      const userAddress = await user.getAddress();
      const valueOnL2 = async () => BigInt(await l2.call({ to: counterAddress, data: counterIface.encodeFunctionData("value") }));

      // ethers 6: a plain wallet on the sync URL; gas estimated by the builder, wait() as usual.
      const front = new JsonRpcProvider(devnet.syncUrl, undefined, { staticNetwork: true, pollingInterval: 200, cacheTimeout: -1 });
      const wallet = new Wallet(devAccounts()[5]!.privateKey, front);
      const headBefore = (await devnet.rollup.getFunction("head")()).number as bigint;
      const receipt = (await (await wallet.sendTransaction({ to: userAddress, data: userIface.encodeFunctionData("trySet", [proxy, 66n]) })).wait())!;
      expect(receipt.status).to.equal(1);
      const adopted = receipt.logs.map((log) => devnet.rollup.interface.parseLog(log)?.name);
      expect(adopted).to.include("SyncCallsAdopted");
      expect(await until(valueOnL2, 66n)).to.equal(66n);
      expect((await devnet.rollup.getFunction("head")()).number as bigint).to.be.greaterThan(headBefore);

      // viem 2: a wallet client over http(syncUrl).
      const chain = defineChain({ id: Number(devnet.l1ChainId), name: "devnet L1", nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [devnet.syncUrl!] } } });
      const client = createPublicClient({ chain, transport: http(devnet.syncUrl) });
      const viemWallet = createWalletClient({ account: privateKeyToAccount(devAccounts()[6]!.privateKey as `0x${string}`), chain, transport: http(devnet.syncUrl) });
      const hash = await viemWallet.sendTransaction({ to: userAddress as `0x${string}`, data: userIface.encodeFunctionData("trySet", [proxy, 77n]) as `0x${string}` });
      expect((await client.waitForTransactionReceipt({ hash })).status).to.equal("success");
      expect(await until(valueOnL2, 77n)).to.equal(77n);
      // The proposer goes on after the builder: an L2 transfer still gets its receipt.
      const transfer = await (await deployer.sendTransaction({ to: devAccounts()[9]!.address, value: 1n })).wait();
      expect(transfer!.status).to.equal(1);
      l1.destroy();
      l2.destroy();
      front.destroy();
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(lines.some((l) => /sync builder: .* adopted/.test(l)), lines.join("\n")).to.equal(true);
  });
});
