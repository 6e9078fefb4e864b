import { AbiCoder, getCreateAddress, Interface, MaxUint256 } from "ethers";
import { callL2, type L2Chain } from "../../src/engine/index.js";
import { extend, sign, wallets } from "./helpers.js";

import { uniswapArtifacts, type PublishedArtifact } from "../../examples/uniswap/artifacts.js";

export { uniswapArtifacts };
export const erc20Interface = new Interface(uniswapArtifacts.erc20.abi as never);
export const pairInterface = new Interface(uniswapArtifacts.pair.abi as never);
export const routerInterface = new Interface(uniswapArtifacts.router.abi as never);
const factoryInterface = new Interface(uniswapArtifacts.factory.abi as never);
const abi = AbiCoder.defaultAbiCoder();

/** Far in the future: no router call here expires. */
export const DEADLINE = 2n ** 40n;

/** A chain with Uniswap V2 deployed by one dev wallet, and a token/WETH pair with liquidity. */
export interface UniswapChain {
  chain: L2Chain;
  /** The dev wallet (index into `wallets`) that deployed everything and holds the liquidity. */
  owner: number;
  /** The owner's next nonce. */
  nonce: number;
  token: string;
  weth: string;
  factory: string;
  router: string;
  pair: string;
}

function deployData(artifact: PublishedArtifact, types: string[] = [], args: unknown[] = []): string {
  return "0x" + artifact.bytecode.replace(/^0x/, "") + abi.encode(types, args).slice(2);
}

/**
 * Deploys token, factory, WETH and Router02 from dev wallet `owner` (whose nonce must be
 * `nonce`), approves the router for the token and the pair, and adds liquidity with ETH
 * (`addLiquidityETH`, which creates the pair): four blocks on `chain`.
 */
export async function deployUniswap(chain: L2Chain, owner: number, nonce = 0): Promise<UniswapChain> {
  const from = wallets[owner]!.address;
  const at = (n: number) => getCreateAddress({ from, nonce: n });
  const [token, factory, weth, router] = [nonce, nonce + 1, nonce + 2, nonce + 3].map(at) as [string, string, string, string];
  await extend(chain, [
    await sign(chain, owner, { nonce, data: deployData(uniswapArtifacts.erc20, ["uint256"], [10n ** 27n]), gasLimit: 3_000_000n }),
    await sign(chain, owner, { nonce: nonce + 1, data: deployData(uniswapArtifacts.factory, ["address"], [from]), gasLimit: 6_000_000n }),
    await sign(chain, owner, { nonce: nonce + 2, data: deployData(uniswapArtifacts.weth), gasLimit: 3_000_000n }),
  ]);
  await extend(chain, [
    await sign(chain, owner, { nonce: nonce + 3, data: deployData(uniswapArtifacts.router, ["address", "address"], [factory, weth]), gasLimit: 6_000_000n }),
  ]);
  await extend(chain, [
    await sign(chain, owner, { nonce: nonce + 4, to: token, data: erc20Interface.encodeFunctionData("approve", [router, MaxUint256]) }),
    await sign(chain, owner, {
      nonce: nonce + 5,
      to: router,
      value: 10n * 10n ** 18n,
      data: routerInterface.encodeFunctionData("addLiquidityETH", [token, 10n ** 22n, 0n, 0n, from, DEADLINE]),
      gasLimit: 6_000_000n,
    }),
  ]);
  const pairWord = await callL2(chain, { to: factory, data: factoryInterface.encodeFunctionData("getPair", [token, weth]) });
  const pair = abi.decode(["address"], pairWord)[0] as string;
  await extend(chain, [await sign(chain, owner, { nonce: nonce + 6, to: pair, data: pairInterface.encodeFunctionData("approve", [router, MaxUint256]) })]);
  return { chain, owner, nonce: nonce + 7, token, weth, factory, router, pair };
}

/** `owner`'s liquidity-token balance in the pair, at the head. */
export async function liquidityOf(u: UniswapChain, owner: string): Promise<bigint> {
  const word = await callL2(u.chain, { to: u.pair, data: pairInterface.encodeFunctionData("balanceOf", [owner]) });
  return abi.decode(["uint256"], word)[0] as bigint;
}
