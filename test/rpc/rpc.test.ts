import { expect } from "chai";
import { Interface, JsonRpcProvider, getCreateAddress } from "ethers";
import { createL2Chain, defaultGenesis, devAccounts } from "../../src/engine/index.js";
import { createMempool } from "../../src/proposer/index.js";
import { startL2Rpc, type L2RpcServer } from "../../src/rpc/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { Wallet } from "ethers";
import { appendBlock, buildBlock } from "../../src/engine/index.js";

describe("rpc: the L2 JSON-RPC endpoint", function () {
  let server: L2RpcServer;
  let chain: Awaited<ReturnType<typeof createL2Chain>>;
  let mempool: ReturnType<typeof createMempool>;
  const alice = new Wallet(devAccounts()[0]!.privateKey);

  async function post(body: string): Promise<{ status: number; json: any }> {
    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    return { status: response.status, json: await response.json() };
  }
  const call = (method: string, params: unknown[] = []) => post(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));

  before(async function () {
    chain = await createL2Chain(defaultGenesis());
    mempool = createMempool(chain);
    server = await startL2Rpc({ chain, mempool, port: 0 });
  });
  after(async function () {
    await server.close();
  });

  it("serves an ethers client: chain id, balance, nonce, raw transactions, receipts, calls, code", async function () {
    const provider = new JsonRpcProvider(server.url, undefined, { staticNetwork: true });
    expect((await provider.getNetwork()).chainId).to.equal(chain.genesis.chainId);
    expect(await provider.getBalance(alice.address)).to.equal(10_000n * 10n ** 18n);
    const history = loadArtifact("test/History.sol", "History");
    const raw = await signL2Transaction(chain, alice, { nonce: 0, data: history.bytecode, gasLimit: 1_000_000n });
    const hash = await provider.send("eth_sendRawTransaction", [raw]);
    expect(await provider.send("eth_getTransactionCount", [alice.address, "pending"])).to.equal("0x1"); // counts the pending one
    expect(await provider.send("eth_getTransactionReceipt", [hash])).to.equal(null);

    const block = await buildBlock(chain, { transactions: mempool.pending(), timestamp: 1n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    mempool.remove([hash]);

    const receipt = await provider.send("eth_getTransactionReceipt", [hash]);
    expect(receipt.status).to.equal("0x1");
    expect(receipt.blockNumber).to.equal("0x1");
    const address = getCreateAddress({ from: alice.address, nonce: 0 });
    expect(receipt.contractAddress).to.equal(address);
    expect(await provider.getCode(address)).to.equal(history.deployedBytecode);
    expect(await provider.getBlockNumber()).to.equal(1);
    const iface = new Interface(history.abi as never);
    expect(await provider.call({ to: address, data: iface.encodeFunctionData("lastTimestamp") })).to.equal("0x" + "00".repeat(32));
    provider.destroy();
  });

  it("answers bad requests with JSON-RPC errors and keeps serving", async function () {
    expect((await post("{not json")).json.error.code).to.equal(-32700);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 7 }))).json.error.code).to.equal(-32600);
    const unknown = await call("eth_mine");
    expect(unknown.json.error).to.deep.include({ code: -32601 });
    expect(unknown.json.error.message).to.contain("eth_mine");
    expect((await call("eth_getBalance", ["0x1234"])).json.error).to.deep.include({ code: -32602 });
    expect((await call("eth_sendRawTransaction", ["zz"])).json.error.code).to.equal(-32602);
    const refused = await call("eth_sendRawTransaction", ["0x02c0"]);
    expect(refused.json.error.code).to.equal(-32000);
    expect(refused.json.error.message).to.match(/rejected/);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: "x" }))).json.error.code).to.equal(-32602);
    const reverted = await call("eth_call", [{ to: "0x5500000000000000000000000000000000000001", data: "0x8a8e7bd0" + "00".repeat(32) }]);
    expect(reverted.json.error.code).to.equal(3);
    // A batch: each answer in place.
    const batch = await post(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "eth_chainId" }, { jsonrpc: "2.0", id: 2, method: "nope" }]));
    expect(batch.json[0].result).to.equal("0x" + chain.genesis.chainId.toString(16));
    expect(batch.json[1].error.code).to.equal(-32601);
    // A body above the limit.
    const huge = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(9 * 1024 * 1024)] }));
    expect(huge.json.error.code).to.equal(-32600);
    expect((await call("eth_chainId")).json.result).to.equal("0x" + chain.genesis.chainId.toString(16));
  });
});
