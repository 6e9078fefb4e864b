/**
 * src/preconf/l1-reads.ts: `l1ReadMs` is how long L1's reads are reused between preconfirmed
 * blocks; with 0 every block reads L1 afresh, even two blocks within one millisecond (the clock is
 * held still here: under load, blocks that quick shared an anchor and
 * test/preconf/together-batched's "three anchors" failed a whole-suite run).
 */
import { expect } from "chai";
import { createL1Reads } from "../../src/preconf/l1-reads.js";
import { preconfSetup } from "./helpers.js";

describe("preconf: the L1 reads cache", function () {
  this.timeout(120_000);

  it("with l1ReadMs 0, reads L1 again for every block, within the same millisecond too; with 1,000 it reuses them", async function () {
    const env = await preconfSetup();
    const realNow = Date.now;
    try {
      const fresh = createL1Reads({ provider: env.ethers.provider as never, rollup: env.deployed.rollup, chain: env.chain, l1ReadMs: 0 });
      const reused = createL1Reads({ provider: env.ethers.provider as never, rollup: env.deployed.rollup, chain: env.chain, l1ReadMs: 1_000 });
      const frozen = realNow();
      Date.now = () => frozen;
      const before = (await fresh.current()).anchor.number;
      const kept = (await reused.current()).anchor.number;
      await env.provider.request({ method: "hardhat_mine", params: ["0x1"] });
      expect((await fresh.current()).anchor.number, "l1ReadMs 0: read again").to.equal(before + 1n);
      expect((await reused.current()).anchor.number, "l1ReadMs 1,000: reused").to.equal(kept);
    } finally {
      Date.now = realNow;
      await env.stop();
    }
  });
});
