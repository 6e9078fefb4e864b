import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { bytesToHex } from "@ethereumjs/util";
import { formatEther } from "ethers";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis } from "../engine/genesis.js";
import { chainHead, createL2Chain, forgetBlockBodies } from "../engine/state.js";
import { createMempool } from "../proposer/mempool.js";
import { journaledMempool } from "../node/journal.js";
import { createProposer } from "../proposer/proposer.js";
import { followBlocks, followBlocksKeepingTransactions } from "../proposer/follow.js";
import { startNode } from "../node/index.js";
import { serveNode } from "../node/rpc.js";
import path from "node:path";
import { DEFAULT_BLOB_SERVER_PORT } from "../blobs/server.js";
import { deployRollup, nativeRollupAt } from "../sdk/contracts.js";
import { DevnetStartError } from "./errors.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop } from "./loop.js";
import { startMultiDevnet } from "./multi.js";
import type { Devnet, DevnetOptions, DevnetRollup } from "./types.js";
import { DEFAULT_FINALITY_DEPTH, DEFAULT_L2_FUNDING, KEPT_BODIES, proposedLine, startDevnetL1, waitForNode } from "./common.js";
import { threadId } from "node:worker_threads";
import { openDevnetState } from "./restart.js";
import { assertPortFree, startL1Slots, stopL1Slots } from "./l1-server.js";
import { firstLine } from "./text.js";
import { createDevMethods, createMineRequests, type DevMethods } from "./dev-methods.js";
import { startDevnetRelay, transactionStatusWithMessages } from "./relay.js";
import type { Relay } from "../relay/index.js";
import { startExplorer } from "../explorer/index.js";
import { startSyncFront } from "./sync-builder.js";

export { DevnetStartError } from "./errors.js";
export type { Devnet, DevnetLayout, DevnetOptions, DevnetRollup, DevnetThread } from "./types.js";
export { DEFAULT_FINALITY_DEPTH, DEFAULT_L2_FUNDING, KEPT_BODIES, proposedLine, waitForNode } from "./common.js";
export { assertPortFree, DEFAULT_BLOCK_TIME_SECONDS, startL1Server, startL1Side, startL1Slots, stopL1Slots, urlHost, withoutSqliteWarning } from "./l1-server.js";
export { firstLine } from "./text.js";

/**
 * Starts the whole devnet in this process: a Hardhat node with EXECUTE (`hre`'s network served over HTTP and WebSocket,
 * the ultrasound plugin loaded), a NativeRollup deployed from the genesis, the blob archive's
 * beacon API, a rollup node that derives the L2 from L1 (and the archive) and serves the L2
 * JSON-RPC, and a proposer that advances the rollup whenever L2 transactions are pending — the
 * node's eth_sendRawTransaction feeds the proposer's mempool. Everything listens on `host` (127.0.0.1 by default). Prints nothing
 * of its own but the proposer's lines (`log`). `stop()` closes everything it started (servers,
 * sockets, timers, stores): the process can then end by itself.
 */
