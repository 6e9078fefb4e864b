import { Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../../src/engine/chain.js";
import { startLocalPreconf } from "../../src/preconf/index.js";
import { tempDir } from "../node/helpers.js";

/** Hardhat's dev keys as wallets (the L2 accounts are funded in the dev genesis). */
export const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/**
 * An in-process L1 with a PreconfRegistry (`epochSlots`, operator = account #1, bonded) and a
 * PreconfGatedRollup, a node following it (moved by `sync()` only), and the operator's preconfer
 * serving the preconfirming view on a free port (`startLocalPreconf`). Calldata DA.
 */
export async function preconfSetup(options: { epochSlots?: bigint; misbehave?: "equivocate" | "diverge"; l1ReadMs?: number; together?: number } = {}) {
  const { ethers, provider } = await network.create();
  const signers = (await ethers.getSigners()) as unknown as Signer[];
  const lines: string[] = [];
  const local = await startLocalPreconf({ l1: provider, provider: ethers.provider as never, signers, dataDir: tempDir("ultrasound-preconf-"), epochSlots: options.epochSlots, misbehave: options.misbehave, l1ReadMs: options.l1ReadMs, together: options.together, log: (line) => lines.push(line) });
  return { ...local, ethers, provider, signers, lines, addOperator: (index: number) => local.addOperator(signers[index]!) };
}
