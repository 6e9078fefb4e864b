import { expect } from "chai";
import { RLP } from "@ethereumjs/rlp";
import { verifyMerkleProof } from "@ethereumjs/mpt";
import { bytesToHex, hexToBytes, setLengthLeft } from "@ethereumjs/util";
import { ContractFactory, JsonRpcProvider, Wallet, WebSocketProvider, isError, keccak256, zeroPadValue, type Contract } from "ethers";
import { createPublicClient, createWalletClient, defineChain, http, webSocket, type Hex, type Log } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import WebSocket from "ws";
import { createBlock } from "@ethereumjs/block";
import { createL2Common, devAccounts, execute } from "../../src/engine/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { servedNode, type ServedNode } from "./rpc-helpers.js";

const keys = devAccounts().map((a) => a.privateKey as Hex);
const token = loadArtifact("test/OZToken.sol", "OZToken");
const SUPPLY = 1_000_000n * 10n ** 18n;

type Json = any;

describe("node: the L2 JSON-RPC with real clients (ethers v6, viem, WebSocket)", function () {
  let served: ServedNode;
  let ethers: JsonRpcProvider;

  before(async function () {
    served = await servedNode();
    ethers = new JsonRpcProvider(served.rpc.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  });
  after(async function () {
    ethers?.destroy();
    await served?.stop();
  });

  const post = async (body: string): Promise<{ status: number; json: Json }> => {
    const response = await fetch(served.rpc.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await response.text();
    return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
  };
  const call = async (method: string, params: unknown[] = []): Promise<Json> => (await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }))).json;

  it("ethers v6: deploys an OpenZeppelin ERC20 with ContractFactory, transfers, tx.wait(), queryFilter, a custom-error revert", async function () {
    const alice = new Wallet(keys[0]!, ethers);
    const bob = new Wallet(keys[1]!, ethers);
    const factory = new ContractFactory(token.abi as never, token.bytecode, alice);
    const erc20 = (await factory.deploy(SUPPLY)) as Contract;
    await erc20.waitForDeployment();
    expect(await erc20.getFunction("name")()).to.equal("Ultrasound Test Token");
    expect(await erc20.getFunction("balanceOf")(alice.address)).to.equal(SUPPLY);

    const tx = await erc20.getFunction("transfer")(bob.address, 5n * 10n ** 18n);
    const receipt = await tx.wait();
    expect(receipt!.status).to.equal(1);
    expect(receipt!.logs).to.have.length(1);
    expect(await erc20.getFunction("balanceOf")(bob.address)).to.equal(5n * 10n ** 18n);

    const events = await erc20.queryFilter(erc20.filters.Transfer!(), 0, "latest");
    expect(events.map((e) => [...(e as unknown as { args: unknown[] }).args])).to.deep.equal([
      ["0x0000000000000000000000000000000000000000", alice.address, SUPPLY],
      [alice.address, bob.address, 5n * 10n ** 18n],
    ]);
    const toBob = await erc20.queryFilter(erc20.filters.Transfer!(null, bob.address), 0, "latest");
    expect(toBob.map((e) => e.transactionHash)).to.deep.equal([receipt!.hash]);
    // Bob sends more than he has: OpenZeppelin's custom error comes back through eth_estimateGas, with its data.
    const erc20AsBob = erc20.connect(bob) as Contract;
    try {
      await erc20AsBob.getFunction("transfer")(alice.address, 6n * 10n ** 18n);
      expect.fail("the transfer should revert");
    } catch (error) {
      expect(isError(error, "CALL_EXCEPTION"), String(error)).to.equal(true);
      // ethers decodes no custom error on the send path (it fails in the signer's estimate): the data is there for the ABI.
      expect(erc20.interface.parseError((error as { data: string }).data)?.name).to.equal("ERC20InsufficientBalance");
    }
    // Through eth_call, ethers decodes it itself.
    const staticCall = await erc20AsBob.getFunction("transfer").staticCall(alice.address, 6n * 10n ** 18n).catch((error: unknown) => error);
    expect((staticCall as { revert?: { name: string } }).revert?.name).to.equal("ERC20InsufficientBalance");
  });

  it("viem: deploys, writes, waits for receipts, reads, and watches Transfer events over HTTP polling and over WebSocket", async function () {
    const chain = defineChain({
      id: 167001,
      name: "ultrasound L2",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [served.rpc.url], webSocket: [served.rpc.wsUrl] } },
    });
    const publicClient = createPublicClient({ chain, transport: http(), pollingInterval: 50 });
    const wsClient = createPublicClient({ chain, transport: webSocket() });
    const account = privateKeyToAccount(keys[2]!);
    const wallet = createWalletClient({ chain, transport: http(), account });
    const abi = token.abi as never;

    const deployHash = await wallet.deployContract({ abi, bytecode: token.bytecode as Hex, args: [SUPPLY] });
    const deployed = await publicClient.waitForTransactionReceipt({ hash: deployHash, pollingInterval: 50 });
    const address = deployed.contractAddress!;
    expect(deployed.status).to.equal("success");

    const polled: Log[] = [];
    const pushed: Log[] = [];
    const unwatchHttp = publicClient.watchContractEvent({ address, abi, eventName: "Transfer", onLogs: (logs: unknown[]) => polled.push(...(logs as Log[])), pollingInterval: 50 });
    const unwatchWs = wsClient.watchContractEvent({ address, abi, eventName: "Transfer", onLogs: (logs: unknown[]) => pushed.push(...(logs as Log[])) });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // both watchers installed
      const recipient = privateKeyToAccount(keys[3]!).address;
      const hash = await wallet.writeContract({ address, abi, functionName: "transfer", args: [recipient, 42n] });
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 });
      expect(receipt.status).to.equal("success");
      expect(await publicClient.readContract({ address, abi, functionName: "balanceOf", args: [recipient] })).to.equal(42n);
      const deadline = Date.now() + 10_000;
      while ((polled.length === 0 || pushed.length === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      for (const logs of [polled, pushed]) {
        expect(logs).to.have.length(1);
        expect(logs[0]!.transactionHash).to.equal(hash);
        expect((logs[0] as unknown as { args: { to: string; value: bigint } }).args).to.include({ to: recipient, value: 42n });
      }
      expect(await publicClient.getBlockNumber()).to.equal(receipt.blockNumber);
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
      expect(block.transactions.map((t) => t.hash)).to.include(hash);
      const fees = await publicClient.estimateFeesPerGas();
      expect(fees.maxFeePerGas > 0n).to.equal(true);
    } finally {
      unwatchHttp();
      unwatchWs();
      await wsClient.transport.getRpcClient().then((client: { close(): void }) => client.close());
    }
  });

  it("eth_getProof: the account and a storage slot verify against the block's state root (EIP-1186)", async function () {
    const alice = new Wallet(keys[0]!, ethers);
    const erc20 = (await (await new ContractFactory(token.abi as never, token.bytecode, alice).deploy(SUPPLY)).waitForDeployment()) as Contract;
    const address = (await erc20.getAddress()).toLowerCase();
    // OpenZeppelin 5 keeps balances at slot 0: balanceOf[alice] is at keccak(alice ‖ 0).
    const slot = keccak256(zeroPadValue(alice.address, 32) + "00".repeat(32));
    const block = await ethers.send("eth_getBlockByNumber", ["latest", false]);
    const proof = await ethers.send("eth_getProof", [address, [slot], block.number]);
    const stateRoot = hexToBytes(block.stateRoot);

    const accountRlp = await verifyMerkleProof(hexToBytes(keccak256(address) as Hex), proof.accountProof.map((p: string) => hexToBytes(p as Hex)), { root: stateRoot } as never);
    const [nonce, balance, storageHash, codeHash] = RLP.decode(accountRlp!) as Uint8Array[];
    expect(bytesToHex(storageHash!)).to.equal(proof.storageHash);
    expect(bytesToHex(codeHash!)).to.equal(proof.codeHash);
    expect(BigInt(bytesToHex(nonce!).length > 2 ? bytesToHex(nonce!) : "0x0")).to.equal(BigInt(proof.nonce));
    expect(balance!.length === 0 ? 0n : BigInt(bytesToHex(balance!))).to.equal(BigInt(proof.balance));
    expect(proof.codeHash).to.equal(keccak256(await ethers.getCode(address)));

    const [entry] = proof.storageProof;
    expect(entry.key).to.equal(slot);
    expect(BigInt(entry.value)).to.equal(SUPPLY);
    const valueRlp = await verifyMerkleProof(hexToBytes(keccak256(slot) as Hex), entry.proof.map((p: string) => hexToBytes(p as Hex)), { root: hexToBytes(proof.storageHash) } as never);
    expect(BigInt(bytesToHex(RLP.decode(valueRlp!) as Uint8Array))).to.equal(SUPPLY);
    // A wrong root does not verify it.
    let refused = false;
    await verifyMerkleProof(hexToBytes(keccak256(address) as Hex), proof.accountProof.map((p: string) => hexToBytes(p as Hex)), { root: setLengthLeft(new Uint8Array([1]), 32) } as never).catch(() => (refused = true));
    expect(refused).to.equal(true);

    // An account that does not exist: one storage entry per key, as geth gives (value 0, no proof).
    const absent = await ethers.send("eth_getProof", [Wallet.createRandom().address, [slot], block.number]);
    expect(absent.storageProof).to.deep.equal([{ key: slot, value: "0x0", proof: [] }]);
    expect(absent.storageHash).to.equal("0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421");
  });

  it("eth_estimateGas then send: the estimate is enough, within a few percent of what the transaction used; a revert is code 3 with its data", async function () {
    const alice = new Wallet(keys[4]!, ethers);
    const erc20 = (await (await new ContractFactory(token.abi as never, token.bytecode, alice).deploy(SUPPLY)).waitForDeployment()) as Contract;
    const data = erc20.interface.encodeFunctionData("transfer", [Wallet.createRandom().address, 1n]);
    const to = await erc20.getAddress();
    const estimate = BigInt(await ethers.send("eth_estimateGas", [{ from: alice.address, to, data }]));
    const sent = await alice.sendTransaction({ to, data, gasLimit: estimate });
    const receipt = await sent.wait();
    expect(receipt!.status).to.equal(1);
    expect(Number(estimate - receipt!.gasUsed) / Number(receipt!.gasUsed)).to.be.within(0, 0.05);
    // A plain transfer estimates to exactly 21,000.
    expect(BigInt(await ethers.send("eth_estimateGas", [{ from: alice.address, to: alice.address, value: "0x1" }]))).to.equal(21_000n);
    const reverted = await call("eth_estimateGas", [{ from: keys[9] ? new Wallet(keys[9]).address : undefined, to, data: erc20.interface.encodeFunctionData("transfer", [alice.address, SUPPLY]) }]);
    expect(reverted.error.code).to.equal(3);
    expect(reverted.error.message).to.equal("execution reverted");
    expect(erc20.interface.parseError(reverted.error.data)?.name).to.equal("ERC20InsufficientBalance");
  });

  it("WebSocket: newHeads announces each block, logs delivers matching events, unsubscribe stops them; HTTP refuses eth_subscribe", async function () {
    const ws = new WebSocket(served.rpc.wsUrl);
    const messages: Json[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(data.toString())));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const request = (id: number, method: string, params: unknown[]) => ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    const answer = async (id: number) => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = messages.find((m) => m.id === id);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no answer to ${id}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      const alice = new Wallet(keys[5]!, ethers);
      const erc20 = (await (await new ContractFactory(token.abi as never, token.bytecode, alice).deploy(SUPPLY)).waitForDeployment()) as Contract;
      request(1, "eth_subscribe", ["newHeads"]);
      request(2, "eth_subscribe", ["logs", { address: await erc20.getAddress(), topics: [erc20.interface.getEvent("Transfer")!.topicHash] }]);
      const heads = (await answer(1)).result as string;
      const logs = (await answer(2)).result as string;
      expect(heads).to.match(/^0x[0-9a-f]{32}$/);
      const receipt = await (await erc20.getFunction("transfer")(Wallet.createRandom().address, 7n)).wait();
      const deadline = Date.now() + 10_000;
      const of = (id: string) => messages.filter((m) => m.method === "eth_subscription" && m.params.subscription === id).map((m) => m.params.result);
      while ((of(heads).length === 0 || of(logs).length === 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(of(heads).map((h) => h.hash)).to.include(receipt!.blockHash);
      expect(of(heads)[0]).to.include.keys("parentHash", "stateRoot", "number", "baseFeePerGas", "timestamp");
      expect(of(logs)).to.have.length(1);
      expect(of(logs)[0]).to.include({ transactionHash: receipt!.hash, blockHash: receipt!.blockHash, removed: false });

      request(3, "eth_unsubscribe", [heads]);
      expect((await answer(3)).result).to.equal(true);
      const before = of(heads).length;
      await (await erc20.getFunction("transfer")(Wallet.createRandom().address, 7n)).wait();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(of(heads)).to.have.length(before);
      // Malformed input on the socket: an error answer, the socket stays open.
      ws.send("{not json");
      request(4, "eth_chainId", []);
      expect((await answer(4)).result).to.equal("0x28c59");
      expect(messages.some((m) => m.error?.code === -32700)).to.equal(true);
    } finally {
      ws.close();
    }
    expect((await call("eth_subscribe", ["newHeads"])).error.code).to.equal(-32601);
  });

  it("ethers WebSocketProvider: contract.on('Transfer') and provider.on('block') through eth_subscribe", async function () {
    const wsProvider = new WebSocketProvider(served.rpc.wsUrl, undefined, { staticNetwork: true });
    try {
      const alice = new Wallet(keys[6]!, ethers);
      const erc20 = (await (await new ContractFactory(token.abi as never, token.bytecode, alice).deploy(SUPPLY)).waitForDeployment()) as Contract;
      const watched = erc20.connect(wsProvider) as Contract;
      const seen = new Promise<bigint>((resolve) => void watched.on("Transfer", (_from: string, _to: string, value: bigint) => resolve(value)));
      const block = new Promise<number>((resolve) => void wsProvider.on("block", (n: number) => resolve(n)));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await (await erc20.getFunction("transfer")(Wallet.createRandom().address, 99n)).wait();
      expect(await seen).to.equal(99n);
      expect(await block).to.be.greaterThan(0);
    } finally {
      await wsProvider.destroy();
    }
  });

  it("blocks, filters and tags: by number and hash, with and without transactions, eth_newFilter / eth_getFilterChanges / eth_getFilterLogs, safe and finalized", async function () {
    const alice = new Wallet(keys[7]!, ethers);
    const erc20 = (await (await new ContractFactory(token.abi as never, token.bytecode, alice).deploy(SUPPLY)).waitForDeployment()) as Contract;
    const address = await erc20.getAddress();
    const logFilter = (await call("eth_newFilter", [{ address, fromBlock: "earliest" }])).result;
    const blockFilter = (await call("eth_newBlockFilter")).result;
    const receipt = await (await erc20.getFunction("transfer")(Wallet.createRandom().address, 3n)).wait();

    const changes = (await call("eth_getFilterChanges", [logFilter])).result;
    expect(changes.map((l: Json) => l.transactionHash)).to.deep.equal([receipt!.hash]);
    expect((await call("eth_getFilterChanges", [logFilter])).result).to.deep.equal([]);
    expect((await call("eth_getFilterLogs", [logFilter])).result).to.have.length(2); // the mint and the transfer
    expect((await call("eth_getFilterChanges", [blockFilter])).result).to.include(receipt!.blockHash);
    expect((await call("eth_uninstallFilter", [logFilter])).result).to.equal(true);
    expect((await call("eth_getFilterChanges", [logFilter])).error).to.deep.equal({ code: -32000, message: "filter not found" });

    const byNumber = (await call("eth_getBlockByNumber", [`0x${receipt!.blockNumber.toString(16)}`, true])).result;
    const byHash = (await call("eth_getBlockByHash", [receipt!.blockHash, false])).result;
    expect(byNumber.hash).to.equal(receipt!.blockHash);
    expect(byNumber.transactions[0].hash).to.equal(receipt!.hash);
    expect(byHash.transactions).to.deep.equal([receipt!.hash]);
    // size: the block's RLP, as ethereumjs serializes the same block.
    const derived = served.node.getBlock(BigInt(receipt!.blockNumber))!;
    const common = createL2Common(167001n);
    const serialized = createBlock({ header: derived.header, transactions: derived.transactions(), withdrawals: [] }, { common }).serialize();
    expect(BigInt(byHash.size)).to.equal(BigInt(serialized.length));
    expect((await call("eth_getBlockTransactionCountByHash", [receipt!.blockHash])).result).to.equal("0x1");
    expect((await call("eth_getBlockTransactionCountByNumber", [byNumber.number])).result).to.equal("0x1");
    expect((await call("eth_getBlockByNumber", ["0xffffff", false])).result).to.equal(null);
    const logs = (await call("eth_getLogs", [{ blockHash: receipt!.blockHash }])).result;
    expect(logs.map((l: Json) => l.logIndex)).to.deep.equal(["0x0"]);

    // safe: every block the node derived (each checked against L1); finalized: in an L1 block ≥ 2 deep.
    const head = BigInt((await call("eth_blockNumber")).result);
    expect(BigInt((await call("eth_getBlockByNumber", ["safe", false])).result.number)).to.equal(head);
    expect(BigInt((await call("eth_getBlockByNumber", ["finalized", false])).result.number)).to.equal(head - 1n);
    expect((await call("eth_getBlockByNumber", ["earliest", false])).result.number).to.equal("0x0");
    expect((await call("eth_getBalance", [alice.address, { blockHash: receipt!.blockHash }])).result).to.match(/^0x/);
    const status = (await call("rollup_status")).result;
    expect(status.l2.head).to.equal(`0x${head.toString(16)}`);
    expect(status.l2.finalized).to.equal(`0x${(head - 1n).toString(16)}`);
    expect(status.mempool).to.deep.equal({ pending: "0x0", queued: "0x0" });
    expect((await call("eth_syncing")).result).to.equal(false);
    expect((await call("web3_clientVersion")).result).to.match(/^ultrasound\//);
    const history = (await call("eth_feeHistory", ["0x4", "latest", [50]])).result;
    expect(history.baseFeePerGas).to.have.length(5);
    expect(history.reward).to.have.length(4);
  });

  it("rollup_getWitness: the witness of a block, with the block's own data, passes the engine's EXECUTE", async function () {
    const alice = new Wallet(keys[8]!, ethers);
    const receipt = await (await alice.sendTransaction({ to: Wallet.createRandom().address, value: 1n })).wait();
    const number = BigInt(receipt!.blockNumber);
    const answer = (await call("rollup_getWitness", [`0x${number.toString(16)}`])).result;
    expect(answer.nodes).to.be.greaterThan(0);
    const block = served.node.getBlock(number)!;
    const parent = served.node.header(number - 1n)!;
    const h = block.header;
    const result = await execute({
      chainId: 167001n,
      number,
      parentHash: h.parentHash,
      blockHash: h.hash(),
      preStateRoot: parent.stateRoot,
      postStateRoot: h.stateRoot,
      receiptsRoot: h.receiptTrie,
      gasLimit: h.gasLimit,
      gasUsed: h.gasUsed,
      coinbase: h.coinbase.bytes,
      timestamp: h.timestamp,
      prevRandao: h.mixHash,
      anchor: h.parentBeaconBlockRoot!,
      transactions: RLP.encode(block.rawTransactions),
      blobVersionedHashes: [],
      witness: hexToBytes(answer.witness),
    } as never);
    expect(result).to.have.property("blockHash");
    expect((await call("rollup_getWitness", ["0x0"])).error).to.deep.equal({ code: -32000, message: "the genesis block has no witness" });
  });

  it("bad input: malformed JSON, unknown methods, wrong params, huge numbers and payloads get their JSON-RPC errors; the server stays up and the next transaction is included", async function () {
    expect((await post("{")).json.error.code).to.equal(-32700);
    expect((await call("eth_nope")).error).to.deep.equal({ code: -32601, message: 'the method "eth_nope" does not exist/is not available' });
    expect((await call("constructor")).error.code).to.equal(-32601);
    expect((await call("eth_getBalance", ["0x1234", "latest"])).error.code).to.equal(-32602);
    expect((await call("eth_getBalance", [12, "latest"])).error.code).to.equal(-32602);
    // A block number above 64 bits is malformed (geth's hexutil: -32602), not a block above the head.
    expect((await call("eth_getBlockByNumber", [`0x${"f".repeat(100)}`, false])).error.code).to.equal(-32602);
    expect((await call("eth_getBalance", [new Wallet(keys[0]!).address, `0x${"f".repeat(100)}`])).error.code).to.equal(-32602);
    expect((await call("eth_getBalance", [new Wallet(keys[0]!).address, "0x100000"])).error).to.deep.equal({ code: -32000, message: "header not found" });
    expect((await call("eth_getStorageAt", [new Wallet(keys[0]!).address, `0x${"f".repeat(65)}`])).error.code).to.equal(-32602);
    // Clamped to the head; from the genesis block, which has no stored transactions or receipts.
    const logs = await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: `0x${(20_000).toString(16)}` }]);
    expect(logs.result, JSON.stringify(logs.error)).to.be.an("array");
    expect((await call("eth_getBlockReceipts", ["0x0"])).result).to.deep.equal([]);
    expect((await call("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest", blockHash: `0x${"00".repeat(32)}` }])).error.code).to.equal(-32602);
    expect((await call("eth_getLogs", [{ topics: [[], null, null, null, null] }])).error.code).to.equal(-32602);
    expect((await call("eth_sendRawTransaction", ["0xzz"])).error.code).to.equal(-32602);
    expect((await call("eth_sendRawTransaction", ["0x02c0"])).error.code).to.equal(-32602); // does not decode (EDR's code)
    expect((await call("eth_call", [{ to: new Wallet(keys[0]!).address, gas: `0x${"f".repeat(16)}` }, "latest"])).result).to.equal("0x"); // capped
    expect((await call("eth_call", [{ to: new Wallet(keys[0]!).address, gas: `0x${"f".repeat(64)}` }, "latest"])).error.code).to.equal(-32602); // gas is 64-bit
    expect((await call("eth_getFilterChanges", ["not an id"])).error.code).to.equal(-32602);
    const huge = await fetch(served.rpc.url, { method: "POST", headers: { "content-type": "application/json" }, body: "[" + "1,".repeat(5 * 1024 * 1024) + "1]" });
    expect(huge.status).to.equal(413);
    const batch = (await post(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "eth_chainId" }, { jsonrpc: "2.0", method: "eth_chainId" }, { jsonrpc: "2.0", id: 2, method: "nope" }]))).json;
    expect(batch.map((a: Json) => a.id)).to.deep.equal([1, 2]);

    const alice = new Wallet(keys[0]!, ethers);
    const receipt = await (await alice.sendTransaction({ to: Wallet.createRandom().address, value: 5n })).wait();
    expect(receipt!.status).to.equal(1);
  });
});
