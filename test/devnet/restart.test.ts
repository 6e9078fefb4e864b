import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { nativeRollupAt } from "../../src/sdk/contracts.js";
import { devnetPorts, rpc, startDevnetProcess, type DevnetProcess } from "./process.js";

/** Hardhat's dev account #0: funded on L2 by the devnet's deposits. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 } as const;

type Block = { hash: string; number: string };

async function hashes(url: string, upTo: number): Promise<string[]> {
  const out: string[] = [];
  for (let n = 0; n <= upTo; n++) out.push(((await rpc(url, "eth_getBlockByNumber", ["0x" + n.toString(16), false])) as Block).hash);
  return out;
}

describe("devnet restart: kill -9 of the whole devnet, then `npm run devnet` again, keeps everything", function () {
  this.timeout(400_000);
  let dataDir: string;
  let devnet: DevnetProcess | undefined;
  before(() => (dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-restart-"))));
  after(async () => {
    await devnet?.stop("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("the same L1 blocks, rollup, L2 blocks and balances after a SIGKILL; the store is accepted, old blobs are served, a new L2 transaction lands; --reset starts afresh", async function () {
    const ports = await devnetPorts();
    const args = ["--data-dir", dataDir, "--block-time", "0", "--fund-l2", "100"];
    devnet = await startDevnetProcess(args, ports);
    const recipient = Wallet.createRandom().address;
    let l2 = new JsonRpcProvider(devnet.l2Url, undefined, options);
    const sent = await new Wallet(DEV_KEY, l2).sendTransaction({ to: recipient, value: parseEther("3") });
    const receipt = (await sent.wait())!;
    l2.destroy();
    const l1Head = Number(BigInt((await rpc(devnet.l1Url, "eth_blockNumber")) as string));
    const l2Head = Number(BigInt((await rpc(devnet.l2Url, "eth_blockNumber")) as string));
    const l1Before = await hashes(devnet.l1Url, l1Head);
    const l2Before = await hashes(devnet.l2Url, l2Head);
    const rollupAddress = devnet.rollupAddress;
    // The L1 block that carried the transfer's L2 block, and its blobs.
    const blobBlock = l1Head;
    const blobUrl = `http://127.0.0.1:${ports.blobPort}/eth/v1/beacon/blob_sidecars/${blobBlock}`;
    const blobsBefore = (await (await fetch(blobUrl)).json()) as { data: { kzg_commitment: string }[] };
    expect(blobsBefore.data.length).to.be.greaterThan(0);

    await devnet.stop("SIGKILL");
    devnet = await startDevnetProcess(args, ports);
    expect(devnet.output()).to.match(/replayed the L1 journal/);
    expect(devnet.rollupAddress).to.equal(rollupAddress);
    expect(await hashes(devnet.l1Url, l1Head)).to.deep.equal(l1Before);
    expect(await hashes(devnet.l2Url, l2Head)).to.deep.equal(l2Before);
    const l1 = new JsonRpcProvider(devnet.l1Url, undefined, options);
    const head = (await nativeRollupAt(rollupAddress, l1).getFunction("head")()) as { number: bigint; blockHash: string };
    expect(head.number).to.equal(BigInt(l2Head));
    expect(head.blockHash.toLowerCase()).to.equal(l2Before[l2Head]!.toLowerCase());
    expect(BigInt((await rpc(devnet.l2Url, "eth_getBalance", [recipient, "latest"])) as string)).to.equal(parseEther("3"));
    expect(((await rpc(devnet.l2Url, "eth_getTransactionReceipt", [receipt.hash])) as { blockHash: string }).blockHash).to.equal(receipt.blockHash);
    const blobsAfter = (await (await fetch(blobUrl)).json()) as { data: { kzg_commitment: string }[] };
    expect(blobsAfter.data.map((b) => b.kzg_commitment)).to.deep.equal(blobsBefore.data.map((b) => b.kzg_commitment));

    // It keeps working: a new L2 transaction lands and L1 verifies it.
    l2 = new JsonRpcProvider(devnet.l2Url, undefined, options);
    const next = await new Wallet(DEV_KEY, l2).sendTransaction({ to: recipient, value: parseEther("1") });
    const landed = (await next.wait())!;
    expect(landed.blockNumber).to.equal(l2Head + 1);
    expect(BigInt((await rpc(devnet.l2Url, "eth_getBalance", [recipient, "latest"])) as string)).to.equal(parseEther("4"));
    l2.destroy();
    l1.destroy();

    // --reset: a new L1 and a new rollup.
    await devnet.stop("SIGINT");
    devnet = await startDevnetProcess([...args, "--reset"], ports);
    expect(devnet.output()).to.not.match(/replayed the L1 journal/);
    expect(BigInt((await rpc(devnet.l2Url, "eth_getBalance", [recipient, "latest"])) as string)).to.equal(0n);
  });
});
