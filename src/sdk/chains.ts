/**
 * viem chain definitions for an ultrasound devnet: `ultrasoundChains({ l1Url, l2Url, … })`
 * returns `{ l1, l2 }`, `defineChain` objects with the RPC URLs, the L2's preinstalls
 * (`contracts.multicall3` is what viem's `multicall` and `batch.multicall` use) and predeploys,
 * and the rollup's L1 contract.
 */
import { defineChain, type Address, type Chain } from "viem";
import { PREDEPLOYS } from "../engine/chain.js";
import { PREINSTALLS } from "../engine/genesis/preinstalls.js";

/** Where the devnet is: what `npm run devnet` prints in its banner. */
export interface UltrasoundChainsOptions {
  /** The L1 JSON-RPC (default `http://127.0.0.1:8545`). */
  l1Url?: string;
  /** The L2 JSON-RPC (default `http://127.0.0.1:8546`); its WebSocket is the same URL with `ws:`. */
  l2Url?: string;
  /** The L2 chain id (default 167001, the devnet's). */
  chainId?: number;
  /** The L1 chain id (default 31337, Hardhat's). */
  l1ChainId?: number;
  /** The rollup's NativeRollup contract on L1 (the banner's `rollup` line). */
  rollupAddress?: Address;
}

/** The L1 and L2 of an ultrasound devnet as viem chains. */
export interface UltrasoundChains {
  l1: Chain;
  l2: Chain;
}

/**
 * viem chains for a devnet. The L2's `contracts` name its preinstalls (`multicall3`,
 * `create2Deployer`, `safeSingletonFactory`, `entryPointV07`) and predeploys (`l2Messenger`,
 * `l2Anchor`); the L1's names the rollup (`nativeRollup`) when given. The L1 (a Hardhat node) has
 * no Multicall3: its chain leaves `multicall3` out so viem does not batch calls to nothing.
 */
export function ultrasoundChains(options: UltrasoundChainsOptions = {}): UltrasoundChains {
  const l1Url = options.l1Url ?? "http://127.0.0.1:8545";
  const l2Url = options.l2Url ?? "http://127.0.0.1:8546";
  const l1ChainId = options.l1ChainId ?? 31_337;
  const l1 = defineChain({
    id: l1ChainId,
    name: "ultrasound L1 (Hardhat)",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l1Url] } },
    contracts: options.rollupAddress === undefined ? {} : { nativeRollup: { address: options.rollupAddress } },
    testnet: true,
  });
  const l2 = defineChain({
    id: options.chainId ?? 167_001,
    name: "ultrasound L2",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [l2Url], webSocket: [l2Url.replace(/^http/, "ws")] } },
    contracts: {
      multicall3: { address: PREINSTALLS.multicall3 },
      create2Deployer: { address: PREINSTALLS.deterministicDeployer },
      safeSingletonFactory: { address: PREINSTALLS.safeSingletonFactory },
      entryPointV07: { address: PREINSTALLS.entryPointV07 },
      entryPointV08: { address: PREINSTALLS.entryPointV08 },
      permit2: { address: PREINSTALLS.permit2 },
      l2Messenger: { address: PREDEPLOYS.messenger },
      l2Anchor: { address: PREDEPLOYS.anchor },
      ...(options.rollupAddress === undefined ? {} : { nativeRollup: { address: options.rollupAddress } }),
    },
    sourceId: l1ChainId,
    testnet: true,
  });
  return { l1, l2 };
}
