import { Wallet } from "ethers";
import { network } from "hardhat";
import { rmSync } from "node:fs";
import { createL2Chain, devAccounts, devGenesis } from "../../src/engine/index.js";
import { startMultiNode, type MultiNode } from "../../src/node/index.js";
import { serveMultiNode, type MultiNodeRpc } from "../../src/node/rpc.js";
import { createMultiProposer, type MultiProposalOutcome, type MultiProposer, type MultiProposerOptions } from "../../src/proposer/index.js";
import { deployRollup, signL2Transaction, type DeployedRollup } from "../../src/sdk/index.js";
import { blobArchiveFor, tempDir } from "../node/helpers.js";
import { rpcCall } from "../node/multi-keep-helpers.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/**
 * An in-process L1 with `count` rollups, a blob archive, a multi-rollup node following them all
 * (moved by `sync()` only) and serving their mempools, and a multi-proposer over them (blob data
 * availability, the devnet's default; packing as given, shared by default).
 */
export async function sharedEnv(count: number, firstChainId = 231_001n) {
  const connection = await network.create();
  const { ethers, provider } = connection;
  const [signer] = await ethers.getSigners();
  const rollups: DeployedRollup[] = [];
  for (let i = 0; i < count; i++) rollups.push(await deployRollup(signer!, devGenesis({ chainId: firstChainId + BigInt(i) })));
  const blobs = await blobArchiveFor(provider);
  const dataDirs = [tempDir()];
  const lines: string[] = [];
  const nodeOptions = (dataDir: string) => ({
    l1Provider: provider,
    rollups: rollups.map((r) => ({ address: r.address, genesis: r.chain.genesis, deploymentBlock: r.deploymentBlock })),
    dataDir,
    blobSource: blobs.url,
    follow: false,
    log: (line: string) => lines.push(line),
  });
  const multi: MultiNode = await startMultiNode(nodeOptions(dataDirs[0]!));
  await multi.sync();
  const rpc: MultiNodeRpc = await serveMultiNode(multi, { port: 0 });
  const coinbase = await signer!.getAddress();
  const chainIds = rollups.map((r) => r.chain.genesis.chainId);

  /** A multi-proposer over every rollup (its chains new, at genesis, following the node). */
  const proposerOn = (extra: Partial<MultiProposerOptions> = {}): MultiProposer => {
    const chains = new Map(rollups.map((r) => [r.chain.genesis.chainId, createL2Chain(r.chain.genesis)]));
    return createMultiProposer({
      rollups: () =>
        rollups.map((r) => {
          const chainId = r.chain.genesis.chainId;
          return {
            chainId,
            address: r.address,
            mempool: () => rpc.mempool(chainId),
            hasQueuedMessages: () => multi.hasQueuedMessages(chainId),
            chain: () => chains.get(chainId)!,
            node: () => multi.rollup(chainId),
          };
        }),
      signer: signer!,
      provider: ethers.provider as never,
      coinbase,
      dataAvailability: "blobs",
      retryMs: { first: 10, max: 100 },
      log: (line) => lines.push(line),
      ...extra,
    });
  };

  /** Signs a transfer on rollup `i` from dev account `from` with its pending nonce and sends it to the node; returns its hash. */
  const send = async (i: number, from: number, value = 1n): Promise<string> => {
    const url = rpc.urlOf(chainIds[i]!);
    const nonce = Number(BigInt(await rpcCall(url, "eth_getTransactionCount", [wallets[from]!.address, "pending"])));
    const raw = await signL2Transaction(rollups[i]!.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value, maxFeePerGas: 10n ** 10n });
    return rpcCall(url, "eth_sendRawTransaction", [raw]);
  };

  const pendingAnywhere = () => chainIds.reduce((sum, id) => sum + (rpc.mempool(id)?.pending().length ?? 0), 0);

  /** Proposes (and lets the node derive) until the proposer is idle with nothing pending; returns the outcomes (`waiting` left out). */
  const drain = async (proposer: MultiProposer, deadlineMs = 90_000): Promise<MultiProposalOutcome[]> => {
    const outcomes: MultiProposalOutcome[] = [];
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`still not idle after ${deadlineMs} ms:\n${lines.slice(-10).join("\n")}`);
      const outcome = await proposer.proposeNext();
      await multi.sync();
      if (outcome.kind === "idle") {
        if (pendingAnywhere() === 0) return outcomes;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (outcome.outcome.kind !== "waiting") outcomes.push(outcome);
    }
  };

  const status = (i: number, hash: string): Promise<{ status: string; reason?: string }> => rpcCall(rpc.urlOf(chainIds[i]!), "ultrasound_getTransactionStatus", [hash]);

  /** A second node, started now from L1 alone (a follower after the fact); stopped with the env. */
  const follower = async (): Promise<MultiNode> => {
    const dir = tempDir();
    dataDirs.push(dir);
    const late = await startMultiNode(nodeOptions(dir));
    stops.push(() => late.stop());
    return late;
  };
  const stops: (() => Promise<void>)[] = [];

  return {
    connection,
    ethers,
    signer: signer!,
    rollups,
    chainIds,
    multi,
    rpc,
    lines,
    proposerOn,
    send,
    drain,
    status,
    follower,
    async stop() {
      for (const stop of stops) await stop();
      await rpc.close();
      await multi.stop();
      await blobs.close();
      for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    },
  };
}
