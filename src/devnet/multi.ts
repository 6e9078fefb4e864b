/**
 * `npm run devnet -- --rollups N` (N > 1): the devnet with many rollups. One Hardhat L1 with
 * EXECUTE, a RollupFactory that creates the N rollups (chain ids 167001, 167002, …, each with the
 * default genesis), ONE multi-rollup node (src/node/multi.ts) that follows them all from the
 * factory's events and serves them on one port (`/rollup/<chainId>`, the first at `/` too,
 * `GET /rollups`), ONE multi-proposer (src/proposer/multi.ts) that advances whichever has pending
 * transactions or queued messages, and the dev accounts funded on every rollup by deposits.
 * As the one-rollup devnet: the L1 runs in a process of its own, journaled and replayed at a
 * restart (src/devnet/restart.ts: the factory and the rollups are kept in `<dataDir>/devnet.json`,
 * the node's store is kept), every rollup's URL has the dev methods (src/devnet/dev-methods.ts)
 * and the relayer's message states (src/devnet/relay.ts).
 *
 *   L1 ── RollupFactory ──createRollup×N──▶ NativeRollup clones
 *    │                                          ▲ advance (one rollup, one block, in turn)
 *    ▼ one eth_getLogs for all                  │
 *   multi-node ──/rollup/<id>──▶ mempools ──▶ multi-proposer
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { Contract } from "ethers";
import path from "node:path";
import { threadId } from "node:worker_threads";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis } from "../engine/genesis.js";
import { chainHead, createL2Chain, type L2Chain } from "../engine/state.js";
import { bytesToHex } from "@ethereumjs/util";
import { createMultiProposer, type MultiProposerRollup } from "../proposer/multi.js";
import { followBlocks } from "../proposer/follow.js";
import { startMultiNode } from "../node/multi.js";
import { serveMultiNode, type MultiNodeRpc } from "../node/rpc.js";
import type { Handler } from "../rpc/index.js";
import { createRollup, deployFactory } from "../sdk/factory.js";
import { nativeRollupAt } from "../sdk/contracts.js";
import type { Relay } from "../relay/index.js";
import { startExplorer } from "../explorer/index.js";
import { DEFAULT_BLOB_SERVER_PORT } from "../blobs/server.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop, type ProposerLoop } from "./loop.js";
import { startDevnetRelay, transactionStatusWithMessages } from "./relay.js";
import { openDevnetState } from "./restart.js";
import { createDevMethods, createDevShared, type DevRollup } from "./dev-methods.js";
import { createMultiRound } from "./multi-round.js";
import { DEFAULT_FINALITY_DEPTH, DEFAULT_L2_FUNDING, startDevnetL1, waitForNode } from "./common.js";
import { DevnetStartError } from "./errors.js";
import { assertPortFree, startL1Slots, stopL1Slots } from "./l1-server.js";
import type { Devnet, DevnetOptions, DevnetRollup } from "./types.js";

/** The chain id of the devnet's first rollup; the others follow it. */
export const FIRST_CHAIN_ID = 167_001n;

/** With more rollups than this, only the first {@link FUNDED_WHEN_MANY} dev accounts are funded on each (a fast start). */
export const FUND_ALL_UP_TO = 4;
export const FUNDED_WHEN_MANY = 4;

/** A devnet of many rollups: {@link Devnet} (its single-rollup fields are the first rollup's) with the factory (`funding` covers every rollup). */
export interface MultiDevnet extends Devnet {
  factoryAddress: string;
  rollups: DevnetRollup[];
}

/** One of the devnet's own rollups (made by its first start). */
interface OwnRollup {
  chainId: bigint;
  address: string;
  rollup: Contract;
}

/**
 * Starts the devnet with `options.rollups` rollups (see the file's comment), or restarts the one
 * kept in `dataDir` (`reset`: afresh). Refuses a custom genesis (each rollup has the default
 * genesis of its chain id) and a data dir kept by a devnet of another number of rollups.
 * `stop()` closes everything.
 */
