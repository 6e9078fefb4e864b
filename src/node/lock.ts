/**
 * The data dir's lock: one node per dir. In this process a set of open dirs; across processes a
 * `node.lock` file naming the holder's pid, refused while that process lives (with what it runs).
 */
import { readFileSync, unlinkSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { DataDirInUseError } from "./errors.js";

/** Dirs open in this process (the lock file holds only a pid): two nodes on one store would mix their chains. */
const openDirs = new Set<string>();
const LOCK_FILE = "node.lock";

export function takeLock(dir: string): void {
  if (openDirs.has(dir)) throw new DataDirInUseError("The data dir is already open in this process", { dataDir: dir });
  const file = path.join(dir, LOCK_FILE);
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
      throw new DataDirInUseError(
        `Another process (pid ${pid}${describeProcess(pid)}) holds the data dir ${dir}: its lock file ${file} names it. Stop that process; if it is not a node (its pid was reused after a crash), delete ${file} and start again`,
        { dataDir: dir, lockFile: file, pid },
      );
    }
  }
  writeFileSync(file, String(process.pid));
  openDirs.add(dir);
}

export function releaseLock(dir: string): void {
  openDirs.delete(dir);
  try {
    unlinkSync(path.join(dir, LOCK_FILE));
  } catch {
    // already gone
  }
}

/** What the process is, where /proc says (Linux): ", running <command line>", or nothing. */
function describeProcess(pid: number): string {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return command.length === 0 ? "" : `, running ${command.length > 120 ? command.slice(0, 117) + "..." : command}`;
  } catch {
    return "";
  }
}

/** Whether a process with this pid runs (EPERM: it runs as another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
