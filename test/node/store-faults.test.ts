import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Wallet } from "ethers";
import { devAccounts } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { serveNode } from "../../src/node/rpc.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

/**
 * A real small disk: a tmpfs of `size` mounted on a fresh dir (this needs root, which the
 * project's test machines have; the error says so where it is missing).
 */
function smallDisk(size: string): { dir: string; fill(): void; unmount(): void } {
  const dir = tempDir("ultrasound-disk-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    throw new Error(`this test needs a small real disk: mounting a ${size} tmpfs failed (run as root): ${(error as Error).message}`);
  }
  return {
    dir,
    // Takes every free byte of the disk: the next write that needs a new page fails with ENOSPC.
    fill() {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let i = 0; ; i++) {
        try {
          writeFileSync(path.join(dir, `filler-${i}`), chunk);
        } catch {
          for (let small = chunk.subarray(0, 4096), j = 0; ; j++) {
            try {
              writeFileSync(path.join(dir, `filler-${i}-${j}`), small);
            } catch {
              return;
            }
          }
        }
      }
    },
    unmount() {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rpc(url: string, method: string, params: unknown[] = []): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as never;
}

describe("node: disk faults stop the store with a clear error, never a retry loop or a corrupt store", function () {
  this.timeout(240_000);

  it("disk full while deriving: the node halts naming the data dir, rollup_status says so, eth_sendRawTransaction refuses (-32000), and the store reopens intact on a bigger disk", async function () {
    const l1 = await l1WithRollup();
    const disk = smallDisk("4m");
    const dataDir = path.join(disk.dir, "node");
    mkdirSync(dataDir);
    const lines: string[] = [];
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false, log: (line) => lines.push(line) });
    const served = await serveNode(node, { port: 0 });
    let moved: string | undefined;
    try {
      await propose(l1, await transfers(l1.chain, 2, 0));
      await node.sync();
      disk.fill();
      // Blocks until a commit needs a page the disk does not have.
      let failure: Error | undefined;
      for (let b = 1; b < 60 && failure === undefined; b++) {
        await propose(l1, await transfers(l1.chain, 20, b, b));
        failure = await node.sync().then(() => undefined, (error: Error) => error);
      }
      expect(failure?.name, lines.join("\n")).to.equal("StoreWriteError");
      expect(failure!.message).to.contain(`The node's store in ${dataDir} cannot be written`).and.match(/No space left on device/);
      expect(node.status().halted?.name).to.equal("StoreWriteError");
      expect(lines.some((line) => line.startsWith("node: derivation stopped: The node's store in"))).to.equal(true);
      // Said once, not retried: the next run refuses without touching LMDB.
      await node.sync().then(() => expect.fail("ran again"), (error: Error) => expect(error).to.equal(node.status().halted));

      const status = await rpc(served.url, "rollup_status");
      expect(status.result.halted).to.contain(`The node's store in ${dataDir} cannot be written`);
      const raw = await signL2Transaction(l1.chain, new Wallet(devAccounts()[9]!.privateKey), { nonce: 0, to: Wallet.createRandom().address, value: 1n, gasLimit: 21_000n });
      const refused = await rpc(served.url, "eth_sendRawTransaction", [raw]);
      expect(refused.error?.code).to.equal(-32000);
      expect(refused.error?.message).to.contain("the node cannot journal it, so it did not accept it");
      expect((await rpc(served.url, "txpool_status")).result).to.deep.equal({ pending: "0x0", queued: "0x0" });
      const head = node.status().l2;
      await served.close();
      await node.stop();

      // The same store on a disk with room: it opens (no corruption), resumes at its last commit and catches up.
      moved = tempDir();
      execFileSync("cp", ["-a", `${dataDir}/.`, moved]);
      const again = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: moved, follow: false });
      try {
        expect(again.status().l2.headHash).to.equal(head.headHash);
        const caught = await again.sync();
        expect(caught.l2.headHash).to.equal("0x" + Buffer.from(l1.chain.headers.at(-1)!.hash()).toString("hex"));
      } finally {
        await again.stop();
      }
    } finally {
      await served.close().catch(() => undefined);
      await node.stop().catch(() => undefined);
      disk.unmount();
      if (moved !== undefined) rmSync(moved, { recursive: true, force: true });
    }
  });

  it("disk full at a journal write: the transaction leaves the pool again and the sender gets -32000 (a retry too, never 'already known')", async function () {
    const l1 = await l1WithRollup();
    const disk = smallDisk("4m");
    const dataDir = path.join(disk.dir, "node");
    mkdirSync(dataDir);
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false });
    const served = await serveNode(node, { port: 0 });
    try {
      disk.fill();
      const wallets = devAccounts().slice(0, 10).map((a) => new Wallet(a.privateKey));
      let acknowledged = 0;
      let refusal: { raw: string; error: { code: number; message: string } } | undefined;
      for (let i = 0; i < 4_000 && refusal === undefined; i++) {
        // Fat transactions (calldata), so the journal needs new pages soon.
        const raw = await signL2Transaction(l1.chain, wallets[i % 10]!, { nonce: Math.floor(i / 10), to: wallets[(i + 1) % 10]!.address, value: 1n, gasLimit: 500_000n, data: "0x" + "ab".repeat(8_000) });
        const answer = await rpc(served.url, "eth_sendRawTransaction", [raw]);
        if (answer.error !== undefined) refusal = { raw, error: answer.error };
        else acknowledged++;
      }
      expect(refusal, "the disk filled up").to.not.equal(undefined);
      expect(refusal!.error.code).to.equal(-32000);
      expect(refusal!.error.message).to.contain("the node cannot journal it, so it did not accept it").and.contain(dataDir);
      // Not in the pool: every pooled transaction is a journaled one.
      const pool = (await rpc(served.url, "txpool_status")).result;
      expect(Number(pool.pending) + Number(pool.queued)).to.equal(acknowledged);
      expect(node.pendingJournal.list()).to.have.length(acknowledged);
      const retry = await rpc(served.url, "eth_sendRawTransaction", [refusal!.raw]);
      expect(retry.error?.code).to.equal(-32000);
      expect(retry.error?.message).to.contain("the node cannot journal it");
      console.log(`      ${acknowledged} journaled before the disk was full`);
    } finally {
      await served.close();
      await node.stop();
      disk.unmount();
    }
  });
});
