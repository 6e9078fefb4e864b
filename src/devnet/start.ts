/**
 * The devnet, one path for N rollups (N = 1 the default): one Hardhat L1 with EXECUTE, the
 * devnet's rollups (one deployed from the genesis, or N made by a RollupFactory: rollups.ts), ONE
 * node that follows them all (src/node/multi.ts; a set of one for N = 1) and serves them on one
 * port (`/rollup/<chainId>`, the first at `/` too, `GET /rollups`), ONE proposer that advances
 * whichever has pending transactions or queued messages (src/proposer/multi.ts, round.ts), and the
 * dev accounts funded on every rollup by deposits. The L1 runs in a process of its own, journaled
 * and replayed at a restart (restart.ts: the rollups are kept in `<dataDir>/devnet.json`, the
 * node's store is kept); every rollup's URL has the dev methods (dev-methods.ts) and the relayer's
 * message states (relay.ts).
 *
 *   L1 ── NativeRollup (or RollupFactory ──createRollup×N──▶ clones)
 *    │                                          ▲ one shared advance per round (multi-shared.ts)
 *    ▼ one eth_getLogs for all                  │
 *   node ──/rollup/<id>──▶ mempools ──────▶ proposer
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import path from "node:path";
import { withBuildLock } from "./build-lock.js";
import { threadId } from "node:worker_threads";
import { bytesToHex } from "@ethereumjs/util";
import { devAccounts } from "../engine/chain.js";
import { chainHead, createL2Chain, type L2Chain } from "../engine/state.js";
import { buildOffThread } from "../engine/build-offthread.js";
import type { BuiltBlock } from "../engine/build.js";
import { createProposer } from "../proposer/create.js";
import type { MultiProposerRollup } from "../proposer/multi.js";
import { followBlocks } from "../proposer/follow.js";
import { startMultiNode, wholeNodeView } from "../node/index.js";
import { serveRollups, type RollupsRpc } from "../node/serve.js";
import type { ChainView, Handler } from "../rpc/index.js";
import type { Relay } from "../relay/index.js";
import { startExplorer } from "../explorer/index.js";
import { DEFAULT_BLOB_SERVER_PORT } from "../blobs/server.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop, type ProposerLoop } from "./loop.js";
import { startDevnetRelay, transactionStatusWithMessages } from "./relay.js";
import { openDevnetState } from "./restart.js";
import { createDevMethods, createDevShared, type DevRollup } from "./dev-methods.js";
import { createRound } from "./round.js";
import { openPreconfRollup, startDevnetPreconf, type DevnetPreconf } from "./preconf.js";
import { startSyncFront } from "./sync-builder.js";
import { openDevnetRollups, type DevnetRollups } from "./rollups.js";
import { DEFAULT_FINALITY_DEPTH, DEFAULT_L2_FUNDING, startDevnetL1, waitForNode } from "./common.js";
import { DevnetStartError } from "./errors.js";
import { assertPortFree, startL1Slots, stopL1Slots } from "./l1-server.js";
import type { Devnet, DevnetOptions, DevnetRollup } from "./types.js";

/** With more rollups than this, only the first {@link FUNDED_WHEN_MANY} dev accounts are funded on each (a fast start). */
export const FUND_ALL_UP_TO = 4;
export const FUNDED_WHEN_MANY = 4;

/**
 * Starts the whole devnet in this process (see the file's comment) with `options.rollups`
 * rollups (default 1), or restarts the one kept in `dataDir` (`reset`: afresh). Everything
 * listens on `host` (127.0.0.1 by default). Prints nothing of its own but the proposer's lines
 * (`log`). Refuses a custom genesis with more than one rollup (each has the default genesis of
 * its chain id) and a data dir kept by a devnet of another number of rollups. `stop()` closes
 * everything it started (servers, sockets, timers, stores): the process can then end by itself.
 */
