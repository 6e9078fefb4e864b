import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { JsonRpcServer } from "hardhat/types/network";
import { bytesToHex } from "@ethereumjs/util";
import { formatEther, JsonRpcProvider, Network, type Contract } from "ethers";
import { createServer } from "node:net";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis, type GenesisConfig } from "../engine/genesis.js";
import { chainHead, createL2Chain, forgetBlockBodies, type L2Chain } from "../engine/state.js";
import { createMempool, type Mempool, type MempoolOptions } from "../proposer/mempool.js";
import { type DataAvailability, type ProposedBlock } from "../proposer/propose.js";
import { createProposer } from "../proposer/proposer.js";
import { followBlocks } from "../proposer/follow.js";
import { startNode, type RollupNode } from "../node/index.js";
import { serveNode } from "../node/rpc.js";
import path from "node:path";
import { openBlobArchive } from "../blobs/archive.js";
import { DEFAULT_BLOB_SERVER_PORT, startBlobArchiveServer } from "../blobs/server.js";
import { configureBlobArchive } from "../hardhat/blob-capture.js";
import { deployRollup, nativeRollupAt } from "../sdk/contracts.js";
import { DevnetStartError } from "./errors.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop } from "./loop.js";
import { startMultiDevnet } from "./multi.js";
import { startL1Process, type L1Process, type L1ProcessConfig } from "./l1.js";
import { threadId } from "node:worker_threads";
import { warmKzgWorker } from "../blobs/kzg-offthread.js";
import { recentVerdicts, type ExecuteVerdict } from "../precompile/run.js";
import { openDevnetState } from "./restart.js";
import { assertPortFree, startL1Side, startL1Slots, stopL1Slots, urlHost } from "./l1-server.js";
import { firstLine } from "./text.js";
import { createDevMethods, createMineRequests, type DevMethods } from "./dev-methods.js";
import { startDevnetRelay, transactionStatusWithMessages } from "./relay.js";
import type { Relay } from "../relay/index.js";
import { startExplorer } from "../explorer/index.js";

/** Options of {@link startDevnet}. */
export interface DevnetOptions {
  /** The interface L1, L2 and the blob archive listen on. Default 127.0.0.1 (this machine only). */
  host?: string;
  /** L1 JSON-RPC port (Hardhat node). Default 8545. */
  l1Port?: number;
  /** L2 JSON-RPC port. Default 8546. */
  l2Port?: number;
  genesis?: GenesisConfig;
  /** Beacon-API blob archive port. Default 5052. */
  blobPort?: number;
  /** The explorer's port (src/explorer). Default 0: a free port (`npm run devnet` uses 8547). */
  explorerPort?: number;
  /** Where the blob archive keeps its database, and the devnet's node its store (`<dataDir>/node`). Default `.devnet/blobs`. */
  dataDir?: string;
  /** Where blocks publish their transactions. Default "blobs". */
  dataAvailability?: DataAvailability;
  /** How often the proposer looks for pending L2 transactions, in ms. Default 250. */
  proposeIntervalMs?: number;
  /** The L2 mempool's rules (e.g. `allowUnprotected` for pre-EIP-155 transactions). */
  mempool?: MempoolOptions;
  /** Most gas one L2 eth_call may use. Default 2^24 (see `startL2Rpc`). */
  rpcGasCap?: bigint;
  /** Wall-time budget of one L2 eth_call, in ms. Default 5000. */
  rpcCallTimeoutMs?: number;
  /** L1 depth at which the node calls an L2 block finalized. Default 64 (the node's). */
  finalityDepth?: number;
  /**
   * The L1's slot time in seconds: the L1 mines a block at least this often even when idle, so
   * `safe`/`finalized` and L1 time move on their own. Default 12 (Ethereum's); 0 mines only for
   * transactions. Transactions are still mined at once (automine stays on: EDR takes blob
   * transactions only then, hardhat#5024).
   */
  blockTimeSeconds?: number;
  /**
   * What each of Hardhat's 20 accounts deposits to L2 at start (their L1 balance is topped up
   * first, so it stays as Hardhat made it). Default 10,000 ETH; 0 for none.
   */
  fundL2?: bigint;
  /**
   * How many rollups: 1 (default) is the devnet above. More: a RollupFactory creates them (chain
   * ids 167001, 167002, …), one multi-rollup node serves them all and one multi-proposer advances
   * them (see `startMultiDevnet`, src/devnet/multi.ts).
   */
  rollups?: number;
  /**
   * Where the parts run. "split" (default): the L1 (with EXECUTE's verification) and the blob
   * archive in a child process, so the L2 JSON-RPC's thread never waits for L1 work. "single":
   * everything on this thread, as before (kept to measure against: `npm run bench`, `offthread`).
   */
  layout?: DevnetLayout;
  /** Whether the devnet claims L2→L1 messages and forwards rollup→rollup ones once verified (src/devnet/relay.ts). Default true. */
  relay?: boolean;
  /** Start afresh: forget the L1 journal and the stores of a previous run in `dataDir`. Default false. */
  reset?: boolean;
  log?: (line: string) => void;
  /** Called with each L2 block verified on L1 (the devnet's `--log-level debug` prints its transactions: src/devnet/log.ts). */
  onProposed?: (proposed: ProposedBlock) => void;
}

