import { expect } from "chai";
import { Wallet } from "ethers";
import { hexToBytes } from "@ethereumjs/util";
import { createTxFromRLP } from "@ethereumjs/tx";
import { chainHead, createL2Chain, createL2Common, devAccounts, devGenesis } from "../../src/engine/index.js";
import { formatBlock } from "../../src/rpc/format.js";
import type { ChainBlock } from "../../src/rpc/view.js";

/**
 * Issue 14 item 8: `eth_getBlockByNumber(n, false)` of a block of hundreds of transactions
 * decoded every one of them on the RPC's thread (≈ 100 ms a block; the explorer and the relayer
 * ask for each new block). A view that has the raw transactions is formatted from them alone.
 */
describe("rpc: a block without full transactions is formatted from its raw transactions", function () {
  it("gives the same object as decoding them (legacy, EIP-2930, EIP-1559; size and hashes), without decoding any", async function () {
    const chain = await createL2Chain(devGenesis());
    const common = createL2Common(chain.genesis.chainId);
    const wallet = new Wallet(devAccounts()[0]!.privateKey);
    const base = { chainId: chain.genesis.chainId, to: devAccounts()[1]!.address, value: 1n, gasLimit: 50_000n };
    const signed = [
      await wallet.signTransaction({ ...base, type: 0, nonce: 0, gasPrice: 10n ** 9n }),
      await wallet.signTransaction({ ...base, type: 1, nonce: 1, gasPrice: 10n ** 9n, accessList: [{ address: devAccounts()[2]!.address, storageKeys: ["0x" + "11".repeat(32)] }] }),
      await wallet.signTransaction({ ...base, type: 2, nonce: 2, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, data: "0x" + "ab".repeat(100) }),
    ];
    const raws = [...signed, ...Array.from({ length: 60 }, (_, i) => signed[i % 3]!)].map((hex) => hexToBytes(hex as `0x${string}`));
    const header = chainHead(chain);
    const decoded: ChainBlock = { number: 0n, hash: "0x" + Buffer.from(header.hash()).toString("hex"), header, transactions: () => raws.map((raw) => createTxFromRLP(raw, { common })) };
    let decodes = 0;
    const withRaws: ChainBlock = { ...decoded, rawTransactions: raws, transactions: () => (decodes++, decoded.transactions()) };

    const fromRaws = formatBlock(withRaws, false);
    expect(decodes, "transactions decoded").to.equal(0);
    expect(fromRaws).to.deep.equal(formatBlock(decoded, false));
    expect(fromRaws.transactions).to.have.length(63);
    // Full transactions still come decoded.
    expect(formatBlock(withRaws, true)).to.deep.equal(formatBlock(decoded, true));
  });
});

describe("rpc: a receipt lookup does not decode its transaction", function () {
  it("withLogTimestamps keeps a view's lazily decoded transaction lazy (eth_getTransactionReceipt reads only the receipt)", async function () {
    const { withLogTimestamps } = await import("../../src/rpc/view.js");
    const chain = await createL2Chain(devGenesis());
    const wallet = new Wallet(devAccounts()[0]!.privateKey);
    const raw = hexToBytes((await wallet.signTransaction({ chainId: chain.genesis.chainId, type: 2, nonce: 0, to: wallet.address, value: 1n, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n })) as `0x${string}`);
    let decodes = 0;
    const receipt = { transactionHash: "0x01", transactionIndex: 0, blockHash: "0x02", blockNumber: 1n, from: wallet.address, to: wallet.address, contractAddress: null, cumulativeGasUsed: 21_000n, gasUsed: 21_000n, effectiveGasPrice: 1n, status: 1, type: 2, logs: [] };
    const inner = {
      chainId: chain.genesis.chainId,
      heads: () => ({ latest: 1n, safe: 1n, finalized: 0n }),
      header: () => chainHead(chain),
      numberOfHash: () => undefined,
      block: () => undefined,
      receipts: () => undefined,
      transaction: () => ({ hash: "0x01", blockNumber: 1n, blockHash: "0x02", index: 0, get tx() { decodes++; return createTxFromRLP(raw, { common: createL2Common(chain.genesis.chainId) }); }, receipt }),
      logs: () => [],
      stateDb: () => chain.db,
    };
    const found = withLogTimestamps(inner as never).transaction("0x01")!;
    expect(found.receipt.transactionHash).to.equal("0x01");
    expect(decodes, "decoded for a receipt").to.equal(0);
    expect(found.tx.nonce).to.equal(0n);
    expect(decodes).to.equal(1);
  });
});
