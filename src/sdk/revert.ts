/**
 * An L1 call's verdict: simulated with `eth_call` (`simulateL1`), its revert data found in an
 * error (`revertDataOf`) and decoded by the contracts' interfaces (`decodeRevert`). Used by
 * bundles and the sync, L1-call and cross-rollup builders.
 */
import type { Interface, JsonRpcApiProvider } from "ethers";

/** A decoded revert: the error's name and arguments, or the raw data. */
export function decodeRevert(data: string, interfaces: Interface[]): { name: string; text: string } {
  if (data === "0x") return { name: "empty", text: "reverted without data (out of gas, a failed value transfer, or a bare revert)" };
  for (const iface of interfaces) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return { name: parsed.name, text: `${parsed.name}(${parsed.args.map((a) => String(a)).join(", ")})` };
    } catch {
      // not this interface's
    }
  }
  return { name: "unknown", text: data };
}

/** What an L1 transaction would do, simulated: its return data, or its revert decoded. */
export type L1Simulation = { ok: true; returnData: string } | { ok: false; errorName: string; error: string; data: string };

/** Simulates `request` with `eth_call` at `pending` and decodes a revert with `interfaces` (the sync, L1-call and cross-rollup builders' verdict). */
export async function simulateL1(provider: JsonRpcApiProvider, request: Record<string, string>, interfaces: Interface[]): Promise<L1Simulation> {
  return provider.send("eth_call", [request, "pending"]).then(
    (returnData: string) => ({ ok: true as const, returnData }),
    (error: unknown) => {
      const data = revertDataOf(error) ?? "0x";
      const decoded = decodeRevert(data, interfaces);
      return { ok: false as const, errorName: decoded.name, error: decoded.text, data };
    },
  );
}

/** The first 0x-hex `data` found in an error and its causes (ethers and Hardhat nest it differently). */
export function revertDataOf(error: unknown, depth = 0): string | undefined {
  if (error === null || typeof error !== "object" || depth > 6) return undefined;
  const e = error as Record<string, unknown>;
  if (typeof e.data === "string" && /^0x[0-9a-fA-F]{8,}$/.test(e.data)) return e.data;
  for (const key of ["data", "error", "info", "cause"]) {
    const found = revertDataOf(e[key], depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
