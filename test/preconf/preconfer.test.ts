import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { WebSocket } from "ws";
import { createPublicClient, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { commitmentFromJson, verifyCommitment } from "../../src/preconf/index.js";
import { preconfSetup, wallets } from "./helpers.js";

/** One JSON-RPC call; throws the error it answers with. */
async function rpc(url: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

describe("preconf: the operator's preconfirmed blocks are served at latest (issue 19)", function () {
  this.timeout(180_000);

  it("ethers' tx.wait() and viem's waitForTransactionReceipt return on the preconfirmation, before L1 has the block; safe moves once it is advanced", async function () {
    const env = await preconfSetup();
    // The preconfer's timer, as the devnet runs it.
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        await env.preconfer.preconfirmNext();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    try {
      const url = env.rpc.url;
      const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 50 });
      const tx = await wallets[2]!.connect(provider).sendTransaction({ to: wallets[19]!.address, value: 1n });
      const receipt = await tx.wait();
      expect(receipt!.status).to.equal(1);
      expect(receipt!.blockNumber).to.equal(1);
      const onL1 = (await env.deployed.rollup.getFunction("head")()) as { number: bigint };
      expect(onL1.number, "L1 has not seen the block").to.equal(0n);
      expect(BigInt((await rpc(url, "eth_getBlockByNumber", ["safe", false])).number)).to.equal(0n);
      expect(BigInt((await rpc(url, "eth_getBlockByNumber", ["latest", false])).number)).to.equal(1n);

      const status = await rpc(url, "ultrasound_getTransactionStatus", [tx.hash]);
      expect(status.status).to.equal("preconfirmed");
      const signed = commitmentFromJson(status.preconfirmed);
      verifyCommitment(env.preconfer.domain, signed, env.operator);
      expect(signed.commitment.blockHash).to.equal(receipt!.blockHash);
      expect(signed.commitment.number).to.equal(1n);

      // viem, unchanged: a wallet client sends, the public client waits.
      const account = privateKeyToAccount(wallets[3]!.privateKey as `0x${string}`);
      const chain = { id: 190019, name: "l2", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } } as const;
      const wallet = createWalletClient({ account, chain, transport: http(url) });
      const client = createPublicClient({ chain, transport: http(url), pollingInterval: 50 });
      const hash = await wallet.sendTransaction({ to: wallets[19]!.address as `0x${string}`, value: parseEther("0.001") });
      const viemReceipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      expect(viemReceipt.status).to.equal("success");
      expect((await rpc(url, "ultrasound_getTransactionStatus", [hash])).status).to.equal("preconfirmed");

      const tip = await rpc(url, "preconf_tip");
      expect(BigInt(tip.number)).to.equal(viemReceipt.blockNumber);
      expect(tip.verified).to.equal(false);
      const pre = await rpc(url, "preconf_getStatus");
      expect(pre.operator).to.equal(env.operator);
      expect(pre.unverified).to.equal(2);
      expect(BigInt(pre.highestPreconfirmed)).to.equal(2n);

      // The two preconfirmed blocks go to L1 back to back; the node derives them: safe is the tip, the hashes those promised.
      stopped = true;
      await loop;
      const advanced = await env.preconfer.advancePending();
      expect(advanced.map((b) => b.number)).to.deep.equal([1n, 2n]);
      await env.node.sync();
      expect(BigInt((await rpc(url, "eth_getBlockByNumber", ["safe", false])).number)).to.equal(2n);
      expect(env.node.getBlock(1n)!.hash).to.equal(signed.commitment.blockHash);
      const after = await rpc(url, "ultrasound_getTransactionStatus", [tx.hash]);
      expect(after.status).to.equal("included");
      expect(after.preconfirmed.commitment.blockHash).to.equal(signed.commitment.blockHash);
      expect((await rpc(url, "preconf_getStatus")).unverified).to.equal(0);
    } finally {
      stopped = true;
      await loop;
      await env.stop();
    }
  });

  it("newHeads over WebSocket fires on the preconfirmed head, before L1 has it", async function () {
    const env = await preconfSetup();
    const socket = new WebSocket(env.rpc.wsUrl);
    try {
      await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
      const heads: { number: string; hash: string }[] = [];
      const subscribed = new Promise<void>((resolve) =>
        socket.on("message", (data) => {
          const message = JSON.parse(String(data)) as { id?: number; params?: { result: { number: string; hash: string } } };
          if (message.id === 1) resolve();
          else if (message.params !== undefined) heads.push(message.params.result);
        }),
      );
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["newHeads"] }));
      await subscribed;
      const tx = await wallets[2]!.connect(new JsonRpcProvider(env.rpc.url, undefined, { staticNetwork: true })).sendTransaction({ to: wallets[19]!.address, value: 1n });
      const block = (await env.preconfer.preconfirmNext())!;
      expect(block.transactions).to.deep.equal([tx.hash]);
      for (const deadline = Date.now() + 10_000; heads.length === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(heads.map((h) => [BigInt(h.number), h.hash])).to.deep.equal([[1n, block.hash]]);
      expect(((await env.deployed.rollup.getFunction("head")()) as { number: bigint }).number, "L1 has not seen it").to.equal(0n);
    } finally {
      socket.close();
      await env.stop();
    }
  });
});
