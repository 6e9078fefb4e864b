import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { JsonRpcServer } from "hardhat/types/network";
import { formatEther, JsonRpcProvider, Network, type Contract } from "ethers";
import { createServer } from "node:net";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis, type GenesisConfig } from "../engine/genesis.js";
import { chainHead, forgetBlockBodies, type L2Chain } from "../engine/state.js";
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
import { deployRollup } from "../sdk/contracts.js";
import { UltrasoundError } from "../shared/errors.js";
import { fundByDeposits, type Funding } from "./fund.js";
import { startProposerLoop } from "./loop.js";
import { startMultiDevnet } from "./multi.js";
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
  log?: (line: string) => void;
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

/** The devnet could not start (a port is taken, the host is not this machine's, the node failed). */
export class DevnetStartError extends UltrasoundError {
  override name = "DevnetStartError";
}

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
  // Every blob the node sees is archived on disk (it survives restarts) and served beacon-style.
  const archive = await withoutSqliteWarning(() => openBlobArchive(options.dataDir ?? ".devnet/blobs"));
  configureBlobArchive(archive);
  await hre.tasks.getTask("build").run({ quiet: true });

  const l1Url = `http://${urlHost(host)}:${l1Port}`;
  const { chainId: l1ChainId, server: l1Server } = await startL1Server(hre, host, l1Port, l1Url);
  const l1 = new JsonRpcProvider(l1Url, Network.from(l1ChainId), { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });

  const genesis = options.genesis ?? defaultGenesis();
  const proposerSigner = await l1.getSigner(0);
  const { rollup, address, chain } = await deployRollup(proposerSigner, genesis);
  const mempool = createMempool(chain, options.mempool);
  const blobServer = await startBlobArchiveServer({
    archive,
    host,
    port: blobPort,
    l1: { request: ({ method, params }) => l1.send(method, params ?? []) },
  });
  // The node derives from L1 alone (the archive serves it the blobs), like any other node; its
  // store is new with each devnet (the Hardhat L1 is new each time).
  const node = await startNode({
    l1Url,
    rollup: address,
    blobSource: blobServer.url,
    dataDir: path.join(options.dataDir ?? ".devnet/blobs", "node"),
    reset: true,
    pollIntervalMs: 500,
    finalityDepth: options.finalityDepth,
    // An L1 reorg (none on this L1 unless asked for) hands its L2 transactions back to the pool.
    onUnwoundTransactions: async (txs) => {
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
    const outcome = await proposer.proposeNext().catch((error: Error) => ({ kind: "unavailable" as const, error }));
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
        log(proposedLine(outcome.proposed, outcome.deferred));
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
  const amount = options.fundL2 ?? DEFAULT_L2_FUNDING;
  let funding: Funding | undefined;
  if (amount > 0n) {
    funding = await fundByDeposits({ l1, rollups: [{ rollup, chain }], accounts: devAccounts().map((a) => a.address), amount, onSent: () => loop.release() });
    await waitForNode(node, funding.deliveredIn[0]!);
  }
  // The L2 port opens only now: a script that starts when it answers finds the dev accounts funded.
  const l2 = await serveNode(node, { mempool, host, port: l2Port, gasCap: options.rpcGasCap, callTimeoutMs: options.rpcCallTimeoutMs }).catch(
    async (error: Error) => {
      await loop.stop();
      await node.stop();
      throw new DevnetStartError("The L2 JSON-RPC did not start", { host, port: l2Port, reason: error.message.split("\n")[0] });
    },
  );
  // Slots start once everything is up, so the start itself is not slowed by empty blocks.
  const blockTimeSeconds = await startL1Slots(l1, options.blockTimeSeconds);
  const explorer = await startExplorer({ l1Url, l2Url: l2.url, blobUrl: blobServer.url, host, port: options.explorerPort });

  return {
    l1Url,
    l2Url: l2.url,
    l2WsUrl: l2.wsUrl,
    blobUrl: blobServer.url,
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
    async stop() {
      await explorer.close();
      await stopL1Slots(l1, blockTimeSeconds);
      await loop.stop();
      await l2.close();
      await node.stop();
      await blobServer.close();
      configureBlobArchive(undefined);
      archive.close();
      l1.destroy();
      // Last: the L1 JSON-RPC server (its keep-alive sockets end with it), so nothing is left listening.
      await l1Server.close();
    },
  };
}

/** The node's default finality depth (L1 blocks). */
export const DEFAULT_FINALITY_DEPTH = 64;

/** Ethereum's slot time, the devnet L1's default. */
export const DEFAULT_BLOCK_TIME_SECONDS = 12;

/**
 * Gives the L1 a slot time: EDR's interval mining, which keeps automine on (a transaction is
 * still mined at once, so blob transactions are accepted: hardhat#5024 refuses them only when
 * they would wait in the mempool). Returns the slot time set (0: none).
 */
export async function startL1Slots(l1: JsonRpcProvider, seconds = DEFAULT_BLOCK_TIME_SECONDS): Promise<number> {
  if (!Number.isInteger(seconds) || seconds < 0) throw new DevnetStartError("The L1 block time must be a whole number of seconds, 0 or more", { blockTimeSeconds: seconds });
  if (seconds > 0) await l1.send("evm_setIntervalMining", [seconds * 1000]);
  return seconds;
}

/** Stops the L1's slots (its timer would otherwise keep the process alive). */
export async function stopL1Slots(l1: JsonRpcProvider, seconds: number): Promise<void> {
  if (seconds > 0) await l1.send("evm_setIntervalMining", [0]).catch(() => undefined);
}

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

/**
 * Serves Hardhat's network (the plugin's EXECUTE and blob capture hooked in, as for `hardhat
 * node`) over HTTP and WebSocket on `host`:`port`, and waits until it answers; returns its chain
 * id and the server, which `close()` shuts (unlike the `node` task, whose server and build-info
 * watcher live until the process ends). Nothing is printed, no request is logged. A port it
 * cannot take (taken since the check) becomes a `DevnetStartError`, not a crash.
 */
export async function startL1Server(hre: HardhatRuntimeEnvironment, host: string, port: number, url: string): Promise<{ chainId: bigint; server: JsonRpcServer }> {
  let listenFailure: NodeJS.ErrnoException | undefined;
  const onUncaught = (error: NodeJS.ErrnoException) => {
    if (error.code === "EADDRINUSE" || error.code === "EADDRNOTAVAIL" || error.code === "EACCES") listenFailure = error;
    else throw error;
  };
  process.on("uncaughtException", onUncaught);
  const network = hre.globalOptions.network ?? "node";
  const server = await hre.network.createServer(network, host, port);
  try {
    // Settles only if listening fails (a port taken is reported through `listenFailure` instead).
    const failed = server.listen().then(
      () => new Promise<never>(() => {}),
      (error: unknown) => error as Error,
    );
    const chainId = await waitForL1(url, failed, () => listenFailure, host, port);
    return { chainId, server };
  } catch (error) {
    await server.close().catch(() => undefined);
    throw error;
  } finally {
    process.off("uncaughtException", onUncaught);
  }
}

/** Node 22 warns that node:sqlite is experimental when the archive loads it: not the user's concern. */
export async function withoutSqliteWarning<T>(work: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return await work();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** Throws a `DevnetStartError` naming the port when it cannot be bound on `host`. */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => {
      const message =
        error.code === "EADDRNOTAVAIL"
          ? `The host ${host} is not an address of this machine: the ${what} cannot listen on it`
          : `The ${what} port is taken: the devnet did not start`;
      reject(new DevnetStartError(message, { host, port, reason: error.code ?? error.message }));
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Waits until the L1 node answers eth_chainId, or fails with the node's own error. */
async function waitForL1(url: string, nodeStopped: Promise<unknown>, listenFailure: () => Error | undefined, host: string, port: number): Promise<bigint> {
  const deadline = Date.now() + 30_000;
  let done: unknown;
  void nodeStopped.then((value) => (done = value ?? new Error("node stopped")));
  while (Date.now() < deadline) {
    const failure = listenFailure();
    if (failure !== undefined) {
      throw new DevnetStartError("The L1 JSON-RPC port is taken: the devnet did not start", { host, port, reason: (failure as NodeJS.ErrnoException).code });
    }
    if (done !== undefined) throw new DevnetStartError("The Hardhat node did not start", { host, port, reason: firstLine((done as Error).message) });
    try {
      return BigInt((await rpc(url, "eth_chainId", [])) as string);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new DevnetStartError("The Hardhat node did not answer within 30 s", { host, port });
}

/** One raw JSON-RPC call (no provider: nothing to retry or print while the node starts). */
async function rpc(url: string, method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(body.error.message);
  return body.result;
}

export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
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

/** The first line of an error message, with long hex (a raw transaction, calldata) cut to its start and size. */
export function firstLine(text: string): string {
  const line = text.split("\n")[0]!.replace(/0x[0-9a-fA-F]{130,}/g, (hex) => `${hex.slice(0, 18)}…(${(hex.length - 2) / 2} bytes)`);
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
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
