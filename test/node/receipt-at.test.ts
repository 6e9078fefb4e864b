import { expect } from "chai";
import { createBlockHeader } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { chainHead, createL2Chain, createL2Common, devAccounts, devGenesis } from "../../src/engine/index.js";
import { keccak256 } from "../../src/engine/crypto.js";
import { StoreCorruptError } from "../../src/node/errors.js";
import { getBlock, getBlockByHash, getReceipts, getTransaction } from "../../src/node/read.js";
import { readCounters } from "../../src/node/receipts.js";
import { createRpcHandler, type ChainView } from "../../src/rpc/index.js";
import type { StoredReceipt } from "../../src/node/records.js";
import type { NodeContext } from "../../src/node/stage.js";
import { readBlockRecord, writeBlock } from "../../src/node/stages/execute.js";
import { numberKey, openNodeStore } from "../../src/node/store.js";
import { tempDir } from "./helpers.js";

/**
 * Issue 14 item 8: clients poll receipts one by one (ethers' `wait`), and the first receipt read
 * of a block decoded and hashed every transaction of it on the RPC's thread (a 749-transaction
 * block: a 128 ms stall in the offthread bench's profile). A transaction and its receipt are
 * read alone: one transaction decoded, the block's other receipts only walked by their headers.
 */
