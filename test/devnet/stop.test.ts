import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../src/shared/ports.js";

/** Whether `port` can be bound on 127.0.0.1 right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

describe("devnet stop()", function () {
  this.timeout(180_000);

  it("closes everything it started: the process exits by itself and every port is free again", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-stop-"));
    const ports = { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort() };
    // A child that starts a devnet, serves one L2 call, stops it, and reports the handles left:
    // it must then end on its own (no process.exit anywhere).
    const script = `
      import hre from "hardhat";
      import { startDevnet } from "./src/devnet/index.ts";
      const devnet = await startDevnet(hre, { ...${JSON.stringify(ports)}, dataDir: ${JSON.stringify(dataDir)}, log: () => {} });
      const answer = await (await fetch(devnet.l2Url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) })).json();
      await devnet.stop();
      console.log("STOPPED " + JSON.stringify({ head: answer.result, resources: process.getActiveResourcesInfo() }));
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", script], { cwd: process.cwd(), stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    let stoppedAt: number | undefined;
    child.stdout.on("data", () => {
      if (stoppedAt === undefined && output.includes("STOPPED ")) stoppedAt = Date.now();
    });
    const exit = await new Promise<{ code: number | null; lingered: boolean }>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve({ code: null, lingered: true });
      }, 150_000);
      // "close": every process holding its output has ended and the output is all read ("exit"
      // may come before the last lines are).
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, lingered: false });
      });
    });
    try {
      expect(output, output).to.include("STOPPED ");
      const report = JSON.parse(/STOPPED (.*)/.exec(output)![1]!) as { head: string; resources: string[] };
      expect(report.head).to.match(/^0x/);
      expect(exit.lingered, `still running after stop(); handles then: ${report.resources.join(", ")}`).to.equal(false);
      expect(exit.code, output).to.equal(0);
      // Ended promptly once stopped: nothing kept the event loop alive.
      expect(Date.now() - stoppedAt!).to.be.below(10_000);
      for (const [name, port] of Object.entries(ports)) expect(await portFree(port), `${name} ${port} still taken`).to.equal(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
