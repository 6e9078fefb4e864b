import { hexToBytes } from "@ethereumjs/util";
import { EXECUTE_ADDRESS } from "../precompile/codec.js";
import { decodeMarketView, EXECUTE_MARKET_SELECTOR, type ExecuteMarketView } from "../precompile/market-oracle.js";
import type { ExecutePricing } from "../precompile/shim.js";

/**
 * EXECUTE's gas market as an L1 reports it (docs/execute.md, "Gas market"): an `eth_call` of the
 * precompile's `executeMarket()` view, the way `eth_blobBaseFee` reports the blob base fee.
 *
 * ```ts
 * const fee = await getExecuteBaseFee(provider);          // wei per L2 gas, next L1 block
 * await rollup.advance(claim, txs, witness, messages, { value: claim.gasUsed * fee });
 * ```
 */

export type { ExecuteMarketView };

/** Anything that can send a JSON-RPC request (an ethers provider). */
export interface RpcSender {
  send(method: string, params: unknown[]): Promise<unknown>;
}

/**
 * The market at `blockTag` (default `"pending"`: the L1 block a transaction sent now lands in;
 * the base fee moves only between L1 blocks). Under 1:1 pricing `pricing` is 0 and so is the fee.
 */
export async function readExecuteMarket(provider: RpcSender, blockTag: string = "pending"): Promise<ExecuteMarketView> {
  const answer = (await provider.send("eth_call", [{ to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR }, blockTag])) as string;
  return decodeMarketView(hexToBytes(answer as `0x${string}`));
}

/** The execute base fee, in wei per L2 gas, of the next L1 block (0 under 1:1 pricing). */
export async function getExecuteBaseFee(provider: RpcSender, blockTag: string = "pending"): Promise<bigint> {
  return (await readExecuteMarket(provider, blockTag)).baseFee;
}

/** How the L1's EXECUTE is priced, from its market view. */
export function pricingOf(view: ExecuteMarketView): ExecutePricing {
  return view.pricing === 0n ? "l1-gas" : "market";
}

/** What an advance of a block that used `gasUsed` L2 gas pays EXECUTE under `view`. */
export function executeFeeFor(view: ExecuteMarketView, gasUsed: bigint): bigint {
  return view.pricing === 0n ? 0n : gasUsed * view.baseFee;
}

/** The market view and the fee for `gasUsed` at the next L1 block, read together. */
export async function executeFee(provider: RpcSender, gasUsed: bigint): Promise<{ view: ExecuteMarketView; pricing: ExecutePricing; fee: bigint }> {
  const view = await readExecuteMarket(provider);
  return { view, pricing: pricingOf(view), fee: executeFeeFor(view, gasUsed) };
}
