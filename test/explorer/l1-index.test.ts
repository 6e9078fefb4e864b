import { expect } from "chai";
import { createL1Index } from "../../src/explorer/l1-index.js";
import type { RpcClient } from "../../src/explorer/rpc.js";
import { l1WithRollup, propose, transfers } from "../node/helpers.js";

/**
 * Issue 14 item 8: the explorer's L1 index re-reads the last 64 L1 blocks at every refresh (a
 * reorg replaces what it changed) and parsed every event in them again each time, on the
 * devnet's RPC thread. A log of the same block hash and position is parsed once; a reorg (another
 * block hash, or the log gone) is still seen.
 */
describe("explorer: the L1 index parses an event once", function () {
  this.timeout(120_000);

  it("keeps the parsed events of the re-read window across refreshes, and drops an advance an L1 revert took back", async function () {
    const l1 = await l1WithRollup();
    try {
      const client: RpcClient = { url: "in-process", call: (method, params = []) => l1.provider.request({ method, params }) as never };
      const index = createL1Index(client);
      await propose(l1, await transfers(l1.chain, 2));
      await index.refresh();
      expect(index.advances).to.have.length(1);
      const first = index.advances[0]!;
      expect(first.number).to.equal(1n);
      const snapshot = await l1.provider.request({ method: "evm_snapshot", params: [] });
      await propose(l1, await transfers(l1.chain, 2, 1));
      await index.refresh();
      expect(index.advances.map((a) => a.number)).to.deep.equal([1n, 2n]);
      // The same log, not parsed again: the very entry of the first refresh.
      expect(index.advances[0]).to.equal(first);
      await l1.provider.request({ method: "evm_revert", params: [snapshot] });
      await index.refresh();
      expect(index.advances.map((a) => a.number)).to.deep.equal([1n]);
      expect(index.advances[0]).to.equal(first);
    } finally {
      await l1.connection.close();
    }
  });
});
