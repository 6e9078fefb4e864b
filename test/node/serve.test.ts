import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { serveNode } from "../../src/node/rpc.js";
import { createProposer } from "../../src/proposer/index.js";
import { l1WithRollup, tempDir } from "./helpers.js";

describe("node: serveNode with a mempool of its own", function () {
  it("takes transactions into its own mempool (checked against its head), which a proposer in the same process includes; then they are receipts", async function () {
    const l1 = await l1WithRollup();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), follow: false });
    const rpc = await serveNode(node, { port: 0 });
    const provider = new JsonRpcProvider(rpc.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 20 });
    try {
      const alice = new Wallet(devAccounts()[0]!.privateKey, provider);
      const raw = await alice.signTransaction(await alice.populateTransaction({ to: Wallet.createRandom().address, value: 1n }));
      const sent = await provider.broadcastTransaction(raw);
      expect(await provider.send("txpool_status", [])).to.deep.equal({ pending: "0x1", queued: "0x0" });
      expect(await provider.getTransactionCount(alice.address, "pending")).to.equal(1);
      expect((await provider.send("rollup_status", [])).mempool).to.deep.equal({ pending: "0x1", queued: "0x0" });
      // The node's own rules: the same transaction again is "already known" (ethers has no code for it: the error is the node's).
      await provider.broadcastTransaction(raw).then(
        () => expect.fail("accepted twice"),
        (error: { error?: { code: number; message: string } }) => expect(error.error).to.deep.equal({ code: -32000, message: "already known" }),
      );

      // A proposer fed by the node's mempool (building on its own copy of the chain, at the same head).
      const proposer = createProposer({ chain: l1.chain, rollup: l1.rollup, provider: l1.ethersProvider as never, mempool: rpc.mempool, coinbase: await l1.signer.getAddress(), dataAvailability: "calldata" });
      expect((await proposer.proposeNext()).kind).to.equal("proposed");
      await node.sync();
      const receipt = await sent.wait();
      expect(receipt!.blockNumber).to.equal(1);
      expect(await provider.send("txpool_status", [])).to.deep.equal({ pending: "0x0", queued: "0x0" });
      expect(await provider.send("ultrasound_getTransactionStatus", [sent.hash])).to.deep.equal({ status: "included", blockNumber: "0x1", transactionIndex: "0x0" });
    } finally {
      provider.destroy();
      await rpc.close();
      await node.stop();
    }
  });
});
