import { AbiCoder, getCreateAddress, Interface, MaxUint256 } from "ethers";
import { createL2Chain, devGenesis, getL2Account, type L2Chain } from "../../src/engine/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { extend, sign, wallets } from "./helpers.js";
import { DEADLINE, deployUniswap, erc20Interface, liquidityOf, pairInterface, routerInterface } from "./uniswap.js";

/**
 * A chain on which every gas shape the verifier's meter must measure right is one signed
 * transaction away: the Uniswap V2 flow (swaps both ways, liquidity added and removed with
 * ETH, a pair created by the factory's CREATE2), an OpenZeppelin ERC20 transfer that clears a
 * balance, and `MeterProbe` (contracts/test/MeterProbe.sol): refunds at the cap followed by a
 * stipend-only payout, value calls into contracts with and without work, into a precompile and
 * beyond the balance, CREATE/CREATE2, SELFDESTRUCT, a revert and an out-of-gas.
 *
 * Each transaction has its own sender (dev wallets 0–19), signed for that sender's nonce at the
 * head, so any subset in any order is a valid block on the head.
 */
export interface GasShapes {
  chain: L2Chain;
  /** One signed transaction per shape, by name. */
  transactions: Map<string, Uint8Array>;
}

const abi = AbiCoder.defaultAbiCoder();
const probeArtifact = () => loadArtifact("test/MeterProbe.sol", "MeterProbe");
const GWEI = 10n ** 9n;
const ETH = 10n ** 18n;

