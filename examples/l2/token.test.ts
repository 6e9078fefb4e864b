import { expect } from "chai";
import { network } from "hardhat";

/**
 * A contract test as a user writes it, run against the rollup: `npx hardhat test mocha --network l2
 * examples/l2/token.test.ts` with `npm run devnet` up (the devnet test runs it so). Skipped on any
 * other network (the in-process L1 of `npm test`).
 */
describe("l2: an OpenZeppelin ERC20 tested on the rollup with hardhat test --network l2", function () {
  it("deploys, transfers, emits and reverts with OpenZeppelin's custom error, as on L1", async function () {
    const connection = await network.getOrCreate();
    if (connection.networkName !== "l2") this.skip();
    const { ethers } = connection;
    const [owner, friend] = await ethers.getSigners();
    expect((await ethers.provider.getNetwork()).chainId).to.equal(167001n);
    // On a live network (not an automining one) a deployment is sent, then mined: wait for it.
    const token = await (await ethers.deployContract("OZToken", [1000n])).waitForDeployment();
    await expect(token.getFunction("transfer")(friend!.address, 10n)).to.emit(token, "Transfer").withArgs(owner!.address, friend!.address, 10n);
    expect(await token.getFunction("balanceOf")(friend!.address)).to.equal(10n);
    await expect((token.connect(friend!) as typeof token).getFunction("transfer")(owner!.address, 11n)).to.be.revertedWithCustomError(token, "ERC20InsufficientBalance");
  });
});
