/**
 * The atomic cross-rollup swap (examples/swap): in ONE L1 transaction the user's tokens leave
 * rollup A and the counter-asset arrives on rollup B, or nothing happens at all. Both rollups are
 * real (their own L2 chains, verified by the real EXECUTE), on the fixture's L1.
 */
import { expect } from "chai";
import type { Contract } from "ethers";
import { network } from "hardhat";
import { devGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { BundleAssertionError, BundleFailedError, deployBundler } from "../../src/sdk/bundle.js";
import { l1MessageStatus } from "../../src/sdk/bridge.js";
import { balanceOf, deploySwap, deskInterface, swapInOneTransaction, tokenInterface, type SwapDeployment } from "../../examples/swap/swap.js";
import { l2Provider } from "../bridge/helpers.js";

const { ethers } = await network.create();
const TOKEN = 10n ** 18n;

describe("examples/swap: an atomic cross-rollup swap in one L1 transaction", function () {
  let a: RollupFixture;
  let b: RollupFixture;
  let bundler: Contract;

  beforeEach(async function () {
    a = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    b = await loadRollupFixture({ ethers }, { genesis: devGenesis({ chainId: 167_002n }), dataAvailability: "calldata" });
    bundler = await deployBundler((await ethers.getSigners())[0]!);
  });

  const heads = async () => ({ a: (await a.rollup.getFunction("head")()).blockHash as string, b: (await b.rollup.getFunction("head")()).blockHash as string });

  it("the user's tokens leave A and the counter-asset arrives on B in ONE L1 transaction (advance A, forward, advance B, assertStorage)", async function () {
    const swap: SwapDeployment = await deploySwap(a, b, { liquidity: 1_000n * TOKEN, userBalance: 100n * TOKEN });
    const before = { a: await balanceOf(a, swap.tokenA, swap.user.address), escrow: await balanceOf(a, swap.tokenA, swap.escrow), b: await balanceOf(b, swap.tokenB, swap.user.address) };
    const l1Before = BigInt(await ethers.provider.send("eth_blockNumber", []));

    const done = await swapInOneTransaction({ bundler, provider: ethers.provider as never, a, b, swap, amount: 40n * TOKEN, wanted: 80n * TOKEN });
    const receipt = done.l1Receipt;
    expect(receipt.status).to.equal(1);
    expect(BigInt(receipt.blockNumber)).to.equal(l1Before + 1n, "one L1 block, one transaction");
    expect(done.prepared.calls.map((c) => c.label.split(" ")[0])).to.deep.equal(["advance", "forward", "advance", "assertStorage"]);
    expect(done.events.map((e) => e.number)).to.deep.equal([a.chain.headers.length - 1, b.chain.headers.length - 1].map(BigInt));
    console.log(`      swap bundle: ${receipt.gasUsed} L1 gas (bound ${done.prepared.gasLimit}, ${(Number(receipt.gasUsed) / Number(done.prepared.gasLimit) * 100).toFixed(1)} % of it)`);

    // A: tokens in the escrow. B: the counter-asset paid, the order settled, the message delivered.
    expect(await balanceOf(a, swap.tokenA, swap.user.address)).to.equal(before.a - 40n * TOKEN);
    expect(await balanceOf(a, swap.tokenA, swap.escrow)).to.equal(before.escrow + 40n * TOKEN);
    expect(await balanceOf(b, swap.tokenB, swap.user.address)).to.equal(before.b + 80n * TOKEN);
    const settled = await b.call({ to: swap.desk, data: deskInterface().encodeFunctionData("settled", [done.orderId]) });
    expect(BigInt(settled)).to.equal(1n);
    const [forward] = done.prepared.forwards;
    expect(await l1MessageStatus(l2Provider(b), forward!.queued)).to.equal("delivered");
    expect(await a.rollup.getFunction("claimed")(forward!.hash)).to.equal(true);
    // Both fixtures' proposers carry on from the bundled heads.
    await a.advance();
    await b.advance();
  });

  it("B's leg fails (the desk lacks liquidity: the delivered call reverts, the message is 'failed'), so the assertion fails and the whole bundle reverts: A's head and the user's tokens on A are unchanged", async function () {
    const swap = await deploySwap(a, b, { liquidity: 10n * TOKEN, userBalance: 100n * TOKEN });
    const headsBefore = await heads();
    const chainsBefore = { a: a.chain.headers.length, b: b.chain.headers.length };
    const tokensBefore = await balanceOf(a, swap.tokenA, swap.user.address);

    // The SDK sees it coming on the built post-state and refuses to send…
    const refused = await swapInOneTransaction({ bundler, provider: ethers.provider as never, a, b, swap, amount: 40n * TOKEN, wanted: 80n * TOKEN }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(BundleAssertionError);
    // B's built block delivered the message and its call reverted (retryable on B): settled stays 0.
    expect((refused as BundleAssertionError).details.actual).to.equal("0x" + "00".repeat(32));
    // …and sent anyway, L1 reverts it whole.
    const failed = (await swapInOneTransaction({ bundler, provider: ethers.provider as never, a, b, swap, amount: 40n * TOKEN, wanted: 80n * TOKEN, sendFailing: true }).catch((e: unknown) => e)) as BundleFailedError;
    expect(failed).to.be.instanceOf(BundleFailedError);
    expect(failed.index).to.equal(3);
    expect(failed.reason).to.equal("RollupBundler_AssertionFailed");
    expect(String(failed.details.call)).to.match(/^assertStorage on leg 1/);
    console.log(`      failed swap: ${failed.message.split("\n")[0]}; ${String(failed.details.error).slice(0, 120)}…`);

    expect(await heads()).to.deep.equal(headsBefore);
    expect({ a: a.chain.headers.length, b: b.chain.headers.length }).to.deep.equal(chainsBefore, "nothing appended");
    expect(await balanceOf(a, swap.tokenA, swap.user.address)).to.equal(tokensBefore);
    expect(await balanceOf(b, swap.tokenB, swap.user.address)).to.equal(0n);
    // The rollups carry on; the swap succeeds once the desk has the liquidity.
    await a.advance();
    await b.send({ from: a.wallets[0]!, to: swap.tokenB, data: tokenInterface().encodeFunctionData("transfer", [swap.desk, 100n * TOKEN]), gasLimit: 200_000n });
    await b.advance();
    const done = await swapInOneTransaction({ bundler, provider: ethers.provider as never, a, b, swap, amount: 40n * TOKEN, wanted: 80n * TOKEN });
    expect(done.l1Receipt.status).to.equal(1);
    expect(await balanceOf(b, swap.tokenB, swap.user.address)).to.equal(80n * TOKEN);
  });
});