describe("node: a transaction or receipt read decodes that transaction alone, not its block", function () {
  this.timeout(120_000);
  const COUNT = 500;

  /** A store whose block 1 holds `raws` (with receipts: some with logs, a creation among them). */
  async function storeWithBlock(raws: Uint8Array[], senderOf: (i: number) => string = (i) => devAccounts()[i % 4]!.address) {
    const chain = await createL2Chain(devGenesis());
    const common = createL2Common(chain.genesis.chainId);
    const store = openNodeStore(tempDir());
    const genesis = chainHead(chain);
    const header = createBlockHeader({ ...genesis.toJSON(), number: 1n, parentHash: genesis.hash(), timestamp: genesis.timestamp + 12n, baseFeePerGas: 7n }, { common });
    const origin = { number: 9n, hash: "0x" + "11".repeat(32), txHash: "0x" + "22".repeat(32), logIndex: 0 };
    const receipts: StoredReceipt[] = raws.map((_, i) => ({
      type: 2,
      status: i % 7 === 3 ? 0 : 1,
      cumulativeGasUsed: BigInt(21_000 * (i + 1)),
      gasUsed: 21_000n,
      from: hexToBytes(senderOf(i) as `0x${string}`),
      ...(i === 5 ? { contractAddress: new Uint8Array(20).fill(5) } : {}),
      // 0 to 2 logs each: the log indexes of a receipt count every log before it in the block.
      logs: Array.from({ length: i % 3 }, (_, j) => [new Uint8Array(20).fill(i % 256), [new Uint8Array(32).fill(j)], new Uint8Array([i & 0xff, j])] as StoredReceipt["logs"][number]),
    }));
    store.transaction(() => {
      writeBlock(store, { header: genesis, l1: origin }, [], []);
      writeBlock(store, { header, l1: origin }, receipts, raws);
      store.payloads.putSync(numberKey(1n), RLP.encode(raws));
    });
    const ctx = { store, common } as unknown as NodeContext;
    // The node's chain view (src/node/view.ts nodeChainView) over this store.
    const view: ChainView = {
      chainId: chain.genesis.chainId,
      heads: () => ({ latest: 1n, safe: 1n, finalized: 0n }),
      header: (n) => readBlockRecord(ctx, n)?.header,
      numberOfHash: (hash) => getBlockByHash(ctx, hash)?.number,
      block: (n) => getBlock(ctx, n),
      receipts: (n) => getReceipts(ctx, n),
      transaction: (hash) => getTransaction(ctx, hash),
      logs: () => [],
      stateDb: () => chain.db,
    };
    return { store, ctx, view, receipts };
  }

  /** `COUNT` signed transfers of three types from four senders (one creation, at index 5). */
  async function signedTransfers(chainId: bigint): Promise<Uint8Array[]> {
    const wallets = devAccounts().slice(0, 4).map((a) => new Wallet(a.privateKey));
    const raws: Uint8Array[] = [];
    for (let i = 0; i < COUNT; i++) {
      const base = { chainId, nonce: Math.floor(i / 4), to: i === 5 ? undefined : devAccounts()[5]!.address, value: BigInt(i), gasLimit: 100_000n, data: i === 5 ? "0x6000" : "0x" };
      const fees = i % 3 === 0 ? { type: 0, gasPrice: 10n ** 9n } : i % 3 === 1 ? { type: 1, gasPrice: 10n ** 9n } : { type: 2, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 5n };
      raws.push(hexToBytes((await wallets[i % 4]!.signTransaction({ ...base, ...fees })) as `0x${string}`));
    }
    return raws;
  }

  /**
   * Receipt `index` as decoding its transaction gives it (the oracle: ethereumjs's decoding, the
   * stored receipt written, base fee 7), in eth_getTransactionReceipt's shape.
   */
  function expectedReceipt(raws: Uint8Array[], stored: StoredReceipt[], index: number, chainId: bigint, blockHash: string) {
    const tx = createTxFromRLP(raws[index]!, { common: createL2Common(chainId) }) as unknown as { to?: { toString(): string }; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint; gasPrice?: bigint; hash(): Uint8Array };
    const r = stored[index]!;
    const transactionHash = bytesToHex(tx.hash());
    const firstLog = stored.slice(0, index).reduce((n, s) => n + s.logs.length, 0);
    const tip = tx.maxFeePerGas === undefined ? undefined : tx.maxFeePerGas - 7n < tx.maxPriorityFeePerGas! ? tx.maxFeePerGas - 7n : tx.maxPriorityFeePerGas!;
    return {
      transactionHash,
      transactionIndex: index,
      blockNumber: 1n,
      blockHash,
      from: bytesToHex(r.from),
      to: tx.to === undefined ? null : tx.to.toString(),
      type: r.type,
      status: r.status,
      cumulativeGasUsed: r.cumulativeGasUsed,
      gasUsed: r.gasUsed,
      effectiveGasPrice: tip === undefined ? tx.gasPrice! : 7n + tip,
      contractAddress: r.contractAddress === undefined ? null : bytesToHex(r.contractAddress),
      logs: r.logs.map(([address, topics, data], j) => ({
        address: bytesToHex(address),
        topics: topics.map((t) => bytesToHex(t)),
        data: bytesToHex(data),
        blockNumber: 1n,
        blockHash,
        transactionHash,
        transactionIndex: index,
        logIndex: firstLog + j,
        removed: false,
      })),
    };
  }

  it(`a receipt read of a ${COUNT}-transaction block decodes no transaction (its transaction: one), and gives what decoding its transaction gives`, async function () {
    const chain = await createL2Chain(devGenesis());
    const raws = await signedTransfers(chain.genesis.chainId);
    const { store, ctx, receipts } = await storeWithBlock(raws);
    try {
      const blockHash = bytesToHex(readBlockRecord(ctx, 1n)!.header.hash());
      const picks = [0, 1, 5, 137, 250, COUNT - 1];
      for (const index of picks) {
        const before = readCounters.transactionsDecoded;
        const found = getTransaction(ctx, bytesToHex(keccak256(raws[index]!)))!;
        const receipt = found.receipt;
        // The receipt's recipient and fees come from the transaction's RLP headers: nothing decoded.
        expect(readCounters.transactionsDecoded - before, `transactions decoded to read receipt ${index}`).to.equal(0);
        expect(receipt, `receipt ${index}`).to.deep.equal(expectedReceipt(raws, receipts, index, chain.genesis.chainId, blockHash));
        expect(bytesToHex(found.tx.hash())).to.equal(found.hash);
        expect(readCounters.transactionsDecoded - before, `transactions decoded to read transaction ${index}`).to.equal(1);
        expect(found.index).to.equal(index);
        expect(found.raw).to.deep.equal(raws[index]);
      }
      // The block's bytes were read and indexed once: later reads take their item from there
      // (kept by block hash), not from a fresh checksummed copy of the block.
      const payload = store.payloads.getBinary(numberKey(1n))!;
      store.transaction(() => store.payloads.removeSync(numberKey(1n)));
      expect(getTransaction(ctx, bytesToHex(keccak256(raws[300]!)))!.receipt.transactionIndex).to.equal(300);
      store.transaction(() => store.payloads.putSync(numberKey(1n), payload));
      // The whole block's receipts (eth_getBlockReceipts, logs) decode no transaction either.
      const before = readCounters.transactionsDecoded;
      const all = getReceipts(ctx, 1n)!;
      expect(readCounters.transactionsDecoded - before, "transactions decoded for the block's receipts").to.equal(0);
      expect(all).to.have.length(COUNT);
      for (const index of [...picks, 2, 3, 4, 6, 300, 498]) expect(all[index], `receipt ${index}`).to.deep.equal(expectedReceipt(raws, receipts, index, chain.genesis.chainId, blockHash));
      expect(all[5]!.contractAddress).to.equal("0x" + "05".repeat(20));
    } finally {
      await store.close();
    }
  });

  it("a transaction that does not decode elsewhere in the block does not disturb a read of another (nothing else is decoded)", async function () {
    const chain = await createL2Chain(devGenesis());
    const raws = (await signedTransfers(chain.genesis.chainId)).slice(0, 20);
    raws[3] = Uint8Array.from([0x02, 0xc1, 0x80]); // an EIP-1559 envelope with one field
    const { store, ctx } = await storeWithBlock(raws);
    try {
      const found = getTransaction(ctx, bytesToHex(keccak256(raws[12]!)))!;
      expect(found.receipt.transactionIndex).to.equal(12);
      expect(found.receipt.from).to.equal(devAccounts()[0]!.address.toLowerCase());
      expect(bytesToHex(found.tx.hash())).to.equal(found.hash);
      expect(() => createTxFromRLP(raws[3]!, { common: createL2Common(chain.genesis.chainId) })).to.throw();
    } finally {
      await store.close();
    }
  });

  it("a block with fewer receipts than transactions is a StoreCorruptError naming both counts, for a read of any of its transactions", async function () {
    const chain = await createL2Chain(devGenesis());
    const raws = (await signedTransfers(chain.genesis.chainId)).slice(0, 8);
    const { store, ctx } = await storeWithBlock(raws);
    try {
      // Receipts for the first 6 transactions only.
      const stored = RLP.decode(store.receipts.getBinary(numberKey(1n))!) as Uint8Array[];
      store.transaction(() => store.receipts.putSync(numberKey(1n), RLP.encode(stored.slice(0, 6))));
      for (const index of [2, 7]) {
        let caught: unknown;
        try {
          getTransaction(ctx, bytesToHex(keccak256(raws[index]!)));
        } catch (error) {
          caught = error;
        }
        expect(caught, `read of transaction ${index}`).to.be.instanceOf(StoreCorruptError);
        expect((caught as Error).message).to.match(/L2 block 1's receipts are 6, for 8 transactions/);
      }
    } finally {
      await store.close();
    }
  });

  it("eth_getTransactionByHash, …ByBlockNumberAndIndex and full blocks show the sender the receipts keep (none recovered); by index decodes one transaction", async function () {
    const chain = await createL2Chain(devGenesis());
    const raws = (await signedTransfers(chain.genesis.chainId)).slice(0, 20);
    // The receipt of transaction 9 names another sender than its signature: what is shown tells
    // whether the sender was read (from the receipt, as the node recorded it at execution) or
    // recovered again from the signature (≈ 1–2 ms of the RPC's thread per transaction).
    const recorded = "0x" + "99".repeat(20);
    const { store, view } = await storeWithBlock(raws, (i) => (i === 9 ? recorded : devAccounts()[i % 4]!.address));
    const rpc = createRpcHandler({ view });
    try {
      const hash = bytesToHex(keccak256(raws[9]!));
      const byHash = (await rpc.request({ method: "eth_getTransactionByHash", params: [hash] })) as Record<string, unknown>;
      expect(byHash.from).to.equal(recorded);
      let before = readCounters.transactionsDecoded;
      const byIndex = (await rpc.request({ method: "eth_getTransactionByBlockNumberAndIndex", params: ["0x1", "0x9"] })) as Record<string, unknown>;
      expect(readCounters.transactionsDecoded - before, "transactions decoded for one by index").to.equal(1);
      expect(byIndex).to.deep.equal(byHash);
      expect(await rpc.request({ method: "eth_getTransactionByBlockNumberAndIndex", params: ["0x1", "0x14"] })).to.equal(null);
      const full = (await rpc.request({ method: "eth_getBlockByNumber", params: ["0x1", true] })) as { transactions: Record<string, unknown>[] };
      expect(full.transactions[9]).to.deep.equal(byHash);
      expect(full.transactions[4]!.from).to.equal(devAccounts()[0]!.address.toLowerCase());
      before = readCounters.transactionsDecoded;
      expect(await rpc.request({ method: "eth_getBlockTransactionCountByNumber", params: ["0x1"] })).to.equal("0x14");
      expect(readCounters.transactionsDecoded - before, "transactions decoded to count them").to.equal(0);
    } finally {
      rpc.close();
      await store.close();
    }
  });
});
