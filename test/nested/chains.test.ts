import { expect } from "chai";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../../src/engine/chain.js";
import { parseNodeArgs } from "../../src/node/cli.js";
import { startNestedChains, type NestedChains } from "../../src/nested/index.js";
import { startNode } from "../../src/node/index.js";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import { devnetPorts, rpc, startDevnetProcess, until, type DevnetProcess } from "../devnet/process.js";

describe("nested: session chains (L3s) on a running devnet's L2, over its JSON-RPC (issue 21 items 2–3)", function () {
  this.timeout(300_000);
  let devnet: DevnetProcess;
  let l3s: NestedChains;
  let dir: string;

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "ultrasound-nested-"));
    devnet = await startDevnetProcess(["--data-dir", path.join(dir, "devnet"), "--reset", "--log-level", "quiet"], await devnetPorts());
    l3s = await startNestedChains({ l2Url: devnet.l2Url, count: 2, dataDir: dir, fund: 10n ** 18n });
  });

  after(async function () {
    await l3s?.stop();
    await devnet?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("an L3 transaction sent with ethers to the L3 JSON-RPC is proposed to the L2, verified there, and the L2 block carrying it is verified on L1", async function () {
    const [first, second] = l3s.chains;
    const l3 = new JsonRpcProvider(first!.url, undefined, { cacheTimeout: -1, pollingInterval: 100 });
    expect((await l3.getNetwork()).chainId).to.equal(first!.chainId);
    const sender = new Wallet(devAccounts()[1]!.privateKey, l3);
    const to = "0x00000000000000000000000000000000000a11ce";
    const receipt = await (await sender.sendTransaction({ to, value: 12_345n })).wait();
    expect(receipt!.status).to.equal(1);
    expect(await l3.getBalance(to)).to.equal(12_345n);
    // The L3 rollup on the L2 holds that block as its head (or a later one).
    const l2 = new JsonRpcProvider(devnet.l2Url, undefined, { cacheTimeout: -1 });
    const l3OnL2 = (await nativeRollupAt(first!.address, l2).getFunction("head")()) as { number: bigint };
    expect(l3OnL2.number >= BigInt(receipt!.blockNumber)).to.equal(true);
    // And the L2's node only serves blocks L1 verified: the L2 block that advanced the L3 is L1's.
    const l2Head = BigInt((await rpc(devnet.l2Url, "eth_blockNumber")) as string);
    const l2OnL1 = (await nativeRollupAt(devnet.rollupAddress, new JsonRpcProvider(devnet.l1Url, undefined, { cacheTimeout: -1 })).getFunction("head")()) as { number: bigint };
    expect(l2OnL1.number >= l2Head).to.equal(true);
    // The second L3 is independent: its own chain id, its own head.
    const other = new JsonRpcProvider(second!.url, undefined, { cacheTimeout: -1 });
    expect(await other.getBalance(to)).to.equal(0n);
    l2.destroy();
    l3.destroy();
    other.destroy();
  });

  it("a follower started afterwards derives the same L3 from the L2's JSON-RPC alone", async function () {
    const [first] = l3s.chains;
    const served = BigInt((await rpc(first!.url, "eth_blockNumber")) as string);
    expect(served > 0n).to.equal(true);
    const head = (await rpc(first!.url, "eth_getBlockByNumber", ["0x" + served.toString(16), false])) as { hash: string };
    const dataDir = path.join(dir, "follower");
    // As `npm run node -- --l1 <L2 URL> --rollup <address> --nesting-depth 1` starts it: the default
    // genesis read from the rollup on the L2, at depth 1.
    expect(parseNodeArgs(["--l1", devnet.l2Url, "--rollup", first!.address, "--nesting-depth", "1"]).nestingDepth).to.equal(1);
    expect(() => parseNodeArgs(["--l1", devnet.l2Url, "--rollup", first!.address, "--nesting-depth", "2"])).to.throw(/nesting-depth/);
    const follower = await startNode({ l1Url: devnet.l2Url, rollup: first!.address, nestingDepth: 1, dataDir, follow: false });
    try {
      await until("the follower to reach the served head", async () => {
        await follower.sync();
        return follower.status().l2.head >= served ? true : undefined;
      });
      expect(follower.status().halted).to.equal(undefined);
      expect(follower.genesis.nestingDepth).to.equal(1);
      expect(follower.genesis.chainId).to.equal(first!.chainId);
      expect(bytesHex(follower.header(served)!.hash())).to.equal(head.hash.toLowerCase());
    } finally {
      await follower.stop();
    }
  });
});

function bytesHex(bytes: Uint8Array): string {
  return "0x" + Buffer.from(bytes).toString("hex");
}
