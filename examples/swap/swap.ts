/**
 * The atomic cross-rollup swap (examples/swap/README.md), as a library the script (run.ts) and
 * the test (test/examples/swap.test.ts) share: deploy the two sides on two rollups, then swap in
 * ONE L1 transaction with a bundle:
 *
 *   A.advance(block with the user's `lock`)   the user's tokens leave A; the escrow sends a message to B
 *   A.forward(message)                        proven against A's new state root, queued in B
 *   B.advance(block delivering it)            the desk pays the counter-asset and marks the order settled
 *   assertStorage(B, desk.settled[order] = 1) or the whole transaction reverts, A's block with it
 */
import { Interface, getCreateAddress, keccak256, AbiCoder, type Contract, type JsonRpcApiProvider, type Wallet } from "ethers";
import type { RollupFixture } from "../../src/fixtures/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { proposeBundle, type ProposedBundle } from "../../src/sdk/bundle.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

/** An artifact of the example's own contracts (built by `npx hardhat build` from examples/swap/contracts). */
function exampleArtifact(name: string): { abi: unknown[]; bytecode: string } {
  const file = fileURLToPath(new URL(`../../artifacts/examples/swap/contracts/${name}.sol/${name}.json`, import.meta.url));
  return JSON.parse(readFileSync(file, "utf8")) as { abi: unknown[]; bytecode: string };
}

export const escrowInterface = () => new Interface(exampleArtifact("SwapEscrow").abi as never);
export const deskInterface = () => new Interface(exampleArtifact("SwapDesk").abi as never);
export const tokenInterface = () => new Interface(loadArtifact("test/OZToken.sol", "OZToken").abi as never);

/** The two sides of the swap, deployed. */
export interface SwapDeployment {
  /** The token locked on A, and the escrow holding it. */
  tokenA: string;
  escrow: string;
  /** The counter-asset on B, and the desk paying it. */
  tokenB: string;
  desk: string;
  /** The user: holds `tokenA` on A, wants `tokenB` on B (same key on both rollups). */
  user: Wallet;
}

/** `settled[orderId]`'s storage key in SwapDesk (the mapping is at slot 0). */
export function settledSlot(orderId: bigint): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [orderId, 0n]));
}

/** Sends an L2 transaction through the fixture and proposes it in its own block. */
async function sendAndAdvance(l2: RollupFixture, from: Wallet, request: { to: string | null; data: string }): Promise<void> {
  await l2.send({ from, to: request.to, data: request.data, gasLimit: 3_000_000n });
  await l2.advance();
}

/**
 * Deploys the swap: on A a token (supply to the user) and the escrow; on B a token and the desk,
 * funded with `liquidity` of it. The escrow and the desk name each other, so their addresses are
 * predicted from the deployer's nonces first. The user approves the escrow. Four L2 blocks per side.
 */
export async function deploySwap(a: RollupFixture, b: RollupFixture, options: { liquidity: bigint; userBalance: bigint }): Promise<SwapDeployment> {
  const [deployer, user] = [a.wallets[0]!, a.wallets[5]!];
  const token = loadArtifact("test/OZToken.sol", "OZToken");
  const escrowArtifact = exampleArtifact("SwapEscrow");
  const deskArtifact = exampleArtifact("SwapDesk");
  const nonceA = Number((await a.account(deployer.address)).nonce);
  const nonceB = Number((await b.account(deployer.address)).nonce);
  const tokenA = getCreateAddress({ from: deployer.address, nonce: nonceA });
  const escrow = getCreateAddress({ from: deployer.address, nonce: nonceA + 1 });
  const tokenB = getCreateAddress({ from: deployer.address, nonce: nonceB });
  const desk = getCreateAddress({ from: deployer.address, nonce: nonceB + 1 });
  const deploy = (artifact: { abi: unknown[]; bytecode: string }, args: unknown[]) => artifact.bytecode + new Interface(artifact.abi as never).encodeDeploy(args).slice(2);
  const erc20 = tokenInterface();

  await sendAndAdvance(a, deployer, { to: null, data: deploy(token, [options.userBalance]) });
  await sendAndAdvance(a, deployer, { to: null, data: deploy(escrowArtifact, [tokenA, b.address, desk]) });
  await sendAndAdvance(a, deployer, { to: tokenA, data: erc20.encodeFunctionData("transfer", [user.address, options.userBalance]) });
  await sendAndAdvance(a, user, { to: tokenA, data: erc20.encodeFunctionData("approve", [escrow, options.userBalance]) });

  await sendAndAdvance(b, deployer, { to: null, data: deploy(token, [10n ** 30n]) });
  await sendAndAdvance(b, deployer, { to: null, data: deploy(deskArtifact, [tokenB, a.address, escrow]) });
  if (options.liquidity > 0n) await sendAndAdvance(b, deployer, { to: tokenB, data: erc20.encodeFunctionData("transfer", [desk, options.liquidity]) });
  for (const [l2, address] of [[a, escrow], [b, desk]] as const) {
    if ((await l2.account(address)).code === "0x") throw new Error(`swap contract not deployed at ${address}`);
  }
  return { tokenA, escrow, tokenB, desk, user };
}

/** `token.balanceOf(holder)` at the head of `l2`. */
export async function balanceOf(l2: RollupFixture, token: string, holder: string): Promise<bigint> {
  return BigInt(await l2.call({ to: token, data: tokenInterface().encodeFunctionData("balanceOf", [holder]) }));
}

/** The user's signed `escrow.lock(amount, recipient, wanted)` on A (the order's id is the escrow's `orderCount`). */
export async function lockTransaction(a: RollupFixture, swap: SwapDeployment, amount: bigint, wanted: bigint): Promise<{ raw: string; orderId: bigint }> {
  const orderId = BigInt(await a.call({ to: swap.escrow, data: escrowInterface().encodeFunctionData("orderCount") }));
  const raw = await signL2Transaction(a.chain, swap.user, {
    nonce: Number((await a.account(swap.user.address)).nonce),
    to: swap.escrow,
    data: escrowInterface().encodeFunctionData("lock", [amount, swap.user.address, wanted]),
    gasLimit: 500_000n,
  });
  return { raw, orderId };
}

/**
 * The swap in ONE L1 transaction: A's block with the user's lock, the forward of its message,
 * B's block delivering it, and the assertion that B's desk settled the order. `sendFailing`
 * sends it even when the assertion fails on the built state (to watch L1 revert it whole).
 */
export async function swapInOneTransaction(
  options: { bundler: Contract; provider: JsonRpcApiProvider; a: RollupFixture; b: RollupFixture; swap: SwapDeployment; amount: bigint; wanted: bigint; sendFailing?: boolean },
): Promise<ProposedBundle & { orderId: bigint }> {
  const { a, b, swap } = options;
  const { raw, orderId } = await lockTransaction(a, swap, options.amount, options.wanted);
  const bundled = await proposeBundle({
    bundler: options.bundler,
    provider: options.provider,
    sendFailing: options.sendFailing,
    legs: [
      { rollup: a.rollup, chain: a.chain, transactions: [raw], forward: (m) => m.to.toLowerCase() === swap.desk.toLowerCase() },
      { rollup: b.rollup, chain: b.chain, assertions: [{ account: swap.desk, slot: settledSlot(orderId), expected: 1n }] },
    ],
  });
  return { ...bundled, orderId };
}
