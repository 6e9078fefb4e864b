import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { messageStatus, sendMessageToRollup, withdraw } from "../../src/sdk/bridge.js";
import { startRelay } from "../../src/relay/index.js";
import { devnetPorts, rpc, startDevnetProcess, until, type DevnetProcess } from "../devnet/process.js";

/** Hardhat's dev account #0: funded on L2 by the devnet's deposits. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 } as const;

describe("relay: withdrawals and rollup→rollup messages relayed by themselves once verified", function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  const running: DevnetProcess[] = [];
  const providers: JsonRpcProvider[] = [];
  const provider = (url: string) => {
    const made = new JsonRpcProvider(url, undefined, options);
    providers.push(made);
    return made;
  };
  const devnet = async (args: string[]) => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-relay-"));
    dirs.push(dataDir);
    const started = await startDevnetProcess(["--data-dir", dataDir, "--block-time", "0", ...args], await devnetPorts());
    running.push(started);
    return started;
  };
  after(async function () {
    for (const p of providers) p.destroy();
    for (const d of running) await d.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("claims a withdrawal on L1 by itself (messageStatus and ultrasound_getTransactionStatus say claimed); another relayer then finds it claimed and sends nothing", async function () {
    const net = await devnet([]);
    const l1 = provider(net.l1Url);
    const l2 = provider(net.l2Url);
    const recipient = Wallet.createRandom().address;
    const sent = await withdraw(new Wallet(DEV_KEY, l2), { value: parseEther("0.5"), to: recipient });
    // Nobody claims by hand: the devnet's relayer does, once L1 verified the block.
    await until("the relayer's claim", async () => ((await messageStatus(l1, sent, net.rollupAddress)) === "claimed" ? true : undefined), 60_000);
    expect(await l1.getBalance(recipient)).to.equal(parseEther("0.5"));
    const status = (await rpc(net.l2Url, "ultrasound_getTransactionStatus", [sent.receipt.hash])) as {
      status: string;
      messages: { hash: string; destination: string; status: string; l1TransactionHash?: string }[];
    };
    expect(status.status).to.equal("included");
    expect(status.messages).to.have.length(1);
    expect(status.messages[0]!.hash).to.equal(sent.hash);
    expect(status.messages[0]!.destination).to.equal("L1");
    expect(status.messages[0]!.status).to.equal("claimed");
    const claimTx = await l1.getTransactionReceipt(status.messages[0]!.l1TransactionHash!);
    expect(claimTx!.status).to.equal(1);
    expect(net.output()).to.match(/relay: claimed withdrawal 0x[0-9a-f]{64} \(500000000000000000 wei to/);

    // A second relayer (standalone, with a key that holds nothing on L1: any claim would fail)
    // finds the message claimed and leaves it: never a second claim, and no error.
    const lines: string[] = [];
    const empty = Wallet.createRandom().connect(l1);
    const second = startRelay({ signer: empty, rollups: [{ address: net.rollupAddress, l2Url: net.l2Url }], log: (line) => lines.push(line) });
    try {
      await second.sync();
      expect(second.outcome(sent.hash)?.outcome).to.equal("claimed-already");
      expect(lines.join("\n")).to.not.match(/could not/);
      expect(await l1.getTransactionCount(empty.address)).to.equal(0);
    } finally {
      await second.stop();
    }
  });

  it("forwards a rollup→rollup message by itself: sent on rollup 1, delivered on rollup 2", async function () {
    const net = await devnet(["--rollups", "2"]);
    const urls = [...net.output().matchAll(/chain id 16700[12]\s+(0x[0-9a-fA-F]{40})\s+(http\S+)/g)].map((m) => ({ address: m[1]!, url: m[2]! }));
    expect(urls).to.have.length(2);
    const [one, two] = urls as [{ address: string; url: string }, { address: string; url: string }];
    const recipient = Wallet.createRandom().address;
    const sent = await sendMessageToRollup(new Wallet(DEV_KEY, provider(one.url)), { destination: two.address, to: recipient, value: parseEther("1") });
    // Nobody forwards by hand: the relayer proves it on L1 and the proposer delivers it on rollup 2.
    await until("delivery on rollup 2", async () => (BigInt((await rpc(two.url, "eth_getBalance", [recipient, "latest"])) as string) === parseEther("1") ? true : undefined), 90_000);
    expect(await messageStatus(provider(net.l1Url), sent, one.address)).to.equal("claimed");
    expect(net.output()).to.match(/relay: forwarded message 0x[0-9a-f]{64} to rollup/);
  });
});
