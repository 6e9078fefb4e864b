import { Common } from "@ethereumjs/common";
import { paramsTx } from "@ethereumjs/tx";

/**
 * Makes decoding a transaction stop rebuilding `common`'s parameter tables.
 *
 * Every ethereumjs transaction constructor copies the `Common` it is given and calls
 * `updateParams(paramsTx)` on the copy, which deep-copies the parameter sets through JSON and
 * rebuilds the parameter cache of every hardfork up to Osaka: ≈ 0.25 ms per transaction,
 * 6–8 % of verifying a block of ERC20 transfers (issue 9's profile).
 *
 * Here `paramsTx` is merged into `common` once, up front; copies of `common` then skip
 * `updateParams(paramsTx)` — a no-op on them, since the copy's parameters already hold exactly
 * those values — and run every other update as upstream does. The no-op holds while no other
 * parameter set overrides a value of `paramsTx` (none of ethereumjs's does; a test checks).
 * Copies of copies inherit the behaviour (`copy()` copies own properties).
 */
export function withTxParamsMerged(common: Common): Common {
  common.updateParams(paramsTx);
  common.copy = copyWithTxParams;
  return common;
}

function copyWithTxParams(this: Common): Common {
  const copy = Common.prototype.copy.call(this);
  copy.updateParams = updateParamsUnlessTx;
  return copy;
}

function updateParamsUnlessTx(this: Common, params: Parameters<Common["updateParams"]>[0]): void {
  if (params === paramsTx) return;
  Common.prototype.updateParams.call(this, params);
}