export async function startMultiDevnet(hre: HardhatRuntimeEnvironment, options: DevnetOptions): Promise<MultiDevnet> {
  const count = options.rollups ?? 2;
  if (!Number.isInteger(count) || count < 1) throw new DevnetStartError("The number of rollups must be a positive integer", { rollups: count });
  if (options.genesis !== undefined) throw new DevnetStartError("A custom genesis is for a devnet of one rollup: with --rollups, each rollup has the default genesis of its chain id", { rollups: count });
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  const l1Port = options.l1Port ?? 8545;
  const l2Port = options.l2Port ?? 8546;
  const blobPort = options.blobPort ?? DEFAULT_BLOB_SERVER_PORT;
  await assertPortFree(host, l1Port, "L1 JSON-RPC");
  await assertPortFree(host, l2Port, "L2 JSON-RPC");
  await assertPortFree(host, blobPort, "blob archive");
  await assertPortFree(host, options.explorerPort ?? 0, "explorer");
  const dataDir = options.dataDir ?? ".devnet/blobs";
  // The L1 is journaled in the data dir and replayed at a restart; the factory and rollups are kept beside it.
  const resume = openDevnetState(dataDir, options.reset === true, count);
  await hre.tasks.getTask("build").run({ quiet: true });

  // One L1 path for both devnets: its own process (or this thread with layout "single"), its blob archive beside it.
  const { side: l1Side, url: l1Url, chainId: l1ChainId, provider: l1 } = await startDevnetL1(hre, { host, l1Port, blobPort, dataDir, layout: options.layout, resume, log });
  const signer = await l1.getSigner(0);
  const coinbase = await signer.getAddress();

  // The proposer's chain of each rollup (the first start's are made with them; a restart takes them from the node).
  const chains = new Map<bigint, L2Chain>();
  let factoryAddress: string;
  let own: OwnRollup[];
  let created;
  if (resume.fresh) {
    // The factory, then its rollups, one after the other (every fourth creation costs more gas: an
    // estimate made beside the others would fall short).
    const factory = await deployFactory(signer);
    factoryAddress = await factory.getAddress();
    created = [];
    for (let i = 0; i < count; i++) created.push(await createRollup(factory, defaultGenesis({ chainId: FIRST_CHAIN_ID + BigInt(i) })));
    for (const c of created) chains.set(c.chain.genesis.chainId, c.chain);
    own = created.map((c) => ({ chainId: c.chain.genesis.chainId, address: c.address, rollup: c.rollup }));
    resume.saveRollups(factoryAddress, own.map((r) => ({ chainId: r.chainId.toString(), address: r.address })));
  } else {
    factoryAddress = resume.state.factoryAddress!;
    own = resume.state.rollups!.map((r) => ({ chainId: BigInt(r.chainId), address: r.address, rollup: nativeRollupAt(r.address, signer) }));
  }

  // One node for all of them, found through the factory's events; its store is kept across
  // restarts (its L1 is replayed, same hashes) and new with a new L1.
  const multi = await startMultiNode({
    l1Url,
    factory: factoryAddress,
    dataDir: path.join(dataDir, "multi-node"),
    reset: resume.fresh,
    blobSource: l1Side.blobUrl,
    pollIntervalMs: 500,
    finalityDepth: options.finalityDepth,
  });
  await multi.sync();
  // The L2 JSON-RPC opens once the dev accounts' deposits are delivered (below).
  let rpc: MultiNodeRpc | undefined;
  let relay: Relay | undefined;
  const dev = createDevShared();

  // A rollup without a proposer chain yet (a restart's, or one someone creates later through the
  // devnet's factory) gets one the first time it has work: its genesis is the node's (the
  // default of its chain id), its blocks so far taken from the node.
  const adopt = async (chainId: bigint): Promise<L2Chain> => {
    const known = chains.get(chainId);
    if (known !== undefined) return known;
    const node = await multi.rollup(chainId);
    const chain = await createL2Chain(node.genesis);
    await followBlocks(chain, node);
    chains.set(chainId, chain);
    return chain;
  };
  const proposer = createMultiProposer({
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
          }),
        ),
    signer,
    provider: l1,
    coinbase,
    dataAvailability: options.dataAvailability ?? "blobs",
    log,
  });
  let loop: ProposerLoop | undefined;
  const rounds = createMultiRound({ multi, proposer, chains, rpc: () => rpc, loop: () => loop!, reverting: () => dev.reverting, log });
  // The dev accounts' deposits go first: account #0 both deposits and proposes (see startDevnet).
  loop = startProposerLoop(rounds.round, { intervalMs: options.proposeIntervalMs ?? 250, held: true });

  let funding: Funding | undefined;
  const amount = resume.fresh ? (options.fundL2 ?? DEFAULT_L2_FUNDING) : 0n;
  if (!resume.fresh) {
    // A restart: each rollup's proposer chain is the node's (derived from the replayed L1); the accounts are funded already.
    for (const r of own) {
      const node = await multi.rollup(r.chainId);
      const head = ((await r.rollup.getFunction("head")()) as { number: bigint }).number;
      await waitForNode({ sync: () => multi.sync(), blockNumber: (tag) => node.blockNumber(tag) }, head, 120_000);
      await adopt(r.chainId);
    }
    loop.release();
  } else if (amount > 0n) {
    const accounts = devAccounts()
      .slice(0, count > FUND_ALL_UP_TO ? FUNDED_WHEN_MANY : undefined)
      .map((a) => a.address);
    // Deposits to many rollups take longer to deliver than one's: twice the single devnet's wait.
    funding = await fundByDeposits({ l1, rollups: created!, accounts, amount, timeoutMs: 120_000, onSent: () => loop!.release() });
    for (const [i, c] of created!.entries()) await waitForNode(await multi.rollup(c.chain.genesis.chainId), funding.deliveredIn[i]!, 120_000);
  } else loop.release();

  // Time travel and evm_revert concern every rollup on the L1 (their proposer chains too).
  const devRollups = async (): Promise<DevRollup[]> => {
    const out: DevRollup[] = [];
    for (const r of multi.list().filter((info) => info.retired === undefined)) {
      const chain = chains.get(r.chainId);
      out.push({ node: await multi.rollup(r.chainId), rollupAddress: r.address, sync: () => multi.sync(), proposerHead: chain && (() => headHash(chain)) });
    }
    return out;
  };
  // Each rollup's URL: the dev methods on that rollup, and its transactions' messages with where each is.
  const extra = (chainId: bigint, node: Awaited<ReturnType<typeof multi.rollup>>, mempool: Parameters<typeof createDevMethods>[0]["mempool"]): Map<string, Handler> => {
    const status = transactionStatusWithMessages(node, l1, () => relay);
    if (mempool === undefined) return new Map([["ultrasound_getTransactionStatus", status]]);
    const methods = createDevMethods({
      l1,
      node,
      rollupAddress: node.rollup,
      mempool,
      mine: () => rounds.mines(chainId).request(),
      l2: () => (rpc === undefined ? undefined : { request: async (args) => (await rpc!.handler(chainId))!.request(args) }),
      rollups: devRollups,
      shared: dev,
    }).methods;
    methods.set("ultrasound_getTransactionStatus", status);
    return methods;
  };
  // The L2 port opens only now: a script that starts when it answers finds the dev accounts funded.
  const served = await serveMultiNode(multi, {
    host,
    port: l2Port,
    gasCap: options.rpcGasCap,
    callTimeoutMs: options.rpcCallTimeoutMs,
    mempoolOptions: options.mempool,
    extra,
    // An evm_revert drops the transactions it unwinds, as Hardhat's does.
    handBackUnwound: () => !dev.reverting,
  }).catch(async (error: Error) => {
    await loop.stop();
    await multi.stop();
    await l1Side.stop();
    throw new DevnetStartError("The L2 JSON-RPC did not start", { host, port: l2Port, reason: error.message.split("\n")[0] });
  });
  rpc = served;
  const wsOf = (url: string) => url.replace(/^http/, "ws");
  const rollups: DevnetRollup[] = own.map((r) => ({
    chainId: r.chainId,
    address: r.address,
    url: served.urlOf(r.chainId),
    wsUrl: wsOf(served.urlOf(r.chainId)),
    chain: chains.get(r.chainId)!,
    rollup: r.rollup,
  }));
  // Withdrawals and messages between the rollups relayed by themselves (src/devnet/relay.ts).
  const relayed = () => multi.list().filter((r) => r.retired === undefined).map((r) => ({ address: r.address, l2Url: served.urlOf(r.chainId) }));
  relay = options.relay === false ? undefined : await startDevnetRelay(l1, relayed, log);
  const blockTimeSeconds = await startL1Slots(l1, options.blockTimeSeconds);
  const explorer = await startExplorer({ l1Url, l2Url: served.url, blobUrl: l1Side.blobUrl, host, port: options.explorerPort });

  const first = rollups[0]!;
  const primary = await multi.rollup(first.chainId);
  const primaryMempool = (await served.openMempool(first.chainId))!;
  return {
    l1Url,
    l2Url: served.url,
    l2WsUrl: served.wsUrl,
    blobUrl: l1Side.blobUrl,
    explorerUrl: explorer.url,
    rollupAddress: first.address,
    chainId: first.chainId,
    l1ChainId,
    blockTimeSeconds,
    finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
    chain: first.chain,
    mempool: primaryMempool,
    node: primary,
    funding,
    rollup: first.rollup,
    executeVerdicts: () => l1Side.verdicts(),
    threads: { rpc: { pid: process.pid, threadId }, l1: { pid: l1Side.pid, threadId: l1Side.threadId }, proposer: { pid: process.pid, threadId } },
    factoryAddress,
    rollups,
    relay,
    async stop() {
      await explorer.close();
      await stopL1Slots(l1, blockTimeSeconds);
      await relay?.stop();
      await loop.stop();
      await served.close();
      await multi.stop();
      l1.destroy();
      // Last: the L1 and the blob archive (their keep-alive sockets end with them).
      await l1Side.stop();
    },
  };
}

function headHash(chain: L2Chain): string {
  return bytesToHex(chainHead(chain).hash());
}
