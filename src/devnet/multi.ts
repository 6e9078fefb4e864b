/**
 * `npm run devnet -- --rollups N` (N > 1): the devnet with many rollups. One Hardhat L1 with
 * EXECUTE, a RollupFactory that creates the N rollups (chain ids 167001, 167002, …, each with the
 * default genesis), ONE multi-rollup node (src/node/multi.ts) that follows them all from the
 * factory's events and serves them on one port (`/rollup/<chainId>`, the first at `/` too,
 * `GET /rollups`), ONE multi-proposer (src/proposer/multi.ts) that advances whichever has pending
 * transactions or queued messages, and the dev accounts funded on every rollup by deposits.
 *
 *   L1 ── RollupFactory ──createRollup×N──▶ NativeRollup clones
 *    │                                          ▲ advance (one rollup, one block, in turn)
 *    ▼ one eth_getLogs for all                  │
 *   multi-node ──/rollup/<id>──▶ mempools ──▶ multi-proposer
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { JsonRpcProvider, Network } from "ethers";
import path from "node:path";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis } from "../engine/genesis.js";
import { chainHead, createL2Chain, forgetBlockBodies, type L2Chain } from "../engine/state.js";
import { createMultiProposer, type MultiProposerRollup } from "../proposer/multi.js";
import { followBlocks } from "../proposer/follow.js";
import { startMultiNode } from "../node/multi.js";
import { serveMultiNode, type MultiNodeRpc } from "../node/rpc.js";
import { openBlobArchive } from "../blobs/archive.js";
import { DEFAULT_BLOB_SERVER_PORT, startBlobArchiveServer } from "../blobs/server.js";
import { configureBlobArchive } from "../hardhat/blob-capture.js";
import { createRollup, deployFactory } from "../sdk/factory.js";
import { startExplorer } from "../explorer/index.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop } from "./loop.js";
import { startDevnetRelay } from "./relay.js";
import {
  assertPortFree,
  DEFAULT_L2_FUNDING,
  DevnetStartError,
  firstLine,
  proposedLine,
  KEPT_BODIES,
  startL1Server,
  startL1Slots,
  stopL1Slots,
  waitForNode,
  DEFAULT_FINALITY_DEPTH,
  urlHost,
  withoutSqliteWarning,
  type Devnet,
  type DevnetOptions,
  type DevnetRollup,
} from "./index.js";

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

/**
 * Starts the devnet with `options.rollups` rollups (see the file's comment). Refuses a custom
 * genesis (each rollup has the default genesis of its chain id). `stop()` closes everything.
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
  const archive = await withoutSqliteWarning(() => openBlobArchive(dataDir));
  configureBlobArchive(archive);
  await hre.tasks.getTask("build").run({ quiet: true });

  const l1Url = `http://${urlHost(host)}:${l1Port}`;
  const { chainId: l1ChainId, server: l1Server } = await startL1Server(hre, host, l1Port, l1Url);
  const l1 = new JsonRpcProvider(l1Url, Network.from(l1ChainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  const signer = await l1.getSigner(0);
  const coinbase = await signer.getAddress();

  // The factory, then its rollups, one after the other (every fourth creation costs more gas: an
  // estimate made beside the others would fall short).
  const factory = await deployFactory(signer);
  const factoryAddress = await factory.getAddress();
  const created = [];
  for (let i = 0; i < count; i++) created.push(await createRollup(factory, defaultGenesis({ chainId: FIRST_CHAIN_ID + BigInt(i) })));
  const chains = new Map<bigint, L2Chain>(created.map((c) => [c.chain.genesis.chainId, c.chain]));

  const blobServer = await startBlobArchiveServer({ archive, host, port: blobPort, l1: { request: ({ method, params }) => l1.send(method, params ?? []) } });
  // One node for all of them, found through the factory's events (a store new with each devnet).
  const multi = await startMultiNode({
    l1Url,
    factory: factoryAddress,
    dataDir: path.join(dataDir, "multi-node"),
    reset: true,
    blobSource: blobServer.url,
    pollIntervalMs: 500,
    finalityDepth: options.finalityDepth,
  });
  await multi.sync();
  // The L2 JSON-RPC opens once the dev accounts' deposits are delivered (below).
  let rpc: MultiNodeRpc | undefined;

  // A rollup someone creates later through the devnet's factory gets a proposer chain too, the
  // first time it has work: its genesis is the node's (the default of its chain id), its blocks
  // so far taken from the node.
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
  /** One round: at most one block per rollup with work, then the node derives them. */
  const round = async () => {
    let proposedAny = false;
    for (let i = 0; i < count && !loop.stopped; i++) {
      const result = await proposer.proposeNext().catch((error: Error) => ({ kind: "unavailable" as const, error }));
      if (result.kind === "idle") break;
      if (result.kind === "unavailable") {
        const pauseMs = loop.backOff(500);
        log(`proposer: ${firstLine(result.error.message)} (retrying in ${pauseMs / 1000} s)`);
        return;
      }
      const { chainId, outcome } = result;
      const chain = chains.get(chainId)!;
      switch (outcome.kind) {
        case "idle":
        case "dropped":
          break;
        case "proposed": {
          loop.succeeded();
          proposedAny = true;
          log(`rollup ${chainId}: ${proposedLine(outcome.proposed, outcome.deferred)}`);
          break;
        }
        case "failed":
          log(`proposer: rollup ${chainId}: block failed: ${firstLine(outcome.error.message)}`);
          break;
        case "lost-race": {
          await multi.sync().catch(() => undefined);
          const node = await multi.rollup(chainId);
          const followed = await followBlocks(chain, node).catch((error: Error) => error);
          if (followed instanceof Error) {
            log(`proposer: rollup ${chainId}: lost a race and could not follow the node: ${firstLine(followed.message)}`);
            break;
          }
          await rpc?.mempool(chainId)?.sync();
          log(`proposer: rollup ${chainId}: another proposer advanced it; followed ${followed.appended} block(s) from the node, now on L2 block ${chainHead(chain).number}`);
          break;
        }
      }
    }
    if (!proposedAny) return;
    // The node derives the blocks now rather than at its next poll: receipts come sooner.
    await multi.sync().catch(() => undefined);
    for (const [chainId, chain] of chains) {
      const node = multi.opened(chainId);
      if (node !== undefined) forgetBlockBodies(chain, node.blockNumber("latest") - KEPT_BODIES);
    }
  };
  // The dev accounts' deposits go first: account #0 both deposits and proposes (see startDevnet).
  const loop = startProposerLoop(round, { intervalMs: options.proposeIntervalMs ?? 250, held: (options.fundL2 ?? DEFAULT_L2_FUNDING) > 0n });

  const amount = options.fundL2 ?? DEFAULT_L2_FUNDING;
  let funding: Funding | undefined;
  if (amount > 0n) {
    const accounts = devAccounts()
      .slice(0, count > FUND_ALL_UP_TO ? FUNDED_WHEN_MANY : undefined)
      .map((a) => a.address);
    // Deposits to many rollups take longer to deliver than one's: twice the single devnet's wait.
    funding = await fundByDeposits({ l1, rollups: created, accounts, amount, timeoutMs: 120_000, onSent: () => loop.release() });
    for (const [i, c] of created.entries()) await waitForNode(await multi.rollup(c.chain.genesis.chainId), funding.deliveredIn[i]!, 120_000);
  }
  // The L2 port opens only now: a script that starts when it answers finds the dev accounts funded.
  const served = await serveMultiNode(multi, { host, port: l2Port, gasCap: options.rpcGasCap, callTimeoutMs: options.rpcCallTimeoutMs, mempoolOptions: options.mempool }).catch(async (error: Error) => {
    await loop.stop();
    await multi.stop();
    throw new DevnetStartError("The L2 JSON-RPC did not start", { host, port: l2Port, reason: error.message.split("\n")[0] });
  });
  rpc = served;
  const wsOf = (url: string) => url.replace(/^http/, "ws");
  const rollups: DevnetRollup[] = created.map((c) => ({
    chainId: c.chain.genesis.chainId,
    address: c.address,
    url: served.urlOf(c.chain.genesis.chainId),
    wsUrl: wsOf(served.urlOf(c.chain.genesis.chainId)),
    chain: c.chain,
    rollup: c.rollup,
  }));
  // Withdrawals and messages between the rollups relayed by themselves (src/devnet/relay.ts).
  const relayed = () => multi.list().filter((r) => r.retired === undefined).map((r) => ({ address: r.address, l2Url: served.urlOf(r.chainId) }));
  const relay = options.relay === false ? undefined : await startDevnetRelay(l1, relayed, log);
  const blockTimeSeconds = await startL1Slots(l1, options.blockTimeSeconds);
  const explorer = await startExplorer({ l1Url, l2Url: served.url, blobUrl: blobServer.url, host, port: options.explorerPort });

  const first = created[0]!;
  const primary = await multi.rollup(first.chain.genesis.chainId);
  const primaryMempool = (await served.openMempool(first.chain.genesis.chainId))!;
  return {
    l1Url,
    l2Url: served.url,
    l2WsUrl: served.wsUrl,
    blobUrl: blobServer.url,
    explorerUrl: explorer.url,
    rollupAddress: first.address,
    chainId: first.chain.genesis.chainId,
    l1ChainId,
    blockTimeSeconds,
    finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
    chain: first.chain,
    mempool: primaryMempool,
    node: primary,
    funding,
    rollup: first.rollup,
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
      await blobServer.close();
      configureBlobArchive(undefined);
      archive.close();
      l1.destroy();
      await l1Server.close();
    },
  };
}