export async function startDevnet(hre: HardhatRuntimeEnvironment, options: DevnetOptions = {}): Promise<Devnet> {
  if ((options.rollups ?? 1) > 1 && options.syncPort !== undefined) {
    throw new DevnetStartError("The sync builder (--sync-port) serves a devnet of one rollup", { rollups: options.rollups, syncPort: options.syncPort });
  }
  if ((options.rollups ?? 1) > 1) return startMultiDevnet(hre, options);
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
  await hre.tasks.getTask("build").run({ quiet: true });
  const dataDir = options.dataDir ?? ".devnet/blobs";
  // The L1 is journaled in the data dir and replayed at a restart (src/devnet/restart.ts).
  const resume = openDevnetState(dataDir, options.reset === true);
  // Every blob the node sees is archived on disk (it survives restarts) and served beacon-style,
  // by the L1's process: EXECUTE reads the blobs it captured there.
  const { side: l1Side, url: l1Url, chainId: l1ChainId, provider: l1 } = await startDevnetL1(hre, { host, l1Port, blobPort, dataDir, layout: options.layout, resume, log });

  const genesis = options.genesis ?? defaultGenesis();
  const proposerSigner = await l1.getSigner(0);
  const { rollup, address, chain } =
    resume.state.rollupAddress === undefined
      ? await deployRollup(proposerSigner, genesis)
      : { rollup: nativeRollupAt(resume.state.rollupAddress, proposerSigner), address: resume.state.rollupAddress, chain: await createL2Chain(genesis) };
  if (resume.fresh) resume.saveRollup(address);
  // evm_mine and friends on the L2 URL (src/devnet/dev-methods.ts): a block now, taken by the loop.
  const mines = createMineRequests();
  let dev: DevMethods | undefined;
  // The node derives from L1 alone (the archive serves it the blobs), like any other node; its
  // store is new with each devnet (the Hardhat L1 is new each time).
  const node = await startNode({
    l1Url,
    rollup: address,
    blobSource: l1Side.blobUrl,
    dataDir: path.join(dataDir, "node"),
    // Kept across restarts (its L1 is replayed, same hashes); new with a new L1.
    reset: resume.fresh,
    pollIntervalMs: 500,
    finalityDepth: options.finalityDepth,
    // An L1 reorg (none on this L1 unless asked for) hands its L2 transactions back to the pool.
    onUnwoundTransactions: async (txs) => {
      // evm_revert drops them, as Hardhat's does: out of the journal the unwind put them in too.
      if (dev?.reverting === true) return mempool.forget(txs);
      for (const tx of txs) await mempool.add(tx).catch(() => undefined);
    },
  });
  // The pool journals what it acknowledges in the node's store (a kill -9 loses none of it; a
  // restarted devnet takes it back), and keeps what the proposer took until the node includes it.
  // The journal forgets a transaction once the node's chain has it: the proposer's chain has it
  // first, and L1 may still take that block back before the node derived it.
  const mempool = journaledMempool(createMempool(chain, options.mempool), node.pendingJournal, { included: (hash) => node.getTransaction(hash) !== undefined });
  const proposer = createProposer({
    chain,
    rollup,
    provider: l1,
    mempool,
    coinbase: await proposerSigner.getAddress(),
    dataAvailability: options.dataAvailability ?? "blobs",
    node: () => node,
    handBackRewound: () => dev?.reverting !== true,
    log,
  });
  const round = async () => {
    const mining = mines.take();
    const outcome = await proposer.proposeNext({ evenEmpty: mining.length > 0 }).catch((error: Error) => ({ kind: "unavailable" as const, error }));
    if (outcome.kind !== "proposed") mines.giveBack(mining);
    switch (outcome.kind) {
      case "idle":
      case "dropped":
        loop.succeeded();
        return;
      case "proposed": {
        loop.succeeded();
        // The node derives the block now rather than at its next poll: receipts come sooner.
        await node.sync().catch(() => undefined);
        // What the node keeps on disk need not stay in the proposer's memory (a reorg margin kept).
        forgetBlockBodies(chain, node.blockNumber("latest") - KEPT_BODIES);
        for (const waiter of mining) waiter.resolve(outcome.proposed.block.header.number);
        log(proposedLine(outcome.proposed, outcome.deferred));
        options.onProposed?.(outcome.proposed);
        return;
      }
      case "failed":
        log(`proposer: block failed: ${firstLine(outcome.error.message)}`);
        return;
      case "lost-race": {
        // Another proposer's block is on L1: take it from the node (which derives from L1 alone)
        // into the proposer's chain, and rebuild on it with what is still pending.
        await node.sync().catch(() => undefined);
        const followed = await followBlocksKeepingTransactions(chain, node, mempool, { handBack: dev?.reverting !== true }).catch((error: Error) => error);
        if (followed instanceof Error) {
          const pauseMs = loop.backOff(1000);
          log(`proposer: lost a race and could not follow the node: ${firstLine(followed.message)} (retrying in ${pauseMs / 1000} s)`);
          return;
        }
        loop.succeeded();
        log(`proposer: another proposer advanced the rollup; followed ${followed.appended} block(s) from the node, now on L2 block ${chainHead(chain).number}`);
        return;
      }
      case "unavailable": {
        const pauseMs = loop.backOff(500);
        log(`proposer: ${firstLine(outcome.error.message)} (retrying in ${pauseMs / 1000} s)`);
        return;
      }
    }
  };
  // The dev accounts' deposits go first: account #0 both deposits and proposes, and two L1
  // transactions of one sender in flight at once would race for its nonce.
  const loop = startProposerLoop(round, { intervalMs: options.proposeIntervalMs ?? 250, held: (options.fundL2 ?? DEFAULT_L2_FUNDING) > 0n });

  // L2 ETH comes from L1, as on any real rollup: the dev accounts deposit, the proposer delivers.
  // A restarted devnet's proposer takes the L2 so far from the node; its accounts are funded already.
  if (!resume.fresh) {
    await waitForNode(node, (((await rollup.getFunction("head")()) as { number: bigint }).number));
    await followBlocks(chain, node);
    await mempool.sync();
    // What the last run acknowledged and did not get included is pending again.
    const restored = await mempool.restore();
    if (restored > 0) log(`devnet: ${restored} acknowledged transaction(s) of the last run pending again`);
    loop.release();
  }
  const amount = resume.fresh ? (options.fundL2 ?? DEFAULT_L2_FUNDING) : 0n;
  let funding: Funding | undefined;
  if (amount > 0n) {
    funding = await fundByDeposits({ l1, rollups: [{ rollup, chain }], accounts: devAccounts().map((a) => a.address), amount, onSent: () => loop.release() });
    await waitForNode(node, funding.deliveredIn[0]!);
  }
  // The L2 port opens only now: a script that starts when it answers finds the dev accounts funded.
  let l2Handler: { request(args: { method: string; params?: unknown[] | object }): Promise<unknown> } | undefined;
  dev = createDevMethods({ l1, node, rollupAddress: address, mempool, mine: () => mines.request(), proposerHead: () => bytesToHex(chainHead(chain).hash()), l2: () => l2Handler });
  let relay: Relay | undefined;
  dev.methods.set("ultrasound_getTransactionStatus", transactionStatusWithMessages(node, l1, () => relay));
  const l2 = await serveNode(node, { mempool, extra: dev.methods, host, port: l2Port, gasCap: options.rpcGasCap, callTimeoutMs: options.rpcCallTimeoutMs }).catch(
    async (error: Error) => {
      await loop.stop();
      await node.stop();
      await l1Side.stop();
      throw new DevnetStartError("The L2 JSON-RPC did not start", { host, port: l2Port, reason: error.message.split("\n")[0] });
    },
  );
  l2Handler = l2.handler;
  // Withdrawals and rollup→rollup messages relayed by themselves once verified (src/devnet/relay.ts).
  if (options.relay !== false) relay = await startDevnetRelay(l1, [{ address, l2Url: l2.url }], log);
  // Slots start once everything is up, so the start itself is not slowed by empty blocks.
  const blockTimeSeconds = await startL1Slots(l1, options.blockTimeSeconds);
  const explorer = await startExplorer({ l1Url, l2Url: l2.url, blobUrl: l1Side.blobUrl, host, port: options.explorerPort });
  // The sync builder's L1 transactions come from account #19, never the proposer's (#0): no nonce race.
  const syncFront =
    options.syncPort === undefined
      ? undefined
      : await startSyncFront({ l1, l1Url, rollups: [{ rollup: rollup.connect(await l1.getSigner(19)) as typeof rollup, chain }], host, port: options.syncPort, exclusive: (work) => loop.exclusive(work), blockTimeSeconds, log });

  return {
    l1Url,
    l2Url: l2.url,
    l2WsUrl: l2.wsUrl,
    blobUrl: l1Side.blobUrl,
    explorerUrl: explorer.url,
    syncUrl: syncFront?.url,
    rollupAddress: address,
    chainId: genesis.chainId,
    l1ChainId,
    blockTimeSeconds,
    finalityDepth: options.finalityDepth ?? DEFAULT_FINALITY_DEPTH,
    chain,
    mempool,
    node,
    funding,
    rollup,
    executeVerdicts: () => l1Side.verdicts(),
    threads: { rpc: { pid: process.pid, threadId }, l1: { pid: l1Side.pid, threadId: l1Side.threadId }, proposer: { pid: process.pid, threadId } },
    relay,
    async stop() {
      await syncFront?.close();
      await explorer.close();
      await stopL1Slots(l1, blockTimeSeconds);
      await relay?.stop();
      await loop.stop();
      await l2.close();
      await node.stop();
      l1.destroy();
      // Last: the L1 and the blob archive (their keep-alive sockets end with them), so nothing is left listening.
      await l1Side.stop();
    },
  };
}

