/**
 * Uniswap V2 as published on npm (`@uniswap/v2-core`, `@uniswap/v2-periphery` build artifacts):
 * the real bytecode users deploy, read once for the example and the tests. Router02's `pairFor`
 * has the mainnet pair init-code hash built in, and the pair in `@uniswap/v2-core/build` is that
 * very pair, so the router finds the pairs the published factory creates.
 */
import { createRequire } from "node:module";

/** A published artifact: its ABI and creation bytecode (0x-prefixed). */
export interface PublishedArtifact {
  abi: unknown[];
  bytecode: string;
}

const require = createRequire(import.meta.url);

function load(path: string): PublishedArtifact {
  const json = require(path) as PublishedArtifact;
  return { abi: json.abi, bytecode: json.bytecode.startsWith("0x") ? json.bytecode : `0x${json.bytecode}` };
}

/** The five contracts of a Uniswap V2 deployment, as published. */
export const uniswapArtifacts = {
  /** The test ERC20 of v2-core: `constructor(uint totalSupply)`, all minted to the deployer. */
  erc20: load("@uniswap/v2-core/build/ERC20.json"),
  factory: load("@uniswap/v2-core/build/UniswapV2Factory.json"),
  pair: load("@uniswap/v2-core/build/UniswapV2Pair.json"),
  weth: load("@uniswap/v2-periphery/build/WETH9.json"),
  router: load("@uniswap/v2-periphery/build/UniswapV2Router02.json"),
};
