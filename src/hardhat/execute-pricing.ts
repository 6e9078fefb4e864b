import { EXECUTE_ADDRESS } from "../precompile/codec.js";
import { executeShimBytecode, type ExecutePricing, type ExecuteShimOptions } from "../precompile/shim.js";
import { UltrasoundError } from "../shared/errors.js";

/** A provider that takes raw JSON-RPC requests: Hardhat's network provider (`request`) or an ethers provider (`send`). */
type Requester = { request(args: { method: string; params?: unknown[] }): Promise<unknown> } | { send(method: string, params: unknown[]): Promise<unknown> };

/** `ULTRASOUND_EXECUTE_PRICING` names no pricing. */
export class ExecutePricingError extends UltrasoundError {
  override name = "ExecutePricingError";
}

/**
 * The pricing new Hardhat networks of this process get: `ULTRASOUND_EXECUTE_PRICING` when set
 * (`market` or `l1-gas`), else the market (docs/execute.md, "Gas market").
 */
export function defaultExecutePricing(env: NodeJS.ProcessEnv = process.env): ExecutePricing {
  const value = env.ULTRASOUND_EXECUTE_PRICING;
  if (value === undefined || value === "" || value === "market") return "market";
  if (value === "l1-gas") return "l1-gas";
  throw new ExecutePricingError("ULTRASOUND_EXECUTE_PRICING must be \"market\" or \"l1-gas\"", { value });
}

/**
 * Installs the EXECUTE shim for `options` at 0x…0101 of a Hardhat network and clears the
 * market's state (its storage slot 0): a rollup's L1 switches pricing, e.g. to compare the
 * 1:1 pricing with the market, or gets a market of other parameters.
 */
export async function setExecutePricing(provider: Requester, options: ExecuteShimOptions = {}): Promise<void> {
  const call = (method: string, params: unknown[]) => ("request" in provider ? provider.request({ method, params }) : provider.send(method, params));
  await call("hardhat_setCode", [EXECUTE_ADDRESS, executeShimBytecode(options)]);
  await call("hardhat_setStorageAt", [EXECUTE_ADDRESS, "0x0", "0x" + "00".repeat(32)]);
}
