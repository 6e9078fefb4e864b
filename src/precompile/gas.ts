/**
 * EXECUTE's gas, a documented formula (docs/execute.md):
 *
 *     gas = EXECUTE_BASE_GAS + gasUsed + EXECUTE_INPUT_BYTE_GAS × len(input)
 *
 * - `gasUsed`: the L2 gas the block consumed: re-executing it costs L1 what running it cost L2.
 * - the per-byte term pays for decoding and hashing the witness and the transactions (every
 *   witness node is keccak-hashed to file it under its hash); the L1 transaction pays calldata
 *   on top, as for any input.
 * - the base pays for the fixed work: setting up the stateless state, the anchor system call,
 *   the three root computations.
 * The ethrex proof of concept charges `gas_limit + 16 × len(input)`; charging `gasUsed` instead
 * of the limit prices what was done, not what could have been.
 */
export const EXECUTE_BASE_GAS = 100_000n;
/** Gas per input byte (see {@link executeGas}). */
export const EXECUTE_INPUT_BYTE_GAS = 8n;

/** The gas EXECUTE charges for an input of `inputLength` bytes whose header claims `gasUsed`. */
export function executeGas(inputLength: number, gasUsed: bigint): bigint {
  return EXECUTE_BASE_GAS + gasUsed + EXECUTE_INPUT_BYTE_GAS * BigInt(inputLength);
}
