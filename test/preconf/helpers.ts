import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
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