/** Deploys everything (about ten blocks) and signs one transaction per shape. */
export async function gasShapes(): Promise<GasShapes> {
  const chain = await createL2Chain(devGenesis());
  const u = await deployUniswap(chain, 0);
  const ozArtifact = loadArtifact("test/OZToken.sol", "OZToken");
  const probe = new Interface(probeArtifact().abi as never);
  const factory = new Interface(["function createPair(address,address) returns (address)"]);
  const addr = (i: number) => wallets[i]!.address;
  const owner = addr(0);
  let nonce = u.nonce;
  const oz = getCreateAddress({ from: owner, nonce });
  const probeAddress = getCreateAddress({ from: owner, nonce: nonce + 1 });
  await extend(chain, [
    await sign(chain, 0, { nonce: nonce++, data: ozArtifact.bytecode + abi.encode(["uint256"], [10n ** 24n]).slice(2), gasLimit: 3_000_000n }),
    await sign(chain, 0, { nonce: nonce++, data: probeArtifact().bytecode, gasLimit: 3_000_000n }),
  ]);
  // Tokens for the swappers and the second liquidity provider, OZ tokens for wallet 5, LP
  // tokens for wallet 6, and ETH in the probe (for SELFDESTRUCT and the value calls it makes).
  const lp = await liquidityOf(u, owner);
  await extend(chain, [
    await sign(chain, 0, { nonce: nonce++, to: u.token, data: erc20Interface.encodeFunctionData("transfer", [addr(3), 10n ** 21n]) }),
    await sign(chain, 0, { nonce: nonce++, to: u.token, data: erc20Interface.encodeFunctionData("transfer", [addr(4), 10n ** 21n]) }),
    await sign(chain, 0, { nonce: nonce++, to: oz, data: erc20Interface.encodeFunctionData("transfer", [addr(5), 12_345n]) }),
    await sign(chain, 0, { nonce: nonce++, to: u.pair, data: pairInterface.encodeFunctionData("transfer", [addr(6), lp / 3n]) }),
    await sign(chain, 0, { nonce: nonce++, to: probeAddress, value: 2n * ETH }),
    await sign(chain, 3, { nonce: 0, to: u.token, data: erc20Interface.encodeFunctionData("approve", [u.router, MaxUint256]) }),
    await sign(chain, 4, { nonce: 0, to: u.token, data: erc20Interface.encodeFunctionData("approve", [u.router, MaxUint256]) }),
    await sign(chain, 6, { nonce: 0, to: u.pair, data: pairInterface.encodeFunctionData("approve", [u.router, MaxUint256]) }),
  ]);

  const nonces = await Promise.all(wallets.map(async (w) => Number((await getL2Account(chain, w.address)).nonce)));
  const shapes: [string, number, { to?: string; value?: bigint; data?: string; gasLimit?: bigint }][] = [
    ["uniswap removeLiquidityETH (all)", 0, { to: u.router, data: routerInterface.encodeFunctionData("removeLiquidityETH", [u.token, lp - lp / 3n, 0n, 0n, owner, DEADLINE]) }],
    ["uniswap swapExactETHForTokens", 1, { to: u.router, value: ETH / 10n, data: routerInterface.encodeFunctionData("swapExactETHForTokens", [0n, [u.weth, u.token], addr(1), DEADLINE]) }],
    ["ETH transfer", 2, { to: addr(19), value: 1n, gasLimit: 21_000n }],
    ["uniswap swapExactTokensForETH", 3, { to: u.router, data: routerInterface.encodeFunctionData("swapExactTokensForETH", [10n ** 20n, 0n, [u.token, u.weth], addr(3), DEADLINE]) }],
    ["uniswap addLiquidityETH", 4, { to: u.router, value: ETH, data: routerInterface.encodeFunctionData("addLiquidityETH", [u.token, 10n ** 21n, 0n, 0n, addr(4), DEADLINE]) }],
    ["OZ ERC20 transfer of the whole balance", 5, { to: oz, data: erc20Interface.encodeFunctionData("transfer", [addr(2), 12_345n]) }],
    ["uniswap removeLiquidityETH (part)", 6, { to: u.router, data: routerInterface.encodeFunctionData("removeLiquidityETH", [u.token, lp / 6n, 0n, 0n, addr(6), DEADLINE]) }],
    ["refund at the cap, then a stipend payout to an EOA", 7, { to: probeAddress, value: GWEI, data: probe.encodeFunctionData("cycle", [40n, addr(7)]) }],
    ["value call into a contract whose receive works", 8, { to: probeAddress, value: 3n, data: probe.encodeFunctionData("forward", [probeAddress]) }],
    ["value transaction into a contract whose receive works", 9, { to: probeAddress, value: 5n }],
    ["refund at the cap, then a stipend payout to a contract (no work)", 10, { to: probeAddress, value: 2n, data: probe.encodeFunctionData("cycle", [30n, probeAddress]) }],
    ["stipend payout to a contract that needs more: reverts", 11, { to: probeAddress, value: 1n, data: probe.encodeFunctionData("cycle", [10n, probeAddress]) }],
    ["CREATE of a contract that SELFDESTRUCTs in its constructor", 12, { to: probeAddress, value: 7n, data: probe.encodeFunctionData("create", [ephemeralCode(addr(12))]) }],
    ["CREATE2 of a contract", 13, { to: probeAddress, data: probe.encodeFunctionData("create2", [probeArtifact().bytecode, "0x" + "13".repeat(32)]), gasLimit: 3_000_000n }],
    ["SELFDESTRUCT of an existing contract", 14, { to: probeAddress, data: probe.encodeFunctionData("destroy", [addr(14)]) }],
    ["revert after storage writes", 15, { to: probeAddress, data: probe.encodeFunctionData("fail", [20n]) }],
    ["out of gas", 16, { to: probeAddress, data: probe.encodeFunctionData("burn", []), gasLimit: 200_000n }],
    ["value call into a precompile", 17, { to: probeAddress, value: 2n, data: probe.encodeFunctionData("callPrecompileWithValue", ["0x" + "ab".repeat(100)]) }],
    ["value call beyond the balance (no frame)", 18, { to: probeAddress, data: probe.encodeFunctionData("callBeyondBalance", [addr(18)]) }],
    ["uniswap factory createPair (CREATE2)", 19, { to: u.factory, data: factory.encodeFunctionData("createPair", [u.token, oz]), gasLimit: 3_000_000n }],
  ];
  const transactions = new Map<string, Uint8Array>();
  for (const [name, from, tx] of shapes) transactions.set(name, await sign(chain, from, { nonce: nonces[from]!, ...tx }));
  return { chain, transactions };
}

/** Init code of `Ephemeral(_to)`: created and SELFDESTRUCTed in one transaction. */
function ephemeralCode(to: string): string {
  return loadArtifact("test/MeterProbe.sol", "Ephemeral").bytecode + abi.encode(["address"], [to]).slice(2);
}
