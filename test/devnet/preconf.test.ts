import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createPublicClient, createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccounts } from "../../src/engine/chain.js";
import { defaultGenesis } from "../../src/engine/genesis.js";
import { startNode } from "../../src/node/index.js";
import { commitmentFromJson, preconfDomain, verifyCommitment } from "../../src/preconf/index.js";
import { devnetPorts, rpc, startDevnetProcess, until } from "./process.js";

describe("devnet --preconf (issue 19)", function () {
  this.timeout(300_000);

  it("ethers and viem, unchanged, get receipts from preconfirmations; the status carries the operator's signed commitment; safe follows on L1", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-preconf-devnet-"));
    const devnet = await startDevnetProcess(["--preconf", "--data-dir", dataDir, "--fund-l2", "100", "--log-level", "quiet"], await devnetPorts());
    try {
      expect(devnet.output()).to.match(/preconfirmations \(--preconf\): +operator 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(bonded\)/);
      const url = devnet.l2Url;
      const status = (await rpc(url, "preconf_getStatus")) as { operator: string; domain: { verifyingContract: string; chainId: string } };
      const domain = preconfDomain(status.domain.verifyingContract, BigInt(status.domain.chainId));

      const snapshot = await rpc(url, "evm_snapshot");
      const before = BigInt((await rpc(url, "eth_blockNumber")) as string);
      const latencies: number[] = [];
      let last = "";
      for (let i = 0; i < 4; i++) {
        const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, pollingInterval: 20 });
        const sentAt = Date.now();
        const tx = await new Wallet(devAccounts()[1 + i]!.privateKey, provider).sendTransaction({ to: devAccounts()[19]!.address, value: 1n });
        const receipt = await tx.wait(1, 10_000);
        latencies.push(Date.now() - sentAt);
        expect(receipt!.status).to.equal(1);
        last = tx.hash;
        provider.destroy();
      }
      const account = privateKeyToAccount(devAccounts()[6]!.privateKey as `0x${string}`);
      const chain = { id: 167001, name: "l2", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [url] } } } as const;
      const sentAt = Date.now();
      const hash = await createWalletClient({ account, chain, transport: http(url) }).sendTransaction({ to: devAccounts()[19]!.address as `0x${string}`, value: 1n });
      const viemReceipt = await createPublicClient({ chain, transport: http(url), pollingInterval: 20 }).waitForTransactionReceipt({ hash, pollingInterval: 20 });
      latencies.push(Date.now() - sentAt);
      expect(viemReceipt.status).to.equal("success");
      console.log(`      send → receipt (ethers ×4, viem ×1): ${latencies.join(", ")} ms`);

      const preconfirmed = (await rpc(url, "ultrasound_getTransactionStatus", [hash])) as { status: string; preconfirmed?: unknown };
      // Preconfirmed now, or already verified on L1 (the advance loop runs every second): either way with the commitment.
      expect(["preconfirmed", "included"]).to.include(preconfirmed.status);
      verifyCommitment(domain, commitmentFromJson(preconfirmed.preconfirmed as never), status.operator);

      // safe reaches the last transfer's block: L1 verified it.
      const block = BigInt((await rpc(url, "eth_getTransactionReceipt", [last]) as { blockNumber: string }).blockNumber);
      await until("safe at the transfers' blocks", async () => (BigInt(((await rpc(url, "eth_getBlockByNumber", ["safe", false])) as { number: string }).number) >= block ? true : undefined), 60_000);
      expect(((await rpc(url, "ultrasound_getTransactionStatus", [last])) as { status: string }).status).to.equal("included");

      // evm_revert: L1 goes back, and with it what was verified and what was only preconfirmed (gone, as on Hardhat).
      expect(await rpc(url, "evm_revert", [snapshot])).to.equal(true);
      await until("latest back at the snapshot", async () => (BigInt((await rpc(url, "eth_blockNumber")) as string) === before ? true : undefined), 30_000);
      expect(await rpc(url, "eth_getTransactionReceipt", [last])).to.equal(null);
      expect(((await rpc(url, "ultrasound_getTransactionStatus", [last])) as { status: string }).status).to.not.equal("pending");
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("several preconfirmed blocks share one blob L1 transaction verified by ONE EXECUTE call (PreconfRegistry.executeBatch, a range each); a follower started afterwards derives them from the blobs", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-preconf-together-"));
    const ports = await devnetPorts();
    const devnet = await startDevnetProcess(["--preconf", "--preconf-advance-ms", "1500", "--data-dir", dataDir, "--fund-l2", "100", "--log-level", "quiet", "--no-relay"], ports);
    try {
      const url = devnet.l2Url;
      const status = (await rpc(url, "preconf_getStatus")) as { domain: { verifyingContract: string } };
      const registry = status.domain.verifyingContract.toLowerCase();
      const l1From = BigInt((await rpc(devnet.l1Url, "eth_blockNumber")) as string);
      // Five transfers 200 ms apart: several 250 ms blocks within one 1.5 s advance round.
      const hashes: string[] = [];
      for (let i = 0; i < 5; i++) {
        const wallet = new Wallet(devAccounts()[1 + i]!.privateKey);
        const nonce = Number(BigInt((await rpc(url, "eth_getTransactionCount", [wallet.address, "pending"])) as string));
        const raw = await wallet.signTransaction({ type: 2, chainId: 167001n, nonce, to: devAccounts()[19]!.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n });
        hashes.push((await rpc(url, "eth_sendRawTransaction", [raw])) as string);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const blockOf = async (hash: string) => BigInt(((await until(`receipt of ${hash}`, async () => (await rpc(url, "eth_getTransactionReceipt", [hash])) ?? undefined, 30_000)) as { blockNumber: string }).blockNumber);
      const blocks = await Promise.all(hashes.map(blockOf));
      const last = blocks.reduce((a, b) => (a > b ? a : b));
      await until("safe at the transfers' blocks", async () => (BigInt(((await rpc(url, "eth_getBlockByNumber", ["safe", false])) as { number: string }).number) >= last ? true : undefined), 60_000);

      // The L1 transactions to the registry since: type 3 (blobs), several BlockAdvanced each,
      // those of two blocks or more by executeBatch (one EXECUTE call, the preconfer's default).
      const l1To = BigInt((await rpc(devnet.l1Url, "eth_blockNumber")) as string);
      const advancedPer: number[] = [];
      for (let n = l1From + 1n; n <= l1To; n++) {
        const block = (await rpc(devnet.l1Url, "eth_getBlockByNumber", ["0x" + n.toString(16), true])) as { transactions: { hash: string; to: string | null; type: string; input: string }[] };
        for (const tx of block.transactions) {
          if (tx.to?.toLowerCase() !== registry) continue;
          expect(tx.type).to.equal("0x3");
          const receipt = (await rpc(devnet.l1Url, "eth_getTransactionReceipt", [tx.hash])) as { logs: { address: string }[] };
          const advanced = receipt.logs.filter((log) => log.address.toLowerCase() === devnet.rollupAddress.toLowerCase()).length;
          advancedPer.push(advanced);
          if (advanced > 1) expect(tx.input.slice(0, 10), "PreconfRegistry.executeBatch").to.equal("0xd0e2bbf0");
        }
      }
      expect(Math.max(...advancedPer), `blocks per registry transaction: ${advancedPer.join(", ")}`).to.be.greaterThan(1);

      // A follower that was not running derives every block from L1 and the blob server.
      const followerDir = mkdtempSync(path.join(tmpdir(), "ultrasound-preconf-follower-"));
      const follower = await startNode({ l1Url: devnet.l1Url, rollup: devnet.rollupAddress, blobSource: `http://127.0.0.1:${ports.blobPort}`, genesis: defaultGenesis(), dataDir: followerDir, follow: false });
      try {
        await follower.sync();
        for (let n = 1n; n <= last; n++) {
          const served = (await rpc(url, "eth_getBlockByNumber", ["0x" + n.toString(16), false])) as { hash: string };
          expect(follower.getBlock(n)?.hash, `block ${n}`).to.equal(served.hash);
        }
        for (const [i, hash] of hashes.entries()) expect(follower.getTransaction(hash)?.blockNumber).to.equal(blocks[i]);
      } finally {
        await follower.stop();
        rmSync(followerDir, { recursive: true, force: true });
      }
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
