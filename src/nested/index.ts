/**
 * Session chains on a game chain (issue 21, docs/nested.md): L3s whose `NativeRollup`s live on a
 * running L2, made by a `RollupFactory` deployed on that L2, followed by one many-rollup node that
 * takes the L2's JSON-RPC as its "L1", served on one port (`/rollup/<chainId>`), and advanced by
 * one proposer that sends `advance` transactions (calldata: blobs are L1-only) to the L2. The L2
 * proposes them in its own blocks, which L1 verifies as usual.
 *
 * ```ts
 * const l3s = await startNestedChains({ l2Url: devnet.l2Url, count: 4, dataDir: ".devnet/l3" });
 * l3s.chains[0].url;   // an L3's JSON-RPC: send it transactions with ethers or viem
 * ```
 */
import { JsonRpcProvider, Wallet } from "ethers";
import path from "node:path";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis } from "../engine/genesis.js";
import { createL2Chain, type L2Chain } from "../engine/state.js";
import { startMultiNode, type MultiNode } from "../node/index.js";
import { serveMultiNode, type MultiNodeRpc } from "../node/rpc.js";
import { createMultiProposer, followBlocks, type MultiProposerRollup } from "../proposer/index.js";
import { deposit } from "../sdk/bridge.js";
import { createRollup, deployFactory } from "../sdk/factory.js";
import { UltrasoundError } from "../shared/errors.js";

/** The first L3's chain id (the next ones count up). */
export const FIRST_L3_CHAIN_ID = 3_000_001n;
/** The dev account that proposes the L3s on the L2 (the last of Hardhat's 20: users send from the first ones). */
export const L3_PROPOSER_ACCOUNT = 19;
/** The dev accounts funded on every L3 by deposits from the L2. */
export const L3_FUNDED_ACCOUNTS = 4;

/** The session chains could not be started (with what was missing). */
export class NestedChainsStartError extends UltrasoundError {
  override name = "NestedChainsStartError";
}

/** Options of {@link startNestedChains}. */
export interface NestedChainsOptions {
  /** The parent L2's JSON-RPC (e.g. a devnet's L2 URL): the L3s' "L1". */
  l2Url: string;
  /** How many L3s (at least 1). */
  count: number;
  /** Where the L3 node keeps its store (`<dataDir>/l3-node`), afresh at every start. */
  dataDir: string;
  host?: string;
  /** The L3 JSON-RPC's port (default 0: a free one). */
  port?: number;
  /** L2 ETH each of the first {@link L3_FUNDED_ACCOUNTS} dev accounts deposits into every L3 (default 10 ETH; 0: none). */
  fund?: bigint;
  /** How often the proposer looks for work, in ms (default 250). */
  proposeIntervalMs?: number;
  log?: (line: string) => void;
}

/** One L3. */
export interface NestedChain {
  chainId: bigint;
  /** Its NativeRollup, on the L2. */
  address: string;
  /** Its JSON-RPC. */
  url: string;
}

/** The running session chains. */
export interface NestedChains {
  /** The RollupFactory on the L2 (any L3 it creates later is followed and proposed too). */
  factoryAddress: string;
  chains: NestedChain[];
  /** The L3 JSON-RPC's root URL (`/rollup/<chainId>` each, `GET /rollups`). */
  url: string;
  node: MultiNode;
  rpc: MultiNodeRpc;
  stop(): Promise<void>;
}

/**
 * Deploys a RollupFactory on the L2 at `l2Url`, creates `count` L3s through it (each the default
 * genesis of its chain id, verified at depth 1), and runs their node, JSON-RPC and proposer until
 * `stop()`. The dev accounts pay on the L2: account {@link L3_PROPOSER_ACCOUNT} proposes, account
 * 0 deploys, accounts 0–3 deposit `fund` into every L3 (returned once the L3 node shows it).
 */
