/**
 * The devnet's L1 outside the L2 JSON-RPC's thread: `startL1Process` runs the Hardhat network
 * (EXECUTE hooked in, blobs captured), the blob archive and its beacon API in a child process
 * (src/devnet/l1-process.ts). EXECUTE's stateless re-execution of every advance then runs on
 * that process's thread, and the devnet's RPC thread only talks to it over HTTP, as any client.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ExecuteVerdict } from "../precompile/run.js";
import { DevnetStartError } from "./errors.js";

/** What the L1 process is told to start (argv[2], JSON). */
export interface L1ProcessConfig {
  host: string;
  l1Port: number;
  l1Url: string;
  blobPort: number;
  dataDir: string;
  /** The Hardhat network served (the config's `node` by default). */
  network: string;
  /** The L1's genesis time (ISO): a restarted devnet's is its first start's (src/devnet/restart.ts). */
  initialDate?: string;
  /** The L1 journal: every state-changing request is appended; at start, what it holds is replayed. */
  journalFile?: string;
  /** The L1 process's nice value (every thread of it); default {@link L1_NICE}. */
  nice?: number;
}

/**
 * The L1 process's nice value. EXECUTE re-runs each L2 block there (≈ 1 s of CPU for 500–750
 * transactions); on two cores shared with the L2 JSON-RPC's thread and the builder (niced 10,
 * src/engine/build-worker.ts), an L1 at the same priority as the RPC took the core the RPC needed.
 * Niced, it gets what the RPC leaves: a request waits less, an L1 block may take longer.
 */
export const L1_NICE = 10;

/** What an L1 replayed from its journal at start. */
export interface L1Replayed {
  requests: number;
  blocks: number;
}

/** What the L1 process says over IPC. */
export type L1ProcessMessage =
  | { kind: "ready"; chainId: string; blobUrl: string; pid: number; threadId: number; replayed: L1Replayed }
  | { kind: "error"; name: string; message: string; details: Record<string, unknown> }
  | { kind: "verdicts"; id: number; verdicts: (Omit<ExecuteVerdict, "blockNumber" | "burnedFees"> & { blockNumber?: string; burnedFees?: string })[] }
  | { kind: "stopped" };

/** A running L1 process. */
export interface L1Process {
  chainId: bigint;
  blobUrl: string;
  /** The process (and thread) EXECUTE runs on. */
  pid: number;
  threadId: number;
  /** What it replayed from its journal at start (a restarted devnet). */
  replayed: L1Replayed;
  /** EXECUTE's recent verdicts on this L1 (newest last), as `recentVerdicts()` gives them in its process. */
  verdicts(): Promise<readonly ExecuteVerdict[]>;
  /** Closes the L1 server, the archive and its server, and waits for the process to exit. */
  stop(): Promise<void>;
}

/** How long the L1 process may take to start (it loads Hardhat and the engine): 120 s. */
const START_TIMEOUT_MS = 120_000;

/**
 * Starts the L1, the blob archive and its beacon API in a child process (Node running
 * src/devnet/l1-process.ts through tsx) and waits until it serves. Fails with the child's own
 * `DevnetStartError` (a port taken, …) or one saying it exited or did not start in time.
 */
export async function startL1Process(config: L1ProcessConfig): Promise<L1Process> {
  const entry = fileURLToPath(new URL("./l1-process.ts", import.meta.url));
  const child = fork(entry, [JSON.stringify({ ...config, nice: config.nice ?? L1_NICE })], {
    execArgv: ["--import", import.meta.resolve("tsx")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    // Hardhat finds its config from the working directory: the project's.
    cwd: process.cwd(),
  });
  const ready = await new Promise<Extract<L1ProcessMessage, { kind: "ready" }>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new DevnetStartError(`The L1 process did not start within ${START_TIMEOUT_MS / 1000} s`, { host: config.host, port: config.l1Port }));
    }, START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new DevnetStartError("The L1 process exited before it served", { host: config.host, port: config.l1Port, code, signal }));
    };
    child.once("exit", onExit);
    child.on("message", (message: L1ProcessMessage) => {
      if (message.kind === "ready") {
        clearTimeout(timer);
        child.off("exit", onExit);
        resolve(message);
      } else if (message.kind === "error") {
        clearTimeout(timer);
        child.off("exit", onExit);
        reject(new DevnetStartError(message.message.split("\n")[0]!, message.details));
      }
    });
  });
  return {
    chainId: BigInt(ready.chainId),
    blobUrl: ready.blobUrl,
    pid: ready.pid,
    threadId: ready.threadId,
    replayed: ready.replayed,
    verdicts: () => askVerdicts(child),
    stop: () => stopChild(child),
  };
}

let nextRequest = 1;

/** Asks the L1 process for EXECUTE's recent verdicts. */
async function askVerdicts(child: ChildProcess): Promise<readonly ExecuteVerdict[]> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    const onMessage = (message: L1ProcessMessage) => {
      if (message.kind !== "verdicts" || message.id !== id) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(
        message.verdicts.map((v) => ({
          ...v,
          blockNumber: v.blockNumber === undefined ? undefined : BigInt(v.blockNumber),
          burnedFees: v.burnedFees === undefined ? undefined : BigInt(v.burnedFees),
        })),
      );
    };
    const onExit = () => reject(new Error("The L1 process exited"));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send({ kind: "verdicts", id });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.send({ kind: "stop" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}
