import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, parseEther, Wallet } from "ethers";
import { defaultGenesis } from "../../src/engine/index.js";
import { deposit, forwardToRollup, sendMessageToRollup, waitForL2 } from "../../src/sdk/bridge.js";
import { createRollup, rollupFactoryAt } from "../../src/sdk/factory.js";
import { freePort } from "../../src/shared/ports.js";
import { spawnNode } from "../node/helpers.js";

/** Runs `npm run devnet -- …` until the banner's last line, then `whenReady`, then SIGINT (as a user's Ctrl-C). */
function runDevnet(
  args: string[],
  whenReady: (output: string) => Promise<void>,
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; readyError?: unknown }> {
  return new Promise((resolve, reject) => {
    // Every port free, the explorer's too (its default 8547 may be another test's).
    const all = args.includes("--explorer-port") ? args : [...args, "--explorer-port", "0"];
    const child = spawn("npm", ["run", "devnet", "--", ...all], { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    let ready = false;
    let readyError: unknown;
    // A terminal's Ctrl-C: SIGINT to the whole process group (npm, and the devnet it runs).
    const interrupt = () => process.kill(-child.pid!, "SIGINT");
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (!ready && /Ctrl-C stops/.test(output)) {
        ready = true;
        void whenReady(output)
          .catch((error: unknown) => (readyError = error))
          .finally(interrupt);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      process.kill(-child.pid!, "SIGKILL");
      reject(new Error(`timed out after ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    // "close": every process holding the output (the devnet too, not only npm) has ended.
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output, readyError });
    });
  });
}

const rpcCall = async (url: string, method: string, params: unknown[] = []) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: { message: string } };
};

describe("devnet with many rollups (`npm run devnet -- --rollups 10`)", function () {
  this.timeout(240_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-multi-"))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it("starts ten rollups served by one node, lists their ten URLs, rollup 1 messages rollup 2 (send on 1, forward on L1, delivered on 2), an eleventh created later through its factory is served and advanced, and `npm run multi-node -- --factory` follows all ten", async function () {
    const [l1Port, l2Port, blobPort] = [await freePort(), await freePort(), await freePort()];
    // The message is forwarded by hand (the SDK's way): the relayer, which would race it, is off
    // here (test/devnet/relay.test.ts covers its forwarding).
    const args = ["--rollups", "10", "--l1-port", String(l1Port), "--l2-port", String(l2Port), "--blob-port", String(blobPort), "--data-dir", dataDir, "--no-relay"];
    const started = performance.now();
    let readyMs = 0;
    let deliveredMs = 0;
    const { code, signal, output, readyError } = await runDevnet(
      args,
      async (banner) => {
        readyMs = performance.now() - started;
        // The banner: ten rollups, chain ids 167001…167010, each with its URL on the one L2 port.
        const listed = [...banner.matchAll(/^\s+(\d+)\. chain id (\d+)  (0x[0-9a-fA-F]{40})  (http:\/\/\S+)$/gm)].map((m) => ({ chainId: BigInt(m[2]!), address: m[3]!, url: m[4]! }));
        expect(listed.map((r) => r.chainId)).to.deep.equal(Array.from({ length: 10 }, (_, i) => 167_001n + BigInt(i)));
        for (const r of listed) expect(r.url).to.equal(`http://127.0.0.1:${l2Port}/rollup/${r.chainId}`);
        expect(new Set(listed.map((r) => r.address.toLowerCase())).size).to.equal(10);
        expect(banner).to.match(new RegExp(`rollup \\(NativeRollup\\): +${listed[0]!.address}`));
        expect(banner).to.match(/only the first 4 of Hardhat's 20 accounts are funded on L2/);
        // Every URL answers with its own chain id; `/` is the first; GET /rollups lists the ten.
        for (const r of listed) expect(BigInt((await rpcCall(r.url, "eth_chainId")).result)).to.equal(r.chainId);
        expect(BigInt((await rpcCall(`http://127.0.0.1:${l2Port}`, "eth_chainId")).result)).to.equal(167_001n);
        const all = (await (await fetch(`http://127.0.0.1:${l2Port}/rollups`)).json()) as { rollups: { url: string }[] };
        expect(all.rollups.map((r) => r.url)).to.deep.equal(listed.map((r) => r.url));

        // As a new user would: a funded dev key sends a message with 1 ETH from rollup 1 to rollup 2.
        const [one, two] = [listed[0]!, listed[1]!];
        const key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        const options = { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 } as const;
        const l1 = new JsonRpcProvider(`http://127.0.0.1:${l1Port}`, undefined, options);
        const l2One = new JsonRpcProvider(one.url, undefined, options);
        const l2Two = new JsonRpcProvider(two.url, undefined, options);
        try {
          const recipient = Wallet.createRandom().address;
          expect(BigInt((await rpcCall(one.url, "eth_getBalance", [new Wallet(key).address, "latest"])).result)).to.equal(parseEther("10000"));
          const sent = await sendMessageToRollup(new Wallet(key, l2One), { destination: two.address, to: recipient, value: parseEther("1") });
          // Its block is verified on L1 once the node has it (the proposer waits for L1): forward it there.
          const queued = await forwardToRollup(new Wallet(key, l1), one.address, l2One, sent);
          expect(await waitForL2(l2Two, queued, { timeoutMs: 60_000, pollMs: 100 })).to.equal("delivered");
          deliveredMs = performance.now() - started - readyMs;
          expect(BigInt((await rpcCall(two.url, "eth_getBalance", [recipient, "latest"])).result)).to.equal(parseEther("1"));
          expect(BigInt((await rpcCall(one.url, "eth_getBalance", [recipient, "latest"])).result)).to.equal(0n);

          // A rollup created later through the devnet's factory is served and advanced too: a
          // deposit into it is delivered by the devnet's proposer.
          const factoryAddress = /--factory (0x[0-9a-fA-F]{40})/.exec(banner)![1]!;
          const l1Signer = new Wallet(key, l1);
          const eleventh = await createRollup(rollupFactoryAt(factoryAddress, l1Signer), defaultGenesis({ chainId: 167_011n }));
          // The node learns of it from the factory's RollupCreated at its next L1 poll.
          for (let i = 0; i < 100; i++) {
            const served = (await (await fetch(`http://127.0.0.1:${l2Port}/rollups`)).json()) as { rollups: { url: string }[] };
            if (served.rollups.some((r) => r.url.endsWith("/rollup/167011"))) break;
            await new Promise((r) => setTimeout(r, 100));
          }
          const l2Eleven = new JsonRpcProvider(`http://127.0.0.1:${l2Port}/rollup/167011`, undefined, options);
          try {
            const depositor = Wallet.createRandom().address;
            const deposited = await deposit(l1Signer, eleventh.address, { value: parseEther("2"), to: depositor });
            expect(await waitForL2(l2Eleven, deposited, { timeoutMs: 60_000, pollMs: 100 })).to.equal("delivered");
            expect(BigInt((await rpcCall(`http://127.0.0.1:${l2Port}/rollup/167011`, "eth_getBalance", [depositor, "latest"])).result)).to.equal(parseEther("2"));
          } finally {
            l2Eleven.destroy();
          }

          // A second process follows all ten through the factory (the banner's `npm run multi-node` line) and reaches the same heads.
          const factory = /--factory (0x[0-9a-fA-F]{40})/.exec(banner)![1]!;
          const follower = spawnNode(["--l1", `http://127.0.0.1:${l1Port}`, "--factory", factory, "--blobs", `http://127.0.0.1:${blobPort}`, "--data-dir", path.join(dataDir, "follower"), "--poll-ms", "100"], () => {}, "scripts/multi-node.ts");
          try {
            let url: string | undefined;
            for (let i = 0; i < 600 && url === undefined; i++) {
              url = /L2 JSON-RPC on (http:\/\/\S+)/.exec(follower.output())?.[1];
              if (url === undefined) await new Promise((r) => setTimeout(r, 50));
            }
            expect(url, follower.output()).to.not.equal(undefined);
            const heads = (base: (r: (typeof listed)[number]) => string) => Promise.all(listed.map(async (r) => (await rpcCall(base(r), "eth_getBlockByNumber", ["latest", false])).result?.hash));
            const expected = await heads((r) => r.url);
            let got = await heads((r) => `${url}/rollup/${r.chainId}`);
            for (let i = 0; i < 300 && JSON.stringify(got) !== JSON.stringify(expected); i++) {
              await new Promise((r) => setTimeout(r, 100));
              got = await heads((r) => `${url}/rollup/${r.chainId}`);
            }
            expect(got, follower.output()).to.deep.equal(expected);
          } finally {
            follower.child.kill("SIGINT");
            await follower.exited;
          }
        } finally {
          l1.destroy();
          l2One.destroy();
          l2Two.destroy();
        }
      },
      200_000,
    );
    if (readyError !== undefined) throw readyError;
    expect(output).to.contain("stopping the devnet");
    // npm itself ends by the signal; the devnet under it stopped by itself (its last line above).
    expect(code === 0 || signal === "SIGINT", output).to.equal(true);
    console.log(`      (ten rollups ready in ${(readyMs / 1000).toFixed(1)} s; the message from rollup 1 delivered on rollup 2 ${(deliveredMs / 1000).toFixed(1)} s later)`);
  });
});
