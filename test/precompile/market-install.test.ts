/**
 * EXECUTE's gas market installed on the real Hardhat L1 (docs/execute.md, "Gas market"): the
 * shim at 0x…0101 keeps the market's state in its storage, takes the fee as the call's value and
 * asks the TypeScript rules (src/precompile/market.ts) through EDR's hook; NativeRollup checks
 * the market first so a refusal names its values; the SDK and the proposer pay the fee.
 */
import { bytesToHex } from "@ethereumjs/util";
import { expect } from "chai";
import { Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain, type L2Chain } from "../../src/engine/state.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { setExecutePricing } from "../../src/hardhat/execute-pricing.js";
import { EXECUTE_ADDRESS, encodeExecuteInput } from "../../src/precompile/codec.js";
import { DEFAULT_EXECUTE_MARKET, executeBaseFee, updateFractionFor, type ExecuteMarketConfig, type ExecuteMarketState } from "../../src/precompile/market.js";
import { unpackMarketState } from "../../src/precompile/market-oracle.js";
import { EXECUTE_L1_GAS_SHIM_BYTECODE, EXECUTE_SHIM_BYTECODE } from "../../src/precompile/shim.js";
import { readExecuteMarket } from "../../src/sdk/execute-market.js";
import { createRollup, deployFactory } from "../../src/sdk/factory.js";
import { commit, prepareBlock, signL2 } from "../contracts/helpers.js";

type Send = { send(method: string, params: unknown[]): Promise<unknown> };

/** The market's state as 0x…0101's storage holds it at `tag`. */
async function stateAt(provider: Send, tag = "latest"): Promise<ExecuteMarketState> {
  return unpackMarketState(BigInt((await provider.send("eth_getStorageAt", [EXECUTE_ADDRESS, "0x0", tag])) as string));
}

async function balanceOf(provider: Send, address: string, tag = "latest"): Promise<bigint> {
  return BigInt((await provider.send("eth_getBalance", [address, tag])) as string);
}

async function blockNumber(provider: Send): Promise<bigint> {
  return BigInt((await provider.send("eth_blockNumber", [])) as string);
}

/** An L2 transfer of 1 wei from dev wallet `from` (21,000 L2 gas). */
async function transfer(chain: L2Chain, from: number, nonce = 0): Promise<string> {
  const wallet = new Wallet(devAccounts()[from]!.privateKey);
  return signL2(chain, wallet, { to: devAccounts()[19]!.address, value: 1n, nonce });
}

/** A market small enough for a few 21,000-gas blocks to fill, with a fee high enough to move in whole wei. */
function smallMarket(limit: bigint, target: bigint): ExecuteMarketConfig {
  return { limit, target, minBaseFee: 1_000_000_000n, updateFraction: updateFractionFor(limit, target) };
}

