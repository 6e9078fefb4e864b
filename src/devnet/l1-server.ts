/**
 * The devnet's L1: Hardhat's network served over HTTP and WebSocket with EXECUTE and blob capture
 * hooked in, its slot time, and the blob archive beside it — started on this thread by
 * {@link startL1Side}, which the devnet's own process (layout "single") or its L1 process
 * (layout "split", src/devnet/l1-process.ts) calls.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { JsonRpcServer } from "hardhat/types/network";
import { JsonRpcProvider, Network } from "ethers";
import { createServer } from "node:net";
import { threadId } from "node:worker_threads";
import { openBlobArchive } from "../blobs/archive.js";
import { startBlobArchiveServer } from "../blobs/server.js";
import { configureBlobArchive } from "../hardhat/blob-capture.js";
import { recentVerdicts } from "../precompile/run.js";
import { DevnetStartError } from "./errors.js";
import type { L1Process, L1ProcessConfig } from "./l1.js";
import { journalL1 } from "./restart.js";
import { firstLine } from "./text.js";

/** Ethereum's slot time, the devnet L1's default. */
export const DEFAULT_BLOCK_TIME_SECONDS = 12;

/**
 * Gives the L1 a slot time: EDR's interval mining, which keeps automine on (a transaction is
 * still mined at once, so blob transactions are accepted: hardhat#5024 refuses them only when
 * they would wait in the mempool). Returns the slot time set (0: none).
 */
export async function startL1Slots(l1: JsonRpcProvider, seconds = DEFAULT_BLOCK_TIME_SECONDS): Promise<number> {
  if (!Number.isInteger(seconds) || seconds < 0) throw new DevnetStartError("The L1 block time must be a whole number of seconds, 0 or more", { blockTimeSeconds: seconds });
  if (seconds > 0) await l1.send("evm_setIntervalMining", [seconds * 1000]);
  return seconds;
}

/** Stops the L1's slots (its timer would otherwise keep the process alive). */
export async function stopL1Slots(l1: JsonRpcProvider, seconds: number): Promise<void> {
  if (seconds > 0) await l1.send("evm_setIntervalMining", [0]).catch(() => undefined);
}

/**
 * Serves Hardhat's network (the plugin's EXECUTE and blob capture hooked in, as for `hardhat
 * node`) over HTTP and WebSocket on `host`:`port`, and waits until it answers; returns its chain
 * id and the server, which `close()` shuts (unlike the `node` task, whose server and build-info
 * watcher live until the process ends). Nothing is printed, no request is logged. A port it
 * cannot take (taken since the check) becomes a `DevnetStartError`, not a crash.
 */
export async function startL1Server(
  hre: HardhatRuntimeEnvironment,
  host: string,
  port: number,
  url: string,
  network: string = hre.globalOptions.network ?? "node",
  /** The L1's genesis time (a restarted devnet's is its first start's). Default: now. */
  initialDate?: string,
): Promise<{ chainId: bigint; server: JsonRpcServer }> {
  let listenFailure: NodeJS.ErrnoException | undefined;
  const onUncaught = (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE" || error.code === "EADDRNOTAVAIL" || error.code === "EACCES") listenFailure = error;
    else throw error;
  };
  process.on("uncaughtException", onUncaught);
  const server = await hre.network.createServer(initialDate === undefined ? network : ({ network, override: { initialDate } } as never), host, port);
  try {
    // Settles only if listening fails (a port taken is reported through `listenFailure` instead).
    const failed = server.listen().then(
      () => new Promise<never>(() => {}),
      (error: unknown) => error as Error,
    );
    const chainId = await waitForL1(url, failed, () => listenFailure, host, port);
    return { chainId, server };
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  } finally {
    process.off("uncaughtException", onUncaught);
  }
}

/**
 * The devnet's L1 side, on this thread: the Hardhat network (EXECUTE and blob capture hooked
 * in, its journal replayed when there is one), the blob archive and its beacon API. The "single"
 * layout runs it in the devnet's process; the "split" layout in a child process of its own
 * (src/devnet/l1-process.ts, started by {@link startL1Process}).
 */
export async function startL1Side(hre: HardhatRuntimeEnvironment, config: L1ProcessConfig): Promise<L1Process> {
  const archive = await withoutSqliteWarning(() => openBlobArchive(config.dataDir));
  configureBlobArchive(archive);
  // The journal is set before the network exists (the plugin wraps it when it is created).
  const journal = config.journalFile === undefined ? undefined : journalL1(config.journalFile);
  const { chainId, server } = await startL1Server(hre, config.host, config.l1Port, config.l1Url, config.network, config.initialDate);
  const l1 = new JsonRpcProvider(config.l1Url, Network.from(chainId), { staticNetwork: true });
  const replayed = (await journal?.replay(l1)) ?? { requests: 0, blocks: 0 };
  const blobServer = await startBlobArchiveServer({
    archive,
    host: config.host,
    port: config.blobPort,
    l1: { request: ({ method, params }) => l1.send(method, params ?? []) },
  });
  return {
    chainId,
    blobUrl: blobServer.url,
    pid: process.pid,
    threadId,
    replayed,
    verdicts: async () => recentVerdicts(),
    async stop() {
      await blobServer.close();
      configureBlobArchive(undefined);
      archive.close();
      l1.destroy();
      await server.close();
    },
  };
}

/** Node 22 warns that node:sqlite is experimental when the archive loads it: not the user's concern. */
export async function withoutSqliteWarning<T>(work: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await work();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Throws a `DevnetStartError` naming the port when it cannot be bound on `host`. */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "EADDRNOTAVAIL"
          ? `The host ${host} is not an address of this machine: the ${what} cannot listen on it`
          : `The ${what} port is taken: the devnet did not start`;
      reject(new DevnetStartError(message, { host, port, reason: error.code ?? error.message }));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Waits until the L1 node answers eth_chainId, or fails with the node's own error. */
async function waitForL1(url: string, nodeStopped: Promise<unknown>, listenFailure: () => Error | undefined, host: string, port: number): Promise<bigint> {
  const deadline = Date.now() + 30_000;
  let done: unknown;
  void nodeStopped.then((value) => (done = value ?? new Error("node stopped")));
  while (Date.now() < deadline) {
    const failure = listenFailure();
    if (failure !== undefined) {
      throw new DevnetStartError("The L1 JSON-RPC port is taken: the devnet did not start", { host, port, reason: (failure as NodeJS.ErrnoException).code });
    }
    if (done !== undefined) throw new DevnetStartError("The Hardhat node did not start", { host, port, reason: firstLine((done as Error).message) });
    try {
      return BigInt((await rpc(url, "eth_chainId", [])) as string);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new DevnetStartError("The Hardhat node did not answer within 30 s", { host, port });
}

/** One raw JSON-RPC call (no provider: nothing to retry or print while the node starts). */
async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