export async function startDevnet(hre: HardhatRuntimeEnvironment, options: DevnetOptions = {}): Promise<Devnet> {
  const count = options.rollups ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new DevnetStartError("The number of rollups must be a positive integer", { rollups: count });
  if (options.syncPort !== undefined && (count > 1 || options.preconf === true)) {
    throw new DevnetStartError("The sync builder (--sync-port) serves a devnet of one rollup advanced by its proposer (not --rollups > 1, not --preconf)", { rollups: count, syncPort: options.syncPort });
  }
  if (count > 1 && options.genesis !== undefined) throw new DevnetStartError("A custom genesis is for a devnet of one rollup: with --rollups, each rollup has the default genesis of its chain id", { rollups: count });
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const l1Port = options.l1Port ?? 8545;
  const l2Port = options.l2Port ?? 8546;
  const blobPort = options.blobPort ?? DEFAULT_BLOB_SERVER_PORT;
  // Hardhat's node crashes the process on a port it cannot take (an unhandled 'error' event of
  // its WebSocket server): check on the very interface it will bind, first.
  await assertPortFree(host, l1Port, "L1 JSON-RPC");
  await assertPortFree(host, l2Port, "L2 JSON-RPC");
  await assertPortFree(host, blobPort, "blob archive");
  await assertPortFree(host, options.explorerPort ?? 0, "explorer");
  const dataDir = options.dataDir ?? ".devnet/blobs";
  // The L1 is journaled in the data dir and replayed at a restart; the rollups are kept beside it.
  const resume = openDevnetState(dataDir, options.reset === true, count);
  await withBuildLock(hre.config.paths.cache, () => hre.tasks.getTask("build").run({ quiet: true }));
  // Its own process (or this thread with layout "single"), its blob archive beside it: EXECUTE reads the blobs it captured there.
  const { side: l1Side, url: l1Url, chainId: l1ChainId, provider: l1 } = await startDevnetL1(hre, { host, l1Port, blobPort, dataDir, layout: options.layout, resume, log });
  const signer = await l1.getSigner(0);
  const coinbase = await signer.getAddress();
  if (options.preconf === true && count > 1) throw new DevnetStartError("--preconf is for a devnet of one rollup", { rollups: count });
  const opened: DevnetRollups & { registryAddress?: string } = options.preconf === true ? await openPreconfRollup(signer, resume, options.genesis) : await openDevnetRollups(signer, resume, count, options.genesis);
  const { factoryAddress, own, created } = opened;
  // The proposer's chain of each rollup (a first start's are made with them; a restart takes them from the node).
  const chains = new Map<bigint, L2Chain>((created ?? []).map((c) => [c.chain.genesis.chainId, c.chain]));
  // Their blocks are built on the builder thread: this thread serves the L2 JSON-RPC (issue 14 item 8).
  for (const chain of chains.values()) buildOffThread(chain);

  // One node for all of them (the factory's, found through its events; or the one rollup, and
  // no other in its data dir); its store is kept across restarts (its L1 is replayed, same
  // hashes) and new with a new L1.
  const multi = await startMultiNode({
    l1Url,
    ...(factoryAddress === undefined
      ? { rollups: [{ address: own[0]!.address, genesis: options.genesis, deploymentBlock: created?.[0]?.deploymentBlock }], exclusive: true, dataDir: path.join(dataDir, "node") }
      : { factory: factoryAddress, dataDir: path.join(dataDir, "multi-node") }),
    reset: resume.fresh,
    blobSource: l1Side.blobUrl,
    pollIntervalMs: 500,
    finalityDepth: options.finalityDepth,
  });
  await multi.sync();
  // The first rollup as a node of its own (`devnet.node`); its `sync` is the whole node's.
  const first = own[0]!;
  const node = wholeNodeView(multi, await multi.rollup(first.chainId));
  // The L2 JSON-RPC opens once the dev accounts' deposits are delivered (below).
  let rpc: RollupsRpc | undefined;
  let relay: Relay | undefined;
  const dev = createDevShared();

  // A rollup without a proposer chain yet (a restart's, or one someone creates later through the
  // devnet's factory) gets one the first time it has work: its genesis is the node's, its blocks
  // so far taken from the node.
  const adopt = async (chainId: bigint): Promise<L2Chain> => {
    const known = chains.get(chainId);
    if (known !== undefined) return known;
    const part = await multi.rollup(chainId);
    const chain = await createL2Chain(part.genesis);
    buildOffThread(chain);
    await followBlocks(chain, part);
    chains.set(chainId, chain);
    return chain;
  };
  // A devnet of one names no rollup in its lines.
  const label = count === 1 ? () => "" : undefined;
  const proposer = createProposer({
    rollups: () =>
      multi
        .list()
        .filter((r) => r.retired === undefined)
        .map(
          (r): MultiProposerRollup => ({
            chainId: r.chainId,
            address: r.address,
            mempool: () => rpc?.mempool(r.chainId),
            hasQueuedMessages: () => multi.hasQueuedMessages(r.chainId),
            blockWanted: () => rounds.blockWanted(r.chainId),
            chain: () => adopt(r.chainId),
            node: () => multi.rollup(r.chainId),
            // The node adopts the proposer's own blocks instead of re-executing them (node/stages/adopt.ts).
            ...(options.adoptOwnBlocks === false ? {} : { onBuilt: (block: BuiltBlock) => void multi.opened(r.chainId)?.offerBuilt(block) }),
          }),
        ),
    signer,
    provider: l1,
    coinbase,
    dataAvailability: options.dataAvailability ?? "blobs",
    ...(options.overlapBuilds === false ? { overlap: false } : {}),
    // Blocks of its own an `evm_revert` took back are gone, as on Hardhat: their transactions stay out of the pool.
    handBackRewound: () => !dev.reverting,
    log,
    label,
  });
  let loop: ProposerLoop | undefined;
  const rounds = createRound({
    multi,
    proposer,
    chains,
    rpc: () => rpc,
    loop: () => loop!,
    reverting: () => dev.reverting,
    log,
    label,
    // Through `devnet.node` (looked up at each call: a bench times it).
    sync: () => node.sync(),
    onProposed: options.onProposed && ((_chainId, proposed) => options.onProposed!(proposed)),
  });
  // With --preconf the operator's preconfer and its loops take the proposer's place (src/devnet/preconf.ts).
  const preconf =
    opened.registryAddress !== undefined
      ? await startDevnetPreconf({
          rollup: first.rollup,
          registryAddress: opened.registryAddress,
          provider: l1,
          l1ChainId,
          chain: await adopt(first.chainId),
          node: await multi.rollup(first.chainId),
          sync: () => node.sync(),
          mempoolOptions: options.mempool,
          dataAvailability: options.dataAvailability ?? "blobs",
          intervalMs: options.preconfIntervalMs,
          advanceIntervalMs: options.preconfAdvanceMs,
          together: options.preconfTogether,
          handBackDropped: () => !dev.reverting,
          log,
        })
      : undefined;
  // The dev accounts' deposits go first: account #0 both deposits and proposes, and two L1
  // transactions of one sender in flight at once would race for its nonce.
  loop = preconf === undefined ? startProposerLoop(rounds.round, { intervalMs: options.proposeIntervalMs ?? 250, held: true }) : preconfLoop(preconf);

  // Deposits to many rollups take longer to deliver than one's: twice the wait.
  const waitMs = count > 1 ? 120_000 : 60_000;
  let funding: Funding | undefined;
  const amount = resume.fresh ? (options.fundL2 ?? DEFAULT_L2_FUNDING) : 0n;
  if (!resume.fresh) {
    // A restart: each rollup's proposer chain is the node's (derived from the replayed L1); the accounts are funded already.
    for (const r of own) {
      const part = await multi.rollup(r.chainId);
      const head = ((await r.rollup.getFunction("head")()) as { number: bigint }).number;
      await waitForNode({ sync: () => multi.sync(), blockNumber: (tag) => part.blockNumber(tag) }, head, waitMs);
      await adopt(r.chainId);
    }
    loop.release();
  } else if (amount > 0n) {
    // L2 ETH comes from L1, as on any real rollup: the dev accounts deposit, the proposer delivers.
    const accounts = devAccounts()
      .slice(0, count > FUND_ALL_UP_TO ? FUNDED_WHEN_MANY : undefined)
      .map((a) => a.address);
    funding = await fundByDeposits({ l1, rollups: created!, accounts, amount, timeoutMs: waitMs, onSent: () => loop!.release() });
    for (const [i, c] of created!.entries()) await waitForNode(await multi.rollup(c.chain.genesis.chainId), funding.deliveredIn[i]!, waitMs);
  } else loop.release();

  // Time travel and evm_revert concern every rollup on the L1 (their proposer chains too).
  const devRollups = async (): Promise<DevRollup[]> => {
    const out: DevRollup[] = [];
    for (const r of multi.list().filter((info) => info.retired === undefined)) {
      const chain = chains.get(r.chainId);
      // With --preconf, an evm_revert also throws the preconfirmed blocks away (reverted means gone, as on Hardhat).
      const sync = preconf === undefined ? () => multi.sync() : async () => (await multi.sync(), dev.reverting && (await preconf.preconfer.discardUnverified()));
      out.push({ node: await multi.rollup(r.chainId), rollupAddress: r.address, sync, proposerHead: chain && (() => headHash(chain)) });
    }
    return out;
  };
  // Each rollup's URL: the dev methods on that rollup, and its transactions' messages with where each is.
  const extra = (chainId: bigint, part: Awaited<ReturnType<typeof multi.rollup>>, mempool: Parameters<typeof createDevMethods>[0]["mempool"]): Map<string, Handler> => {
    const status = transactionStatusWithMessages(part, l1, () => relay);
    if (mempool === undefined) return new Map([["ultrasound_getTransactionStatus", status]]);
    const methods = createDevMethods({
      l1,
      node: part,
      rollupAddress: part.rollup,
      mempool,
      mine: () => (preconf !== undefined ? preconf.mine() : rounds.mines(chainId).request()),
      l2: () => (rpc === undefined ? undefined : { request: async (args) => (await rpc!.handler(chainId))!.request(args) }),
      rollups: devRollups,
      shared: dev,
    }).methods;
    methods.set("ultrasound_getTransactionStatus", status);
    return preconf === undefined ? methods : preconf.methods(methods, () => undefined);
  };
  // The L2 port opens only now: a script that starts when it answers finds the dev accounts funded.
  // Each rollup's mempool journals what it acknowledges in the node's store (a kill -9 loses none
  // of it); what the last run acknowledged and did not get included is pending again.
  const served = await serveRollups(multi, {
    host,
    port: l2Port,
    gasCap: options.rpcGasCap,
    callTimeoutMs: options.rpcCallTimeoutMs,
    mempoolOptions: options.mempool,
    extra,
    ...(preconf === undefined ? {} : { mempool: (chainId: bigint) => (chainId === first.chainId ? preconf.mempool : undefined), view: (_chainId: bigint, nodeView: ChainView) => preconf.view(nodeView) }),
    // An evm_revert drops the transactions it unwinds, as Hardhat's does.
    handBackUnwound: () => !dev.reverting,
    // A devnet of one answers on every path, as a single node's server does.
    primaryOnEveryPath: count === 1,
  }).catch(async (error: Error) => {
    await loop.stop();
    await multi.stop();
    await l1Side.stop();
    throw new DevnetStartError("The L2 JSON-RPC did not start", { host, port: l2Port, reason: error.message.split("\n")[0] });
  });
  rpc = served;
  // The preconfer's pool is not the server's own: what the last run acknowledged goes back in it here.
  if (preconf !== undefined && !resume.fresh) await preconf.mempool.restore();
  if (!resume.fresh) {
    let restored = 0;
    for (const r of own) restored += pendingCount(served.mempool(r.chainId));
    if (restored > 0) log(`devnet: ${restored} acknowledged transaction(s) of the last run pending again`);
  }
  const rollups: DevnetRollup[] = own.map((r) => ({
    chainId: r.chainId,
    address: r.address,
    url: served.urlOf(r.chainId),
    wsUrl: served.urlOf(r.chainId).replace(/^http/, "ws"),
    chain: chains.get(r.chainId)!,
    rollup: r.rollup,
  }));
  // Withdrawals and messages between the rollups relayed by themselves once verified (src/devnet/relay.ts).
  const relayed = () => multi.list().filter((r) => r.retired === undefined).map((r) => ({ address: r.address, l2Url: served.urlOf(r.chainId) }));
  relay = options.relay === false ? undefined : await startDevnetRelay(l1, relayed, log);
  // Slots start once everything is up, so the start itself is not slowed by empty blocks.
  const blockTimeSeconds = await startL1Slots(l1, options.blockTimeSeconds);
  const explorer = await startExplorer({ l1Url, l2Url: served.url, blobUrl: l1Side.blobUrl, host, port: options.explorerPort });
  // The sync builder's L1 transactions come from account #19, never the proposer's (#0): no nonce race.
  const syncFront =
    options.syncPort === undefined
      ? undefined
      : await startSyncFront({
          l1,
          l1Url,
          rollups: [{ rollup: first.rollup.connect(await l1.getSigner(19)) as typeof first.rollup, chain: chains.get(first.chainId)! }],
          host,
          port: options.syncPort,
          exclusive: (work) => loop!.exclusive(work),
          blockTimeSeconds,
          log,
        });

  return {
    l1Url,
    l2Url: served.url,
    l2WsUrl: served.wsUrl,
    blobUrl: l1Side.blobUrl,
    explorerUrl: explorer.url,
    syncUrl: syncFront?.url,
    rollupAddress: first.address,
    chainId: first.chainId,
    l1ChainId,
    blockTimeSeconds,
    finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
    chain: chains.get(first.chainId)!,
    mempool: (await served.openMempool(first.chainId))!,
    node,
    funding,
    rollup: first.rollup,
    executeVerdicts: () => l1Side.verdicts(),
    threads: { rpc: { pid: process.pid, threadId }, l1: { pid: l1Side.pid, threadId: l1Side.threadId }, proposer: { pid: process.pid, threadId } },
    factoryAddress,
    rollups,
    relay,
    ...(preconf === undefined ? {} : { preconf: { registryAddress: preconf.registryAddress, operator: preconf.operator, intervalMs: preconf.intervalMs, preconfer: preconf.preconfer } }),
    async stop() {
      await syncFront?.close();
      await explorer.close();
      await stopL1Slots(l1, blockTimeSeconds);
      await relay?.stop();
      await loop.stop();
      await served.close();
      await multi.stop();
      l1.destroy();
      // Last: the L1 and the blob archive (their keep-alive sockets end with them), so nothing is left listening.
      await l1Side.stop();
    },
  };
}

/** @deprecated The same as {@link startDevnet} (which takes `rollups`), kept for callers of the former many-rollup entry; default 2 rollups. */
export function startMultiDevnet(hre: HardhatRuntimeEnvironment, options: DevnetOptions): Promise<Devnet> {
  return startDevnet(hre, { ...options, rollups: options.rollups ?? 2 });
}

/** The preconfer's loops as the devnet's proposer loop: released after the start's deposits, stopped with the devnet. */
function preconfLoop(preconf: DevnetPreconf): ProposerLoop {
  let stopped = false;
  return {
    release: () => preconf.release(),
    backOff: () => 0,
    succeeded: () => {},
    // Unused: the sync builder is refused with --preconf (start-up check above).
    exclusive: (work) => work(),
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      await preconf.stop();
    },
  };
}

function headHash(chain: L2Chain): string {
  return bytesToHex(chainHead(chain).hash());
}

function pendingCount(mempool: { counts(): { pending: number; queued: number } } | undefined): number {
  if (mempool === undefined) return 0;
  const { pending, queued } = mempool.counts();
  return pending + queued;
}
