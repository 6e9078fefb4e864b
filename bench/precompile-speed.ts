/**
 * CPU ns per gas of each precompile's own work (its function called directly, no EVM frame), for an
 * EVM with ethereumjs's default backends and for the engine's: the before/after columns of the
 * `hostile` bench's precompile table.
 */
import { createEVM, type EVM, type EVMOpts } from "@ethereumjs/evm";
import { createAddressFromString } from "@ethereumjs/util";
import { createL2Common } from "../src/engine/chain.js";
import type { PrecompileCase } from "./precompile-inputs.js";

/** ns per gas of `fn(case)` over at least `minMs` ms (and 3 calls), and its gas. */
export async function precompileNsPerGas(evm: EVM, c: PrecompileCase, minMs = 150): Promise<{ gas: bigint; nsPerGas: number }> {
  const fn = evm.getPrecompile(createAddressFromString(c.address));
  if (fn === undefined) throw new Error(`no precompile at ${c.address}`);
  const call = async () => {
    const result = await fn({ data: c.input, gasLimit: 100_000_000n, common: evm.common, _EVM: evm } as never);
    if (result.exceptionError !== undefined) throw new Error(`${c.name} failed: ${result.exceptionError.error}`);
    return result.executionGasUsed;
  };
  const gas = await call(); // warm-up (and a validity check of the input)
  let calls = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  while (calls < 3 || performance.now() - started < minMs) {
    await call();
    calls++;
  }
  return { gas, nsPerGas: (cpuMs(cpu) * 1e6) / calls / Number(gas) };
}

/** CPU time of this process (user + system) since `since`, in ms: less sensitive to other processes than wall time. */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** An EVM on the L2's Common with the given options (ethereumjs's defaults when none). */
export async function l2Evm(opts: Partial<EVMOpts> = {}): Promise<EVM> {
  return createEVM({ common: createL2Common(167001n), ...opts });
}
