import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { Interface, JsonRpcProvider, Wallet, getCreateAddress, isError, type TransactionLike } from "ethers";
import { appendBlock, buildBlock, chainHead, createL2Chain, devGenesis, devAccounts, type L2Chain } from "../../src/engine/index.js";
import { createMempool, type Mempool } from "../../src/proposer/index.js";
import { startL2Rpc, type L2RpcServer } from "../../src/rpc/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const [alice, bob, carol] = devAccounts().map((a) => new Wallet(a.privateKey)) as [Wallet, Wallet, Wallet];
/** `JUMPDEST PUSH1 0 JUMP`: loops until its gas runs out. */
const LOOP = "0x0000000000000000000000000000000000100001";
/** `PUSH1 0 PUSH1 0 LOG0 STOP`: one empty log. */
const LOGGER = "0x0000000000000000000000000000000000100002";
const GWEI = 1_000_000_000n;

type Json = any;

describe("rpc: the L2 JSON-RPC endpoint", function () {
  let server: L2RpcServer;
  let chain: L2Chain;
  let mempool: Mempool;
  let provider: JsonRpcProvider;

  async function post(body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; json: Json; headers: Headers }> {
    const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
    const text = await response.text();
    return { status: response.status, text, json: text === "" ? undefined : JSON.parse(text), headers: response.headers };
  }
  const call = (method: string, params: unknown[] = []) => post(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }));
  /** Builds and appends a block of what the mempool offers (what a proposer does once L1 verified it). */
  async function mine(): Promise<void> {
    const head = chainHead(chain);
    const block = await buildBlock(chain, { transactions: mempool.pending(), timestamp: head.timestamp + 12n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    await mempool.sync();
  }
  const sign = (wallet: Wallet, fields: TransactionLike) =>
    wallet.signTransaction({ type: 2, chainId: chain.genesis.chainId, to: carol.address, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI, ...fields });

  before(async function () {
    chain = await createL2Chain(
      devGenesis({ alloc: { [LOOP]: { code: "0x5b600056" }, [LOGGER]: { code: "0x60006000a000" } } }),
    );
    mempool = createMempool(chain);
    server = await startL2Rpc({ chain, mempool, port: 0 });
    provider = new JsonRpcProvider(server.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  });
  after(async function () {
    provider.destroy();
    await server.close();
  });

  it("serves an ethers client: chain id, balance, nonce, raw transactions, receipts with logs, calls, code", async function () {
    expect((await provider.getNetwork()).chainId).to.equal(chain.genesis.chainId);
    expect(await provider.getBalance(alice.address)).to.equal(10_000n * 10n ** 18n);
    const history = loadArtifact("test/History.sol", "History");
    const deploy = await signL2Transaction(chain, alice, { nonce: 0, data: history.bytecode, gasLimit: 1_000_000n });
    const deployHash = (await provider.broadcastTransaction(deploy)).hash;
    const logHash = (await provider.broadcastTransaction(await signL2Transaction(chain, alice, { nonce: 1, to: LOGGER, gasLimit: 100_000n }))).hash;
    expect(await provider.getTransactionCount(alice.address, "pending")).to.equal(2);
    expect(await provider.getTransactionCount(alice.address, "latest")).to.equal(0);
    expect(await provider.getTransactionReceipt(deployHash)).to.equal(null);
    expect((await provider.getTransaction(deployHash))?.blockNumber, "known, pending").to.equal(null);
    expect(await call("txpool_status")).to.have.nested.property("json.result.pending", "0x2");

    await mine();
    const receipt = await provider.getTransactionReceipt(deployHash);
    expect(receipt!.status).to.equal(1);
    expect(receipt!.blockNumber).to.equal(1);
    const address = getCreateAddress({ from: alice.address, nonce: 0 });
    expect(receipt!.contractAddress).to.equal(address);
    // A receipt with logs: every log carries blockHash (ethers throws BAD_DATA otherwise).
    const withLogs = await provider.getTransactionReceipt(logHash);
    expect(withLogs!.logs).to.have.length(1);
    expect(withLogs!.logs[0]!.blockHash).to.equal(withLogs!.blockHash);
    expect(withLogs!.logs[0]!.index).to.equal(0);
    expect((await provider.getTransaction(logHash))?.blockNumber).to.equal(1);
    expect(await provider.getCode(address)).to.equal(history.deployedBytecode);
    expect(await provider.getBlockNumber()).to.equal(1);
    const iface = new Interface(history.abi as never);
    expect(await provider.call({ to: address, data: iface.encodeFunctionData("lastTimestamp") })).to.equal("0x" + "00".repeat(32));
  });

  it("refuses transactions in geth's words, so ethers reports the right error", async function () {
    const nonce = await provider.getTransactionCount(bob.address, "pending");
    const expectCode = async (raw: string, code: string, message: RegExp) => {
      try {
        await provider.broadcastTransaction(raw);
      } catch (error) {
        expect(isError(error, code as never), `${code}: ${(error as Error).message}`).to.equal(true);
        // What the node said, as ethers keeps it.
        expect((error as { info?: { error?: { message: string } } }).info?.error?.message).to.match(message);
        return;
      }
      expect.fail(`accepted; expected ${code}`);
    };
    await expectCode(await sign(bob, { nonce, value: 10n ** 30n }), "INSUFFICIENT_FUNDS", /^insufficient funds for gas \* price \+ value/);
    await provider.broadcastTransaction(await sign(bob, { nonce, value: 1n }));
    await expectCode(await sign(bob, { nonce, value: 2n }), "REPLACEMENT_UNDERPRICED", /^replacement transaction underpriced$/);
    await mine();
    await expectCode(await sign(bob, { nonce, value: 3n }), "NONCE_EXPIRED", /^nonce too low/);
    // Replayable: no chain id in the signature (the dev keys are the same on L1).
    const unprotected = await bob.signTransaction({ type: 0, nonce: nonce + 1, to: carol.address, gasLimit: 21_000n, gasPrice: 10n * GWEI });
    const refused = await call("eth_sendRawTransaction", [unprotected]);
    expect(refused.json.error).to.deep.equal({ code: -32000, message: "only replay-protected (EIP-155) transactions allowed over RPC" });
    const below = await call("eth_sendRawTransaction", [await sign(bob, { nonce: nonce + 1, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n })]);
    expect(below.json.error.code).to.equal(-32000);
    expect(below.json.error.message).to.match(/^max fee per gas less than block base fee/);
  });

  it("queues a gapped transaction: eth_getTransactionCount(pending) is the gap, txpool shows it queued, it is mined once the gap fills", async function () {
    const nonce = await provider.getTransactionCount(carol.address, "latest");
    const gapped = (await provider.broadcastTransaction(await sign(carol, { nonce: nonce + 1, to: bob.address }))).hash;
    expect(await provider.getTransactionCount(carol.address, "pending")).to.equal(nonce);
    const content = (await call("txpool_content")).json.result;
    expect(content.queued[carol.address.toLowerCase()][String(nonce + 1)].hash).to.equal(gapped);
    expect((await call("ultrasound_getTransactionStatus", [gapped])).json.result).to.deep.equal({ status: "queued" });
    await mine();
    expect(await provider.getTransactionReceipt(gapped), "not offered early").to.equal(null);

    await provider.broadcastTransaction(await sign(carol, { nonce, to: bob.address }));
    await mine();
    expect((await provider.getTransactionReceipt(gapped))?.status).to.equal(1);
    expect((await call("ultrasound_getTransactionStatus", [gapped])).json.result).to.deep.include({ status: "included" });
  });

  it("answers state reads at the block asked for, and refuses unknown or malformed blocks", async function () {
    const head = await provider.getBlockNumber();
    expect(head).to.be.at.least(2);
    const start = 10_000n * 10n ** 18n;
    const balance = (block: unknown) => call("eth_getBalance", [alice.address, block]);
    expect(BigInt((await balance("0x0")).json.result)).to.equal(start);
    expect(BigInt((await balance("earliest")).json.result)).to.equal(start);
    const now = BigInt((await balance("latest")).json.result);
    expect(now).to.be.below(start);
    for (const tag of ["pending", "safe", "finalized", `0x${head.toString(16)}`, { blockNumber: `0x${head.toString(16)}` }]) {
      expect(BigInt((await balance(tag)).json.result), JSON.stringify(tag)).to.equal(now);
    }
    const genesisHash = bytesToHex(chain.headers[0]!.hash());
    expect(BigInt((await balance({ blockHash: genesisHash })).json.result)).to.equal(start);
    expect(BigInt((await balance({ blockHash: genesisHash, requireCanonical: true })).json.result)).to.equal(start);
    // Code and nonce at block 0, before the deployment.
    const contract = getCreateAddress({ from: alice.address, nonce: 0 });
    expect((await call("eth_getCode", [contract, "0x0"])).json.result).to.equal("0x");
    expect((await call("eth_getTransactionCount", [alice.address, "0x0"])).json.result).to.equal("0x0");
    expect((await call("eth_getTransactionCount", [alice.address, "latest"])).json.result).to.equal("0x2");
    expect((await call("eth_getStorageAt", [LOGGER, "0x0", "latest"])).json.result).to.equal("0x" + "00".repeat(32));

    expect((await balance(`0x${(head + 1).toString(16)}`)).json.error).to.deep.equal({ code: -32000, message: "header not found" });
    expect((await balance({ blockHash: "0x" + "11".repeat(32) })).json.error).to.deep.equal({ code: -32000, message: "header for hash not found" });
    for (const bad of ["0xZZ", "-0x1", "0x01", "1", "", "latests", 5, [], { blockNumber: "0x0", blockHash: genesisHash }, { blockNumber: 1 }]) {
      const { error } = (await balance(bad)).json;
      expect(error?.code, JSON.stringify(bad)).to.equal(-32602);
      expect(error.message).to.match(/^invalid block/);
    }
    // eth_call runs at the block asked for, with that block's context.
    const history = loadArtifact("test/History.sol", "History");
    const iface = new Interface(history.abi as never);
    const at0 = await call("eth_call", [{ to: contract, data: iface.encodeFunctionData("lastTimestamp") }, "0x0"]);
    expect(at0.json.result).to.equal("0x", "no code at block 0");
  });

  it("bounds eth_call: a looping call ends with an error within its budget and never holds other clients up", async function () {
    this.timeout(60_000);
    const loop = () => call("eth_call", [{ to: LOOP, data: "0x" }, "latest"]);
    const started = performance.now();
    const looping = loop();
    // While it runs, another client is answered at once.
    const latencies: number[] = [];
    let done = false;
    void looping.then(() => (done = true));
    while (!done) {
      const t = performance.now();
      await call("eth_chainId");
      latencies.push(performance.now() - t);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { json } = await looping;
    const callMs = performance.now() - started;
    const worst = Math.max(...latencies);
    console.log(`      (looping eth_call: ${callMs.toFixed(0)} ms to "${json.error.message}"; ${latencies.length} eth_chainId meanwhile, slowest ${worst.toFixed(0)} ms)`);
    // Its budget is gas (the cap) and time (5 s): on a quiet machine the gas runs out first
    // (≈ 1 s), on a loaded one the clock may; either ends it with its own error.
    expect([{ code: -32000, message: "out of gas" }, { code: -32000, message: "execution aborted (timeout = 5s)" }]).to.deep.include(json.error);
    // Never held up: others were answered while it ran, each in a small part of its time (a
    // ratio, not a number of ms, so a slow machine does not fail it).
    expect(latencies.length).to.be.at.least(2);
    expect(worst).to.be.below(callMs / 4);

    // A tighter time budget aborts it, saying so.
    const tight = await startL2Rpc({ chain, mempool, port: 0, callTimeoutMs: 200, gasCap: 10n ** 9n });
    try {
      const response = await fetch(tight.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_call", params: [{ to: LOOP, gas: "0x3b9aca00" }] }) });
      expect(((await response.json()) as Json).error).to.deep.equal({ code: -32000, message: "execution aborted (timeout = 0.2s)" });
    } finally {
      await tight.close();
    }
  });

  it("answers bad requests with JSON-RPC errors, one line each, and keeps serving", async function () {
    const single = (value: unknown) => {
      expect(value, "single line").to.be.a("string").and.not.match(/\n/);
      expect(value).to.not.match(/function|=>|native code|\bat \w+ \(/);
    };
    expect((await post("{not json")).json.error.code).to.equal(-32700);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 7 }))).json.error.code).to.equal(-32600);
    for (const method of ["constructor", "toString", "__proto__", "hasOwnProperty", "eth_mine"]) {
      const { json } = await call(method);
      expect(json.error.code, method).to.equal(-32601);
      single(json.error.message);
    }
    for (const data of [42, "0xzz", "0x123", { a: 1 }, null]) {
      const { json } = await call("eth_call", [{ to: LOOP, data }, "latest"]);
      if (data === null) continue; // null means "no data", as geth reads it
      expect(json.error?.code, JSON.stringify(data)).to.equal(-32602);
      expect(json.error.message).to.match(/^invalid data: expected 0x-prefixed hex bytes/);
      single(json.error.message);
    }
    const both = await call("eth_call", [{ to: LOOP, data: "0x01", input: "0x02" }]);
    expect(both.json.error.code).to.equal(-32602);
    expect((await call("eth_getBalance", ["0x1234"])).json.error).to.deep.include({ code: -32602 });
    expect((await call("eth_sendRawTransaction", ["zz"])).json.error.code).to.equal(-32602);
    const refused = await call("eth_sendRawTransaction", ["0x02c0"]);
    expect(refused.json.error.code, "bytes that do not decode are invalid params").to.equal(-32602);
    single(refused.json.error.message);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: "x" }))).json.error.code).to.equal(-32602);
    const reverted = await call("eth_call", [{ to: "0x5500000000000000000000000000000000000001", data: "0x8a8e7bd0" + "00".repeat(32) }]);
    expect(reverted.json.error.code).to.equal(3);
    expect(reverted.json.error.message).to.match(/^execution reverted/);
    expect((await post(JSON.stringify({ jsonrpc: "2.0", id: { a: 1 }, method: "eth_chainId" }))).json.error.code).to.equal(-32600);

    // Notifications (no id) get no answer, alone or in a batch; a batch answers each request in place.
    const notification = await post(JSON.stringify({ jsonrpc: "2.0", method: "eth_chainId" }));
    expect(notification.status).to.equal(204);
    expect(notification.text).to.equal("");
    const chainId = "0x" + chain.genesis.chainId.toString(16);
    const batch = await post(
      JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "eth_chainId" },
        { jsonrpc: "2.0", method: "eth_chainId" },
        { jsonrpc: "2.0", id: 2, method: "nope" },
        "garbage",
        { jsonrpc: "2.0", id: "three", method: "eth_getBalance", params: ["0xzz"] },
      ]),
    );
    expect(batch.json.map((a: Json) => [a.id, a.result ?? a.error.code])).to.deep.equal([
      [1, chainId],
      [2, -32601],
      [null, -32600],
      ["three", -32602],
    ]);
    expect((await post(JSON.stringify([{ jsonrpc: "2.0", method: "eth_chainId" }]))).status).to.equal(204);
    expect((await post("[]")).json.error.code).to.equal(-32600);

    // A body above the limit: a clear error; the server stays up.
    const huge = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(9 * 1024 * 1024)] }));
    expect(huge.status).to.equal(413);
    expect(huge.json.error.code).to.equal(-32600);
    expect(huge.json.error.message).to.match(/body larger than 8388608 bytes/);
    expect((await call("eth_chainId")).json.result).to.equal(chainId);
  });

  it("lets a browser dApp call it: CORS preflight and headers", async function () {
    const preflight = await fetch(server.url, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:3000", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get("access-control-allow-origin")).to.equal("*");
    expect(preflight.headers.get("access-control-allow-methods")).to.contain("POST");
    expect(preflight.headers.get("access-control-allow-headers")).to.contain("content-type");
    const { headers } = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId" }), { origin: "http://localhost:3000" });
    expect(headers.get("access-control-allow-origin")).to.equal("*");
  });

  it("eth_call and eth_estimateGas take geth's state overrides: code, balance, storage (state / stateDiff), in the call's layer only", async function () {
    const somewhere = "0x00000000000000000000000000000000000a11ce";
    const word = (n: number) => `0x${n.toString(16).padStart(64, "0")}`;
    // PUSH1 42 PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
    const fortyTwo = { [somewhere]: { code: "0x602a60005260206000f3" } };
    expect((await call("eth_call", [{ to: somewhere }, "latest", fortyTwo])).json.result).to.equal(word(42));
    // PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN, slot 0 set to 7
    const slot0 = { [somewhere]: { code: "0x60005460005260206000f3", stateDiff: { [word(0)]: word(7) } } };
    expect((await call("eth_call", [{ to: somewhere }, "latest", slot0])).json.result).to.equal(word(7));
    // CALLER BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN, the caller's balance set
    const rich = { [somewhere]: { code: "0x333160005260206000f3" }, [bob.address]: { balance: "0x1234" } };
    expect((await call("eth_call", [{ from: bob.address, to: somewhere }, "latest", rich])).json.result).to.equal(word(0x1234));
    expect(BigInt((await call("eth_estimateGas", [{ to: somewhere }, "latest", fortyTwo])).json.result)).to.be.greaterThan(21_000n);
    // Nothing stays: the account has no code afterwards.
    expect((await call("eth_getCode", [somewhere, "latest"])).json.result).to.equal("0x");
    expect((await call("eth_call", [{ to: somewhere }, "latest", { [somewhere]: { state: {}, stateDiff: {} } }])).json.error.code).to.equal(-32602);
    expect((await call("eth_call", [{ to: somewhere }, "latest", { [somewhere]: { balance: "0x01" } }])).json.error.code).to.equal(-32602);
  });

  it("eth_estimateGas never answers below EIP-7623's calldata floor: the estimate of a data-heavy call to a plain account is accepted as its gas", async function () {
    const data = "0x" + "ff".repeat(200); // 800 tokens: floor 21,000 + 10 × 800 = 29,000 (intrinsic alone: 24,200)
    const estimate = BigInt((await call("eth_estimateGas", [{ from: bob.address, to: carol.address, data }])).json.result);
    expect(estimate).to.equal(29_000n);
    const nonce = Number((await call("eth_getTransactionCount", [bob.address, "pending"])).json.result);
    const sent = await call("eth_sendRawTransaction", [await sign(bob, { nonce, data, gasLimit: estimate })]);
    expect(sent.json.result, JSON.stringify(sent.json.error)).to.match(/^0x[0-9a-f]{64}$/);
  });
});