/** Where a devnet's parts run: see {@link DevnetOptions.layout}. */
export type DevnetLayout = "split" | "single";

/** A process and thread a part of the devnet runs on. */
export interface DevnetThread {
  pid: number;
  threadId: number;
}

/** A running devnet. */
export interface Devnet {
  l1Url: string;
  l2Url: string;
  /** The L2 JSON-RPC over WebSocket (subscriptions): the same port. */
  l2WsUrl: string;
  /** The blob archive's beacon-API base URL. */
  blobUrl: string;
  /** The explorer's page (src/explorer). */
  explorerUrl: string;
  rollupAddress: string;
  chainId: bigint;
  /** The L1 chain id (Hardhat's network). */
  l1ChainId: bigint;
  /** The L1's slot time in seconds (0: blocks only for transactions). */
  blockTimeSeconds: number;
  /** L1 depth at which the node calls an L2 block finalized. */
  finalityDepth: number;
  /**
   * The proposer's chain (what it builds on; the RPC serves the node's). Blocks more than 4
   * below the node's head keep their headers only: their transactions and receipts are the node's.
   */
  chain: L2Chain;
  mempool: Mempool;
  /** The rollup node that derives the L2 from L1 and serves the L2 JSON-RPC. */
  node: RollupNode;
  /** The deposits that funded the dev accounts on L2 at start (undefined with `fundL2: 0`). */
  funding?: Funding;
  rollup: Contract;
  /** EXECUTE's recent verdicts on the devnet's L1 (which may run in another process), newest last. */
  executeVerdicts?: () => Promise<readonly ExecuteVerdict[]>;
  /** Where the L2 JSON-RPC (with the node and mempool), the L1 (with EXECUTE) and the proposer's builder run. */
  threads?: { rpc: DevnetThread; l1: DevnetThread; proposer: DevnetThread };
  /** The relayer that claims withdrawals and forwards rollup→rollup messages (undefined with `relay: false`). */
  relay?: Relay;
  /** With `rollups` > 1: the RollupFactory that created them. */
  factoryAddress?: string;
  /** With `rollups` > 1: every rollup (the first is the one above), in chain id order. */
  rollups?: DevnetRollup[];
  stop(): Promise<void>;
}

/** One rollup of a devnet of many (`rollups` > 1). */
export interface DevnetRollup {
  chainId: bigint;
  /** Its NativeRollup (a clone made by the factory). */
  address: string;
  /** Its L2 JSON-RPC: `/rollup/<chainId>` on the devnet's L2 port (HTTP and WebSocket). */
  url: string;
  wsUrl: string;
  /** The proposer's chain of this rollup. */
  chain: L2Chain;
  rollup: Contract;
}

export { DevnetStartError } from "./errors.js";
export { assertPortFree, DEFAULT_BLOCK_TIME_SECONDS, startL1Server, startL1Side, startL1Slots, stopL1Slots, urlHost, withoutSqliteWarning } from "./l1-server.js";
export { firstLine } from "./text.js";

/** What each dev account deposits to L2 when the devnet starts. */
export const DEFAULT_L2_FUNDING = 10_000n * 10n ** 18n;