describe("EXECUTE's gas market on the Hardhat L1", function () {
  it("is on by default: executeMarket() answers the default market at the floor fee, and an advance pays gasUsed × baseFee, burned at 0x…0101", async function () {
    const { ethers } = await network.create();
    expect(await ethers.provider.send("eth_getCode", [EXECUTE_ADDRESS, "latest"])).to.equal(EXECUTE_SHIM_BYTECODE);
    const view = await readExecuteMarket(ethers.provider);
    expect(view).to.deep.equal({ pricing: 1n, baseFee: 1n, usedInBlock: 0n, limit: DEFAULT_EXECUTE_MARKET.limit, target: DEFAULT_EXECUTE_MARKET.target, excess: 0n });
    // The JSON-RPC method beside eth_blobBaseFee, on every Hardhat network (hardhat node and the devnet's L1 too).
    expect(await ethers.provider.send("ultrasound_executeBaseFee", [])).to.equal("0x1");

    const l2 = await loadRollupFixture({ ethers });
    const burnedBefore = await balanceOf(ethers.provider, EXECUTE_ADDRESS);
    await l2.send({ from: 1, to: l2.wallets[2]!.address, value: 1n });
    const { event, l1Receipt } = await l2.advance();
    expect(event.gasUsed).to.equal(21_000n);
    // The fee went to EXECUTE (burned: no code there can move it) and the market counted the gas.
    expect(await balanceOf(ethers.provider, EXECUTE_ADDRESS)).to.equal(burnedBefore + 21_000n);
    expect(await stateAt(ethers.provider)).to.deep.equal({ blockNumber: BigInt(l1Receipt.blockNumber), used: 21_000n, excess: 0n });
  });

  it("RevertWhen_ExecuteFeeTooLow: an advance that pays less than gasUsed × baseFee, with the values; one wei more lands", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers });
    const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2.chain, 1)] });
    expect(prepared.fee).to.equal(21_000n);
    const advance = (value: bigint) => l2.rollup.getFunction("advance")(prepared.claim, prepared.transactions, prepared.witness, "0x", { gasLimit: prepared.gasLimit, value });
    await expect(advance(20_999n)).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecuteFeeTooLow").withArgs(21_000n, 1n, 21_000n, 20_999n);
    await expect(advance(0n)).to.be.revertedWithCustomError(l2.rollup, "NativeRollup_ExecuteFeeTooLow").withArgs(21_000n, 1n, 21_000n, 0n);
    await expect(advance(21_000n)).to.emit(l2.rollup, "BlockAdvanced");
  });

  it("RevertWhen_ExecuteGasLimitReached: the second of two advances in one L1 block passes the cumulative limit, with the block's gas so far", async function () {
    const { ethers, provider } = await network.create();
    await setExecutePricing(provider, { market: smallMarket(30_000n, 15_000n) });
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    const a = await createRollup(factory, devGenesis({ chainId: 7101n }));
    const b = await createRollup(factory, devGenesis({ chainId: 7102n }));
    const bundler = (await ethers.deployContract("RollupBundler")) as unknown as Contract;
    const pa = await prepareBlock(ethers, a.chain, { transactions: [await transfer(a.chain, 1)] });
    const pb = await prepareBlock(ethers, b.chain, { transactions: [await transfer(b.chain, 2)] });
    expect(pa.fee).to.equal(21_000n * 1_000_000_000n);
    const call = (rollup: typeof a, p: typeof pa) => ({ target: rollup.address, data: rollup.rollup.interface.encodeFunctionData("advance", [p.claim, p.transactions, p.witness, "0x"]), value: p.fee });
    const next = (await blockNumber(ethers.provider)) + 1n;
    const refused = b.rollup.interface.encodeErrorResult("NativeRollup_ExecuteGasLimitReached", [next, 21_000n, 21_000n, 30_000n]);
    await expect(bundler.getFunction("bundle")([call(a, pa), call(b, pb)], { gasLimit: pa.gasLimit + pb.gasLimit + 50_000n, value: pa.fee + pb.fee }))
      .to.be.revertedWithCustomError(bundler, "RollupBundler_CallFailed")
      .withArgs(1n, refused);
    // Each alone fits: the limit is per L1 block, so the next L1 block has room for B.
    await bundler.getFunction("bundle")([call(a, pa)], { gasLimit: pa.gasLimit + 50_000n, value: pa.fee });
    commit(a.chain, pa);
    const pb2 = await prepareBlock(ethers, b.chain, { transactions: [await transfer(b.chain, 2)] });
    await expect(b.rollup.getFunction("advance")(pb2.claim, pb2.transactions, pb2.witness, "0x", { gasLimit: pb2.gasLimit, value: pb2.fee })).to.emit(b.rollup, "BlockAdvanced");
  });

  it("the base fee rises 12.5 % after each L1 block at the limit and falls back after L1 blocks without EXECUTE, as market.ts computes", async function () {
    const { ethers, provider } = await network.create();
    const market = smallMarket(42_000n, 21_000n); // a block of two transfers is at the limit
    await setExecutePricing(provider, { market });
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const fees: bigint[] = [(await readExecuteMarket(ethers.provider)).baseFee];
    expect(fees[0]).to.equal(1_000_000_000n);
    for (let i = 0; i < 4; i++) {
      await l2.send({ from: 1, to: l2.wallets[3]!.address, value: 1n });
      await l2.send({ from: 2, to: l2.wallets[3]!.address, value: 1n });
      const { event } = await l2.advance();
      expect(event.gasUsed).to.equal(42_000n);
      const view = await readExecuteMarket(ethers.provider);
      // What the rules say of the stored state at the next block, to the wei.
      expect(view.baseFee).to.equal(executeBaseFee(await stateAt(ethers.provider), (await blockNumber(ethers.provider)) + 1n, market));
      expect(BigInt(await ethers.provider.send("ultrasound_executeBaseFee", ["pending"]))).to.equal(view.baseFee);
      fees.push(view.baseFee);
    }
    for (let i = 1; i < fees.length; i++) {
      expect(fees[i]! * 1000n / fees[i - 1]!, `step ${i}: ${fees[i - 1]} → ${fees[i]}`).to.be.within(1_124n, 1_125n);
    }
    // Empty L1 blocks: each takes `target` off the excess, the fee falls by the same factor.
    const high = fees.at(-1)!;
    let previous = high;
    for (let i = 0; i < 4; i++) {
      await ethers.provider.send("evm_mine", []);
      const fee = (await readExecuteMarket(ethers.provider)).baseFee;
      expect(fee, `idle block ${i}`).to.be.lessThan(previous);
      previous = fee;
    }
    await ethers.provider.send("hardhat_mine", ["0x10"]);
    expect((await readExecuteMarket(ethers.provider)).baseFee, "back at the floor").to.equal(market.minBaseFee);
    console.log(`      execute base fee (gwei): ${fees.map((f) => Number(f) / 1e9).join(" → ")}, then down to 1 after idle L1 blocks`);
  });

  it("a block EXECUTE rejects keeps its fee and its gas in the market: the call succeeds with empty output", async function () {
    const { ethers } = await network.create();
    const harness = (await ethers.deployContract("ExecuteHarness")) as unknown as Contract;
    const chain = await createL2Chain(devGenesis());
    const prepared = await prepareBlock(ethers, chain, { transactions: [await transfer(chain, 1)] });
    const broken = { ...prepared.block.input, postStateRoot: new Uint8Array(32).fill(0x11) };
    const input = bytesToHex(encodeExecuteInput(broken));
    const before = await balanceOf(ethers.provider, EXECUTE_ADDRESS);
    const [ok, output] = await harness.getFunction("executeRaw").staticCall(input, 1_000_000n, { value: 21_000n });
    expect(ok, "the call succeeds so that the fee stays paid").to.equal(true);
    expect(output).to.equal("0x");
    await (await harness.getFunction("executeRaw")(input, 1_000_000n, { value: 21_000n, gasLimit: 2_000_000n })).wait();
    expect(await balanceOf(ethers.provider, EXECUTE_ADDRESS)).to.equal(before + 21_000n);
    expect((await stateAt(ethers.provider)).used).to.equal(21_000n);
    // Paying too little is refused outright: the call fails and nothing is charged.
    const [refused] = await harness.getFunction("executeRaw").staticCall(input, 1_000_000n, { value: 20_999n });
    expect(refused).to.equal(false);
  });

  it("eth_call and eth_estimateGas of an advance leave the market's state and balance as they were", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers });
    const prepared = await prepareBlock(ethers, l2.chain, { transactions: [await transfer(l2.chain, 1)] });
    const state = await ethers.provider.send("eth_getStorageAt", [EXECUTE_ADDRESS, "0x0", "latest"]);
    const balance = await balanceOf(ethers.provider, EXECUTE_ADDRESS);
    const from = l2.wallets[0]!.address;
    const request = { from, to: l2.address, data: l2.rollup.interface.encodeFunctionData("advance", [prepared.claim, prepared.transactions, prepared.witness, "0x"]), value: "0x" + prepared.fee.toString(16) };
    await ethers.provider.send("eth_call", [request, "pending"]);
    const estimate = BigInt(await ethers.provider.send("eth_estimateGas", [request]));
    expect(estimate).to.be.greaterThan(100_000n);
    expect(await ethers.provider.send("eth_getStorageAt", [EXECUTE_ADDRESS, "0x0", "latest"])).to.equal(state);
    expect(await balanceOf(ethers.provider, EXECUTE_ADDRESS)).to.equal(balance);
    expect((await readExecuteMarket(ethers.provider)).usedInBlock).to.equal(0n);
  });

  it("1:1 pricing still works (the fixture's executePricing, setExecutePricing): no fee, L2 gas charged as L1 gas; the market saves that gas", async function () {
    const gasOf = async (pricing: "market" | "l1-gas") => {
      const { ethers } = await network.create();
      const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata", ...(pricing === "l1-gas" ? { executePricing: { pricing } } : {}) });
      for (let i = 1; i <= 5; i++) await l2.send({ from: i, to: l2.wallets[9]!.address, value: 1n });
      const { l1Receipt, event } = await l2.advance();
      return { ethers, l1Gas: l1Receipt.gasUsed, gasUsed: event.gasUsed };
    };
    const oneToOne = await gasOf("l1-gas");
    expect(await oneToOne.ethers.provider.send("eth_getCode", [EXECUTE_ADDRESS, "latest"])).to.equal(EXECUTE_L1_GAS_SHIM_BYTECODE);
    expect(await readExecuteMarket(oneToOne.ethers.provider)).to.deep.equal({ pricing: 0n, baseFee: 0n, usedInBlock: 0n, limit: 0n, target: 0n, excess: 0n });
    expect(await balanceOf(oneToOne.ethers.provider, EXECUTE_ADDRESS)).to.equal(0n);
    const market = await gasOf("market");
    expect(oneToOne.gasUsed).to.equal(105_000n);
    expect(market.gasUsed).to.equal(105_000n);
    console.log(`      L1 gas of an advance of 5 transfers (105,000 L2 gas), calldata: 1:1 ${oneToOne.l1Gas}, market ${market.l1Gas} (+ ${market.gasUsed} wei)`);
    // The market's advance pays the L2 gas in ETH, not L1 gas; its own state and fee cost ≈ 35k.
    expect(market.l1Gas).to.be.lessThan(oneToOne.l1Gas - 60_000n);
  });
});

