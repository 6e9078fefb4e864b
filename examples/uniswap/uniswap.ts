/**
 * Uniswap V2 on an ultrasound rollup, the way a new user tries it: Uniswap's own published
 * bytecode (the `@uniswap/v2-core` and `@uniswap/v2-periphery` packages), plain ethers v6 with
 * its default gas (every estimate from the node's `eth_estimateGas`), then viem's
 * `createAccessList` and a `debug_traceTransaction` with geth's `callTracer`, and a wait until
 * L1 has verified every block through EXECUTE (the L2's `safe` block).
 */
import { Contract, ContractFactory, JsonRpcProvider, MaxUint256, NonceManager, Wallet, type ContractTransactionResponse, type TransactionReceipt } from "ethers";
import { createPublicClient, encodeFunctionData, http, type Abi } from "viem";
import { uniswapArtifacts, type PublishedArtifact } from "./artifacts.js";


/** One step the user took, with what it cost. */
export interface UniswapStep {
  step: string;
  hash: string;
  status: number;
  gasUsed: bigint;
  /** The gas limit ethers set from the node's estimate. */
  gasLimit: bigint;
  l2Block: number;
}

/** What {@link runUniswap} did. */
export interface UniswapReport {
  steps: UniswapStep[];
  /** Addresses and slots viem's `createAccessList` returned for a router swap. */
  accessList: { address: string; storageKeys: string[] }[];
  accessListGasUsed: bigint;
  /** The callTracer's tree of one swap: its top call and how many calls below it. */
  trace: { type: string; to: string; calls: number; gasUsed: bigint };
  /** The L2 block that L1 verified last (`safe`), at least the last step's block. */
  verifiedThrough: number;
}

const TOKEN = 10n ** 18n;

/**
 * Runs the whole flow against the L2 JSON-RPC at `l2Url` with the funded `keys` (at least 4):
 * deploy WETH9, the factory, Router02 and two tokens; add liquidity with ETH and token/token;
 * six sequential swaps of every kind; a burst of swaps from several accounts; remove liquidity
 * with ETH; an access list and a trace; then waits for `safe` to cover every step. Throws on the
 * first transaction that does not succeed.
 */