/** Formats the devnet banner: where everything is and the funded accounts. */
export function devnetBanner(devnet: Devnet): string {
  if (devnet.rollups !== undefined && devnet.rollups.length > 1) return multiDevnetBanner(devnet, devnet.rollups);
  const accounts = devAccounts()
    .slice(0, 10)
    .map((a, i) => `  #${i} ${a.address}  key ${a.privateKey}`)
    .join("\n");
  return [
    "ultrasound devnet",
    `  L1 (Hardhat node, EXECUTE at 0x…0101): ${devnet.l1Url}  chain id ${devnet.l1ChainId}`,
    `  rollup (NativeRollup):                  ${devnet.rollupAddress}`,
    `  L2 JSON-RPC (rollup node):              ${devnet.l2Url}  ${devnet.l2WsUrl}  chain id ${devnet.chainId}`,
    `  blob archive (beacon API):              ${devnet.blobUrl}/eth/v1/beacon/blob_sidecars/{block_id}`,
    `  explorer (live, in a browser):          ${devnet.explorerUrl}`,
    ...(devnet.syncUrl === undefined ? [] : [`  L1 with the sync builder in front:      ${devnet.syncUrl}  (an L1 transaction calling an L2Proxy gets its L2 call)`]),
    finalityLine(devnet),
    devnet.funding === undefined
      ? "Accounts (Hardhat's; L2 unfunded: --fund-l2 0):"
      : `Funded accounts (10,000 ETH on L1; ${formatEther(devnet.funding.amount)} ETH deposited to L2 at start, delivered in L2 block ${devnet.funding.deliveredIn[0]}; the first 10 of Hardhat's 20):`,
    accounts,
  ].join("\n");
}

