import type { HookContext, NetworkHooks } from "hardhat/types/hooks";
import type { ChainType, NetworkConnection } from "hardhat/types/network";
import { EXECUTE_ADDRESS } from "../precompile/codec.js";
import { executeShimBytecode } from "../precompile/shim.js";
import { defaultExecutePricing, serveExecuteBaseFee } from "./execute-pricing.js";
import { captureBlobs } from "./blob-capture.js";
import { installEdrHook } from "./edr-hook.js";
import { journalL1Requests } from "./l1-journal.js";

// Patch EDR before any provider of this process is created.
installEdrHook();

/**
 * On every simulated (EDR) network as it is created: puts the EXECUTE shim at 0x…0101 (the gas
 * market unless `ULTRASOUND_EXECUTE_PRICING=l1-gas`; `setExecutePricing` changes it), answers
 * `ultrasound_executeBaseFee`, and routes
 * its JSON-RPC through the blob capture (EXECUTE reads blob data from what it captured).
 */
export default async (): Promise<Partial<NetworkHooks>> => ({
  async newConnection<ChainTypeT extends ChainType | string>(
    context: HookContext,
    next: (nextContext: HookContext) => Promise<NetworkConnection<ChainTypeT>>,
  ): Promise<NetworkConnection<ChainTypeT>> {
    const connection = await next(context);
    if (connection.networkConfig.type === "edr-simulated") {
      await connection.provider.request({ method: "hardhat_setCode", params: [EXECUTE_ADDRESS, executeShimBytecode({ pricing: defaultExecutePricing() })] });
      captureBlobs(connection.provider);
      serveExecuteBaseFee(connection.provider);
      // A devnet that keeps its L1 across restarts journals what changes it (a no-op otherwise).
      journalL1Requests(connection.provider);
    }
    return connection;
  },
});
