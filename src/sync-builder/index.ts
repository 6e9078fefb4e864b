/**
 * A sync builder in front of an L1 JSON-RPC (docs/sync.md, "The user path"): an EIP-1193
 * provider that answers like the L1 it wraps, except that a user's signed transaction whose L1
 * calls reach a known rollup's L2Proxy is landed with its sync L2 calls answered
 * (`eth_sendRawTransaction`, see ./land.ts), and its gas is estimated as it will run
 * (`eth_estimateGas`). Wallets and scripts need nothing new: ethers' `BrowserProvider` or viem's
 * `custom` transport over it, or the devnet's L1 URL served through it.
 */
import type { JsonRpcApiProvider, Signer } from "ethers";
import { landUserSync, prepareUserCall, prepareUserSync, type BuilderRollup, type LandedUserSync } from "./land.js";

export { landUserSync, prepareUserCall, prepareUserSync, UserSyncLandingError, UserSyncUnsupportedError, type BuilderRollup, type LandedUserSync, type PreparedUserSync, type UserCall } from "./land.js";

/** Options of {@link createSyncBuilder}. */
export interface SyncBuilderOptions {
  /** The L1 the builder stands in front of (it must take `evm_setAutomine`, `evm_mine`, `evm_snapshot`). */
  provider: JsonRpcApiProvider;
  /** The rollups whose proxies it serves, each connected to the builder's L1 signer. */
  rollups: BuilderRollup[];
  log?: (line: string) => void;
}

/** An EIP-1193 provider with the user path in front of the L1. */
export interface SyncBuilder {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
  /** Every user transaction it landed with sync calls, oldest first. */
  landed: LandedUserSync[];
}

/**
 * Wraps `options.provider`. One user transaction is handled at a time (the landing pauses
 * automine). A transaction that calls no proxy of a known rollup is forwarded unchanged.
 */
export function createSyncBuilder(options: SyncBuilderOptions): SyncBuilder {
  const { provider } = options;
  const log = options.log ?? (() => undefined);
  const landed: LandedUserSync[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = queue.then(work, work);
    queue = run.catch(() => undefined);
    return run;
  };

  async function sendRaw(raw: string): Promise<string> {
    const prepared = await prepareUserSync(provider, options.rollups, raw);
    if (prepared === undefined || !prepared.userOk) {
      // No sync call (or one the user's call would revert on anyway): the L1 decides, as without the builder.
      return (await provider.send("eth_sendRawTransaction", [raw])) as string;
    }
    const done = await landUserSync(provider, prepared, raw);
    landed.push(done);
    log(`sync builder: ${done.userHash} with ${prepared.prepared.calls.length} L2 call(s), L2 block ${prepared.prepared.block.header.number} ${done.adopted ? "adopted" : "not adopted"}`);
    return done.userHash;
  }

  /**
   * The user's gas as it will run: the L1's own estimate when it makes no sync call; otherwise
   * the estimate on top of the builder's `prepareSyncCalls`, landed under a snapshot and taken back.
   */
  async function estimate(params: unknown[]): Promise<unknown> {
    const call = params[0] as { from?: string; to?: string; data?: string; input?: string; value?: string; gas?: string };
    // Whether it makes sync calls shows in its trace (its own estimate may succeed: a caught proxy revert).
    const user = call.from === undefined || call.to === undefined
      ? undefined
      : { from: call.from, to: call.to, data: call.data ?? call.input ?? "0x", value: BigInt(call.value ?? "0x0"), gasLimit: BigInt(call.gas ?? "0x1000000") };
    const prepared = user === undefined ? undefined : await prepareUserCall(provider, options.rollups, user);
    if (prepared === undefined || !prepared.userOk) return provider.send("eth_estimateGas", params);
    const snapshot = (await provider.send("evm_snapshot", [])) as string;
    try {
      const signer = prepared.target.rollup.runner as Signer;
      await (await signer.sendTransaction({ ...prepared.request, gasLimit: 16_000_000n })).wait();
      // At "latest": in the prepared table's own L1 block, as the user's transaction will run
      // (adoption included); "pending" would be the next block, where the table is dead.
      const gas = BigInt((await provider.send("eth_estimateGas", [params[0], "latest"])) as string);
      return "0x" + gas.toString(16);
    } finally {
      await provider.send("evm_revert", [snapshot]);
    }
  }

  return {
    landed,
    async request({ method, params }) {
      const list = (Array.isArray(params) ? params : params === undefined ? [] : [params]) as unknown[];
      if (method === "eth_sendRawTransaction") return serialized(() => sendRaw(list[0] as string));
      if (method === "eth_estimateGas") return serialized(() => estimate(list));
      return provider.send(method, list);
    },
  };
}