export async function runUniswap(options: { l2Url: string; keys: string[]; log?: (line: string) => void; burst?: number; verifyTimeoutMs?: number }): Promise<UniswapReport> {
  const log = options.log ?? (() => {});
  const provider = new JsonRpcProvider(options.l2Url, undefined, { cacheTimeout: -1, pollingInterval: 100 });
  const [deployer, ...traders] = options.keys.map((key) => new NonceManager(new Wallet(key, provider)));
  const user = deployer!;
  const userAddress = await user.getAddress();
  const steps: UniswapStep[] = [];
  const record = async (step: string, sent: Promise<ContractTransactionResponse>): Promise<TransactionReceipt> => {
    const tx = await sent;
    const receipt = (await tx.wait())!;
    steps.push({ step, hash: tx.hash, status: receipt.status ?? 0, gasUsed: receipt.gasUsed, gasLimit: tx.gasLimit, l2Block: receipt.blockNumber });
    log(`${step}: status ${receipt.status}, gas ${receipt.gasUsed} of ${tx.gasLimit} estimated+, L2 block ${receipt.blockNumber}`);
    if (receipt.status !== 1) throw new Error(`${step} failed on L2 (status ${receipt.status}, gas ${receipt.gasUsed} of ${tx.gasLimit})`);
    return receipt;
  };
  const deploy = async (name: string, artifact: PublishedArtifact, args: unknown[]): Promise<Contract> => {
    const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, user).deploy(...args);
    await record(`deploy ${name}`, Promise.resolve(contract.deploymentTransaction()! as ContractTransactionResponse));
    return new Contract(await contract.getAddress(), artifact.abi as never, user);
  };

  const weth = await deploy("WETH9", uniswapArtifacts.weth, []);
  const factory = await deploy("UniswapV2Factory", uniswapArtifacts.factory, [userAddress]);
  const routerArtifact = uniswapArtifacts.router;
  const router = await deploy("UniswapV2Router02", routerArtifact, [await factory.getAddress(), await weth.getAddress()]);
  const erc20 = uniswapArtifacts.erc20;
  const tokenA = await deploy("token A", erc20, [1_000_000n * TOKEN]);
  const tokenB = await deploy("token B", erc20, [1_000_000n * TOKEN]);
  const [a, b, w, r] = await Promise.all([tokenA.getAddress(), tokenB.getAddress(), weth.getAddress(), router.getAddress()]);
  const deadline = () => BigInt(Math.floor(Date.now() / 1000) + 3600);

  await record("approve A", tokenA.getFunction("approve")(r, MaxUint256));
  await record("approve B", tokenB.getFunction("approve")(r, MaxUint256));
  await record("addLiquidityETH (A/WETH)", router.getFunction("addLiquidityETH")(a, 10_000n * TOKEN, 0n, 0n, userAddress, deadline(), { value: 10n * TOKEN }));
  await record("addLiquidity (A/B)", router.getFunction("addLiquidity")(a, b, 10_000n * TOKEN, 10_000n * TOKEN, 0n, 0n, userAddress, deadline()));

  // Six sequential swaps, each in a block of its own (the pair's price oracle writes on each new block).
  await record("swapExactTokensForTokens (A→B)", router.getFunction("swapExactTokensForTokens")(10n * TOKEN, 0n, [a, b], userAddress, deadline()));
  await record("swapExactTokensForTokens (B→A)", router.getFunction("swapExactTokensForTokens")(5n * TOKEN, 0n, [b, a], userAddress, deadline()));
  await record("swapExactETHForTokens (ETH→A)", router.getFunction("swapExactETHForTokens")(0n, [w, a], userAddress, deadline(), { value: TOKEN / 10n }));
  await record("swapExactTokensForETH (A→ETH)", router.getFunction("swapExactTokensForETH")(10n * TOKEN, 0n, [a, w], userAddress, deadline()));
  await record("swapTokensForExactTokens (A→B)", router.getFunction("swapTokensForExactTokens")(TOKEN, 100n * TOKEN, [a, b], userAddress, deadline()));
  await record("swapExactTokensForTokens (B→A→WETH)", router.getFunction("swapExactTokensForTokens")(2n * TOKEN, 0n, [b, a, w], userAddress, deadline()));

  // A burst: several traders swap ETH for A at once, none waiting for another.
  const burst = options.burst ?? traders.length;
  const sent = traders.slice(0, burst).map((trader, i) =>
    (router.connect(trader) as Contract).getFunction("swapExactETHForTokens")(0n, [w, a], trader.getAddress(), deadline(), { value: TOKEN / 100n + BigInt(i) }),
  );
  await Promise.all(sent.map((tx, i) => record(`burst swap ${i + 1} (ETH→A)`, tx)));

  // Remove the A/WETH liquidity with ETH back (WETH.withdraw, then a value call to the user).
  const pair = new Contract((await factory.getFunction("getPair")(a, w)) as string, uniswapArtifacts.pair.abi as never, user);
  const liquidity = (await pair.getFunction("balanceOf")(userAddress)) as bigint;
  await record("approve LP", pair.getFunction("approve")(r, MaxUint256));
  await record("removeLiquidityETH (A/WETH)", router.getFunction("removeLiquidityETH")(a, liquidity / 2n, 0n, 0n, userAddress, deadline()));

  // viem's createAccessList for the next swap.
  const client = createPublicClient({ transport: http(options.l2Url) });
  const data = encodeFunctionData({ abi: routerArtifact.abi as Abi, functionName: "swapExactTokensForTokens", args: [TOKEN, 0n, [a, b], userAddress, deadline()] });
  const access = await client.createAccessList({ account: userAddress as `0x${string}`, to: r as `0x${string}`, data });
  log(`createAccessList: ${access.accessList.length} addresses, gasUsed ${access.gasUsed}`);

  // geth's callTracer on the first A→B swap: router → pair(s) → tokens.
  const traced = steps.find((s) => s.step.startsWith("swapExactTokensForTokens (A→B)"))!;
  const tree = (await provider.send("debug_traceTransaction", [traced.hash, { tracer: "callTracer" }])) as { type: string; to: string; gasUsed: string; calls?: unknown[] };
  const countCalls = (node: { calls?: unknown[] }): number => (node.calls ?? []).reduce<number>((n, child) => n + 1 + countCalls(child as { calls?: unknown[] }), 0);
  log(`debug_traceTransaction callTracer: ${tree.type} to ${tree.to}, ${countCalls(tree)} nested calls`);

  // Every step verified on L1: the L2's `safe` block is the last one EXECUTE accepted.
  const last = Math.max(...steps.map((s) => s.l2Block));
  const until = Date.now() + (options.verifyTimeoutMs ?? 120_000);
  let safe = -1;
  while (safe < last) {
    const block = (await provider.send("eth_getBlockByNumber", ["safe", false])) as { number: string } | null;
    safe = block === null ? -1 : Number(block.number);
    if (safe >= last) break;
    if (Date.now() > until) throw new Error(`L1 verified L2 blocks up to ${safe} only; the last step is in block ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  provider.destroy();
  return {
    steps,
    accessList: access.accessList.map((item) => ({ address: item.address, storageKeys: [...item.storageKeys] })),
    accessListGasUsed: access.gasUsed,
    trace: { type: tree.type, to: tree.to, calls: countCalls(tree), gasUsed: BigInt(tree.gasUsed) },
    verifiedThrough: safe,
  };
}
