/**
 * `npx hardhat run --network l2 scripts/l2-token.ts`: deploys an OpenZeppelin ERC20
 * (contracts/test/OZToken.sol) on the devnet's rollup with Hardhat's ethers, sends a transfer and
 * reads the event back — what any Hardhat script does on L1, unchanged, on L2.
 */
import { network } from "hardhat";

const { ethers } = await network.connect();
const [owner, friend] = await ethers.getSigners();
const token = await ethers.deployContract("OZToken", [10n ** 24n]);
await token.waitForDeployment();
const receipt = await (await token.getFunction("transfer")(friend!.address, 10n ** 18n)).wait();
const [event] = await token.queryFilter(token.filters.Transfer!(owner!.address, friend!.address), receipt!.blockNumber, receipt!.blockNumber);
console.log(`OZToken at ${await token.getAddress()} on chain ${(await ethers.provider.getNetwork()).chainId}`);
console.log(`transfer in L2 block ${receipt!.blockNumber}: ${event!.transactionHash}, balance ${await token.getFunction("balanceOf")(friend!.address)}`);
