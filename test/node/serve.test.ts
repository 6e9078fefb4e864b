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

  it("is the many-rollup server over a set of one: the rollup at /, at /rollup/<chainId> (with rollup_list) and any path; another chain id is a 404", async function () {
    const l1 = await l1WithRollup();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: tempDir(), follow: false });
    const rpc = await serveNode(node, { port: 0 });
    const chainId = l1.chain.genesis.chainId;
    const post = (path: string, method: string) =>
      fetch(rpc.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }) });
    try {
      const hex = "0x" + chainId.toString(16);
      for (const path of ["/", `/rollup/${chainId}`, "/any/path"]) {
        const answer = await post(path, "eth_chainId");
        expect(answer.status, path).to.equal(200);
        expect(((await answer.json()) as { result: string }).result, path).to.equal(hex);
      }
      const listed = ((await (await post(`/rollup/${chainId}`, "rollup_list")).json()) as { result: unknown }).result;
      expect(listed).to.deep.equal([{ chainId: hex, address: l1.address.toLowerCase(), url: `${rpc.url}/rollup/${chainId}` }]);
      expect(await (await fetch(`${rpc.url}/rollups`)).json()).to.deep.equal({ rollups: listed });
      const other = await post(`/rollup/${chainId + 1n}`, "eth_chainId");
      expect(other.status).to.equal(404);
      expect(((await other.json()) as { error: { message: string } }).error.message).to.equal(`no chain is served at /rollup/${chainId + 1n}`);
    } finally {
      await rpc.close();
      await node.stop();
    }
  });
});
