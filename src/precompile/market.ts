import { ExecutionRejectedError } from "../engine/errors.js";
import { UltrasoundError } from "../shared/errors.js";

/**
 * EXECUTE's own gas market (issue 17; docs/execute.md, "Gas market"): the core rules, pure and
 * shared by every installation of the precompile.
 *
 * The L2 gas of all EXECUTE calls in one L1 block is metered against its own limit and target,
 * not against L1's gas: a call costs L1 a fixed gas (`executeMarketGas`) and pays
 * `gasUsed × executeBaseFee` in ETH, upfront. The base fee follows EIP-4844's *excess* form
 * (as the blob base fee does), not EIP-1559's multiplicative step:
 *
 *     excess(b+1) = max(0, excess(b) + used(b) − TARGET)
 *     baseFee(b)  = fake_exponential(MIN_BASE_FEE, excess(b), UPDATE_FRACTION)
 *
 * Why the excess form: the precompile runs only when it is called, so it brings the market up to
 * date lazily, at the first call of an L1 block, over every L1 block since the last call. With
 * the excess form the k − 1 blocks without a call are one subtraction (`max(0, e − (k−1)·TARGET)`
 * is exactly k − 1 steps of the rule); EIP-1559's multiplicative step would need k rounded steps.
 * The state is then one number besides the current block's count, and the price depends only on
 * the total excess, not on how it was spread over blocks.
 */

/** The market's parameters. */
export interface ExecuteMarketConfig {
  /** EXECUTE_CUMULATIVE_GAS_LIMIT: the most L2 gas all EXECUTE calls of one L1 block may verify. */
  limit: bigint;
  /** EXECUTE_CUMULATIVE_GAS_TARGET: the L2 gas per L1 block at which the base fee holds still. */
  target: bigint;
  /** The base fee at zero excess, in wei per L2 gas (EIP-4844's MIN_BASE_FEE_PER_BLOB_GAS is 1). */
  minBaseFee: bigint;
  /** The excess that multiplies the base fee by e (EIP-4844's BLOB_BASE_FEE_UPDATE_FRACTION). */
  updateFraction: bigint;
}

/**
 * The default limit: 60M L2 gas per L1 block, as much as L1 itself verifies, on top of it and not
 * out of it. On this project's machines the engine re-executes ≈ 10–13 Mgas/s (docs/PITFALLS),
 * so 60M is ≈ 5 s of one core per 12-s slot: the emulation keeps up.
 */
export const EXECUTE_CUMULATIVE_GAS_LIMIT = 60_000_000n;
/** The default target: half the limit, as EIP-1559 and EIP-4844 set theirs. */
export const EXECUTE_CUMULATIVE_GAS_TARGET = 30_000_000n;
/** The default floor of the base fee: 1 wei per L2 gas, as EIP-4844's blob gas. */
export const MIN_EXECUTE_BASE_FEE = 1n;

/**
 * The update fraction that makes one L1 block at the limit raise the base fee by 12.5 % (and one
 * without EXECUTE lower it by 1/1.125), EIP-1559's bound: (limit − target) / ln(1.125).
 */
export function updateFractionFor(limit: bigint, target: bigint): bigint {
  // ln(1.125) = 0.117783035656383…; 1e15 keeps every digit a bigint can matter for here.
  return ((limit - target) * 10n ** 15n) / 117_783_035_656_383n;
}

/** The default market: limit 60M, target 30M, floor 1 wei, ±12.5 % per L1 block at most. */
export const DEFAULT_EXECUTE_MARKET: Readonly<ExecuteMarketConfig> = Object.freeze({
  limit: EXECUTE_CUMULATIVE_GAS_LIMIT,
  target: EXECUTE_CUMULATIVE_GAS_TARGET,
  minBaseFee: MIN_EXECUTE_BASE_FEE,
  updateFraction: updateFractionFor(EXECUTE_CUMULATIVE_GAS_LIMIT, EXECUTE_CUMULATIVE_GAS_TARGET),
});

/** A market's parameters that cannot work. */
export class ExecuteMarketConfigError extends UltrasoundError {
  override name = "ExecuteMarketConfigError";
}

/** Checks a market's parameters: 0 < target ≤ limit < 2^64, updateFraction > 0, minBaseFee > 0. */
export function checkExecuteMarketConfig(config: ExecuteMarketConfig): ExecuteMarketConfig {
  const { limit, target, minBaseFee, updateFraction } = config;
  if (!(target > 0n && target <= limit && limit < 2n ** 64n) || updateFraction <= 0n || minBaseFee <= 0n) {
    throw new ExecuteMarketConfigError("The EXECUTE market needs 0 < target ≤ limit < 2^64, updateFraction > 0 and minBaseFee > 0", {
      limit,
      target,
      minBaseFee,
      updateFraction,
    });
  }
  return config;
}

/**
 * The market's state, as the precompile keeps it: the last L1 block in which it charged a call,
 * the L2 gas charged in that block so far, and the excess at that block's start.
 * Zero everywhere before the first call.
 */
