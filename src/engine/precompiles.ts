import { MCLBLS, RustBN254, type EVMOpts } from "@ethereumjs/evm";
import * as mcl from "mcl-wasm";
import { initRustBN } from "rustbn-wasm";

/**
 * The precompile backends of the L2 EVM, in WebAssembly. ethereumjs's defaults are pure
 * JavaScript (`@noble/curves`): a BLS12-381 G1ADD or G2ADD there runs two subgroup checks it
 * does not need (≈ 4 ms for 375 or 600 gas: 3,500–9,000 ns per gas), the BN254 ones 240–1,250 —
 * priced by L1's schedule, which assumes native code, so an L2 transaction looping on one made
 * EXECUTE work far beyond what it charges (issue 15). On WebAssembly each stays within the
 * engine's bound per gas (docs/execute.md, "Bounds"; bench section `hostile`).
 *
 * - BLS12-381 (EIP-2537, 0x0b–0x11): herumi's mcl through ethereumjs's own `MCLBLS` adapter.
 * - BN254 (EIP-196/197, 0x06–0x08): Parity's `bn` (rustbn) through ethereumjs's `RustBN254`.
 *
 * Loaded once at import (WebAssembly has no binary to go missing); a failure fails the import
 * rather than falling back to the slow backends.
 */
export const precompileBackends: Pick<EVMOpts, "bls" | "bn254"> = await loadBackends();

async function loadBackends(): Promise<Pick<EVMOpts, "bls" | "bn254">> {
  try {
    await mcl.init(mcl.BLS12_381);
    const bls = new MCLBLS(mcl);
    const bn254 = new RustBN254(await initRustBN());
    return { bls, bn254 };
  } catch (error) {
    throw new Error(`the L2 precompiles' WebAssembly backends did not load: ${(error as Error).message}`, { cause: error });
  }
}
