import { expect } from "chai";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { spawnNode } from "../node/helpers.js";
import { freePort } from "../../src/shared/ports.js";


/** Hardhat's dev account #0: funded on L2 by the devnet's deposits. */
const DEV_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

/** Something else listening on `host`:`port`. */
async function occupy(host: string, port: number): Promise<Server> {
  const blocker = createServer();
  await new Promise<void>((resolve, reject) => {
    blocker.once("error", reject);
    blocker.listen(port, host, () => resolve());
  });
  return blocker;
}

/**
 * Runs a command to completion, or until `until` matches its output: then `whenReady` runs (with
 * the output so far) and the command gets SIGINT.
 */
function run(
  command: string,
  args: string[],
  options: { until?: RegExp; whenReady?: (output: string) => Promise<void>; timeoutMs: number },
): Promise<{ code: number | null; output: string; readyError?: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let interrupted = false;
    let readyError: unknown;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (options.until !== undefined && !interrupted && options.until.test(output)) {
        interrupted = true;
        void (options.whenReady?.(output) ?? Promise.resolve())
          .catch((error: unknown) => (readyError = error))
          .finally(() => child.kill("SIGINT"));
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${options.timeoutMs} ms; output:\n${output}`));
    }, options.timeoutMs);
    // "close", not "exit": the process may exit before its last output is read (a devnet's
    // "stopping the devnet…" was missed that way under load).
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, readyError });
    });
  });
}

/** Output that is not the devnet's own: warnings, Hardhat's banner and account list, request logs, colours. */
function expectCleanOutput(output: string): void {
  const ours = output.split("\n").filter((line) => !line.startsWith("npm warn")); // npm's own config warnings
  const text = ours.join("\n");
  expect(text).to.not.match(/ExperimentalWarning|failed to detect network|Account #|Private Key|Started HTTP|WARNING: Funds/);
  expect(text).to.not.contain("\u001b[");
  expect(text.match(/^ultrasound devnet$/gm), "one banner").to.have.length(1);
}

describe("devnet (end to end, the README's first command)", function () {
  this.timeout(180_000);
  let dataDir: string;
  beforeEach(() => (dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-devnet-"))));
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** The user's own archive is left alone: tests keep theirs in a temporary directory. */
  const userArchive = path.join(".devnet", "blobs", "blobs.sqlite");
  const userArchiveStamp = () => (existsSync(userArchive) ? statSync(userArchive).mtimeMs : undefined);

  it("`npm run devnet -- --smoke`: an L2 transfer, deployment and call, verified on L1 through EXECUTE; one clean banner", async function () {
    const [l1, l2, blobs] = [await freePort(), await freePort(), await freePort()];
    const before = userArchiveStamp();
    const ports = ["--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs), "--explorer-port", "0", "--data-dir", dataDir];
    // The L1 port taken on another interface: the devnet binds 127.0.0.1 only, so no conflict
    // (it bound 0.0.0.0 and crashed with a raw EADDRINUSE).
    const elsewhere = await occupy("127.0.0.2", l1);
    const { code, output } = await run("npm", ["run", "devnet", "--", "--smoke", ...ports], { timeoutMs: 150_000 }).finally(() => elsewhere.close());
    expect(output, output).to.match(/^smoke: ok$/m);
    expect(code, output).to.equal(0);
    expect(output).to.match(new RegExp(`L1 \\(Hardhat node, EXECUTE at 0x…0101\\): http://127.0.0.1:${l1}  chain id 31337`));
    expect(output).to.match(/rollup \(NativeRollup\): +0x[0-9a-fA-F]{40}/);
    expect(output).to.match(/L2 block \d+ 0x[0-9a-f]{64} verified by EXECUTE/);
    expect(output).to.match(/smoke: [1-9]\d* blob\(s\) verified through EXECUTE/);
    expect(output).to.match(new RegExp(`data in blob 0x01[0-9a-f]{62} \\(served at http://127.0.0.1:${blobs}/eth/v1/beacon/blobs/\\d+\\)`));
    expectCleanOutput(output);
    expect(existsSync(path.join(dataDir, "blobs.sqlite")), "the archive is where --data-dir says").to.equal(true);
    expect(userArchiveStamp(), ".devnet/blobs untouched").to.equal(before);
  });

  it("the L2 port answers only once the dev accounts are funded, and `finalized` moves on an idle devnet (--block-time)", async function () {
    const [l1, l2, blobs] = [await freePort(), await freePort(), await freePort()];
    const args = ["scripts/devnet.ts", "--explorer-port", "0", "--block-time", "1", "--finality-depth", "3", "--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs), "--data-dir", dataDir];
    const call = async (method: string, params: unknown[] = []) => {
      const answer = await fetch(`http://127.0.0.1:${l2}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
      return ((await answer.json()) as { result: unknown }).result;
    };
    let firstAnswer: { balance: bigint } | undefined;
    let finalized: bigint | undefined;
    // Polls from the moment the process starts, as a script started beside the devnet would.
    let polling = true;
    const poller = (async () => {
      while (polling && firstAnswer === undefined) {
        const chainId = await call("eth_chainId").catch(() => undefined);
        if (chainId !== undefined) firstAnswer = { balance: BigInt((await call("eth_getBalance", [new Wallet(DEV_KEY).address, "latest"])) as string) };
        else await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const { code, output, readyError } = await run("node_modules/.bin/tsx", args, {
      until: /Ctrl-C stops/,
      timeoutMs: 150_000,
      whenReady: async () => {
        await poller;
        // No transaction is sent from here on: only the L1's slots move it.
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          const block = (await call("eth_getBlockByNumber", ["finalized", false])) as { number: string } | null;
          if (block !== null && BigInt(block.number) >= 1n) {
            finalized = BigInt(block.number);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      },
    }).finally(() => (polling = false));
    expect(readyError, String(readyError)).to.equal(undefined);
    expect(code, output).to.equal(0);
    expect(firstAnswer, "the L2 answered").to.not.equal(undefined);
    expect(firstAnswer!.balance, "funded at the first answer").to.equal(10_000n * 10n ** 18n);
    expect(finalized, "finalized moved with no transaction sent").to.be.greaterThanOrEqual(1n);
    expect(output).to.match(/finality: an L1 block every 1 s \(--block-time\); an L2 block is safe when L1 verified it, finalized 3 L1 blocks deep/);
  });

  it("listens on --host only, answers CORS preflights, and stops cleanly on Ctrl-C", async function () {
    const [l1, l2, blobs] = [await freePort(), await freePort(), await freePort()];
    // The same L1 port taken on another interface: no conflict, the devnet binds 127.0.0.2 only.
    const elsewhere = await occupy("127.0.0.1", l1);
    try {
      const args = ["scripts/devnet.ts", "--explorer-port", "0", "--host", "127.0.0.2", "--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs), "--data-dir", dataDir];
      const { code, output, readyError } = await run("node_modules/.bin/tsx", args, {
        until: /Ctrl-C stops/,
        timeoutMs: 120_000,
        whenReady: async () => {
          const answer = await fetch(`http://127.0.0.2:${l2}`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }) });
          expect(((await answer.json()) as { result: string }).result).to.equal("0x28c59");
          expect((await fetch(`http://127.0.0.2:${l1}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) })).ok).to.equal(true);
          const other = await fetch(`http://127.0.0.1:${l2}`, { method: "POST", body: "{}" }).then(() => "answered", () => "refused");
          expect(other, "nothing on 127.0.0.1").to.equal("refused");
          for (const url of [`http://127.0.0.2:${l2}`, `http://127.0.0.2:${blobs}/eth/v1/beacon/blobs/head`]) {
            const preflight = await fetch(url, { method: "OPTIONS", headers: { origin: "http://localhost:3000", "access-control-request-method": "POST" } });
            expect(preflight.status, url).to.equal(204);
            expect(preflight.headers.get("access-control-allow-origin"), url).to.equal("*");
          }
          const blob = await fetch(`http://127.0.0.2:${blobs}/eth/v1/beacon/blobs/head`, { headers: { origin: "http://localhost:3000" } });
          expect(blob.headers.get("access-control-allow-origin")).to.equal("*");
        },
      });
      if (readyError !== undefined) throw readyError;
      expect(output).to.contain(`http://127.0.0.2:${l1}`);
      expect(output).to.contain("stopping the devnet");
      expectCleanOutput(output);
      expect(code, output).to.equal(0);
    } finally {
      elsewhere.close();
    }
  });

  it("serves the L2 from its node (ethers, `hardhat run --network l2`, `hardhat test --network l2`); a second node started with `npm run node` against it syncs to the same head", async function () {
    const [l1, l2, blobs, second] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const args = ["scripts/devnet.ts", "--explorer-port", "0", "--l1-port", String(l1), "--l2-port", String(l2), "--blob-port", String(blobs), "--data-dir", dataDir];
    const { code, output, readyError } = await run("node_modules/.bin/tsx", args, {
      until: /Ctrl-C stops/,
      timeoutMs: 150_000,
      whenReady: async (banner) => {
        const rollup = /rollup \(NativeRollup\): +(0x[0-9a-fA-F]{40})/.exec(banner)![1]!;
        const provider = new JsonRpcProvider(`http://127.0.0.1:${l2}`, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
        const alice = new Wallet("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80", provider);
        const receipt = await (await alice.sendTransaction({ to: Wallet.createRandom().address, value: 1n })).wait();
        expect(receipt!.status).to.equal(1);
        provider.destroy();
        // A Hardhat script, unchanged, on the rollup: `npx hardhat run --network l2`.
        const script = await new Promise<string>((resolve, reject) =>
          execFile("node_modules/.bin/hardhat", ["run", "--network", "l2", "scripts/l2-token.ts"], { env: { ...process.env, ULTRASOUND_L2_URL: `http://127.0.0.1:${l2}` }, timeout: 60_000 }, (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
          ),
        );
        expect(script).to.match(/OZToken at 0x[0-9a-fA-F]{40} on chain 167001/);
        expect(script).to.match(/transfer in L2 block \d+: 0x[0-9a-f]{64}, balance 1000000000000000000/);
        // A chai test, unchanged, on the rollup: `npx hardhat test mocha --network l2` (.to.emit, .revertedWithCustomError).
        const tested = await new Promise<string>((resolve, reject) =>
          execFile("node_modules/.bin/hardhat", ["test", "mocha", "--network", "l2", "examples/l2/token.test.ts"], { env: { ...process.env, ULTRASOUND_L2_URL: `http://127.0.0.1:${l2}` }, timeout: 90_000 }, (error, stdout, stderr) =>
            error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout),
          ),
        );
        expect(tested).to.match(/1 passing/);
        const status = await fetch(`http://127.0.0.1:${l2}`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "rollup_status", params: [] }) });
        const head = ((await status.json()) as { result: { l2: { headHash: string } } }).result.l2.headHash;
        const node = spawnNode(["--l1", `http://127.0.0.1:${l1}`, "--rollup", rollup, "--blobs", `http://127.0.0.1:${blobs}`, "--data-dir", path.join(dataDir, "second"), "--port", String(second)]);
        try {
          const deadline = Date.now() + 60_000;
          let derived: { hash?: string } | undefined;
          while (derived?.hash !== head && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            derived = await fetch(`http://127.0.0.1:${second}`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getBlockByNumber", params: ["latest", false] }) })
              .then(async (r) => ((await r.json()) as { result: { hash: string } }).result)
              .catch(() => undefined);
          }
          expect(derived?.hash, node.output()).to.equal(head);
        } finally {
          node.child.kill("SIGINT");
          await node.exited;
        }
      },
    });
    if (readyError !== undefined) throw readyError;
    expect(code, output).to.equal(0);
  });

  it("says why when the L1 port is taken on any interface, without a stack trace", async function () {
    const port = await freePort();
    const blocker = await occupy("0.0.0.0", port);
    try {
      const ports = ["--l1-port", String(port), "--l2-port", String(await freePort()), "--blob-port", String(await freePort()), "--explorer-port", "0", "--data-dir", dataDir];
      const { code, output } = await run("node_modules/.bin/tsx", ["scripts/devnet.ts", "--smoke", ...ports], { timeoutMs: 120_000 });
      expect(code).to.equal(1);
      expect(output).to.match(/devnet: The L1 JSON-RPC port is taken/);
      expect(output).to.contain(`port: ${port}`);
      expect(output).to.not.match(/^\s+at /m);
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
      // An input the engine refuses: under the gas market (the default) EXECUTE answers an empty
      // output, successfully, so that a rejected block's fee stays paid (docs/execute.md).
      const refused = await rpc("eth_call", [{ to: "0x0000000000000000000000000000000000000101", data: "0x" + "00".repeat(299) + "2a", gas: "0x100000" }, "latest"]);
      expect(refused.result).to.equal("0x");
      // An empty input fails before any work, through the node.
      const empty = await rpc("eth_call", [{ to: "0x0000000000000000000000000000000000000101", data: "0x", gas: "0x100000" }, "latest"]);
      expect(empty.error?.message).to.match(/invalid opcode/);
      // The market's view reaches the hook (its answer comes from the TypeScript rules), and the
      // node answers the method beside eth_blobBaseFee.
      expect((await rpc("ultrasound_executeBaseFee", [])).result).to.equal("0x1");
    } finally {
      child.kill("SIGINT");
    }
  });
});
