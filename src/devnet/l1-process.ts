/**
 * The devnet's L1 in a process of its own (started by `startL1Process`, src/devnet/l1.ts): the
 * Hardhat network served over HTTP and WebSocket with EXECUTE hooked in and every blob captured
 * into the archive, and the archive's beacon API. EXECUTE re-runs every L2 block on the thread
 * that serves the L1; here that thread is not the one that answers the L2 JSON-RPC.
 *
 * Protocol (IPC): argv[2] is the JSON of {@link L1ProcessConfig}; the process answers
 * `{ kind: "ready", chainId, blobUrl, pid, threadId }` or `{ kind: "error", message, details }`,
 * answers `{ kind: "verdicts", id }` with EXECUTE's recent verdicts (bigints as strings),
 * and on `{ kind: "stop" }` closes everything, answers `{ kind: "stopped" }` and exits. It exits
 * too when its parent goes (the IPC channel closes). Ctrl-C is the parent's to handle.
 */
import hre from "hardhat";
import { readdirSync } from "node:fs";
import { setPriority } from "node:os";
import { threadId } from "node:worker_threads";
import { recentVerdicts } from "../precompile/run.js";
import type { L1ProcessConfig, L1ProcessMessage } from "./l1.js";
import { startL1Side } from "./l1-server.js";

// Ctrl-C in a terminal reaches the whole process group: the parent stops this process in order.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => void stop().then(() => process.exit(0)));

const config = JSON.parse(process.argv[2] ?? "{}") as L1ProcessConfig;
// Before the L1 starts its threads (they inherit it), and again after, for those already there.
niceEveryThread(config.nice);
const send = (message: L1ProcessMessage) => process.send?.(message);
let stop: () => Promise<void> = async () => {};

try {
  const side = await startL1Side(hre, config);
  niceEveryThread(config.nice);
  let stopping: Promise<void> | undefined;
  stop = () => (stopping ??= side.stop());
  process.on("message", (message: { kind?: string; id?: number }) => {
    if (message?.kind === "verdicts") send({ kind: "verdicts", id: message.id ?? 0, verdicts: jsonSafe({ list: recentVerdicts() }).list as never });
    if (message?.kind === "stop") void stop().then(() => send({ kind: "stopped" }), () => send({ kind: "stopped" })).finally(() => process.exit(0));
  });
  process.on("disconnect", () => void stop().finally(() => process.exit(0)));
  send({ kind: "ready", chainId: side.chainId.toString(), blobUrl: side.blobUrl, pid: process.pid, threadId, replayed: side.replayed });
} catch (error) {
  const e = error as Error & { details?: Record<string, unknown> };
  send({ kind: "error", name: e.name, message: e.message, details: jsonSafe(e.details ?? {}) });
  process.exit(1);
}

function jsonSafe(details: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(details, (_key, value) => (typeof value === "bigint" ? value.toString() : value)));
}

/**
 * Sets the nice value of every thread of this process (Linux: each thread is a task with its
 * own; `setPriority(pid)` would change the main thread's alone). Elsewhere, or where not
 * allowed, the process keeps its priority.
 */
function niceEveryThread(nice: number | undefined): void {
  if (nice === undefined) return;
  let tasks: string[];
  try {
    tasks = readdirSync("/proc/self/task");
  } catch {
    tasks = [String(process.pid)];
  }
  for (const task of tasks) {
    try {
      setPriority(Number(task), nice);
    } catch {
      // a thread that ended meanwhile, or no permission: it keeps its priority
    }
  }
}
