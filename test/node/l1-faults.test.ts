import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { connect, createServer, type Server, type Socket } from "node:net";
import { rmSync } from "node:fs";
import { devGenesis } from "../../src/engine/index.js";
import { deployRollup } from "../../src/sdk/index.js";
import { devGenesisFile, freePort, propose, spawnNode, startHardhatNode, tempDir, transfers } from "./helpers.js";

/**
 * A TCP proxy in front of a real L1 that can misbehave on command: "reset" answers every
 * connection, new or open, with a TCP reset; "stall" accepts and never answers; "pass" forwards.
 */
async function misbehavingProxy(targetPort: number): Promise<{ url: string; set(mode: "pass" | "reset" | "stall"): void; close(): void }> {
  let mode: "pass" | "reset" | "stall" = "pass";
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (mode === "reset") return client.resetAndDestroy();
    open.add(client);
    client.on("error", () => client.destroy());
    client.on("close", () => open.delete(client));
    if (mode === "stall") return; // never answered
    const upstream = connect(targetPort, "127.0.0.1");
    open.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on("error", end);
    upstream.on("close", () => open.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${port}`,
    set(next) {
      mode = next;
      if (next !== "pass") for (const socket of open) socket.resetAndDestroy();
    },
    close() {
      for (const socket of open) socket.destroy();
      server.close();
    },
  };
}

/** Waits for `condition` (polled), or fails with `what` after `ms`. */
async function until(condition: () => Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("node: an L1 that resets connections or stalls is unavailable for a while, never a crash (issue 22 item 7)", function () {
  this.timeout(180_000);

  it("`npm run node` started while its L1 resets every connection waits for it, survives resets and stalls while running, and derives what L1 verified once it heals", async function () {
    const l1 = await startHardhatNode();
    const proxy = await misbehavingProxy(Number(new URL(l1.url).port));
    const dataDir = tempDir();
    let node: ReturnType<typeof spawnNode> | undefined;
    try {
      const provider = new JsonRpcProvider(l1.url);
      const signer = await provider.getSigner(0);
      const deployed = await deployRollup(signer, devGenesis({ chainId: 240_001n }));
      const l1Side = { ethersProvider: provider, signer, rollup: deployed.rollup, chain: deployed.chain };

      // The L1 resets every connection as the node starts (the old node exited: "Cannot reach the L1 JSON-RPC").
      proxy.set("reset");
      const lines: string[] = [];
      node = spawnNode(
        ["--l1", proxy.url, "--rollup", deployed.address, "--genesis", devGenesisFile(deployed.chain.genesis), "--deployment-block", String(deployed.deploymentBlock), "--poll-ms", "100", "--data-dir", dataDir],
        (line) => lines.push(line),
      );
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      void node.exited.then((how) => (exited = how));
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(exited, lines.join("\n")).to.equal(undefined);
      proxy.set("pass");
      let rpcUrl = "";
      await until(async () => {
        rpcUrl = /L2 JSON-RPC on (http:\/\/\S+)/.exec(lines.join("\n"))?.[1] ?? "";
        return rpcUrl !== "";
      }, "the node's JSON-RPC");
      const head = async () => {
        const answer = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) });
        return BigInt(((await answer.json()) as { result: string }).result);
      };

      // While running: resets, then a stall, each while L1 verifies a block the node has not seen.
      for (const [n, mode] of [[1n, "reset"], [2n, "stall"]] as const) {
        proxy.set(mode);
        await propose(l1Side, await transfers(deployed.chain, 2, Number(n)));
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        expect(exited, `${mode}:\n${lines.join("\n")}`).to.equal(undefined);
        proxy.set("pass");
        await until(async () => (await head()) >= n, `L2 block ${n} after the L1 ${mode === "reset" ? "reset" : "stalled"}`);
      }
      expect(exited, lines.join("\n")).to.equal(undefined);
      expect(lines.join("\n")).to.not.match(/uncaught|Unhandled|ECONNRESET\n\s+at /i);
    } finally {
      node?.child.kill("SIGKILL");
      await node?.exited;
      proxy.close();
      await l1.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
