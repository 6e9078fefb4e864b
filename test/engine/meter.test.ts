import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { createL2Chain, devGenesis, execute, type BuiltBlock } from "../../src/engine/index.js";
import { build, extend, sign, wallets } from "./helpers.js";
import { DEADLINE, deployUniswap, liquidityOf, routerInterface, type UniswapChain } from "./uniswap.js";

/** `execute` must accept `block` with the builder's block hash and gas. */
async function expectAccepted(block: BuiltBlock): Promise<void> {
  expect(block.skipped.map((s) => s.reason)).to.deep.equal([]);
  const result = await execute(block.input);
  expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
  expect(result.gasUsed).to.equal(block.header.gasUsed);
}

describe("engine: the verifier's gas meter accepts every block the builder builds", function () {
  this.timeout(120_000);
  let u: UniswapChain;
  let removeLiquidity: Uint8Array;

  before(async function () {
    const chain = await createL2Chain(devGenesis());
    u = await deployUniswap(chain, 0);
    const owner = wallets[0]!.address;
    const liquidity = await liquidityOf(u, owner);
    expect(liquidity > 0n).to.equal(true);
    // All of it: the owner's LP balance and the router's WETH and token balances are cleared,
    // so the refund reaches its cap (1/5 of the gas consumed), and the router's last act is a
    // value CALL to the owner (an EOA) whose 2,300 stipend comes back unused.
    removeLiquidity = await sign(chain, 0, {
      nonce: u.nonce,
      to: u.router,
      data: routerInterface.encodeFunctionData("removeLiquidityETH", [u.token, liquidity, 0n, 0n, owner, DEADLINE]),
      gasLimit: 1_000_000n,
    });
  });

  it("Uniswap V2 removeLiquidityETH as the only, so last, transaction of a block (refund at its cap, then a stipend)", async function () {
    const block = await build(u.chain, [removeLiquidity]);
    const receipt = block.receipts[0]!;
    expect("status" in receipt && receipt.status).to.equal(1);
    await expectAccepted(block);
  });

  it("the same transaction last after another one", async function () {
    const other = await sign(u.chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n });
    await expectAccepted(await build(u.chain, [other, removeLiquidity]));
  });

  it("the same transaction first, followed by another one (accepted before the fix too)", async function () {
    const other = await sign(u.chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n });
    await expectAccepted(await build(u.chain, [removeLiquidity, other]));
  });

  it("the chain goes on after it (the block appends)", async function () {
    await extend(u.chain, [removeLiquidity]);
    expect(await liquidityOf(u, wallets[0]!.address)).to.equal(0n);
  });
});
