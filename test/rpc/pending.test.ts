/**
 * The `pending` block (src/rpc/pending.ts) on a real L2: node + proposer + Hardhat L1 with EXECUTE,
 * Uniswap V2 from npm, ethers v6 with its default gas (eth_estimateGas without a block tag).
 */
import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../../src/engine/index.js";
import { servedNode, type ServedNode } from "../node/rpc-helpers.js";
import { deployUniswap, type Uniswap } from "./uniswap.js";

const keys = devAccounts().map((a) => a.privateKey);

describe("rpc: the pending block (estimates and calls in the next block's context)", function () {
  let served: ServedNode;
  let provider: JsonRpcProvider;
  let wallet: Wallet;
  let uni: Uniswap;

  before(async function () {
    served = await servedNode();
    provider = new JsonRpcProvider(served.rpc.url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
    wallet = new Wallet(keys[0]!, provider);
    uni = await deployUniswap(wallet);
  });
  after(async function () {
    provider?.destroy();
    await served?.stop();
  });

  const block = async (tag: string) => (await provider.send("eth_getBlockByNumber", [tag, false])) as Record<string, string | null>;

  it("8 sequential Uniswap V2 swaps sent by ethers with default gas, each in a block of its own with time moving, all succeed (the pair's oracle writes of a new block are in the estimate)", async function () {
    const path = [await uni.tokenA.getAddress(), await uni.tokenB.getAddress()];
    let previous: { number: bigint; timestamp: bigint } | undefined;
    const report: string[] = [];
    for (let i = 0; i < 8; i++) {
      const swapPath = i % 2 === 0 ? path : [...path].reverse();
      const sent = await uni.router.getFunction("swapExactTokensForTokens")(10n ** 18n + BigInt(i), 0n, swapPath, wallet.address, uni.deadline);
      const receipt = (await sent.wait())!;
      expect(receipt.status, `swap ${i}: gas limit ${sent.gasLimit}, used ${receipt.gasUsed}`).to.equal(1);
      const mined = await block(`0x${receipt.blockNumber.toString(16)}`);
      const at = { number: BigInt(receipt.blockNumber), timestamp: BigInt(mined.timestamp!) };
      if (previous !== undefined) {
        expect(at.number > previous.number, "a block of its own").to.equal(true);
        expect(at.timestamp > previous.timestamp, "time moves").to.equal(true);
      }
      previous = at;
      report.push(`${sent.gasLimit}/${receipt.gasUsed}`);
    }
    console.log(`      swaps (estimate/used): ${report.join(", ")}`);
  });

  it("eth_estimateGas without a block is the pending block's; with 'latest' it is the head's, which misses the oracle writes (geth's semantics for both)", async function () {
    const path = [await uni.tokenA.getAddress(), await uni.tokenB.getAddress()];
    // The last swap was in the head block: in the head's context the pair's time has not moved.
    await (await uni.router.getFunction("swapExactTokensForTokens")(10n ** 18n, 0n, path, wallet.address, uni.deadline)).wait();
    const tx = { from: wallet.address, to: await uni.router.getAddress(), data: uni.router.interface.encodeFunctionData("swapExactTokensForTokens", [10n ** 18n, 0n, path, wallet.address, uni.deadline]) };
    served.pause();
    try {
      const [omitted, pending, latest] = await Promise.all([
        provider.send("eth_estimateGas", [tx]),
        provider.send("eth_estimateGas", [tx, "pending"]),
        provider.send("eth_estimateGas", [tx, "latest"]),
      ]);
      expect(omitted).to.equal(pending);
      // Two SSTOREs of non-zero words (price0CumulativeLast, price1CumulativeLast) at least.
      expect(BigInt(pending) - BigInt(latest) >= 2n * 2_900n, `pending ${BigInt(pending)}, latest ${BigInt(latest)}`).to.equal(true);
    } finally {
      served.resume();
    }
  });

  it("eth_getBlockByNumber('pending') is the head's child: next number, a later timestamp, the next base fee, hash/nonce/miner null, the mempool's transactions in it", async function () {
    served.pause();
    try {
      const head = await block("latest");
      const recipient = Wallet.createRandom().address;
      const bob = new Wallet(keys[1]!, provider);
      const sent = await bob.sendTransaction({ to: recipient, value: 12345n });
      const pending = (await provider.send("eth_getBlockByNumber", ["pending", false])) as Record<string, unknown>;
      expect(BigInt(pending.number as string)).to.equal(BigInt(head.number!) + 1n);
      expect(BigInt(pending.timestamp as string) > BigInt(head.timestamp!)).to.equal(true);
      expect(pending.parentHash).to.equal(head.hash);
      expect([pending.hash, pending.nonce, pending.miner]).to.deep.equal([null, null, null]);
      expect(pending.transactions).to.deep.equal([sent.hash]);
      expect(BigInt(pending.gasUsed as string)).to.equal(21_000n);
      const fees = (await provider.send("eth_feeHistory", ["0x1", "latest", []])) as { baseFeePerGas: string[] };
      expect(pending.baseFeePerGas).to.equal(fees.baseFeePerGas[1]);
      // The pending state has the transfer; the head's has not.
      expect(await provider.send("eth_getBalance", [recipient, "pending"])).to.equal("0x3039");
      expect(await provider.send("eth_getBalance", [recipient, "latest"])).to.equal("0x0");
      // A call at "pending" sees it too: the BALANCE of the recipient through eth_call on code that returns it.
      const balanceOf = "0x73" + recipient.slice(2) + "3160005260206000f3"; // PUSH20 addr BALANCE PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
      const target = "0x00000000000000000000000000000000000000aa";
      const code = { [target]: { code: balanceOf } };
      expect(BigInt(await provider.send("eth_call", [{ to: target }, "pending", code]))).to.equal(12345n);
      expect(BigInt(await provider.send("eth_call", [{ to: target }, "latest", code]))).to.equal(0n);
    } finally {
      served.resume();
    }
  });
});
