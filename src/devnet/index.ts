import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { bytesToHex } from "@ethereumjs/util";
import { JsonRpcProvider, type Contract } from "ethers";
import { createServer } from "node:net";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis, type GenesisConfig } from "../engine/genesis.js";
import type { L2Chain } from "../engine/state.js";
import { createMempool, type Mempool } from "../proposer/mempool.js";
import { LostRaceError, proposeBlock, type DataAvailability } from "../proposer/propose.js";
import { startL2Rpc } from "../rpc/index.js";
import { openBlobArchive } from "../blobs/archive.js";
import { DEFAULT_BLOB_SERVER_PORT, startBlobArchiveServer } from "../blobs/server.js";
import { configureBlobArchive } from "../hardhat/blob-capture.js";
import { deployRollup } from "../sdk/contracts.js";
import { UltrasoundError } from "../shared/errors.js";

/** Options of {@link startDevnet}. */
export interface DevnetOptions {
  /** L1 JSON-RPC port (Hardhat node). Default 8545. */
  l1Port?: number;
  /** L2 JSON-RPC port. Default 8546. */
  l2Port?: number;
  genesis?: GenesisConfig;
  /** Beacon-API blob archive port. Default 5052. */
  blobPort?: number;
  /** Where the blob archive keeps its database. Default `.devnet/blobs`. */
  dataDir?: string;
  /** Where blocks publish their transactions. Default "blobs". */
  dataAvailability?: DataAvailability;
  /** How often the proposer looks for pending L2 transactions, in ms. Default 250. */
  proposeIntervalMs?: number;
  log?: (line: string) => void;
}

/** A running devnet. */
export interface Devnet {
  l1Url: string;
  l2Url: string;
  /** The blob archive's beacon-API base URL. */
  blobUrl: string;
  rollupAddress: string;
  chainId: bigint;
  chain: L2Chain;
  mempool: Mempool;
  rollup: Contract;
  stop(): Promise<void>;
}

/** The L1 node could not be started (for example, the port is taken). */
export class DevnetStartError extends UltrasoundError {
  override name = "DevnetStartError";
}

/**
 * Starts the whole devnet in this process: a Hardhat node with EXECUTE (the `node` task of `hre`,
 * the ultrasound plugin loaded), a NativeRollup deployed from the genesis, the L2 JSON-RPC
 * endpoint, and a proposer that advances the rollup whenever L2 transactions are pending.
 */
