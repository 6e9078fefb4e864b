import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createBlock } from "@ethereumjs/block";
import { createAddressFromString, type Address } from "@ethereumjs/util";
import type { PrecompileInput } from "@ethereumjs/evm";
import { createVM } from "@ethereumjs/vm";
import { expect } from "chai";

/**
 * What an @ethereumjs/evm custom precompile can see of its call: the facts the EXECUTE market's
 * ethereumjs installation stands on (docs/execute.md, "Gas market"). `PrecompileInput` carries no
 * call value, so the market reads the payment as the precompile's balance, which the EVM credits
 * before the precompile runs; the L1 block number is the EVM's block. If an upgrade changes
 * either, this test says so before the market charges wrongly.
 */
describe("ethereumjs custom precompile: what it sees of a call", () => {
  it("is credited the call's value before it runs, reads its block, and loses both when it fails", async () => {
    const address: Address = createAddressFromString("0x00000000000000000000000000000000000a0101");
    const seen: { balance: bigint; block: bigint; keys: string[] }[] = [];
    const vm = await createVM({
      common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }),
      evmOpts: {
        customPrecompiles: [{
          address,
          function: async (call: PrecompileInput) => {
            const evm = call._EVM as unknown as { stateManager: { getAccount(a: Address): Promise<{ balance: bigint } | undefined> }; _block?: { header: { number: bigint } } };
            const account = await evm.stateManager.getAccount(address);
            seen.push({ balance: account?.balance ?? 0n, block: evm._block?.header.number ?? -1n, keys: Object.keys(call) });
            const fail = call.data[0] === 1;
            return fail
              ? { executionGasUsed: call.gasLimit, returnValue: new Uint8Array(0), exceptionError: { error: "failed", errorType: "EVMError" } as never }
              : { executionGasUsed: 100n, returnValue: new Uint8Array(0) };
          },
        }],
      },
    });
    const caller = createAddressFromString("0x00000000000000000000000000000000000c0001");
    await vm.stateManager.putAccount(caller, undefined);
    await vm.stateManager.modifyAccountFields(caller, { balance: 10n ** 18n });
    const block = createBlock({ header: { number: 77n } }, { common: vm.common });

    const ok = await vm.evm.runCall({ caller, to: address, value: 1234n, data: new Uint8Array([0]), gasLimit: 100_000n, block });
    expect(ok.execResult.exceptionError).to.equal(undefined);
    expect(seen[0]!.keys).to.not.include("value"); // no value in the input: hence the balance
    expect(seen[0]!.balance, "value credited before the precompile runs").to.equal(1234n);
    expect(seen[0]!.block).to.equal(77n);
    expect((await vm.stateManager.getAccount(address))!.balance).to.equal(1234n);

    const failed = await vm.evm.runCall({ caller, to: address, value: 5n, data: new Uint8Array([1]), gasLimit: 100_000n, block });
    expect(failed.execResult.exceptionError).to.not.equal(undefined);
    expect(seen[1]!.balance).to.equal(1239n);
    // A failing frame gives the value back: a fee paid "even when the block is rejected" must
    // therefore end the call successfully (with an output the caller reads as a rejection).
    expect((await vm.stateManager.getAccount(address))!.balance).to.equal(1234n);
  });
});