export interface ExecuteMarketState {
  blockNumber: bigint;
  used: bigint;
  excess: bigint;
}

/** The market before any call. */
export const EMPTY_EXECUTE_MARKET: Readonly<ExecuteMarketState> = Object.freeze({ blockNumber: 0n, used: 0n, excess: 0n });

/**
 * EIP-4844's `fake_exponential(factor, numerator, denominator)`: factor × e^(numerator/denominator),
 * rounded down, by its Taylor series — the exact integer function of the EIP, so that every
 * installation computes the same wei.
 */
export function fakeExponential(factor: bigint, numerator: bigint, denominator: bigint): bigint {
  let i = 1n;
  let output = 0n;
  let accumulator = factor * denominator;
  while (accumulator > 0n) {
    output += accumulator;
    accumulator = (accumulator * numerator) / (denominator * i);
    i += 1n;
  }
  return output / denominator;
}

/** The base fee at a given excess. */
export function executeBaseFeeAtExcess(excess: bigint, config: ExecuteMarketConfig = DEFAULT_EXECUTE_MARKET): bigint {
  return fakeExponential(config.minBaseFee, excess, config.updateFraction);
}

/** A block number older than the market's: L1 blocks only go forward. */
export class ExecuteMarketClockError extends UltrasoundError {
  override name = "ExecuteMarketClockError";
}

/**
 * The state as the first call of L1 block `blockNumber` finds it: `used` is that block's so far,
 * and the excess has taken one step for the last charged block and one idle step (used 0) for
 * each block between.
 */
export function marketAt(state: ExecuteMarketState, blockNumber: bigint, config: ExecuteMarketConfig = DEFAULT_EXECUTE_MARKET): ExecuteMarketState {
  if (blockNumber < state.blockNumber) {
    throw new ExecuteMarketClockError("EXECUTE's market is asked about an L1 block older than its last call", {
      blockNumber,
      lastCharged: state.blockNumber,
    });
  }
  if (blockNumber === state.blockNumber) return state;
  const blocks = blockNumber - state.blockNumber;
  const afterLast = state.excess + state.used > config.target ? state.excess + state.used - config.target : 0n;
  const idle = (blocks - 1n) * config.target;
  return { blockNumber, used: 0n, excess: afterLast > idle ? afterLast - idle : 0n };
}

/** The base fee a call in L1 block `blockNumber` pays per L2 gas (what `executeBaseFee(provider)` reports). */
export function executeBaseFee(state: ExecuteMarketState, blockNumber: bigint, config: ExecuteMarketConfig = DEFAULT_EXECUTE_MARKET): bigint {
  return executeBaseFeeAtExcess(marketAt(state, blockNumber, config).excess, config);
}

/** EXECUTE refused a call because its L1 block's EXECUTE calls already verify too much L2 gas. */
export class ExecuteGasLimitReachedError extends ExecutionRejectedError {
  override name = "ExecuteGasLimitReachedError";
}

/** EXECUTE refused a call that paid less than `gasUsed × executeBaseFee`. */
export class ExecuteFeeTooLowError extends ExecutionRejectedError {
  override name = "ExecuteFeeTooLowError";
}

/** What one call is charged, and the market after it. */
export interface ExecuteCharge {
  state: ExecuteMarketState;
  baseFee: bigint;
  /** `gasUsed × baseFee`: what the call had to pay at least. All of what it paid is burned. */
  fee: bigint;
}

/**
 * Charges one EXECUTE call of L1 block `blockNumber` that claims `gasUsed` L2 gas and paid `paid`
 * wei: refused (`ExecuteGasLimitReachedError`) when the block's calls would pass the limit, or
 * (`ExecuteFeeTooLowError`) when `paid < gasUsed × baseFee`; otherwise the new state. The charge
 * comes before the work and stands whatever the block's verdict: a call that claims gas and then
 * fails verification has still taken that gas from the block's limit.
 */
export function chargeExecute(
  state: ExecuteMarketState,
  call: { blockNumber: bigint; gasUsed: bigint; paid: bigint },
  config: ExecuteMarketConfig = DEFAULT_EXECUTE_MARKET,
): ExecuteCharge {
  const current = marketAt(state, call.blockNumber, config);
  const baseFee = executeBaseFeeAtExcess(current.excess, config);
  if (current.used + call.gasUsed > config.limit) {
    throw new ExecuteGasLimitReachedError("EXECUTE's cumulative gas limit of this L1 block is reached", {
      blockNumber: call.blockNumber,
      usedInBlock: current.used,
      gasUsed: call.gasUsed,
      limit: config.limit,
    });
  }
  const fee = call.gasUsed * baseFee;
  if (call.paid < fee) {
    throw new ExecuteFeeTooLowError("EXECUTE was paid less than gasUsed × executeBaseFee", {
      blockNumber: call.blockNumber,
      gasUsed: call.gasUsed,
      baseFee,
      fee,
      paid: call.paid,
    });
  }
  return { state: { ...current, used: current.used + call.gasUsed }, baseFee, fee };
}
