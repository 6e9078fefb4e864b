import { expect } from "chai";
import { connect, type Socket } from "node:net";
import hre from "hardhat";
import { bytesToHex } from "@ethereumjs/util";
import { Transaction, Wallet } from "ethers";
import WebSocket from "ws";
import { appendBlock, buildBlock, chainHead, createL2Chain, devAccounts, devGenesis, type L2Chain } from "../../src/engine/index.js";
import { createMempool, type Mempool } from "../../src/proposer/index.js";
import { chainViewOf, createRpcHandler, startL2Rpc, type ChainView, type L2RpcServer } from "../../src/rpc/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { freePort } from "../../src/shared/ports.js";

/** `PUSH1 0 PUSH1 0 LOG0 STOP`: one empty log. */
const LOGGER = "0x0000000000000000000000000000000000100002";
const ZERO = "0x0000000000000000000000000000000000000000";
const alice = new Wallet(devAccounts()[0]!.privateKey);
const GWEI = 1_000_000_000n;

type Json = any;

/**
 * The L2 JSON-RPC against what clients expect of geth and of the devnet's own L1 (Hardhat's EDR,
 * started here as `hardhat node` starts it): the same requests to both, where they should agree.
 */
describe("rpc: JSON-RPC protocol details, the L2 beside the L1 (EDR) and geth", function () {
  this.timeout(120_000);
  let chain: L2Chain;
  let mempool: Mempool;
  let l2: L2RpcServer;
  let l1Url: string;
  let l1Server: Awaited<ReturnType<typeof hre.network.createServer>>;

  async function post(url: string, body: string): Promise<{ status: number; text: string; json: Json }> {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.text();
    return { status: response.status, text, json: text === "" ? undefined : JSON.parse(text) };
  }
  const rpc = (url: string, method: string, params: unknown[] = []) => post(url, JSON.stringify({ jsonrpc: "2.0", id: 1, method, params })).then((r) => r.json);
  const both = async (method: string, params: unknown[]) => ({ l2: await rpc(l2.url, method, params), l1: await rpc(l1Url, method, params) });
  /** Builds and appends a block of what the mempool offers, as a proposer does once L1 verified it. */
  async function mine(): Promise<void> {
    const head = chainHead(chain);
    const block = await buildBlock(chain, { transactions: mempool.pending(), timestamp: head.timestamp + 12n, coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
    await mempool.sync();
  }

  before(async function () {
    chain = await createL2Chain(devGenesis({ alloc: { [LOGGER]: { code: "0x60006000a000" } } }));
    mempool = createMempool(chain);
    l2 = await startL2Rpc({ chain, mempool, port: 0 });
    const port = await freePort();
    l1Server = await hre.network.createServer("node", "127.0.0.1", port);
    await l1Server.listen();
    l1Url = `http://127.0.0.1:${port}`;
    // Both chains: a block with two transactions, the first one logging.
    await rpc(l1Url, "hardhat_setCode", [LOGGER, "0x60006000a000"]);
    const [l1Sender] = (await rpc(l1Url, "eth_accounts")).result as string[];
    await rpc(l1Url, "evm_setAutomine", [false]);
    await rpc(l1Url, "eth_sendTransaction", [{ from: l1Sender, to: LOGGER, gas: "0x186a0" }]);
    await rpc(l1Url, "eth_sendTransaction", [{ from: l1Sender, to: ZERO, value: "0x1" }]);
    await rpc(l1Url, "evm_mine");
    await rpc(l1Url, "evm_setAutomine", [true]);
    await mempool.add(await signL2Transaction(chain, alice, { nonce: 0, to: LOGGER, gasLimit: 100_000n }));
    await mempool.add(await signL2Transaction(chain, alice, { nonce: 1, to: ZERO, value: 1n, gasLimit: 21_000n }));
    await mine();
  });
  after(async function () {
    await l2.close();
    await l1Server.close();
  });

  it("answers every invalid request -32600 (id null when it has none), alone and in a batch, as the L1 does; notifications get nothing", async function () {
    const invalid = ["{}", '{"method":1}', '{"method":null}', '{"jsonrpc":"2.0","method":1}', '{"jsonrpc":"2.0","method":""}', '{"jsonrpc":"1.0","method":"eth_chainId"}', '{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}', '{"jsonrpc":"2.0","id":[1],"method":"eth_chainId"}', "7", "null", '"eth_chainId"'];
    for (const body of invalid) {
      const [mine, theirs] = [await post(l2.url, body), await post(l1Url, body)];
      expect(mine.status, body).to.equal(200);
      expect({ id: mine.json?.id, code: mine.json?.error?.code }, body).to.deep.equal({ id: null, code: -32600 });
      expect({ id: theirs.json.id, code: theirs.json.error.code }, `L1: ${body}`).to.deep.equal({ id: null, code: -32600 });
      expect(mine.json.error.message, body).to.match(/^invalid request: /);
    }
    // An id that can be read is kept.
    expect((await post(l2.url, '{"jsonrpc":"1.0","id":7,"method":"eth_chainId"}')).json).to.deep.include({ id: 7, error: { code: -32600, message: 'invalid request: jsonrpc must be "2.0", got "1.0"' } });
    // A batch: each bad entry its own -32600, in place; notifications left out.
    const batch = await post(l2.url, '[{}, 1, {"method":null}, {"jsonrpc":"2.0","id":"a","method":"eth_chainId"}, {"jsonrpc":"2.0","method":"eth_chainId"}]');
    expect(batch.json.map((a: Json) => [a.id, a.error?.code ?? a.result])).to.deep.equal([[null, -32600], [null, -32600], [null, -32600], ["a", `0x${chain.genesis.chainId.toString(16)}`]]);
    for (const body of ["[{}]", "[1,2]"]) {
      const [mine, theirs] = [await post(l2.url, body), await post(l1Url, body)];
      expect(mine.json.map((a: Json) => a.error.code), body).to.deep.equal(theirs.json.map((a: Json) => a.error.code));
    }
    const empty = await post(l2.url, "[]");
    expect(empty.json).to.deep.include({ id: null, error: { code: -32600, message: "invalid request: empty batch" } });
    // Notifications (valid requests without an id) get no answer, even an error (JSON-RPC 2.0 §4.1).
    for (const body of ['{"jsonrpc":"2.0","method":"eth_chainId"}', '{"jsonrpc":"2.0","method":"nope"}', '[{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","method":"eth_blockNumber"}]']) {
      const answer = await post(l2.url, body);
      expect([answer.status, answer.text], body).to.deep.equal([204, ""]);
    }
  });

  it("answers a batch above the limit as geth does: one -32600 'batch too large' carrying the first request's id", async function () {
    const small = await startL2Rpc({ chain, mempool, port: 0, maxBatchSize: 3 });
    try {
      const requests = [{ jsonrpc: "2.0", method: "eth_chainId" }, ...[5, 6, 7].map((id) => ({ jsonrpc: "2.0", id, method: "eth_chainId" }))];
      const { json } = await post(small.url, JSON.stringify(requests));
      expect(json).to.deep.equal([{ jsonrpc: "2.0", id: 5, error: { code: -32600, message: "invalid request: batch too large: 4 requests, limit 3" } }]);
      expect((await post(small.url, JSON.stringify(requests.slice(1)))).json).to.have.length(3);
    } finally {
      await small.close();
    }
  });

  it("answers a 10 MB body with HTTP 413 and a JSON-RPC error naming the limit, to a client that sends it all before reading, and keeps the connection", async function () {
    const payload = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(10_000_000)] });
    const url = new URL(l2.url);
    for (const framing of ["content-length", "chunked"] as const) {
      const socket = connect(Number(url.port), url.hostname);
      await new Promise((resolve) => socket.once("connect", resolve));
      const reader = responses(socket);
      const head = (length: number | "chunked") =>
        `POST / HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n${length === "chunked" ? "transfer-encoding: chunked" : `content-length: ${length}`}\r\n\r\n`;
      // Like Python's http.client: the whole body goes out before the answer is read.
      if (framing === "content-length") await write(socket, head(Buffer.byteLength(payload)) + payload);
      else await write(socket, head("chunked") + `${Buffer.byteLength(payload).toString(16)}\r\n${payload}\r\n0\r\n\r\n`);
      const refused = await reader.next();
      expect(refused.status, framing).to.equal(413);
      expect(JSON.parse(refused.body).error, framing).to.deep.include({ code: -32600 });
      expect(JSON.parse(refused.body).error.message, framing).to.match(/body larger than 8388608 bytes, the limit of this server/);
      // The same connection serves the next request.
      const next = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "eth_chainId" });
      await write(socket, head(Buffer.byteLength(next)) + next);
      const answered = await reader.next();
      expect([answered.status, JSON.parse(answered.body).id], framing).to.deep.equal([200, 2]);
      socket.destroy();
    }
  });

  it("closes a WebSocket that sends a message above the limit with 1009 (message too big) and serves the next one", async function () {
    const ws = new WebSocket(l2.wsUrl);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    ws.on("error", () => {});
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: ["x".repeat(10_000_000)] }));
    expect(await closed).to.equal(1009);
    const next = new WebSocket(l2.wsUrl);
    await new Promise((resolve, reject) => next.once("open", resolve).once("error", reject));
    const answer = new Promise<Json>((resolve) => next.once("message", (data) => resolve(JSON.parse(data.toString()))));
    next.send(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "eth_chainId" }));
    expect((await answer).id).to.equal(9);
    next.close();
  });

  it("refuses malformed block numbers and quantities with -32602 naming the value (a 64-hex-digit number too), as geth and the L1 do; a well-formed number above the head stays 'header not found'", async function () {
    const huge = "0x" + "f".repeat(64);
    const over64 = "0x1" + "0".repeat(16);
    for (const bad of [huge, over64, "0xzz"]) {
      for (const [method, params] of [
        ["eth_getBalance", [ZERO, bad]],
        ["eth_getBlockByNumber", [bad, false]],
        ["eth_getBlockTransactionCountByNumber", [bad]],
        ["eth_getTransactionByBlockNumberAndIndex", [bad, "0x0"]],
      ] as const) {
        const { l2: mine, l1: theirs } = await both(method, [...params]);
        expect(mine.error?.code, `${method} ${bad}`).to.equal(-32602);
        expect(mine.error.message, `${method} ${bad}`).to.contain(bad.slice(0, 60));
        expect(theirs.error?.code, `L1 ${method} ${bad}`).to.equal(-32602);
      }
    }
    expect((await rpc(l2.url, "eth_getBalance", [ZERO, huge])).error.message).to.match(/hex number > 64 bits/);
    // Geth refuses "0x" (hexutil: `hex string "0x"`); EDR reads it as block 0.
    expect((await rpc(l2.url, "eth_getBalance", [ZERO, "0x"])).error.message).to.match(/hex string "0x"/);
    // Geth's BlockNumber is an int64.
    expect((await rpc(l2.url, "eth_getBalance", [ZERO, "0xffffffffffffffff"])).error).to.deep.equal({ code: -32602, message: 'invalid block: block number larger than int64, got "0xffffffffffffffff"' });
    expect((await rpc(l2.url, "eth_getLogs", [{ fromBlock: huge }])).error.code).to.equal(-32602);
    expect((await rpc(l2.url, "eth_getLogs", [{ toBlock: "0x01" }])).error.message).to.match(/leading zero digits/);
    // Well-formed, above the head: state reads "header not found", block reads null (geth; the L1 agrees on null).
    expect((await rpc(l2.url, "eth_getBalance", [ZERO, "0x100"])).error).to.deep.equal({ code: -32000, message: "header not found" });
    const { l2: mine, l1: theirs } = await both("eth_getBlockByNumber", ["0x100", false]);
    expect([mine.result, theirs.result]).to.deep.equal([null, null]);
    // Quantities: gas and nonce are 64-bit, amounts 256-bit (geth's hexutil.Uint64 / hexutil.Big).
    const callWith = (fields: object) => rpc(l2.url, "eth_call", [{ to: ZERO, ...fields }]);
    expect((await callWith({ gas: over64 })).error.message).to.match(/^invalid gas: .*hex number > 64 bits/);
    expect((await callWith({ value: "0x1" + "0".repeat(64) })).error.message).to.match(/^invalid value: .*hex number > 256 bits/);
    expect((await callWith({ value: "0x" + "f".repeat(64) })).error?.code, "2^256 - 1 is a value").to.not.equal(-32602);
  });

  it("refuses a call object whose data and input differ, in geth's words; equal ones are taken", async function () {
    for (const method of ["eth_call", "eth_estimateGas"]) {
      const { l2: mine, l1: theirs } = await both(method, [{ from: alice.address, to: LOGGER, data: "0x01", input: "0x02" }]);
      expect(mine.error, method).to.deep.equal({ code: -32602, message: 'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data' });
      expect(theirs.error.code, `L1 ${method}`).to.equal(-32602);
      expect((await rpc(l2.url, method, [{ from: alice.address, to: LOGGER, data: "0xAB", input: "0xab" }])).result, method).to.be.a("string");
    }
  });

  it("answers raw transactions that do not decode -32602 (as the L1 does), with the L2's reason; refusals clients classify stay -32000 in geth's words", async function () {
    const l1ChainId = BigInt((await rpc(l1Url, "eth_chainId")).result);
    const signed = (chainId: bigint, fields: object) =>
      alice.signTransaction({ type: 2, chainId, to: ZERO, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI, nonce: 9, ...fields });
    const cases: [string, (chainId: bigint) => Promise<string>, RegExp][] = [
      ["empty", async () => "0x", /^transaction does not decode: empty$/],
      ["garbage RLP", async () => "0xdeadbeef", /^transaction does not decode/],
      ["a typed envelope with no fields", async () => "0x02c0", /^transaction does not decode/],
      ["an unknown type", async () => "0x05c0", /^transaction type not supported: type 5$/],
      ["a blob (type-3) transaction", (c) => signed(c, { type: 3, maxFeePerBlobGas: 1n, blobVersionedHashes: ["0x01" + "00".repeat(31)] }), /^transaction type not supported: type 3 \(blob/],
      ["a zero r", async (c) => { const tx = Transaction.from(await signed(c, {})); return tx.serialized.replace(tx.signature!.r.slice(2), "00".repeat(32)); }, /^transaction does not decode: r cannot have leading zeroes/],
      ["a legacy signature with a high s", async (c) => highS(await alice.signTransaction({ type: 0, chainId: c, to: ZERO, gasLimit: 21_000n, gasPrice: 10n * GWEI, nonce: 9 })), /^invalid sender/],
    ];
    for (const [what, make, message] of cases) {
      const mine = await rpc(l2.url, "eth_sendRawTransaction", [await make(chain.genesis.chainId)]);
      const theirs = await rpc(l1Url, "eth_sendRawTransaction", [await make(l1ChainId)]);
      expect(mine.error?.code, what).to.equal(-32602);
      expect(mine.error.message, what).to.match(message);
      expect(theirs.error?.code, `L1: ${what}`).to.equal(-32602);
    }
    for (const raw of ["zz", "0x123"]) expect((await rpc(l2.url, "eth_sendRawTransaction", [raw])).error.code, raw).to.equal(-32602);
    // Refusals of a well-formed transaction keep geth's -32000 and wording (ethers and viem read them).
    const poor = new Wallet("0x" + "42".repeat(32));
    const unfunded = await poor.signTransaction({ type: 2, chainId: chain.genesis.chainId, to: ZERO, gasLimit: 21_000n, maxFeePerGas: 10n * GWEI, maxPriorityFeePerGas: GWEI, nonce: 0 });
    expect((await rpc(l2.url, "eth_sendRawTransaction", [unfunded])).error).to.deep.include({ code: -32000 });
    expect((await rpc(l2.url, "eth_sendRawTransaction", [unfunded])).error.message).to.match(/^insufficient funds for gas \* price \+ value/);
    const stale = await signL2Transaction(chain, alice, { nonce: 0, to: ZERO, gasLimit: 21_000n });
    expect((await rpc(l2.url, "eth_sendRawTransaction", [stale])).error).to.deep.include({ code: -32000 });
    expect((await rpc(l2.url, "eth_sendRawTransaction", [stale])).error.message).to.match(/^nonce too low/);
  });

  it("serves eth_getTransactionByBlockNumberAndIndex / ByBlockHashAndIndex as geth does: the transaction, null out of range, -32602 on a malformed index", async function () {
    for (const url of [l2.url, l1Url]) {
      const block = (await rpc(url, "eth_getBlockByNumber", ["0x1", false])).result;
      expect(block.transactions, url).to.have.length(2);
      for (const [i, hash] of (block.transactions as string[]).entries()) {
        const byHash = (await rpc(url, "eth_getTransactionByHash", [hash])).result;
        expect((await rpc(url, "eth_getTransactionByBlockNumberAndIndex", ["0x1", `0x${i}`])).result, `${url} #${i}`).to.deep.equal(byHash);
        expect((await rpc(url, "eth_getTransactionByBlockHashAndIndex", [block.hash, `0x${i}`])).result, `${url} #${i}`).to.deep.equal(byHash);
        expect((await rpc(url, "eth_getTransactionByBlockNumberAndIndex", ["latest", `0x${i}`])).result.hash).to.equal(hash);
      }
      for (const [method, where] of [["eth_getTransactionByBlockNumberAndIndex", "0x1"], ["eth_getTransactionByBlockHashAndIndex", block.hash]] as const) {
        expect((await rpc(url, method, [where, "0x2"])).result, `${url} ${method} past the end`).to.equal(null);
      }
      expect((await rpc(url, "eth_getTransactionByBlockNumberAndIndex", ["0x100", "0x0"])).result, "above the head").to.equal(null);
      expect((await rpc(url, "eth_getTransactionByBlockHashAndIndex", ["0x" + "11".repeat(32), "0x0"])).result, "unknown hash").to.equal(null);
      for (const index of ["zz", "0x1" + "0".repeat(16)]) {
        expect((await rpc(url, "eth_getTransactionByBlockNumberAndIndex", ["0x1", index])).error?.code, `${url} index ${index}`).to.equal(-32602);
      }
    }
    // Geth's hexutil.Uint: a hex string without leading zeros, and it must be given (EDR takes 1 and "0x01").
    for (const index of ["0x01", 1, undefined]) {
      const { error } = await rpc(l2.url, "eth_getTransactionByBlockHashAndIndex", [bytesToHex(chain.headers[1]!.hash()), index]);
      expect(error.code, String(index)).to.equal(-32602);
      expect(error.message).to.match(/^invalid transaction index/);
    }
    expect((await rpc(l2.url, "eth_getTransactionByBlockHashAndIndex", ["0x12", "0x0"])).error.code).to.equal(-32602);
  });

  it("gives every log its blockTimestamp, as geth 1.16 and the L1 do: eth_getLogs, receipts, block receipts, filters, logs subscriptions", async function () {
    const expected = `0x${chain.headers[1]!.timestamp.toString(16)}`;
    const l1Block = (await rpc(l1Url, "eth_getBlockByNumber", ["0x1", false])).result;
    const l1Logs = (await rpc(l1Url, "eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x1" }])).result;
    expect(l1Logs[0].blockTimestamp, "the L1's format").to.equal(l1Block.timestamp);
    const logHash = bytesToHex(chain.blocks[1]!.transactions[0]!.hash());

    const filter = (await rpc(l2.url, "eth_newFilter", [{ fromBlock: "0x0", address: LOGGER }])).result;
    const ws = new WebSocket(l2.wsUrl);
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const notified: Json[] = [];
    ws.on("message", (data) => notified.push(JSON.parse(data.toString())));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_subscribe", params: ["logs", { address: LOGGER }] }));
    const deadline = Date.now() + 10_000;
    while (notified.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));

    await mempool.add(await signL2Transaction(chain, alice, { nonce: 2, to: LOGGER, gasLimit: 100_000n }));
    await mine();
    const second = `0x${chain.headers[2]!.timestamp.toString(16)}`;
    while (notified.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    ws.close();

    const logs = {
      eth_getLogs: (await rpc(l2.url, "eth_getLogs", [{ fromBlock: "0x1", toBlock: "0x1" }])).result,
      receipt: (await rpc(l2.url, "eth_getTransactionReceipt", [logHash])).result.logs,
      blockReceipts: (await rpc(l2.url, "eth_getBlockReceipts", ["0x1"])).result.flatMap((r: Json) => r.logs),
      filterLogs: (await rpc(l2.url, "eth_getFilterLogs", [filter])).result.slice(0, 1),
    };
    for (const [where, found] of Object.entries(logs)) {
      expect(found, where).to.have.length(1);
      expect(found[0].blockTimestamp, where).to.equal(expected);
    }
    // eth_getBlockReceipts takes the block's hash too (geth's BlockNumberOrHash): the explorer reads receipts so.
    const blockHash = `0x${Buffer.from(chain.headers[1]!.hash()).toString("hex")}`;
    expect((await rpc(l2.url, "eth_getBlockReceipts", [blockHash])).result, "receipts by block hash").to.deep.equal((await rpc(l2.url, "eth_getBlockReceipts", ["0x1"])).result);
    expect((await rpc(l2.url, "eth_getBlockReceipts", ["0x" + "ab".repeat(32)])).result, "an unknown hash").to.equal(null);
    const changes = (await rpc(l2.url, "eth_getFilterChanges", [filter])).result;
    expect(changes.map((l: Json) => l.blockTimestamp), "filter changes").to.deep.equal([second]);
    expect(notified[1]?.params?.result?.blockTimestamp, "logs subscription").to.equal(second);
  });

  it("fills blockTimestamp in from the header for a view whose logs lack it (the rollup node's)", async function () {
    const full = chainViewOf(chain);
    const strip = <T extends { logs: unknown[] }>(r: T): T => ({ ...r, logs: r.logs.map((l) => ({ ...(l as object), blockTimestamp: undefined })) });
    const bare: ChainView = {
      ...full,
      logs: (query) => full.logs(query).map((l) => ({ ...l, blockTimestamp: undefined })),
      receipts: (n) => full.receipts(n)?.map(strip),
      transaction: (hash) => {
        const found = full.transaction(hash);
        return found === undefined ? undefined : { ...found, receipt: strip(found.receipt) };
      },
    };
    const handler = createRpcHandler({ view: bare });
    try {
      const expected = `0x${chain.headers[1]!.timestamp.toString(16)}`;
      const logs = (await handler.request({ method: "eth_getLogs", params: [{ fromBlock: "0x1", toBlock: "0x1" }] })) as Json[];
      expect(logs.map((l) => l.blockTimestamp)).to.deep.equal([expected]);
      const hash = bytesToHex(chain.blocks[1]!.transactions[0]!.hash());
      expect(((await handler.request({ method: "eth_getTransactionReceipt", params: [hash] })) as Json).logs[0].blockTimestamp).to.equal(expected);
      expect(((await handler.request({ method: "eth_getBlockReceipts", params: ["0x1"] })) as Json[])[0].logs[0].blockTimestamp).to.equal(expected);
    } finally {
      handler.close();
    }
  });
});

