import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import { devnetPorts, rpc, startDevnetProcess, type DevnetProcess } from "./process.js";

/** Hardhat's dev account #0: funded on every rollup by the devnet's deposits. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 } as const;

type Block = { hash: string; number: string };
type Listed = { chainId: bigint; address: string; url: string };

async function hashes(url: string, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let n = 0; n <= upTo; n++) out.push(((await rpc(url, "eth_getBlockByNumber", ["0x" + n.toString(16), false])) as Block).hash);
  return out;
}

/** The banner's rollups (chain id, address, URL) and factory. */
function banner(devnet: DevnetProcess): { rollups: Listed[]; factory: string } {
  const rollups = [...devnet.output().matchAll(/^\s+\d+\. chain id (\d+)  (0x[0-9a-fA-F]{40})  (http:\/\/\S+)$/gm)].map((m) => ({ chainId: BigInt(m[1]!), address: m[2]!, url: m[3]! }));
  return { rollups, factory: /rollup factory \(RollupFactory\):\s+(0x[0-9a-fA-F]{40})/.exec(devnet.output())?.[1] ?? "" };
}

const head = async (url: string) => Number(BigInt((await rpc(url, "eth_blockNumber")) as string));
const balance = async (url: string, who: string) => BigInt((await rpc(url, "eth_getBalance", [who, "latest"])) as string);

describe("devnet restart with --rollups 3: kill -9, then `npm run devnet -- --rollups 3` again, keeps everything", function () {
  this.timeout(600_000);
  let dataDir: string;
  let devnet: DevnetProcess | undefined;
  before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-multi-restart-"))));
  after(async () => {
    await devnet?.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the same L1 blocks, factory, rollups, L2 blocks and balances on every rollup after a SIGKILL; a new transaction lands on rollup 2; another --rollups is refused; --reset starts afresh", async function () {
    const ports = await devnetPorts();
    const args = ["--rollups", "3", "--data-dir", dataDir, "--block-time", "0", "--fund-l2", "100", "--explorer-port", "0"];
    devnet = await startDevnetProcess(args, ports, 300_000);
    const before = banner(devnet);
    expect(before.rollups.map((r) => r.chainId)).to.deep.equal([167_001n, 167_002n, 167_003n]);
    const recipient = Wallet.createRandom().address;
    // A transfer on rollup 1 and one on rollup 3: their chains differ from rollup 2's.
    for (const [r, value] of [[before.rollups[0]!, "3"], [before.rollups[2]!, "5"]] as const) {
      const l2 = new JsonRpcProvider(r.url, undefined, options);
      await (await new Wallet(DEV_KEY, l2).sendTransaction({ to: recipient, value: parseEther(value) })).wait();
      l2.destroy();
    }
    const l1Head = await head(devnet.l1Url);
    const l1Before = await hashes(devnet.l1Url, l1Head);
    const heads = await Promise.all(before.rollups.map((r) => head(r.url)));
    const l2Before = await Promise.all(before.rollups.map((r, i) => hashes(r.url, heads[i]!)));
    const balancesBefore = await Promise.all(before.rollups.map((r) => balance(r.url, recipient)));
    expect(balancesBefore).to.deep.equal([parseEther("3"), 0n, parseEther("5")]);

    await devnet.stop("SIGKILL");
    devnet = await startDevnetProcess(args, ports, 300_000);
    expect(devnet.output()).to.match(/replayed the L1 journal/);
    const after = banner(devnet);
    expect(after.factory).to.equal(before.factory);
    expect(after.rollups).to.deep.equal(before.rollups);
    expect(await hashes(devnet.l1Url, l1Head)).to.deep.equal(l1Before);
    const l1 = new JsonRpcProvider(devnet.l1Url, undefined, options);
    for (const [i, r] of after.rollups.entries()) {
      expect(await head(r.url), `rollup ${r.chainId}`).to.equal(heads[i]);
      expect(await hashes(r.url, heads[i]!), `rollup ${r.chainId}`).to.deep.equal(l2Before[i]);
      expect(await balance(r.url, recipient)).to.equal(balancesBefore[i]);
      const onL1 = (await nativeRollupAt(r.address, l1).getFunction("head")()) as { number: bigint; blockHash: string };
      expect(onL1.blockHash.toLowerCase()).to.equal(l2Before[i]![heads[i]!]!.toLowerCase());
    }

    // It keeps working: a new transaction lands on rollup 2 and L1 verifies it.
    const two = after.rollups[1]!;
    const l2 = new JsonRpcProvider(two.url, undefined, options);
    const landed = (await (await new Wallet(DEV_KEY, l2).sendTransaction({ to: recipient, value: parseEther("1") })).wait())!;
    expect(landed.blockNumber).to.equal(heads[1]! + 1);
    expect(await balance(two.url, recipient)).to.equal(parseEther("1"));
    expect(((await nativeRollupAt(two.address, l1).getFunction("head")()) as { number: bigint }).number).to.equal(BigInt(landed.blockNumber));
    l2.destroy();
    l1.destroy();
    await devnet.stop("SIGINT");

    // The data dir is a devnet of 3 rollups: another number is refused, saying what to do.
    const other = await startDevnetProcess(args.filter((a, i) => a !== "--rollups" && args[i - 1] !== "--rollups"), ports).catch((error: Error) => error);
    expect(other).to.be.instanceOf(Error);
    expect((other as Error).message).to.match(/holds a devnet of 3 rollups, not 1: start it with --rollups 3 to keep it, or add --reset/);

    // --reset: a new L1, factory and rollups.
    devnet = await startDevnetProcess([...args, "--reset"], ports, 300_000);
    expect(devnet.output()).to.not.match(/replayed the L1 journal/);
    expect(await balance(banner(devnet).rollups[0]!.url, recipient)).to.equal(0n);
  });
});
