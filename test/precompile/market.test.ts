import { expect } from "chai";
import {
  DEFAULT_EXECUTE_MARKET,
  EMPTY_EXECUTE_MARKET,
  ExecuteFeeTooLowError,
  ExecuteGasLimitReachedError,
  ExecuteMarketClockError,
  ExecuteMarketConfigError,
  chargeExecute,
  checkExecuteMarketConfig,
  executeBaseFee,
  executeBaseFeeAtExcess,
  fakeExponential,
  marketAt,
  updateFractionFor,
  type ExecuteMarketConfig,
  type ExecuteMarketState,
} from "../../src/precompile/market.js";
import { ExecutionRejectedError } from "../../src/engine/errors.js";
import { EXECUTE_BASE_GAS, executeGas, executeMarketGas } from "../../src/precompile/gas.js";

/** A market whose floor is 1 gwei, so that a 12.5 % move shows in the wei. */
const GWEI_MARKET: ExecuteMarketConfig = { ...DEFAULT_EXECUTE_MARKET, minBaseFee: 10n ** 9n };
const { limit: LIMIT, target: TARGET } = DEFAULT_EXECUTE_MARKET;

/** Charges `gasUsed` in block `blockNumber`, paying what it costs. */
function charge(state: ExecuteMarketState, blockNumber: bigint, gasUsed: bigint, config = GWEI_MARKET) {
  const paid = gasUsed * executeBaseFee(state, blockNumber, config);
  return chargeExecute(state, { blockNumber, gasUsed, paid }, config);
}

/** The rule one block at a time: excess(b+1) = max(0, excess(b) + used(b) − target). */
function stepwise(excess: bigint, usedPerBlock: bigint[], target: bigint): bigint {
  for (const used of usedPerBlock) excess = excess + used > target ? excess + used - target : 0n;
  return excess;
}