export async function startNestedChains(options: NestedChainsOptions): Promise<NestedChains> {
  if (!Number.isInteger(options.count) || options.count < 1) throw new NestedChainsStartError("The number of L3s must be a positive integer", { count: options.count });
  const log = options.log ?? (() => {});
  const l2 = new JsonRpcProvider(options.l2Url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const keys = devAccounts();
  const deployer = new Wallet(keys[0]!.privateKey, l2);
  const proposerWallet = new Wallet(keys[L3_PROPOSER_ACCOUNT]!.privateKey, l2);
  if ((await l2.getBalance(proposerWallet.address)) === 0n) {
    throw new NestedChainsStartError("The L3 proposer's account holds nothing on the L2: fund it there first", { l2: options.l2Url, account: proposerWallet.address });
  }

  const factory = await deployFactory(deployer);
  const factoryAddress = await factory.getAddress();
  const chains = new Map<bigint, L2Chain>();
  const created: { chainId: bigint; address: string }[] = [];
  for (let i = 0; i < options.count; i++) {
    const chainId = FIRST_L3_CHAIN_ID + BigInt(i);
    const made = await createRollup(factory, defaultGenesis({ chainId, nestingDepth: 1 }));
    chains.set(chainId, made.chain);
    created.push({ chainId, address: made.address.toLowerCase() });
  }
  log(`L3s: RollupFactory ${factoryAddress} on the L2; ${created.map((c) => `${c.chainId} at ${c.address}`).join(", ")}`);

  // One node for every L3 the factory makes, its "L1" the L2's JSON-RPC, each block run at depth 1.
  const node = await startMultiNode({ l1Url: options.l2Url, factory: factoryAddress, dataDir: path.join(options.dataDir, "l3-node"), reset: true, pollIntervalMs: 250, nestingDepth: 1, log: (line) => log(`l3 node: ${line}`) });
  await node.sync();
  const rpc = await serveMultiNode(node, { host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  const adopt = async (chainId: bigint): Promise<L2Chain> => {
    const known = chains.get(chainId);
    if (known !== undefined) return known;
    // An L3 made later through the factory: its proposer chain is the node's, at depth 1.
    const followed = await node.rollup(chainId);
    const chain = await createL2Chain({ ...followed.genesis, nestingDepth: 1 });
    await followBlocks(chain, followed);
    chains.set(chainId, chain);
    return chain;
  };
  const proposer = createMultiProposer({
    rollups: () =>
      node
        .list()
        .filter((r) => r.retired === undefined)
        .map((r): MultiProposerRollup => ({
          chainId: r.chainId,
          address: r.address,
          mempool: () => rpc.mempool(r.chainId),
          hasQueuedMessages: () => node.hasQueuedMessages(r.chainId),
          chain: () => adopt(r.chainId),
          node: () => node.rollup(r.chainId),
        })),
    signer: proposerWallet,
    provider: l2,
    coinbase: proposerWallet.address,
    dataAvailability: "calldata",
    log: (line) => log(`l3 ${line}`),
  });
  const loop = proposeLoop(async () => {
    const outcome = await proposer.proposeNext();
    if (outcome.kind === "rollup" && outcome.outcome.kind === "proposed") {
      const block = outcome.outcome.proposed.block;
      log(`l3 proposer: L3 ${outcome.chainId} block ${block.header.number} (${block.transactions.length} txs) verified in L2 tx ${outcome.outcome.proposed.l1Receipt.hash}`);
    }
    return outcome.kind !== "idle";
  }, options.proposeIntervalMs ?? 250);

  const stop = async () => {
    await loop.stop();
    await rpc.close();
    await node.stop();
    l2.destroy();
  };
  try {
    const amount = options.fund ?? 10n * 10n ** 18n;
    if (amount > 0n) await fundL3s(l2, keys.slice(0, L3_FUNDED_ACCOUNTS).map((k) => k.privateKey), created, amount, rpc);
  } catch (error) {
    await stop();
    throw error;
  }
  return { factoryAddress, chains: created.map((c) => ({ ...c, url: rpc.urlOf(c.chainId) })), url: rpc.url, node, rpc, stop };
}

/** Deposits `amount` from each key's L2 account into every L3 and waits until each L3's JSON-RPC shows the last one. */
async function fundL3s(l2: JsonRpcProvider, keys: string[], l3s: { chainId: bigint; address: string }[], amount: bigint, rpc: MultiNodeRpc): Promise<void> {
  // One sender's deposits in order, the senders side by side.
  await Promise.all(keys.map(async (key) => {
    const signer = new Wallet(key, l2);
    for (const l3 of l3s) await deposit(signer, l3.address, { value: amount });
  }));
  const last = new Wallet(keys.at(-1)!).address;
  const deadline = Date.now() + 120_000;
  for (const l3 of l3s) {
    const handler = (await rpc.handler(l3.chainId))!;
    while (BigInt((await handler.request({ method: "eth_getBalance", params: [last, "latest"] })) as string) < amount) {
      if (Date.now() > deadline) throw new NestedChainsStartError("The L3 deposits were not delivered in time", { chainId: l3.chainId, account: last, amount });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Runs `round` again at once while it did something, else after `intervalMs`; a failure is logged by the proposer and retried. */
function proposeLoop(round: () => Promise<boolean>, intervalMs: number): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const done = (async () => {
    while (!stopped) {
      const busy = await round().catch(() => false);
      if (!busy && !stopped) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, intervalMs)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
