import { EXECUTE_ADDRESS } from "../precompile/codec.js";
import { executeShimBytecode, type ExecutePricing, type ExecuteShimOptions } from "../precompile/shim.js";
import { UltrasoundError } from "../shared/errors.js";
import { hexToBytes } from "@ethereumjs/util";
import { decodeMarketView, EXECUTE_MARKET_SELECTOR } from "../precompile/market-oracle.js";

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

/** The JSON-RPC method that answers the execute base fee, as `eth_blobBaseFee` answers the blob base fee. */
export const EXECUTE_BASE_FEE_METHOD = "ultrasound_executeBaseFee";

type EIP1193 = { request(args: { method: string; params?: unknown[] | object }): Promise<unknown> };

/**
 * Makes `provider` (a Hardhat network's, and so `hardhat node`'s and the devnet L1's) answer
 * `ultrasound_executeBaseFee([blockTag])`: the execute base fee in wei per L2 gas, a hex
 * quantity, at `blockTag` (default `"pending"`, the block a transaction sent now lands in); "0x0"
 * under 1:1 pricing. It is the `executeMarket()` view, read by an `eth_call`.
 */
export function serveExecuteBaseFee(provider: EIP1193): void {
  const request = provider.request.bind(provider);
  provider.request = async (args) => {
    if (args.method !== EXECUTE_BASE_FEE_METHOD) return request(args);
    const params = Array.isArray(args.params) ? args.params : [];
    const tag = params[0] ?? "pending";
    const answer = (await request({ method: "eth_call", params: [{ to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR }, tag] })) as string;
    return "0x" + decodeMarketView(hexToBytes(answer as `0x${string}`)).baseFee.toString(16);
  };
}
