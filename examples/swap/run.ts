/**
 * The atomic cross-rollup swap, step by step, on an in-process L1 with two rollups:
 *
 *   npx hardhat run examples/swap/run.ts
 *
 * (`npx tsx examples/swap/run.ts` works too once `npx hardhat build` has compiled the contracts.)
 * Prints each step with its L1 gas: the setup, a swap that lands in ONE L1 transaction, and one
 * that B cannot honour (the desk lacks liquidity), which reverts whole.
 */
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { BundleFailedError, deployBundler } from "../../src/sdk/bundle.js";
import { balanceOf, deploySwap, swapInOneTransaction } from "./swap.js";

const TOKEN = 10n ** 18n;
const { ethers } = await network.create();
const provider = ethers.provider as never;
const [signer] = await ethers.getSigners();
const format = (wei: bigint) => `${wei / TOKEN}`;

const a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
console.log(`rollup A at ${a.address} (chain ${a.chain.genesis.chainId}), rollup B at ${b.address} (chain ${b.chain.genesis.chainId})`);
const bundler = await deployBundler(signer!);
console.log(`RollupBundler at ${await bundler.getAddress()}`);

const swap = await deploySwap(a, b, { liquidity: 100n * TOKEN, userBalance: 100n * TOKEN });
console.log(`1. deployed: token A ${swap.tokenA} and escrow ${swap.escrow} on A; token B ${swap.tokenB} and desk ${swap.desk} (100 of liquidity) on B; the user ${swap.user.address} holds 100 A and approved the escrow`);

const show = async (label: string) =>
  console.log(`   ${label}: user ${format(await balanceOf(a, swap.tokenA, swap.user.address))} A, escrow ${format(await balanceOf(a, swap.tokenA, swap.escrow))} A; user ${format(await balanceOf(b, swap.tokenB, swap.user.address))} B, desk ${format(await balanceOf(b, swap.tokenB, swap.desk))} B; heads A ${a.chain.headers.length - 1}, B ${b.chain.headers.length - 1}`);
await show("before");

const done = await swapInOneTransaction({ bundler, provider, a, b, swap, amount: 40n * TOKEN, wanted: 60n * TOKEN });
console.log(`2. swap 40 A for 60 B, order ${done.orderId}: ONE L1 transaction ${done.l1Receipt.hash} in L1 block ${done.l1Receipt.blockNumber}, ${done.l1Receipt.gasUsed} L1 gas (bound ${done.prepared.gasLimit})`);
for (const [i, call] of done.prepared.calls.entries()) console.log(`   call ${i}: ${call.label}`);
await show("after");

try {
  await swapInOneTransaction({ bundler, provider, a, b, swap, amount: 40n * TOKEN, wanted: 60n * TOKEN, sendFailing: true });
  throw new Error("the second swap should have reverted: the desk holds 40 B, not 60");
} catch (error) {
  if (!(error instanceof BundleFailedError)) throw error;
  const receipt = await ethers.provider.send("eth_getBlockByNumber", ["latest", true]) as { transactions: { hash: string }[] };
  const l1 = await ethers.provider.getTransactionReceipt(receipt.transactions.at(-1)!.hash);
  console.log(`3. swap 40 A for 60 B again, the desk holding 40 B: the delivered call reverts on B, so the assertion fails and the bundle reverts whole`);
  console.log(`   ${error.message.split("\n")[0]} — ${String(error.details.call)}; L1 gas spent on the reverted transaction: ${l1?.gasUsed ?? "?"}`);
}
await show("unchanged");
