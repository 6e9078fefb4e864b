/**
 * EXECUTE's gas market in the @ethereumjs/vm installation (`executePrecompile`, docs/execute.md,
 * "Gas market"): the same rules and the same state word as the Hardhat shim, the fee read as the
 * value the EVM credited to 0x…0101, the L1 block from the EVM's block.
 */
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createBlock } from "@ethereumjs/block";
import { bytesToBigInt, bytesToHex, createAddressFromString, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { expect } from "chai";
import { Wallet } from "ethers";
import { buildBlock } from "../../src/engine/build.js";
import { devAccounts } from "../../src/engine/chain.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain } from "../../src/engine/state.js";
import { EXECUTE_ADDRESS, encodeExecuteInput, EXECUTE_OUTPUT_LENGTH } from "../../src/precompile/codec.js";
import { executePrecompile } from "../../src/precompile/ethereumjs.js";
import { executeMarketGas } from "../../src/precompile/gas.js";
import { chargeExecute, EMPTY_EXECUTE_MARKET, updateFractionFor, type ExecuteMarketConfig } from "../../src/precompile/market.js";
import { decodeMarketView, EXECUTE_MARKET_SELECTOR, packMarketState } from "../../src/precompile/market-oracle.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

const EXECUTE = createAddressFromString(EXECUTE_ADDRESS);
const CALLER = createAddressFromString("0x00000000000000000000000000000000000c0001");
const MARKET: ExecuteMarketConfig = { limit: 50_000n, target: 25_000n, minBaseFee: 1_000n, updateFraction: updateFractionFor(50_000n, 25_000n) };

/** A real L2 block of one transfer (21,000 L2 gas), as EXECUTE's input. */
async function transferInput(): Promise<Uint8Array> {
  const chain = await createL2Chain(devGenesis());
  const [a, b] = devAccounts().map((acc) => new Wallet(acc.privateKey));
  const tx = await signL2Transaction(chain, a!, { to: b!.address, value: 1n, nonce: 0 });
  const block = await buildBlock(chain, {
    transactions: [hexToBytes(tx as `0x${string}`)],
    timestamp: 1_700_000_000n,
    coinbase: hexToBytes("0x00000000000000000000000000000000000c0ffe"),
    prevRandao: new Uint8Array(32).fill(1),
    anchor: new Uint8Array(32).fill(2),
  });
  expect(block.header.gasUsed).to.equal(21_000n);
  return encodeExecuteInput(block.input);
}

describe("precompile/ethereumjs: EXECUTE's gas market in an @ethereumjs/vm", function () {
  let vm: VM;
  let input: Uint8Array;
  const call = (data: Uint8Array, value: bigint, l1Block: bigint) =>
    vm.evm.runCall({ caller: CALLER, to: EXECUTE, data, value, gasLimit: 1_000_000n, block: createBlock({ header: { number: l1Block } }, { common: vm.common }) });
  const slot = async (k: number) => bytesToBigInt(await vm.stateManager.getStorage(EXECUTE, setLengthLeft(new Uint8Array([k]), 32)));
  const balance = async () => (await vm.stateManager.getAccount(EXECUTE))?.balance ?? 0n;

  before(async function () {
    vm = await createVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }), evmOpts: { customPrecompiles: [executePrecompile({ market: MARKET })] } });
    await vm.stateManager.putAccount(CALLER, undefined);
    await vm.stateManager.modifyAccountFields(CALLER, { balance: 10n ** 18n });
    input = await transferInput();
  });

  it("charges the market's L1 gas, takes the fee as value, keeps the state the Hardhat shim keeps; refuses too little and a block past the limit", async function () {
    const fee = 21_000n * 1_000n;
    const ok = await call(input, fee, 10n);
    expect(ok.execResult.exceptionError).to.equal(undefined);
    expect(ok.execResult.returnValue.length).to.equal(EXECUTE_OUTPUT_LENGTH);
    expect(ok.execResult.executionGasUsed).to.equal(executeMarketGas(input.length));
    expect(await balance()).to.equal(fee);
    const expected = chargeExecute(EMPTY_EXECUTE_MARKET, { blockNumber: 10n, gasUsed: 21_000n, paid: fee }, MARKET).state;
    expect(await slot(0)).to.equal(packMarketState(expected));
    expect(await slot(1), "the balance accounted as paid").to.equal(fee);

    // One wei short: refused, the value goes back, nothing changes.
    const short = await call(input, fee - 1n, 10n);
    expect(short.execResult.exceptionError).to.not.equal(undefined);
    expect(await balance()).to.equal(fee);
    // Same L1 block, enough paid: 42,000 ≤ 50,000 fits.
    expect((await call(input, fee, 10n)).execResult.exceptionError).to.equal(undefined);
    // A third 21,000 in L1 block 10 would pass the limit (63,000 > 50,000): refused.
    expect((await call(input, fee, 10n)).execResult.exceptionError).to.not.equal(undefined);
    expect(await balance()).to.equal(2n * fee);

    // The view at L1 block 11: 42,000 used in block 10 left an excess of 17,000; the fee rose.
    const view = await call(hexToBytes(EXECUTE_MARKET_SELECTOR as `0x${string}`), 0n, 11n);
    const answer = decodeMarketView(view.execResult.returnValue);
    expect(answer).to.include({ pricing: 1n, usedInBlock: 0n, excess: 17_000n, limit: 50_000n, target: 25_000n });
    expect(answer.baseFee).to.be.greaterThan(1_000n);
  });

  it("a block EXECUTE rejects keeps its fee: the call succeeds with an empty output", async function () {
    const before = await balance();
    const broken = new Uint8Array(input);
    broken[5 * 32 + 31]! ^= 1; // the postStateRoot word
    const baseFee = decodeMarketView((await call(hexToBytes(EXECUTE_MARKET_SELECTOR as `0x${string}`), 0n, 20n)).execResult.returnValue).baseFee;
    const rejected = await call(broken, 21_000n * baseFee, 20n);
    expect(rejected.execResult.exceptionError).to.equal(undefined);
    expect(bytesToHex(rejected.execResult.returnValue)).to.equal("0x");
    expect(await balance()).to.equal(before + 21_000n * baseFee);
  });

  it("under 1:1 pricing charges the formula with gasUsed and takes no fee", async function () {
    const flat = await createVM({ common: new Common({ chain: Mainnet, hardfork: Hardfork.Osaka }), evmOpts: { customPrecompiles: [executePrecompile({ pricing: "l1-gas" })] } });
    const result = await flat.evm.runCall({ to: EXECUTE, data: input, gasLimit: 1_000_000n });
    expect(result.execResult.exceptionError).to.equal(undefined);
    expect(result.execResult.executionGasUsed).to.equal(executeMarketGas(input.length) + 21_000n);
  });
});
