/**
 * A real devnet in a child process (`scripts/devnet.ts`) on free ports and a temporary data
 * dir, for tests that talk to it as a user does (HTTP) and stop it as a user does (SIGINT) or
 * brutally (SIGKILL).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../src/shared/ports.js";

/** A running devnet child. */
export interface DevnetProcess {
  child: ChildProcess;
  l1Url: string;
  l2Url: string;
  rollupAddress: string;
  /** Everything it printed so far. */
  output(): string;
  /** Waits until its output matches `pattern` (or fails after `timeoutMs`, with the output). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal` and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Ports a devnet child listens on. */
export interface DevnetPorts {
  l1Port: number;
  l2Port: number;
  blobPort: number;
}

/** Three free ports. */
export async function devnetPorts(): Promise<DevnetPorts> {
  return { l1Port: await freePort(), l2Port: await freePort(), blobPort: await freePort() };
}

/** Starts `scripts/devnet.ts` with `args` and the ports, and waits for its banner (`Ctrl-C stops`). */
export async function startDevnetProcess(args: string[], ports: DevnetPorts, timeoutMs = 150_000): Promise<DevnetProcess> {
  const child = spawn(
    process.execPath,
    // Every port free, the explorer's too (its default 8547 may be another test's).
    ["--import", "tsx", "scripts/devnet.ts", "--l1-port", String(ports.l1Port), "--l2-port", String(ports.l2Port), "--blob-port", String(ports.blobPort), ...(args.includes("--explorer-port") ? [] : ["--explorer-port", "0"]), ...args],
    { cwd: process.cwd(), env: process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.on("close", () => ((exited = true), resolve())));
  const waitFor = (pattern: RegExp, ms = 60_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(output)) done(resolve);
        else if (exited) done(() => reject(new Error(`the devnet ended before ${pattern}; output:\n${output}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${ms} ms; output:\n${output}`))), ms);
      const done = (then: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        then();
      };
      listeners.add(check);
      void exit.then(check);
      check();
    });
  const stop = async (signal: NodeJS.Signals = "SIGINT") => {
    if (!exited) child.kill(signal);
    await exit;
  };
  try {
    await waitFor(/Ctrl-C stops/, timeoutMs);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  }
  const field = (pattern: RegExp) => pattern.exec(output)?.[1] ?? "";
  return {
    child,
    l1Url: `http://127.0.0.1:${ports.l1Port}`,
    l2Url: `http://127.0.0.1:${ports.l2Port}`,
    rollupAddress: field(/rollup \(NativeRollup\):\s+(0x[0-9a-fA-F]{40})/),
    output: () => output,
    waitFor,
    stop,
  };
}

/** One JSON-RPC call over HTTP: the result, or an Error carrying the node's code and message. */
export async function rpc(url: string, method: string, params: unknown[] = []): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } };
  if (body.error !== undefined) throw Object.assign(new Error(body.error.message), { code: body.error.code });
  return body.result;
}

/** Polls `check` until it returns something other than undefined, or fails after `timeoutMs` saying `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
