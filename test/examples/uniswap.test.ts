/**
 * A new user's first hour, end to end (issue 14): the README's devnet, then Uniswap V2's published
 * bytecode driven by plain ethers with default gas, viem's createAccessList and a callTracer
 * trace — every transaction succeeds and is verified on L1 through EXECUTE.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { devAccounts } from "../../src/engine/chain.js";
import { devnetPorts, startDevnetProcess } from "../devnet/process.js";
import { runUniswap, type UniswapReport } from "../../examples/uniswap/uniswap.js";

describe("examples/uniswap: Uniswap V2 on the devnet with plain ethers, viem and a tracer", function () {
  this.timeout(300_000);

  it("deploys, adds and removes liquidity with ETH, swaps six times and in a burst — all status 1, all verified on L1", async function () {
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-uniswap-"));
    const devnet = await startDevnetProcess(["--data-dir", dataDir], await devnetPorts());
    try {
      let report: UniswapReport;
      try {
        report = await runUniswap({ l2Url: devnet.l2Url, keys: devAccounts().slice(0, 8).map((a) => a.privateKey) });
      } catch (error) {
        throw new Error(`${(error as Error).message}\ndevnet output:\n${devnet.output().slice(-4000)}`);
      }
      expect(report.steps.filter((s) => s.status !== 1), "every transaction succeeded").to.deep.equal([]);
      expect(report.steps.filter((s) => s.step.startsWith("swap")).length).to.be.greaterThanOrEqual(6);
      expect(report.steps.filter((s) => s.step.startsWith("burst")).length).to.equal(7);
      expect(report.steps.some((s) => s.step.startsWith("removeLiquidityETH"))).to.equal(true);
      expect(report.accessList.length, "the router, the pair and both tokens").to.be.greaterThanOrEqual(3);
      expect(report.accessListGasUsed > 21_000n).to.equal(true);
      expect(report.trace.type).to.equal("CALL");
      expect(report.trace.calls, "router → pair → tokens").to.be.greaterThanOrEqual(3);
      expect(report.verifiedThrough).to.be.greaterThanOrEqual(Math.max(...report.steps.map((s) => s.l2Block)));
      expect(devnet.output(), "no transaction dropped").to.not.match(/dropped/);
    } finally {
      await devnet.stop("SIGINT");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
