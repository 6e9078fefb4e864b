/**
 * Bundles (docs/rollups.md, "Bundles"; src/sdk/bundle.ts): L1 gas per rollup-block when k rollups
 * advance in ONE L1 transaction through RollupBundler, against the same k blocks advanced by k
 * separate `advance` transactions, in the same run, on the in-process Hardhat L1 with EXECUTE.
 * Small blocks (2 ETH transfers each), calldata data availability; every rollup has advanced
 * once before with transactions (so no measured block is a lazy head's first, which writes 3
 * slots fresh, or the first to burn fees, which writes the burned-fees total fresh).
 */
import { Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { createL2Common, devAccounts, devGenesis, getL2Account, type L2Chain } from "../src/engine/index.js";
import { proposeBlock } from "../src/proposer/propose.js";
import { createRollup, deployFactory, signL2Transaction, type DeployedRollup } from "../src/sdk/index.js";
import { deployBundler, proposeBundle } from "../src/sdk/bundle.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** `count` signed L2 transfers on `chain` from dev wallet `from` (nonces from the head). */
async function transfers(chain: L2Chain, count: number, from: number): Promise<string[]> {
  const nonce = Number((await getL2Account(chain, wallets[from]!.address)).nonce);
  return Promise.all(Array.from({ length: count }, (_, i) => signL2Transaction(chain, wallets[from]!, { nonce: nonce + i, to: wallets[19]!.address, value: 1n + BigInt(i) })));
}

export async function benchBundles(report: Report, quick: boolean): Promise<void> {
  const sizes = quick ? [1, 2, 4] : [1, 2, 4, 8];
  const perBlock = 2;
  console.log(`\nbundles: L1 gas per rollup-block, k rollups in one bundle vs k separate advances (${perBlock} transfers a block, calldata; Hardhat L1 with EXECUTE, osaka)`);
  const { ethers } = await network.create();
  const [signer] = await ethers.getSigners();
  const provider = ethers.provider as never;
  const factory = await deployFactory(signer!);
  const bundler: Contract = await deployBundler(signer!);
  const coinbase = await signer!.getAddress();
  const rollups: DeployedRollup[] = [];
  for (let i = 0; i < Math.max(...sizes); i++) rollups.push(await createRollup(factory, devGenesis({ chainId: 7_000n + BigInt(i) })));
  const separate = async (r: DeployedRollup, from: number) => {
    const proposed = await proposeBlock({ chain: r.chain, rollup: r.rollup, provider, coinbase, dataAvailability: "calldata", transactions: (await transfers(r.chain, perBlock, from)).map((raw) => createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: createL2Common(r.chain.genesis.chainId) })) });
    return proposed.l1Receipt.gasUsed;
  };
  // Each rollup's first block (the lazy head's: 3 fresh slots) and first burned fees (a fresh
  // slot), outside the measurement: a block with transactions.
  for (const r of rollups) await separate(r, 3);

  for (const k of sizes) {
    const legs = rollups.slice(0, k);
    let separateGas = 0n;
    for (const r of legs) separateGas += await separate(r, 1);
    const bundled = await proposeBundle({
      bundler,
      provider,
      legs: await Promise.all(legs.map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, perBlock, 2) }))),
    });
    const gas = bundled.l1Receipt.gasUsed;
    const bundledPer = Number(gas) / k;
    const separatePer = Number(separateGas) / k;
    console.log(`  k=${k}: bundled ${gas} gas (${bundledPer.toFixed(0)} per rollup-block; bound ${bundled.prepared.gasLimit}, used ${((Number(gas) / Number(bundled.prepared.gasLimit)) * 100).toFixed(1)} %), separate ${separateGas} (${separatePer.toFixed(0)} per block): ratio ${(bundledPer / separatePer).toFixed(3)}`);
    report.add({ name: `bundle of ${k}: L1 gas per rollup-block (baseline: ${k} separate advances)`, unit: "gas", value: bundledPer, baseline: separatePer });
    report.add({ name: `bundle of ${k}: gas used / gas bound`, unit: "%", value: (Number(gas) / Number(bundled.prepared.gasLimit)) * 100 });
  }
}
