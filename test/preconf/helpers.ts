import { expect } from "chai";
import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
import { startNode } from "../../src/node/index.js";
import { startLocalPreconf, type LocalPreconfOptions } from "../../src/preconf/index.js";
import { blobArchiveFor, tempDir } from "../node/helpers.js";

/** Hardhat's dev keys as wallets (the L2 accounts are funded in the dev genesis). */
export const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/**
 * An in-process L1 with a PreconfRegistry (`epochSlots`, operator = account #1, bonded) and a
 * PreconfGatedRollup, a node following it (moved by `sync()` only), and the operator's preconfer
 * serving the preconfirming view on a free port (`startLocalPreconf`). Calldata DA unless `dataAvailability` says blobs.
 */
export async function preconfSetup(
  options: Pick<LocalPreconfOptions, "epochSlots" | "misbehave" | "l1ReadMs" | "together" | "dataAvailability" | "execute"> = {},
) {
  const { ethers, provider } = await network.create();
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const lines: string[] = [];
  // With blobs the node reads them from an archive of what this process sent (as a devnet's blob server).
  const blobs = options.dataAvailability === "blobs" ? await blobArchiveFor(provider) : undefined;
  const local = await startLocalPreconf({
    blobSource: blobs?.url, l1: provider, provider: ethers.provider as never, signers, dataDir: tempDir("ultrasound-preconf-"), epochSlots: options.epochSlots, misbehave: options.misbehave, l1ReadMs: options.l1ReadMs, together: options.together, dataAvailability: options.dataAvailability, execute: options.execute, log: (line) => lines.push(line) });
  return {
    ...local,
    ethers,
    provider,
    signers,
    lines,
    /** The blob server the node reads (blob data availability only). */
    blobUrl: blobs?.url,
    addOperator: (index: number) => local.addOperator(signers[index]!),
    async stop() {
      await local.stop();
      await blobs?.close();
    },
  };
}

/**
 * A node that was not running starts on `env`'s L1 (and its blob server, with blobs), syncs once,
 * and must hold exactly the blocks `hashes` (numbers 1, 2, …) with the last as its head.
 */
export async function expectLateFollowerDerives(env: Awaited<ReturnType<typeof preconfSetup>>, hashes: (string | undefined)[]): Promise<void> {
  const follower = await startNode({
    l1Provider: env.provider,
    rollup: env.deployed.address,
    genesis: env.genesis,
    deploymentBlock: env.deployed.deploymentBlock,
    ...(env.blobUrl === undefined ? {} : { blobSource: env.blobUrl }),
    dataDir: tempDir("ultrasound-preconf-follower-"),
    follow: false,
  });
  try {
    await follower.sync();
    expect(hashes.map((_, i) => follower.getBlock(BigInt(i + 1))?.hash)).to.deep.equal(hashes);
    expect(follower.status().l2.head).to.equal(BigInt(hashes.length));
  } finally {
    await follower.stop();
  }
}
