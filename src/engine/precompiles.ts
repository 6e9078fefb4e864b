import { EVM, MCLBLS, NobleBN254, RustBN254, type EVMBN254Interface, type EVMOpts } from "@ethereumjs/evm";
import * as mcl from "mcl-wasm";
import { initRustBN } from "rustbn-wasm";
import { blake2fPrecompile } from "./blake2f.js";

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
 * - BLAKE2F (EIP-152, 0x09): a faster F in JavaScript (`blake2f.ts`), by {@link createL2EVM}.
 * - SHA-256 (0x02): OpenSSL, through `Common.customCrypto` (`chain.ts`).
 *
 * Loaded once at import (WebAssembly has no binary to go missing); a failure fails the import
 * rather than falling back to the slow backends.
 */
export const precompileBackends: Pick<EVMOpts, "bls" | "bn254"> = await loadBackends();

async function loadBackends(): Promise<Pick<EVMOpts, "bls" | "bn254">> {
  try {
    await mcl.init(mcl.BLS12_381);
    const bls = new MCLBLS(mcl);
    const bn254 = bn254WithNobleErrors(new RustBN254(await initRustBN()));
    return { bls, bn254 };
  } catch (error) {
    throw new Error(`the L2 precompiles' WebAssembly backends did not load: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * An EVM with the L2's precompile backends, for `createVM({ evm })`. Built with `new EVM`, not
 * `createEVM`: that factory replaces any `bn254` option with the JavaScript one (ethereumjs 10.1).
 * `options` must carry the common, state manager and blockchain.
 */
export function createL2EVM(options: EVMOpts & Required<Pick<EVMOpts, "common" | "stateManager" | "blockchain">>): EVM {
  return new EVM({ ...options, ...precompileBackends, customPrecompiles: [blake2fPrecompile, ...(options.customPrecompiles ?? [])] });
}

/**
 * rustbn for the work, ethereumjs's JavaScript backend for the failures: an input rustbn refuses
 * (a point off the curve, a coordinate ≥ p) is handed to `NobleBN254`, so the precompile fails
 * with exactly the error L1's reference (ethereumjs's default) gives — rustbn's errors surface as
 * REVERT, noble's as the EVM errors the interpreter tells apart. A failure consumes all the gas
 * the call was given (at least the operation's price) and stops at point validation, so the
 * fallback's work stays within that price.
 */
function bn254WithNobleErrors(fast: EVMBN254Interface): EVMBN254Interface {
  const reference = new NobleBN254();
  const guarded = (op: "add" | "mul" | "pairing", length: number) => (input: Uint8Array) => {
    let output: Uint8Array | undefined;
    try {
      output = fast[op](input);
    } catch {
      output = undefined;
    }
    return output !== undefined && output.length === length ? output : reference[op](input);
  };
  return { add: guarded("add", 64), mul: guarded("mul", 64), pairing: guarded("pairing", 32) };
}