/** The banner's line on L1 slots and when L2 blocks become safe and finalized. */
function finalityLine(devnet: Devnet): string {
  const slots = devnet.blockTimeSeconds > 0 ? `an L1 block every ${devnet.blockTimeSeconds} s (--block-time)` : "L1 blocks only for transactions (--block-time 0)";
  const after = devnet.blockTimeSeconds > 0 ? ` ≈ ${formatDuration(devnet.finalityDepth * devnet.blockTimeSeconds)} after L1 verification` : "";
  return `  finality: ${slots}; an L2 block is safe when L1 verified it, finalized ${devnet.finalityDepth} L1 blocks deep${after} (--finality-depth)`;
}

function formatDuration(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

/** The banner of a devnet of many rollups: the factory, every rollup's chain id, address and URL, the funding. */
function multiDevnetBanner(devnet: Devnet, rollups: DevnetRollup[]): string {
  const funded = devnet.funding?.accounts.length ?? 0;
  const accounts = devAccounts()
    .slice(0, 4)
    .map((a, i) => `  #${i} ${a.address}  key ${a.privateKey}`)
    .join("\n");
  const width = String(rollups.length).length;
  return [
    "ultrasound devnet",
    `  L1 (Hardhat node, EXECUTE at 0x…0101): ${devnet.l1Url}  chain id ${devnet.l1ChainId}`,
    `  rollup (NativeRollup):                  ${devnet.rollupAddress}`,
    `  rollup factory (RollupFactory):         ${devnet.factoryAddress}`,
    `  L2 JSON-RPC (one multi-rollup node):    ${devnet.l2Url}  (the first rollup; GET ${devnet.l2Url}/rollups lists them all)`,
    `  blob archive (beacon API):              ${devnet.blobUrl}/eth/v1/beacon/blob_sidecars/{block_id}`,
    `  explorer (live, in a browser):          ${devnet.explorerUrl}  (every rollup)`,
    finalityLine(devnet),
    `Rollups (${rollups.length}, made by the factory, served by one node, advanced by one proposer):`,
    ...rollups.map((r, i) => `  ${String(i + 1).padStart(width)}. chain id ${r.chainId}  ${r.address}  ${r.url}`),
    `Follow them all from another process: npm run multi-node -- --l1 ${devnet.l1Url} --factory ${devnet.factoryAddress} --blobs ${devnet.blobUrl} --port <port>`,
    devnet.funding === undefined
      ? "Accounts (Hardhat's; L2 unfunded):"
      : `Funded accounts (10,000 ETH on L1; ${formatEther(devnet.funding.amount)} ETH deposited to every rollup at start` +
        (funded < devAccounts().length
          ? `; with more than 4 rollups only the first ${funded} of Hardhat's 20 accounts are funded on L2, for a fast start):`
          : `; all 20 of Hardhat's accounts, the first 4 shown):`),
    accounts,
  ].join("\n");
}
