/**
 * The Hardhat 3 plugin (the default export) and what it configures: EXECUTE installed through
 * EDR's hook (edr-hook.ts), the blob archive that captures every blob sent (blob-capture.ts),
 * and EXECUTE's pricing (execute-pricing.ts).
 */
import { definePlugin } from "hardhat/plugins";

/**
 * The ultrasound Hardhat 3 plugin: installs the emulated EXECUTE precompile at 0x…0101 on every
 * simulated Hardhat network (the in-process one tests use, and `hardhat node`).
 * Add it to `plugins` in hardhat.config.ts.
 */
export default definePlugin({
  id: "ultrasound",
  hookHandlers: {
    network: () => import("./network-hooks.js"),
  },
});

export { configureHardhatExecute, assertEdrHookAvailable, EdrHookUnavailableError } from "./edr-hook.js";
export { configureBlobArchive, currentBlobArchive } from "./blob-capture.js";
export { setExecutePricing, defaultExecutePricing, serveExecuteBaseFee, EXECUTE_BASE_FEE_METHOD, ExecutePricingError } from "./execute-pricing.js";
