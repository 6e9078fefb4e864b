/**
 * eth_createAccessList (src/rpc/access-list.ts) and the debug_trace* methods (src/rpc/trace) on a
 * real L2 — node + proposer + Hardhat L1 with EXECUTE — with Uniswap V2 from npm, ethers and viem.
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet, type TransactionReceipt } from "ethers";
import { createPublicClient, defineChain, http, type Hex } from "viem";
import { devAccounts } from "../../src/engine/index.js";
import { servedNode, type ServedNode } from "../node/rpc-helpers.js";
import { deployUniswap, type Uniswap } from "./uniswap.js";

const keys = devAccounts().map((a) => a.privateKey);
type Json = any;

/** Uniswap V2 pair storage slot 8: reserve0, reserve1, blockTimestampLast. */
const RESERVES_SLOT = "0x" + "8".padStart(64, "0");

describe("rpc: eth_createAccessList and debug_trace* (callTracer, prestateTracer, struct logger)", function () {
  let served: ServedNode;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let uni: Uniswap;
  let path: string[];
  let swap: { tx: { from: string; to: string; data: string }; receipt: TransactionReceipt };
  let reverted: TransactionReceipt;

  const call = async (method: string, params: unknown[]): Promise<Json> => {
    const response = await fetch(served.rpc.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    return response.json();
  };
  const swapData = (min: bigint) => uni.router.interface.encodeFunctionData("swapExactTokensForTokens", [10n ** 18n, min, path, wallet.address, uni.deadline]);

  before(async function () {
    served = await servedNode();
    provider = new JsonRpcProvider(served.rpc.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
    wallet = new Wallet(keys[2]!, provider);
    uni = await deployUniswap(wallet);
    path = [await uni.tokenA.getAddress(), await uni.tokenB.getAddress()];
    const tx = { from: wallet.address, to: await uni.router.getAddress(), data: swapData(0n) };
    swap = { tx, receipt: (await (await wallet.sendTransaction(tx)).wait())! };
    // Asks for more than the pool gives: the router reverts with its reason (gas given, so it is mined).
    const failing = await wallet.sendTransaction({ ...tx, data: swapData(10n ** 30n), gasLimit: 300_000n });
    reverted = await new Promise<TransactionReceipt>((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const poll = async () => {
        const receipt = await provider.getTransactionReceipt(failing.hash);
        if (receipt !== null) return resolve(receipt);
        if (Date.now() > deadline) return reject(new Error("the failing swap was not mined"));
        setTimeout(poll, 50);
      };
      void poll();
    });
  });
  after(async function () {
    provider?.destroy();
    await served?.stop();
  });

  it("viem createAccessList of a swap: the pair's and tokens' slots, not the sender, router or precompiles; a swap sent with it uses exactly its gasUsed", async function () {
    const chain = defineChain({ id: 167001, name: "ultrasound L2", nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [served.rpc.url] } } });
    const client = createPublicClient({ chain, transport: http(served.rpc.url) });
    const { accessList, gasUsed } = await client.createAccessList({ account: wallet.address as Hex, to: swap.tx.to as Hex, data: swap.tx.data as Hex });
    const byAddress = new Map(accessList.map((e) => [e.address.toLowerCase(), e.storageKeys]));
    const pair = (await uni.pair.getAddress()).toLowerCase();
    expect(byAddress.get(pair)).to.include(RESERVES_SLOT);
    expect(byAddress.has(path[0]!.toLowerCase()) && byAddress.has(path[1]!.toLowerCase())).to.equal(true);
    expect(byAddress.has(wallet.address.toLowerCase()), "sender excluded").to.equal(false);
    expect(byAddress.has(swap.tx.to.toLowerCase()), "recipient excluded").to.equal(false);
    expect([...byAddress.keys()].some((a) => BigInt(a) < 0x100n), "precompiles excluded").to.equal(false);

    const sent = await wallet.sendTransaction({ ...swap.tx, type: 2, accessList: accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] })) });
    const receipt = (await sent.wait())!;
    expect(receipt.status).to.equal(1);
    expect(receipt.gasUsed).to.equal(gasUsed);
    expect(receipt.gasUsed < swap.receipt.gasUsed, "the list makes the swap cheaper").to.equal(true);

    // A call that reverts: the error is in the answer, not an RPC error (geth's shape).
    const failing = await call("eth_createAccessList", [{ ...swap.tx, data: swapData(10n ** 30n) }]);
    expect(failing.result.error).to.equal("execution reverted");
    expect(BigInt(failing.result.gasUsed) > 21_000n).to.equal(true);
  });

  it("debug_traceTransaction callTracer: the router's call tree (STATICCALL getReserves, CALL transferFrom, CALL swap → transfer), gas as the receipt; withLog; onlyTopCall", async function () {
    const trace = (await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "callTracer" }])).result;
    const tx = await provider.getTransaction(swap.receipt.hash);
    expect(trace.type).to.equal("CALL");
    expect(trace.from).to.equal(wallet.address.toLowerCase());
    expect(trace.to).to.equal(swap.tx.to.toLowerCase());
    expect(BigInt(trace.gas)).to.equal(tx!.gasLimit);
    expect(BigInt(trace.gasUsed)).to.equal(swap.receipt.gasUsed);
    expect(trace.input).to.equal(swap.tx.data);
    expect(trace.value).to.equal("0x0");
    const pair = (await uni.pair.getAddress()).toLowerCase();
    const shape = (frame: Json): Json => [frame.type, frame.to, ...(frame.calls ?? []).map(shape)];
    const [tokenA, tokenB] = path.map((a) => a.toLowerCase()) as [string, string];
    // The pair reads its balances of token0 then token1 (the tokens sorted by address).
    const [token0, token1] = BigInt(tokenA) < BigInt(tokenB) ? [tokenA, tokenB] : [tokenB, tokenA];
    expect(shape(trace)).to.deep.equal([
      "CALL", swap.tx.to.toLowerCase(),
      ["STATICCALL", pair],
      ["CALL", tokenA],
      ["CALL", pair, ["CALL", tokenB], ["STATICCALL", token0], ["STATICCALL", token1]],
    ]);
    const getReserves = trace.calls[0];
    expect(getReserves.value, "STATICCALL has no value").to.equal(undefined);
    expect(getReserves.output).to.match(/^0x[0-9a-f]{192}$/);
    for (const frame of [getReserves, ...trace.calls.slice(1)]) expect(BigInt(frame.gasUsed) > 0n && BigInt(frame.gasUsed) < BigInt(frame.gas)).to.equal(true);

    const withLog = (await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "callTracer", tracerConfig: { withLog: true } }])).result;
    const logs = (frame: Json): Json[] => [...(frame.logs ?? []), ...(frame.calls ?? []).flatMap(logs)];
    expect(logs(withLog).length).to.equal(swap.receipt.logs.length);
    const swapFrame = withLog.calls[2];
    // The pair's Sync and Swap come after its three calls.
    expect(swapFrame.logs.map((l: Json) => l.position)).to.deep.equal(["0x3", "0x3"]);
    expect(swapFrame.logs.map((l: Json) => l.topics[0])).to.deep.equal(swap.receipt.logs.filter((l) => l.address.toLowerCase() === pair).map((l) => l.topics[0]));

    const top = (await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "callTracer", tracerConfig: { onlyTopCall: true } }])).result;
    expect(top.calls).to.equal(undefined);
    expect(top.gasUsed).to.equal(trace.gasUsed);
    expect(top.output).to.equal(trace.output);
  });

  it("callTracer of a reverted swap: error 'execution reverted', the router's revertReason and output; status 0 in the receipt", async function () {
    expect(reverted.status).to.equal(0);
    const trace = (await call("debug_traceTransaction", [reverted.hash, { tracer: "callTracer" }])).result;
    expect(trace.error).to.equal("execution reverted");
    expect(trace.revertReason).to.equal("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT");
    expect(trace.output.slice(0, 10)).to.equal("0x08c379a0");
    expect(BigInt(trace.gasUsed)).to.equal(reverted.gasUsed);
    expect(trace.calls.map((c: Json) => c.type)).to.deep.equal(["STATICCALL"]);
  });

  it("prestateTracer: the accounts and slots the swap touched as they were at the parent block (eth_getBalance / eth_getStorageAt agree); diffMode's post is the block's state", async function () {
    const parent = `0x${(swap.receipt.blockNumber - 1).toString(16)}`;
    const at = `0x${swap.receipt.blockNumber.toString(16)}`;
    const pre = (await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "prestateTracer" }])).result;
    const pair = (await uni.pair.getAddress()).toLowerCase();
    const sender = wallet.address.toLowerCase();
    expect(pre[sender].balance).to.equal(await provider.send("eth_getBalance", [sender, parent]));
    expect(pre[sender].nonce).to.equal(await provider.getTransactionCount(sender, swap.receipt.blockNumber - 1));
    expect(pre[pair].code).to.equal(await provider.send("eth_getCode", [pair, parent]));
    for (const [address, account] of Object.entries(pre) as [string, Json][]) {
      for (const [slot, value] of Object.entries(account.storage ?? {})) {
        expect(value, `${address} ${slot}`).to.equal(await provider.send("eth_getStorageAt", [address, slot, parent]));
      }
    }
    expect(Object.keys(pre[pair].storage)).to.include(RESERVES_SLOT);
    const block = await provider.getBlock(swap.receipt.blockNumber);
    expect(Object.keys(pre)).to.include(block!.miner.toLowerCase());

    const diff = (await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }])).result;
    expect(diff.post[pair].storage[RESERVES_SLOT]).to.equal(await provider.send("eth_getStorageAt", [pair, RESERVES_SLOT, at]));
    expect(diff.pre[pair].storage[RESERVES_SLOT]).to.equal(pre[pair].storage[RESERVES_SLOT]);
    expect(diff.post[sender].nonce).to.equal(pre[sender].nonce + 1);
    expect(diff.post[sender].balance).to.equal(await provider.send("eth_getBalance", [sender, at]));
    // The router wrote nothing and its balance did not move: it is in neither part.
    expect(diff.pre[swap.tx.to.toLowerCase()]).to.equal(undefined);
    expect(diff.post[swap.tx.to.toLowerCase()]).to.equal(undefined);
  });

  it("the struct logger: opcode steps from depth 1, gas as the receipt, stack (or not), memory when asked", async function () {
    const trace = (await call("debug_traceTransaction", [swap.receipt.hash, {}])).result;
    expect(trace.gas).to.equal(Number(swap.receipt.gasUsed));
    expect(trace.failed).to.equal(false);
    expect(trace.returnValue).to.match(/^[0-9a-f]+$/);
    const first = trace.structLogs[0];
    expect([first.pc, first.op, first.depth, first.stack]).to.deep.equal([0, "PUSH1", 1, []]);
    // The first step has the transaction's gas less its intrinsic gas (21,000 + calldata).
    const gasLimit = Number((await provider.getTransaction(swap.receipt.hash))!.gasLimit);
    expect(gasLimit - first.gas).to.be.within(21_000, 21_000 + 16 * (swap.tx.data.length - 2) / 2);
    expect(Math.max(...trace.structLogs.map((l: Json) => l.depth))).to.equal(3);
    const calls = trace.structLogs.filter((l: Json) => ["CALL", "STATICCALL"].includes(l.op) && l.depth === 1);
    expect(calls.length).to.equal(3);
    const sload = trace.structLogs.find((l: Json) => l.op === "SLOAD");
    expect(Object.keys(sload.storage)[0]).to.match(/^[0-9a-f]{64}$/);
    const bare = (await call("debug_traceTransaction", [swap.receipt.hash, { disableStack: true, enableMemory: true, limit: 50 }])).result;
    expect(bare.structLogs.length).to.equal(50);
    expect(bare.structLogs.every((l: Json) => l.stack === undefined && Array.isArray(l.memory))).to.equal(true);
    expect(bare.structLogs[10].memory[2]).to.match(/^[0-9a-f]{64}$/);
  });

  it("debug_traceBlockByNumber / ByHash give [{ txHash, result }] equal to debug_traceTransaction's; debug_traceCall traces a call in a block's context; a bad tracer is -32602", async function () {
    const options = { tracer: "callTracer" };
    const byNumber = (await call("debug_traceBlockByNumber", [`0x${swap.receipt.blockNumber.toString(16)}`, options])).result;
    const byHash = (await call("debug_traceBlockByHash", [swap.receipt.blockHash, options])).result;
    const single = (await call("debug_traceTransaction", [swap.receipt.hash, options])).result;
    expect(byNumber).to.deep.equal(byHash);
    expect(byNumber.find((t: Json) => t.txHash === swap.receipt.hash).result).to.deep.equal(single);

    const traced = (await call("debug_traceCall", [swap.tx, "latest", options])).result;
    expect(traced.type).to.equal("CALL");
    expect(traced.calls.map((c: Json) => c.type)).to.deep.equal(["STATICCALL", "CALL", "CALL"]);
    expect(traced.calls[2].calls.length).to.equal(3);

    const bad = await call("debug_traceTransaction", [swap.receipt.hash, { tracer: "fourByteTracr" }]);
    expect(bad.error.code).to.equal(-32602);
    expect(bad.error.message).to.match(/tracer not found/);
    const missing = await call("debug_traceTransaction", ["0x" + "ab".repeat(32), options]);
    expect(missing.error.message).to.equal("transaction not found");
  });
});