/** Writes `data`, resolving once it is handed to the OS (rejecting on a reset). */
function write(socket: Socket, data: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/** HTTP/1.1 responses read one after another from a socket (content-length framed, as the server sends them). */
function responses(socket: Socket): { next(): Promise<{ status: number; body: string }> } {
  let buffered = Buffer.alloc(0);
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    wake?.();
  });
  socket.on("error", (error) => {
    failure = error;
    wake?.();
  });
  socket.on("close", () => {
    failure ??= new Error("the server closed the connection");
    wake?.();
  });
  return {
    async next() {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const end = buffered.indexOf("\r\n\r\n");
        if (end >= 0) {
          const head = buffered.subarray(0, end).toString();
          const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length >= end + 4 + length) {
            const body = buffered.subarray(end + 4, end + 4 + length).toString();
            buffered = buffered.subarray(end + 4 + length);
            return { status: Number(head.split(" ")[1]), body };
          }
        }
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error("no response within 30 s");
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** A signed legacy transaction with s replaced by n - s: the same signature in the form EIP-2 refuses. */
function highS(raw: string): string {
  const tx = Transaction.from(raw);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = n - BigInt(tx.signature!.s);
  return raw.replace(tx.signature!.s.slice(2), s.toString(16).padStart(64, "0"));
}