/**
 * Blocks below the node's head whose transactions and receipts the proposer's chain keeps in
 * memory. Nothing reads older bodies (a rewind reads headers; the mempool has long synced): the
 * node has them on disk. Blocks hold hundreds of transactions, so this is counted in blocks, few.
 */
export const KEPT_BODIES = 4n;


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
  const l1Url = `http://${urlHost(host)}:${l1Port}`;
  const dataDir = options.dataDir ?? ".devnet/blobs";
  // The L1 is journaled in the data dir and replayed at a restart (src/devnet/restart.ts).
  const resume = openDevnetState(dataDir, options.reset === true);
  // Every blob the node sees is archived on disk (it survives restarts) and served beacon-style,
  // by the L1's process: EXECUTE reads the blobs it captured there.
  const l1Config: L1ProcessConfig = {
    host,
    l1Port,
    l1Url,
    blobPort,
    dataDir,
    network: hre.globalOptions.network ?? "node",
    initialDate: resume.state.initialDate,
    journalFile: resume.journalFile,
  };
  const l1Side = (options.layout ?? "split") === "split" ? await startL1Process(l1Config) : await startL1Side(hre, l1Config);
  const { chainId: l1ChainId } = l1Side;
  if (l1Side.replayed.requests > 0) log(`devnet: replayed the L1 journal (${l1Side.replayed.requests} requests, ${l1Side.replayed.blocks} blocks)`);
  // The proposer's KZG runs on a worker thread: start it (and its trusted-setup load) now.
  warmKzgWorker();
  const l1 = new JsonRpcProvider(l1Url, Network.from(l1ChainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });

  const genesis = options.genesis ?? defaultGenesis();
  const proposerSigner = await l1.getSigner(0);
  const { rollup, address, chain } =
    resume.state.rollupAddress === undefined
      ? await deployRollup(proposerSigner, genesis)
      : { rollup: nativeRollupAt(resume.state.rollupAddress, proposerSigner), address: resume.state.rollupAddress, chain: await createL2Chain(genesis) };
  if (resume.fresh) resume.saveRollup(address);
  const mempool = createMempool(chain, options.mempool);
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
      if (dev?.reverting === true) return; // evm_revert drops them, as Hardhat's does
      for (const tx of txs) await mempool.add(tx).catch(() => undefined);
    },
  });
  const proposer = createProposer({
    chain,
    rollup,
    provider: l1,
    mempool,
    coinbase: await proposerSigner.getAddress(),
    dataAvailability: options.dataAvailability ?? "blobs",
    node: () => node,
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
        const followed = await followBlocks(chain, node).catch((error: Error) => error);
        if (followed instanceof Error) {
          const pauseMs = loop.backOff(1000);
          log(`proposer: lost a race and could not follow the node: ${firstLine(followed.message)} (retrying in ${pauseMs / 1000} s)`);
          return;
        }
        await mempool.sync();
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

  return {
    l1Url,
    l2Url: l2.url,
    l2WsUrl: l2.wsUrl,
    blobUrl: l1Side.blobUrl,
    explorerUrl: explorer.url,
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

/** The node's default finality depth (L1 blocks). */
export const DEFAULT_FINALITY_DEPTH = 64;

/** Waits until the node has derived L2 block `number` (the devnet's funding), syncing it meanwhile. */
export async function waitForNode(node: { sync(): Promise<unknown>; blockNumber(tag: "latest"): bigint }, number: bigint, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await node.sync().catch(() => undefined);
    if (node.blockNumber("latest") >= number) return;
    if (Date.now() > deadline) throw new DevnetStartError("The node did not derive the block that funded the dev accounts in time", { block: number, nodeHead: node.blockNumber("latest") });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** What the devnet prints for a block its proposer got verified on L1. */
export function proposedLine(proposed: ProposedBlock, deferred: number): string {
  const { header } = proposed.block;
  return (
    `L2 block ${header.number} verified on L1 block ${proposed.l1Receipt.blockNumber}: ` +
    `${proposed.block.transactions.length} tx, ${header.gasUsed} L2 gas, advance() ${proposed.l1Receipt.gasUsed} L1 gas, ` +
    (proposed.sidecar ? `${proposed.sidecar.blobs.length} blob(s)` : "calldata") +
    (deferred > 0 ? `, ${deferred} left for the next block (full)` : "")
  );
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
