import { expect } from "chai";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { getPriority, tmpdir } from "node:os";
import path from "node:path";
import { L1_NICE, startL1Process } from "../../src/devnet/l1.js";
import { freePort } from "../../src/shared/ports.js";

/**
 * Issue 14 item 8: the L1 process (EXECUTE re-runs each L2 block there, ≈ 1 s of CPU for 500–750
 * transactions) runs niced, as the builder thread does: on two cores the L2 JSON-RPC's thread
 * gets the core first. Linux: every thread of it, as each has its own nice value.
 */
describe("devnet: the L1 process runs niced", function () {
  this.timeout(180_000);

  it(`every thread of the L1 process has nice ${L1_NICE} once it serves (Linux)`, async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-l1-nice-"));
    const l1Port = await freePort();
    const l1 = await startL1Process({ host: "127.0.0.1", l1Port, l1Url: `http://127.0.0.1:${l1Port}`, blobPort: await freePort(), dataDir, network: "node" });
    try {
      const threads = readdirSync(`/proc/${l1.pid}/task`);
      expect(threads.length, "threads of the L1 process").to.be.greaterThan(1);
      const nice = Object.fromEntries(threads.map((tid) => [tid, getPriority(Number(tid))]));
      expect(Object.values(nice).every((n) => n === L1_NICE), JSON.stringify(nice)).to.equal(true);
      // It serves: EXECUTE's L1 answers.
      const answer = (await (await fetch(`http://127.0.0.1:${l1Port}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) })).json()) as { result: string };
      expect(answer.result).to.match(/^0x[0-9a-f]+$/);
    } finally {
      await l1.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
