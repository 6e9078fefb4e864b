import { expect } from "chai";
import { spawn } from "node:child_process";
import { createServer } from "node:net";

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion (or until `until` matches its output, then sends SIGINT). */
function run(command: string, args: string[], options: { until?: RegExp; timeoutMs: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let interrupted = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.until !== undefined && !interrupted && options.until.test(output)) {
        interrupted = true;
        child.kill("SIGINT");
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${options.timeoutMs} ms; output:\n${output}`));
    }, options.timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("devnet (end to end, the README's first command)", function () {
  this.timeout(180_000);

  it("`npm run devnet -- --smoke`: an L2 transfer, deployment and call, verified on L1 through EXECUTE", async function () {
    const [l1, l2, blobs] = [await freePort(), await freePort(), await freePort()];
    const ports = ["--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs)];
    const { code, output } = await run("npm", ["run", "devnet", "--", "--smoke", ...ports], { timeoutMs: 150_000 });
    expect(output, output).to.match(/^smoke: ok$/m);
    expect(code, output).to.equal(0);
    expect(output).to.match(new RegExp(`L1 \\(Hardhat node, EXECUTE at 0x…0101\\): http://127.0.0.1:${l1}`));
    expect(output).to.match(/rollup \(NativeRollup\): +0x[0-9a-fA-F]{40}/);
    expect(output).to.match(/L2 block \d+ 0x[0-9a-f]{64} verified by EXECUTE/);
    expect(output).to.match(/smoke: [1-9]\d* blob\(s\) verified through EXECUTE/);
    expect(output).to.match(new RegExp(`data in blob 0x01[0-9a-f]{62} \\(served at http://127.0.0.1:${blobs}/eth/v1/beacon/blobs/\\d+\\)`));
  });

  it("stops cleanly on Ctrl-C", async function () {
    const [l1, l2, blobs] = [await freePort(), await freePort(), await freePort()];
    const ports = ["--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs)];
    const { code, output } = await run("node_modules/.bin/tsx", ["scripts/devnet.ts", ...ports], { until: /Ctrl-C stops/, timeoutMs: 120_000 });
    expect(output).to.contain("stopping the devnet");
    expect(code, output).to.equal(0);
  });

  it("says why when the L1 port is taken", async function () {
    const blocker = createServer();
    const port = await new Promise<number>((resolve) => blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)));
    try {
      const ports = ["--l1-port", String(port), "--l2-port", String(await freePort()), "--blob-port", String(await freePort())];
      const { code, output } = await run("node_modules/.bin/tsx", ["scripts/devnet.ts", "--smoke", ...ports], { timeoutMs: 120_000 });
      expect(code).to.not.equal(0);
      expect(output).to.match(/devnet: The L1 JSON-RPC port is taken/);
      expect(output).to.contain(`port: ${port}`);
    } finally {
      blocker.close();
    }
  });

  it("`npx hardhat node` on its own serves EXECUTE at 0x…0101 (the plugin, not the devnet)", async function () {
    const port = await freePort();
    const child = spawn("node_modules/.bin/hardhat", ["node", "--port", String(port)], { cwd: process.cwd(), env: process.env, stdio: "ignore" });
    try {
      const rpc = async (method: string, params: unknown[]) => {
        const response = await fetch(`http://127.0.0.1:${port}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
        return (await response.json()) as { result?: string; error?: { message: string } };
      };
      let code: string | undefined;
      for (let i = 0; i < 300 && code === undefined; i++) {
        code = await rpc("eth_getCode", ["0x0000000000000000000000000000000000000101", "latest"]).then((r) => r.result).catch(() => undefined);
        if (code === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const { EXECUTE_SHIM_BYTECODE } = await import("../../src/precompile/shim.js");
      expect(code).to.equal(EXECUTE_SHIM_BYTECODE);
      // An input the engine refuses: EXECUTE fails, the node answers with the failure.
      const refused = await rpc("eth_call", [{ to: "0x0000000000000000000000000000000000000101", data: "0x" + "00".repeat(299) + "2a", gas: "0x100000" }, "latest"]);
      expect(refused.error?.message).to.match(/invalid opcode/);
    } finally {
      child.kill("SIGINT");
    }
  });
});
