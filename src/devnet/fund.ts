/**
 * How the devnet funds L2 accounts: by real deposits through the rollup's bridge (docs/bridge.md),
 * not by a genesis allocation, so the L2 ETH there is is exactly what L1 escrows.
 */
import type { Contract, JsonRpcProvider } from "ethers";
import { deliveredCount } from "../bridge/queue.js";
import type { L2Chain } from "../engine/state.js";
import { deposit } from "../sdk/bridge.js";
import { UltrasoundError } from "../shared/errors.js";

/** The devnet's deposits were not delivered on L2 in time. */
export class FundingTimeoutError extends UltrasoundError {
  override name = "FundingTimeoutError";
}

/** What {@link fundByDeposits} did. */
export interface Funding {
  accounts: string[];
  /** What each account deposited on each rollup. */
  amount: bigint;
  /** How many deposits were made in all (accounts × rollups). */
  deposits: number;
  /** Per rollup (in the order given), the L2 block that delivered the last of its deposits. */
  deliveredIn: bigint[];
}

/**
 * Deposits `amount` wei from each of `accounts` (unlocked on the L1 node) to the same address on
 * L2, on every rollup given: each account's L1 balance is topped up first with
 * `hardhat_setBalance` (by `amount` per rollup) so it keeps what it had on L1, then every deposit
 * is sent without waiting for the one before (one sender's in order, the senders side by side),
 * and each rollup's proposer chain, which delivers queued messages on its own, must deliver its own.
 */
export async function fundByDeposits(options: {
  l1: JsonRpcProvider;
  rollups: { rollup: Contract; chain: L2Chain }[];
  accounts: string[];
  amount: bigint;
  timeoutMs?: number;
  /** Called once every deposit is on L1, before waiting for their delivery (the proposer may start then). */
  onSent?: () => void;
}): Promise<Funding> {
  const { l1, rollups, accounts, amount } = options;
  await Promise.all(
    accounts.map(async (account) => {
      const balance = await l1.getBalance(account);
      await l1.send("hardhat_setBalance", [account, "0x" + (balance + amount * BigInt(rollups.length)).toString(16)]);
    }),
  );
  await Promise.all(
    accounts.map(async (account) => {
      const signer = await l1.getSigner(account);
      for (const { rollup } of rollups) await deposit(signer, rollup, { value: amount });
    }),
  );
  options.onSent?.();
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const deliveredIn: bigint[] = [];
  for (const { rollup, chain } of rollups) {
    const target = (await rollup.getFunction("messageCount")()) as bigint;
    while ((await deliveredCount(chain)) < target) {
      if (Date.now() > deadline) {
        throw new FundingTimeoutError("The devnet's deposits were not delivered on L2 in time", { rollup: await rollup.getAddress(), queued: target, delivered: await deliveredCount(chain) });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    deliveredIn.push(BigInt(chain.headers.length - 1));
  }
  return { accounts, amount, deposits: accounts.length * rollups.length, deliveredIn };
}
