/**
 * Counters of the work EXECUTE does, read without a clock: the largest EVM memory any frame
 * grew to, and the calls each WebAssembly precompile backend received. Tests assert bounded
 * work with them (by gas and steps, not wall time). Not a test file: helpers of the hostile tests.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { precompileBackends } from "../../src/engine/precompiles.js";

interface MemoryClass {
  prototype: { extend(offset: number, size: number): void };
}

// ethereumjs's EVM memory: not exported by the package, so loaded by its file URL — the same
// module instance the interpreter imports.
// (`import.meta.resolve` picks the ESM build the engine loads; `require.resolve` would pick the CJS one.)
const evmDir = dirname(fileURLToPath(import.meta.resolve("@ethereumjs/evm")));
const { Memory } = (await import(pathToFileURL(join(evmDir, "memory.js")).href)) as { Memory: MemoryClass };

/** Runs `body` and returns the largest end (offset + size) any EVM memory was asked to extend to. */
export async function largestMemoryDuring(body: () => Promise<unknown>): Promise<{ bytes: number; error?: Error }> {
  const original = Memory.prototype.extend;
  let bytes = 0;
  Memory.prototype.extend = function (offset: number, size: number) {
    if (size > 0) bytes = Math.max(bytes, offset + size);
    return original.call(this, offset, size);
  };
  try {
    await body();
    return { bytes };
  } catch (error) {
    return { bytes, error: error as Error };
  } finally {
    Memory.prototype.extend = original;
  }
}

/** Runs `body` and returns how many calls the BLS12-381 and BN254 backends received. */
export async function precompileCallsDuring(body: () => Promise<unknown>): Promise<{ calls: number; error?: Error }> {
  let calls = 0;
  const backends = [precompileBackends.bls, precompileBackends.bn254] as unknown as Record<string, unknown>[];
  const restore: (() => void)[] = [];
  for (const backend of backends) {
    // Methods of a class instance (mcl's adapter) or own functions (the BN254 wrapper).
    const proto = Object.getPrototypeOf(backend) as Record<string, unknown>;
    const own = new Set(Object.getOwnPropertyNames(backend));
    const names = proto === Object.prototype ? [...own] : Object.getOwnPropertyNames(proto);
    for (const name of names) {
      const method = backend[name];
      if (name === "constructor" || name === "init" || typeof method !== "function") continue;
      backend[name] = function (this: unknown, ...args: unknown[]) {
        calls++;
        return (method as (...a: unknown[]) => unknown).apply(this, args);
      };
      restore.push(own.has(name) ? () => (backend[name] = method) : () => delete backend[name]);
    }
  }
  try {
    await body();
    return { calls };
  } catch (error) {
    return { calls, error: error as Error };
  } finally {
    for (const undo of restore) undo();
  }
}
