/**
 * Uniswap V2 as published on npm (`@uniswap/v2-core`, `@uniswap/v2-periphery` build artifacts),
 * deployed on an L2 through its JSON-RPC by ethers with default gas: two tokens, the factory,
 * WETH, Router02, and liquidity (which creates the pair).
 */
import { Contract, ContractFactory, MaxUint256, type Wallet } from "ethers";
import { uniswapArtifacts, type PublishedArtifact } from "../../examples/uniswap/artifacts.js";

/** The deployed contracts. */
export interface Uniswap {
  tokenA: Contract;
  tokenB: Contract;
  router: Contract;
  pair: Contract;
  deadline: bigint;
}

/** Deploys Uniswap V2 with `wallet` (each transaction waited for) and adds 10^24 of each token as liquidity. */
export async function deployUniswap(wallet: Wallet): Promise<Uniswap> {
  const erc20 = uniswapArtifacts.erc20;
  const deploy = async (artifact: PublishedArtifact, ...args: unknown[]) =>
    (await (await new ContractFactory(artifact.abi as never, artifact.bytecode, wallet).deploy(...args)).waitForDeployment()) as Contract;
  const tokenA = await deploy(erc20, 10n ** 27n);
  const tokenB = await deploy(erc20, 10n ** 27n);
  const factory = await deploy(uniswapArtifacts.factory, wallet.address);
  const weth = await deploy(uniswapArtifacts.weth);
  const router = await deploy(uniswapArtifacts.router, await factory.getAddress(), await weth.getAddress());
  const routerAddress = await router.getAddress();
  await (await tokenA.getFunction("approve")(routerAddress, MaxUint256)).wait();
  await (await tokenB.getFunction("approve")(routerAddress, MaxUint256)).wait();
  const deadline = 2n ** 40n;
  const [a, b] = [await tokenA.getAddress(), await tokenB.getAddress()];
  await (await router.getFunction("addLiquidity")(a, b, 10n ** 24n, 10n ** 24n, 0n, 0n, wallet.address, deadline)).wait();
  const pairAddress = (await factory.getFunction("getPair")(a, b)) as string;
  const pair = new Contract(pairAddress, uniswapArtifacts.pair.abi as never, wallet);
  return { tokenA, tokenB, router, pair, deadline };
}
