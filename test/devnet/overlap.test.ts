import { expect } from "chai";
import hre from "hardhat";
import { keccak256, Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { postJson, signTransfers } from "./transfers.js";
import { startDevnet } from "../../src/devnet/index.js";
import { defaultGenesis, devAccounts } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { freePort } from "../../src/shared/ports.js";

/**
 * Issue 17 item 4: the devnet's proposer builds each block while the one before is on its way to
 * L1 (src/proposer/ahead.ts). A backlog of transfers larger than a block lands whole, blocks built
 * ahead among them, every advance verified by EXECUTE: a node deriving from L1 alone holds the same chain.
 */
describe("devnet: blocks built while their parent is mined", function () {
  this.timeout(600_000);

  it("a burst of 400 transfers (a JSON-RPC batch, ≈ 140 a block: the L2 gas limit is 3M) lands whole, blocks built ahead among them; a node deriving from L1 alone holds the same chain", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-overlap-"));
    const followerDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-overlap-follower-"));
    const lines: string[] = [];
    const devnet = await startDevnet(hre, {
      l1Port: await freePort(),
      l2Port: await freePort(),
      blobPort: await freePort(),
      explorerPort: 0,
      dataDir,
      proposeIntervalMs: 50,
      relay: false,
      genesis: defaultGenesis({ gasLimit: 3_000_000n }),
      log: (line) => lines.push(line),
    });
    try {
      const post = (body: unknown) => postJson(devnet.l2Url, body);
      const senders = devAccounts().slice(0, 8).map((a) => new Wallet(a.privateKey));
      const raws = await signTransfers(devnet, senders.length, 50, 0x7200);
      const answers = (await post(raws.map((raw, id) => ({ jsonrpc: "2.0", id, method: "eth_sendRawTransaction", params: [raw] })))) as { error?: unknown }[];
      expect(answers.filter((a) => a.error !== undefined)).to.deep.equal([]);
      const hashes = raws.map((raw) => keccak256(raw));
      const deadline = Date.now() + 300_000;
      while (hashes.some((hash) => devnet.node.getTransaction(hash) === undefined)) {
        expect(Date.now(), "every transfer has a receipt within 5 minutes").to.be.below(deadline);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      for (const hash of hashes) expect((await post({ jsonrpc: "2.0", id: 1, method: "eth_getTransactionReceipt", params: [hash] }) as { result: { status: string } }).result.status, hash).to.equal("0x1");
      const proposed = lines.filter((l) => /^L2 block \d+ verified on L1 block/.test(l));
      expect(proposed.filter((l) => l.endsWith(", built while its parent was mined")).length, lines.join("\n")).to.be.at.least(1);
      expect(lines.filter((l) => /block failed|dropped/.test(l)), lines.join("\n")).to.deep.equal([]);

      const head = devnet.node.status().l2.head;
      const follower = await startNode({ l1Url: devnet.l1Url, rollup: devnet.rollupAddress, genesis: devnet.node.genesis, blobSource: devnet.blobUrl, dataDir: followerDir, follow: false });
      try {
        while (follower.status().l2.head < head) {
          expect(Date.now(), "the follower reaches the devnet's head").to.be.below(deadline);
          await follower.sync();
        }
        for (let n = 1n; n <= head; n++) expect(follower.getBlock(n)!.hash, `block ${n}`).to.equal(devnet.node.getBlock(n)!.hash);
      } finally {
        await follower.stop();
      }
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(followerDir, { recursive: true, force: true });
    }
  });
});