export async function startDevnet(hre: HardhatRuntimeEnvironment, options: DevnetOptions = {}): Promise<Devnet> {
  const log = options.log ?? ((line: string) => console.log(line));
  const l1Port = options.l1Port ?? 8545;
  const l2Port = options.l2Port ?? 8546;
  const blobPort = options.blobPort ?? DEFAULT_BLOB_SERVER_PORT;
  // The node task crashes the process on a taken port (an unhandled 'error' event): check first.
  await assertPortFree(l1Port, "L1 JSON-RPC");
  await assertPortFree(l2Port, "L2 JSON-RPC");
  await assertPortFree(blobPort, "blob archive");
  // Every blob the node sees is archived on disk (it survives restarts) and served beacon-style.
  const archive = await openBlobArchive(options.dataDir ?? ".devnet/blobs");
  configureBlobArchive(archive);
  await hre.tasks.getTask("build").run({ quiet: true });

  // The node task runs until its server closes; it is not awaited.
  const nodeStopped = hre.tasks
    .getTask("node")
    .run({ port: l1Port })
    .catch((error: unknown) => error as Error);
  const l1Url = `http://127.0.0.1:${l1Port}`;
  const l1 = new JsonRpcProvider(l1Url, undefined, { cacheTimeout: -1, pollingInterval: 100 });
  await waitForL1(l1, nodeStopped, l1Port);
  // The node logs every request; the proposer's would drown the devnet's own output.
  await l1.send("hardhat_setLoggingEnabled", [false]);

  const genesis = options.genesis ?? defaultGenesis();
  const proposer = await l1.getSigner(0);
  const { rollup, address, chain } = await deployRollup(proposer, genesis);
  const mempool = createMempool(chain);
  const l2 = await startL2Rpc({ chain, mempool, port: l2Port });
  const blobServer = await startBlobArchiveServer({ archive, port: blobPort, l1: { request: ({ method, params }) => l1.send(method, params ?? []) } });

  let stopped = false;
  // One proposal at a time: a tick that finds the previous one still running does nothing.
  let busy: Promise<void> | undefined;
  const tick = async () => {
    const transactions = mempool.pending();
    if (transactions.length === 0) return;
    try {
      const proposed = await proposeBlock({
        chain,
        rollup,
        provider: l1,
        transactions,
        coinbase: await proposer.getAddress(),
        dataAvailability: options.dataAvailability ?? "blobs",
      });
      mempool.remove(transactions.map((tx) => bytesToHex(tx.hash())));
      const { header } = proposed.block;
      log(
        `L2 block ${header.number} verified on L1 block ${proposed.l1Receipt.blockNumber}: ` +
          `${proposed.block.transactions.length} tx, ${header.gasUsed} L2 gas, advance() ${proposed.l1Receipt.gasUsed} L1 gas, ` +
          (proposed.sidecar ? `${proposed.sidecar.blobs.length} blob(s)` : "calldata") +
          (proposed.block.skipped.length > 0 ? `, ${proposed.block.skipped.length} dropped (${proposed.block.skipped[0]!.reason})` : ""),
      );
    } catch (error) {
      // Without a follower (the L2 node) this proposer cannot learn the other block: it says so.
      if (error instanceof LostRaceError) log(`proposer: another proposer advanced the rollup; this devnet cannot follow it yet`);
      else log(`proposer: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(() => {
    if (!stopped && busy === undefined) busy = tick().finally(() => (busy = undefined));
  }, options.proposeIntervalMs ?? 250);

  return {
    l1Url,
    l2Url: l2.url,
    blobUrl: blobServer.url,
    rollupAddress: address,
    chainId: genesis.chainId,
    chain,
    mempool,
    rollup,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      await l2.close();
      await blobServer.close();
      configureBlobArchive(undefined);
      archive.close();
      l1.destroy();
    },
  };
}

/** Throws a `DevnetStartError` naming the port when something already listens on it. */
async function assertPortFree(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(new DevnetStartError(`The ${what} port is taken: the Hardhat node did not start`, { port, reason: error.code ?? error.message })),
    );
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve()));
  });
}

/** Waits until the L1 node answers, or fails with the node's own error (port taken, …). */
async function waitForL1(l1: JsonRpcProvider, nodeStopped: Promise<unknown>, port: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let done: unknown;
  void nodeStopped.then((value) => (done = value ?? new Error("node stopped")));
  while (Date.now() < deadline) {
    if (done !== undefined) {
      throw new DevnetStartError("The Hardhat node did not start", { port, reason: (done as Error).message });
    }
    try {
      await l1.send("eth_chainId", []);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new DevnetStartError("The Hardhat node did not answer within 30 s", { port });
}

/** Formats the devnet banner: where everything is and the funded accounts. */
export function devnetBanner(devnet: Devnet): string {
  const accounts = devAccounts()
    .slice(0, 10)
    .map((a, i) => `  #${i} ${a.address}  key ${a.privateKey}`)
    .join("\n");
  return [
    "ultrasound devnet",
    `  L1 (Hardhat node, EXECUTE at 0x…0101): ${devnet.l1Url}  chain id 31337`,
    `  rollup (NativeRollup):                  ${devnet.rollupAddress}`,
    `  L2 JSON-RPC:                            ${devnet.l2Url}  chain id ${devnet.chainId}`,
    `  blob archive (beacon API):              ${devnet.blobUrl}/eth/v1/beacon/blob_sidecars/{block_id}`,
    "Funded accounts (10,000 ETH on L1 and on L2; the first 10 of Hardhat's 20):",
    accounts,
  ].join("\n");
}
