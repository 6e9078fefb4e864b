import { expect } from "chai";
import hre from "hardhat";
import { keccak256, Wallet } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { threadId } from "node:worker_threads";
import { postJson, signTransfers } from "./transfers.js";
import { startDevnet } from "../../src/devnet/index.js";
import { devAccounts } from "../../src/engine/index.js";
import { freePort } from "../../src/shared/ports.js";
import { offThreadBuildStats } from "../../src/engine/build-offthread.js";

/** The devnet's layout (issue 14 item 8): accepting an L2 transaction never waits behind L1 work. */
describe("devnet layout (L1 and EXECUTE off the L2 JSON-RPC's thread)", function () {
  this.timeout(600_000);

  it("runs the L1 (with EXECUTE) in another process and block building on another thread than the L2 JSON-RPC, and a burst of 300 transfers from 5 senders all end in receipts", async function () {
    const before = offThreadBuildStats();
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-offthread-"));
    const devnet = await startDevnet(hre, { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort(), dataDir, proposeIntervalMs: 50, log: () => {} });
    try {
      expect(devnet.threads!.rpc).to.deep.equal({ pid: process.pid, threadId });
      expect(devnet.threads!.l1.pid).to.not.equal(process.pid);
      // The L1 answers from that process, and EXECUTE's verdicts are read from there.
      const post = (body: unknown) => postJson(devnet.l2Url, body);
      const senders = devAccounts().slice(0, 5).map((a) => new Wallet(a.privateKey));
      const raws = await signTransfers(devnet, senders.length, 60, 0x5000);
      const answers = (await Promise.all(raws.map((raw, i) => post({ jsonrpc: "2.0", id: i, method: "eth_sendRawTransaction", params: [raw] })))) as { result?: string; error?: unknown }[];
      expect(answers.filter((a) => a.error !== undefined)).to.deep.equal([]);
      const hashes = raws.map((raw) => keccak256(raw));
      const deadline = Date.now() + 300_000;
      let missing = hashes;
      while (missing.length > 0 && Date.now() < deadline) {
        const got = (await post(missing.slice(0, 100).map((h, i) => ({ jsonrpc: "2.0", id: i, method: "eth_getTransactionReceipt", params: [h] })))) as { id: number; result: { status: string } | null }[];
        const found = new Set(got.filter((g) => g.result !== null).map((g) => missing[g.id]));
        for (const g of got) if (g.result !== null) expect(g.result.status).to.equal("0x1");
        missing = missing.filter((h) => !found.has(h));
        if (missing.length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(missing, "transactions without a receipt").to.deep.equal([]);
      const verdicts = await devnet.executeVerdicts!();
      expect(verdicts.some((v) => v.ok)).to.equal(true);
      // The proposer's blocks were built on the builder thread, none on the RPC's (issue 14 item 8).
      const after = offThreadBuildStats();
      expect(after.offThread - before.offThread, "blocks built on the builder thread").to.be.greaterThan(0);
      expect(after.here - before.here, "blocks of the proposer's chain built on the RPC's thread").to.equal(0);
      expect(after.workerThreadId).to.be.a("number").and.not.equal(threadId);
    } finally {
      await devnet.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
