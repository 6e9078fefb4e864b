/**
 * One contract build at a time per project: Hardhat's build writes its compile cache through a
 * fixed temporary file (`cache/compile-cache.json.tmp`, then renamed), so two devnets starting at
 * once in the same checkout — the test suite runs two files at a time, each may start one — could
 * rename each other's file away (`File …/compile-cache.json.tmp not found`). A lock file naming
 * the holder's pid serializes them; one left by a dead process is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { processAlive } from "../node/lock.js";
import { DevnetStartError } from "./errors.js";

const LOCK_FILE = "ultrasound-build.lock";

/** Runs `build` holding the build lock in `cacheDir`, waiting up to `timeoutMs` for another process's build. */
export async function withBuildLock<T>(cacheDir: string, build: () => Promise<T>, timeoutMs = 300_000): Promise<T> {
  mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(file, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = Number(readIfThere(file));
    // Written between its open and its write, or left by a process that is gone: a dead holder's lock is taken over.
    if (Number.isInteger(holder) && holder > 0 && !processAlive(holder)) {
      removeIfThere(file);
      continue;
    }
    if (Date.now() > deadline) {
      throw new DevnetStartError(`Another process (pid ${holder}) has been building the contracts for over ${timeoutMs / 1000} s; if it is gone, delete ${file}`, { lockFile: file, pid: holder });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await build();
  } finally {
    removeIfThere(file);
  }
}

function readIfThere(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
