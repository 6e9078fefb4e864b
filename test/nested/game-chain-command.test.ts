import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../src/shared/ports.js";
import { rpc } from "../devnet/process.js";

/** Runs `scripts/game-chain.ts` with `args`; resolves with its output once `until` shows (then SIGINT) or it exits. */
function gameChain(args: string[], until: RegExp | undefined, timeoutMs: number): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/game-chain.ts", ...args], { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let signalled = false;
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until !== undefined && !signalled && until.test(output)) {
        signalled = true;
        // Checked while it runs: the L3 JSON-RPC it printed answers with an L3's chain id.
        const url = /L3 3000001: rollup 0x[0-9a-f]{40} on the L2, (\S+)/.exec(output)?.[1];
        void (url === undefined ? Promise.resolve("none") : rpc(url, "eth_chainId").catch((error: Error) => error.message)).then((chainId) => {
          output += `\nCHECK eth_chainId ${String(chainId)}\n`;
          child.kill("SIGINT");
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ output, code });
    });
  });
}

describe("nested: npm run game-chain — the devnet and its session chains in one command (issue 21 item 3)", function () {
  this.timeout(240_000);

  it("a bad --l3 is refused with exit code 2, naming the option", async function () {
    const { output, code } = await gameChain(["--l3", "0"], undefined, 60_000);
    expect(code, output).to.equal(2);
    expect(output).to.contain("--l3 needs an integer from 1");
  });

  it("starts the devnet and 2 L3s served on their own port, then stops on Ctrl-C", async function () {
    const dir = await mkdtemp(path.join(tmpdir(), "ultrasound-game-chain-"));
    try {
      const ports = ["--l1-port", String(await freePort()), "--l2-port", String(await freePort()), "--blob-port", String(await freePort()), "--explorer-port", "0", "--l3-port", "0"];
      const { output, code } = await gameChain([...ports, "--l3", "2", "--data-dir", path.join(dir, "blobs"), "--reset", "--log-level", "quiet"], /L3 proposer running/, 200_000);
      expect(output, output).to.match(/L3 3000001: rollup 0x[0-9a-f]{40} on the L2/);
      expect(output, output).to.match(/L3 3000002: rollup 0x[0-9a-f]{40} on the L2/);
      expect(output, output).to.contain(`CHECK eth_chainId 0x${(3_000_001).toString(16)}`);
      expect(code, output).to.equal(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
