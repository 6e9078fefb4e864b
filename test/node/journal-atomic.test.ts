import { expect } from "chai";
import { Wallet } from "ethers";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { openNodeStore } from "../../src/node/store.js";
import { devAccounts } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { serveNode } from "../../src/node/rpc.js";
import { createProposer } from "../../src/proposer/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { l1WithRollup, tempDir } from "./helpers.js";

async function rpc(url: string, method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as never;
}

describe("node: an acknowledgement means journaled", function () {
  this.timeout(180_000);

  it("400 concurrent eth_sendRawTransaction while blocks are derived and committed: every answer is a hash or a refusal, never an internal error", async function () {
    const l1 = await l1WithRollup();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), pollIntervalMs: 5 });
    const served = await serveNode(node, { port: 0 });
    const proposer = createProposer({ chain: l1.chain, rollup: l1.rollup, provider: l1.ethersProvider as never, mempool: served.mempool, coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
    let proposing = true;
    const proposals = (async () => {
      while (proposing) {
        await proposer.proposeNext().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const wallets = devAccounts().slice(0, 10).map((a) => new Wallet(a.privateKey));
      const raws: string[] = [];
      for (let i = 0; i < 400; i++) {
        const w = i % 10;
        raws.push(await signL2Transaction(l1.chain, wallets[w]!, { nonce: Math.floor(i / 10), to: wallets[(w + 1) % 10]!.address, value: 1n, gasLimit: 21_000n }));
      }
      const answers = await Promise.all(raws.map((raw) => rpc(served.url, "eth_sendRawTransaction", [raw])));
      const internal = answers.filter((a) => a.error !== undefined && /internal/i.test(a.error.message));
      expect(internal.map((a) => a.error!.message), "internal errors").to.deep.equal([]);
      const acked = answers.filter((a) => a.result !== undefined).length;
      expect(acked).to.be.greaterThan(0);
      console.log(`      ${acked} acknowledged, ${answers.length - acked} refused; head ${node.status().l2.head}`);
    } finally {
      proposing = false;
      await proposals;
      await served.close();
      await node.stop();
    }
  });

  it("a transaction a proposer took stays pending until the node derives it, and a dropped one says dropped with its reason after a restart", async function () {
    const l1 = await l1WithRollup();
    const dataDir = tempDir();
    const options = { l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false };
    let node = await startNode(options);
    let served = await serveNode(node, { port: 0 });
    try {
      const [alice, bob] = devAccounts().map((a) => new Wallet(a.privateKey));
      const taken = (await rpc(served.url, "eth_sendRawTransaction", [await signL2Transaction(l1.chain, alice!, { nonce: 0, to: bob!.address, value: 1n, gasLimit: 21_000n })])).result as string;
      const doomed = (await rpc(served.url, "eth_sendRawTransaction", [await signL2Transaction(l1.chain, bob!, { nonce: 0, to: alice!.address, value: 1n, gasLimit: 21_000n })])).result as string;
      const proposer = createProposer({ chain: l1.chain, rollup: l1.rollup, provider: l1.ethersProvider as never, mempool: served.mempool, coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
      served.mempool.drop(doomed, "test: dropped for a reason");
      expect((await proposer.proposeNext()).kind).to.equal("proposed");
      // Included on L1, not yet derived by the node: still pending to its reader (it was "unknown").
      expect((await rpc(served.url, "ultrasound_getTransactionStatus", [taken])).result).to.deep.equal({ status: "pending" });
      await node.sync();
      expect((await rpc(served.url, "ultrasound_getTransactionStatus", [taken])).result).to.deep.equal({ status: "included", blockNumber: "0x1", transactionIndex: "0x0" });
      expect((await rpc(served.url, "ultrasound_getTransactionStatus", [doomed])).result).to.deep.equal({ status: "dropped", reason: "test: dropped for a reason" });

      await served.close();
      await node.stop();
      node = await startNode(options);
      served = await serveNode(node, { port: 0 });
      expect((await rpc(served.url, "ultrasound_getTransactionStatus", [doomed])).result).to.deep.equal({ status: "dropped", reason: "test: dropped for a reason" });
    } finally {
      await served.close();
      await node.stop();
    }
  });

  it("a node.lock naming a live process that is not this node is refused, naming the lock file, the process and what to do", async function () {
    const dataDir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
    try {
      writeFileSync(path.join(dataDir, "node.lock"), String(other.pid));
      expect(() => openNodeStore(dataDir)).to.throw(/pid \d+, running .*holds the data dir .*node\.lock names it\. Stop that process; if it is not a node .*delete .*node\.lock/);
    } finally {
      other.kill("SIGKILL");
    }
  });
});
