/**
 * The shared advance's L1 gas (src/sdk/shared-advance.ts `sharedAdvanceGas`): packed by a
 * measured per-leg estimate, not by the by-construction bound that over-counts ≈ 115k per leg.
 * 100 one-transfer legs took two L1 transactions where one fits (issue 17 bench, k = 100).
 */
import { expect } from "chai";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { L1_TRANSACTION_GAS_CAP } from "../../src/proposer/index.js";
import { createRollup, deployFactory, type DeployedRollup } from "../../src/sdk/index.js";
import { deployBundler, type BundleLeg } from "../../src/sdk/bundle.js";
import { proposeSharedAdvance } from "../../src/sdk/shared-advance.js";
import { transfers } from "../node/helpers.js";

describe("sdk shared advance: the L1 gas it is packed by", function () {
  this.timeout(900_000);

  for (const execute of ["batched", "per-leg"] as const) it(`${execute}: 100 rollups' one-transfer blocks go in ONE L1 transaction (2^24 cap) and use less than the estimate; first blocks too`, async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const bundler = await deployBundler(signer!);
    const factory = await deployFactory(signer!);
    const rollups: DeployedRollup[] = [];
    for (let i = 0; i < 100; i++) rollups.push(await createRollup(factory, devGenesis({ chainId: 232_000n + BigInt(i) })));
    const legsOf = async (some: DeployedRollup[]): Promise<BundleLeg[]> => Promise.all(some.map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) })));

    // Each rollup's first block (its head and burned-fees slots written fresh): the estimate holds there too.
    for (const half of [rollups.slice(0, 50), rollups.slice(50)]) {
      const first = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs: await legsOf(half), execute });
      expect(first.l1Receipt.gasUsed <= first.prepared.gasEstimate, `first blocks: used ${first.l1Receipt.gasUsed} > estimate ${first.prepared.gasEstimate}`).to.equal(true);
    }

    const sent = await proposeSharedAdvance({ bundler, provider: ethers.provider as never, legs: await legsOf(rollups), execute });
    expect(sent.prepared.execute).to.equal(execute);
    const { gasBound, gasEstimate, gasLimit } = sent.prepared;
    const used = sent.l1Receipt.gasUsed;
    console.log(`      100 legs (${execute}): bound ${gasBound}, estimate ${gasEstimate}, limit ${gasLimit}, used ${used} (${Number(used) / 100} per leg, estimate ${((Number(gasEstimate) / Number(used) - 1) * 100).toFixed(1)} % above)`);
    expect(sent.l1Receipt.status).to.equal(1);
    expect(sent.events).to.have.length(100);
    // EXECUTE per leg, the bound alone would split them (27M for 16M used); batched it fits (15.4M).
    if (execute === "per-leg") expect(gasBound > L1_TRANSACTION_GAS_CAP, "the bound alone would split them").to.equal(true);
    expect(gasLimit).to.equal(gasBound < L1_TRANSACTION_GAS_CAP ? gasBound : L1_TRANSACTION_GAS_CAP);
    expect(used <= gasEstimate && gasEstimate <= L1_TRANSACTION_GAS_CAP).to.equal(true);
  });
});
