import { expect } from "chai";
import hre from "hardhat";
import { keccak256, Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { postJson, signTransfers } from "./transfers.js";
import { startDevnet } from "../../src/devnet/index.js";
import { devAccounts } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { freePort } from "../../src/shared/ports.js";

describe("devnet: the node adopts the proposer's own blocks", function () {
  this.timeout(600_000);

  it("commits every block the devnet's proposer made without re-executing it, and a node deriving from L1 alone holds the same chain", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-adopt-"));
    const devnet = await startDevnet(hre, { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort(), explorerPort: 0, dataDir, proposeIntervalMs: 50, relay: false, log: () => {} });
    const followerDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-adopt-follower-"));
    try {
      const post = (body: unknown) => postJson(devnet.l2Url, body);
      const senders = devAccounts().slice(0, 4).map((a) => new Wallet(a.privateKey));
      const raws = await signTransfers(devnet, senders.length, 15, 0x7000);
      for (const raw of raws) expect(((await post({ jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] })) as { error?: unknown }).error).to.equal(undefined);
      const hashes = raws.map((raw) => keccak256(raw));
      const deadline = Date.now() + 300_000;
      while (hashes.some((hash) => devnet.node.getTransaction(hash) === undefined)) {
        expect(Date.now(), "every transfer has a receipt within 5 minutes").to.be.below(deadline);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }

      const status = devnet.node.status();
      // Every block since genesis (the funding deposits' and the transfers') is the proposer's own: none re-executed.
      expect({ ...status.committed, executeMs: undefined }, JSON.stringify(status.committed)).to.deep.equal({ executed: 0, adopted: Number(status.l2.head), executeMs: undefined });
      const follower = await startNode({ l1Url: devnet.l1Url, rollup: devnet.rollupAddress, genesis: devnet.node.genesis, blobSource: devnet.blobUrl, dataDir: followerDir, follow: false });
      try {
        const head = status.l2.head;
        while (follower.status().l2.head < head) {
          expect(Date.now(), "the follower reaches the devnet's head").to.be.below(deadline);
          await follower.sync();
        }
        expect(follower.status().committed.adopted).to.equal(0);
        for (let n = 1n; n <= head; n++) {
          expect(follower.getBlock(n)!.hash, `block ${n}`).to.equal(devnet.node.getBlock(n)!.hash);
          expect(follower.getReceipts(n), `receipts of block ${n}`).to.deep.equal(devnet.node.getReceipts(n));
        }
        const [ours, theirs] = [(await devnet.node.stateAt(head))!, (await follower.stateAt(head))!];
        for (const address of [...senders.map((s) => s.address), "0x" + (0x7000).toString(16).padStart(40, "0")]) {
          expect((await ours.getAccount(address))?.balance).to.equal((await theirs.getAccount(address))?.balance);
        }
      } finally {
        await follower.stop();
      }
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(followerDir, { recursive: true, force: true });
    }
  });

  it("adopts the blocks of a shared advance too (two rollups, one L1 transaction): none re-executed", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-adopt-shared-"));
    const lines: string[] = [];
    const devnet = await startDevnet(hre, { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort(), explorerPort: 0, dataDir, proposeIntervalMs: 50, relay: false, rollups: 2, log: (line) => lines.push(line) });
    try {
      const wallet = new Wallet(devAccounts()[5]!.privateKey);
      const post = async (url: string, body: unknown) => (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json();
      const nonces = new Map<string, number>();
      for (const r of devnet.rollups!) nonces.set(r.url, Number(((await post(r.url, { jsonrpc: "2.0", id: 1, method: "eth_getTransactionCount", params: [wallet.address, "pending"] })) as { result: string }).result));
      // Rounds of one transfer to each rollup, sent together, until the proposer has packed both
      // rollups' blocks into one advance (whether a round's transfers land in one depends on when
      // its tick comes; most do).
      const shared = () => lines.some((line) => /shared advance of 2 rollup\(s\)/.test(line));
      const deadline = Date.now() + 300_000;
      for (let round = 0; !shared(); round++) {
        expect(Date.now(), `a shared advance of both rollups within 5 minutes (${round} rounds)`).to.be.below(deadline);
        const sent = await Promise.all(
          devnet.rollups!.map(async (r) => {
            const nonce = nonces.get(r.url)!;
            nonces.set(r.url, nonce + 1);
            const raw = await wallet.signTransaction({ type: 2, chainId: r.chainId, nonce, to: "0x" + (0x7100 + round).toString(16).padStart(40, "0"), value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 10n ** 9n });
            expect(((await post(r.url, { jsonrpc: "2.0", id: 1, method: "eth_sendRawTransaction", params: [raw] })) as { error?: unknown }).error).to.equal(undefined);
            return { url: r.url, hash: keccak256(raw) };
          }),
        );
        for (const { url, hash } of sent) {
          while (((await post(url, { jsonrpc: "2.0", id: 1, method: "eth_getTransactionReceipt", params: [hash] })) as { result: unknown }).result === null) {
            expect(Date.now(), `a receipt for ${hash} within 5 minutes`).to.be.below(deadline);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
        }
      }
      // The first rollup's node (`devnet.node`): every block of its chain is the proposer's own, shared advances included.
      const status = devnet.node.status();
      expect({ executed: status.committed.executed, adopted: status.committed.adopted }).to.deep.equal({ executed: 0, adopted: Number(status.l2.head) });
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