describe("EXECUTE gas market (core)", () => {
  it("fake_exponential gives EIP-4844's values", () => {
    // The vectors of the EIP-4844 reference tests (factor, numerator, denominator, expected).
    const vectors: [bigint, bigint, bigint, bigint][] = [
      [1n, 0n, 1n, 1n], [38493n, 0n, 1000n, 38493n], [0n, 1234n, 2345n, 0n], [1n, 2n, 1n, 6n], [1n, 4n, 2n, 6n],
      [1n, 3n, 1n, 16n], [1n, 6n, 2n, 18n], [1n, 4n, 1n, 49n], [1n, 8n, 2n, 50n], [10n, 8n, 2n, 542n], [11n, 8n, 2n, 596n],
      [1n, 5n, 1n, 136n], [1n, 5n, 2n, 11n], [2n, 5n, 2n, 23n], [1n, 50_000_000n, 2_225_652n, 5_709_098_764n],
    ];
    for (const [factor, numerator, denominator, expected] of vectors) {
      expect(fakeExponential(factor, numerator, denominator), `${factor}, ${numerator}, ${denominator}`).to.equal(expected);
    }
  });

  it("one L1 block at the limit raises the base fee by 12.5 %, one without EXECUTE lowers it back", () => {
    expect(updateFractionFor(LIMIT, TARGET)).to.equal(DEFAULT_EXECUTE_MARKET.updateFraction);
    let state = charge(EMPTY_EXECUTE_MARKET, 10n, LIMIT).state;
    const floor = GWEI_MARKET.minBaseFee;
    expect(executeBaseFee(state, 10n, GWEI_MARKET)).to.equal(floor); // the price holds within the block
    const up = executeBaseFee(state, 11n, GWEI_MARKET);
    // 12.5 % up, to a millionth (exact integers: Hardhat's chai matchers take closeTo for bigints).
    const ratioMillionths = (up * 1_000_000n) / floor;
    expect(ratioMillionths >= 1_124_999n && ratioMillionths <= 1_125_001n, `ratio ${ratioMillionths} / 1e6`).to.equal(true);
    state = charge(state, 11n, 0n).state; // block 11 verifies nothing
    expect(executeBaseFee(state, 12n, GWEI_MARKET)).to.equal(floor);
  });

  it("the base fee rises above the target, holds at it and falls below it", () => {
    let state = charge(EMPTY_EXECUTE_MARKET, 1n, LIMIT).state;
    state = charge(state, 2n, LIMIT).state;
    const high = executeBaseFee(state, 3n, GWEI_MARKET);
    state = charge(state, 3n, TARGET).state;
    expect(executeBaseFee(state, 4n, GWEI_MARKET), "at target").to.equal(high);
    state = charge(state, 4n, TARGET + 1_000_000n).state;
    const higher = executeBaseFee(state, 5n, GWEI_MARKET);
    expect(higher, "above target").to.be.greaterThan(high);
    state = charge(state, 5n, TARGET / 2n).state;
    const lower = executeBaseFee(state, 6n, GWEI_MARKET);
    expect(lower, "below target").to.be.lessThan(higher);
    expect(lower).to.be.greaterThan(GWEI_MARKET.minBaseFee);
  });

  it("catches up over L1 blocks without EXECUTE as if it had stepped through each", () => {
    let seed = 17n;
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
    for (let round = 0; round < 200; round++) {
      const excess = next() % (4n * TARGET);
      const used = next() % (LIMIT + 1n);
      const blocks = (next() % 6n) + 1n;
      const state: ExecuteMarketState = { blockNumber: 100n, used, excess };
      const expected = stepwise(excess, [used, ...Array<bigint>(Number(blocks - 1n)).fill(0n)], TARGET);
      expect(marketAt(state, 100n + blocks), `excess ${excess} used ${used} blocks ${blocks}`).to.deep.equal({
        blockNumber: 100n + blocks,
        used: 0n,
        excess: expected,
      });
    }
  });

  it("refuses a call that would pass the L1 block's cumulative limit, with the figures", () => {
    let state = charge(EMPTY_EXECUTE_MARKET, 7n, LIMIT - 5_000_000n).state;
    state = charge(state, 7n, 5_000_000n).state; // exactly the limit: accepted
    expect(state.used).to.equal(LIMIT);
    let refused: unknown;
    try {
      charge(state, 7n, 21_000n);
    } catch (error) {
      refused = error;
    }
    expect(refused).to.be.instanceOf(ExecuteGasLimitReachedError);
    expect(refused).to.be.instanceOf(ExecutionRejectedError); // a verdict, not a fault of the emulation
    expect((refused as ExecuteGasLimitReachedError).details).to.deep.equal({ blockNumber: 7n, usedInBlock: LIMIT, gasUsed: 21_000n, limit: LIMIT });
    expect(charge(state, 8n, 21_000n).state.used, "the next L1 block has room again").to.equal(21_000n);
  });

  it("refuses a call that pays less than gasUsed × base fee, and burns all of an overpayment", () => {
    const state = charge(EMPTY_EXECUTE_MARKET, 1n, LIMIT).state; // block 2's base fee is above the floor
    const baseFee = executeBaseFee(state, 2n, GWEI_MARKET);
    const gasUsed = 1_000_000n;
    expect(() => chargeExecute(state, { blockNumber: 2n, gasUsed, paid: gasUsed * baseFee - 1n }, GWEI_MARKET))
      .to.throw(ExecuteFeeTooLowError, /paid less/)
      .with.property("details")
      .that.deep.equals({ blockNumber: 2n, gasUsed, baseFee, fee: gasUsed * baseFee, paid: gasUsed * baseFee - 1n });
    const paid = chargeExecute(state, { blockNumber: 2n, gasUsed, paid: gasUsed * baseFee + 5n }, GWEI_MARKET);
    expect(paid.fee).to.equal(gasUsed * baseFee);
    expect(paid.state.used).to.equal(gasUsed);
  });

  it("checks the limit before the fee: a full block refuses even a call that pays", () => {
    const state = charge(EMPTY_EXECUTE_MARKET, 3n, LIMIT).state;
    expect(() => chargeExecute(state, { blockNumber: 3n, gasUsed: 1n, paid: 10n ** 18n }, GWEI_MARKET)).to.throw(ExecuteGasLimitReachedError);
  });

  it("admits one L2 block of more than 2^24 gas, which an L1 transaction under EIP-7825 cannot carry as L1 gas", () => {
    const big = 2n ** 24n + 10_000_000n;
    const { state, fee } = charge(EMPTY_EXECUTE_MARKET, 1n, big, DEFAULT_EXECUTE_MARKET);
    expect(state.used).to.equal(big);
    expect(fee).to.equal(big * DEFAULT_EXECUTE_MARKET.minBaseFee);
    // Its L1 gas no longer grows with the L2 gas: the fixed cost and the input's bytes only.
    expect(executeMarketGas(50_000, 1)).to.equal(executeGas(50_000, 0n, 1));
    expect(executeMarketGas(50_000, 1)).to.be.lessThan(2n ** 24n);
    expect(executeMarketGas(0)).to.equal(EXECUTE_BASE_GAS);
  });

  it("refuses an L1 block older than the last charged one, and parameters that cannot work", () => {
    const state = charge(EMPTY_EXECUTE_MARKET, 9n, 1n).state;
    expect(() => marketAt(state, 8n)).to.throw(ExecuteMarketClockError, /older/);
    expect(() => checkExecuteMarketConfig({ ...DEFAULT_EXECUTE_MARKET, target: LIMIT + 1n })).to.throw(ExecuteMarketConfigError);
    expect(() => checkExecuteMarketConfig({ ...DEFAULT_EXECUTE_MARKET, minBaseFee: 0n })).to.throw(ExecuteMarketConfigError);
    expect(() => checkExecuteMarketConfig({ ...DEFAULT_EXECUTE_MARKET, updateFraction: 0n })).to.throw(ExecuteMarketConfigError);
    expect(checkExecuteMarketConfig(DEFAULT_EXECUTE_MARKET)).to.equal(DEFAULT_EXECUTE_MARKET);
    expect(executeBaseFeeAtExcess(0n)).to.equal(DEFAULT_EXECUTE_MARKET.minBaseFee);
  });
});
