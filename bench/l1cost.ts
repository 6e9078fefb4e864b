/**
 * What L1 pays to advance a block — execution gas and blob gas — for each data layout, side by
 * side in one run (issue 10): everything in calldata; transactions in blobs and the witness in
 * calldata; both in blobs (the default). Workloads: an empty block, one Uniswap V2 swap (the
 * real, npm-published Uniswap V2 contracts: a 22 KB router, the pair, two tokens), and blocks of
 * 10, 100 and 1,000 ERC20 transfers. The L1 runs Prague rules, which have no per-transaction gas
 * cap, so a 1,000-transfer block (≈ 34M L2 gas) can be advanced at all. Under EXECUTE's gas
 * market (the default; issue 17) each block is advanced under the 1:1 pricing too, side by side;
 * `ULTRASOUND_EXECUTE_PRICING=l1-gas` runs the whole section under the 1:1 pricing.
 */
import { createRequire } from "node:module";
import { hexToBytes } from "@ethereumjs/util";
import { AbiCoder, Interface, MaxUint256, Wallet, getCreateAddress } from "ethers";
import { network } from "hardhat";
import {
  appendBlock,
  buildBlock,
  createL2Chain,
  createL2Common,
  decodeTransaction,
  devGenesis,
  encodeWitness,
  devAccounts,
  type GenesisConfig,
  type L2Chain,
} from "../src/engine/index.js";
import { proposeBlock, type ProposedBlock } from "../src/proposer/index.js";
import { compressBatch } from "../src/blobs/compression.js";
import { deployRollup } from "../src/sdk/index.js";
import { signL2Transaction } from "../src/sdk/transactions.js";
import { erc20Chain, erc20Transfers } from "./workloads.js";
import { setExecutePricing } from "../src/hardhat/execute-pricing.js";
import { EXECUTE_ADDRESS } from "../src/precompile/codec.js";
import { pricingOf, readExecuteMarket } from "../src/sdk/execute-market.js";

/** Where results go (`bench/report.ts`). */
interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number }): void;
}

/** EIP-4844: every blob costs 2^17 blob gas. */
const GAS_PER_BLOB = 131_072;
const wallet = new Wallet(devAccounts()[0]!.privateKey);
const abi = AbiCoder.defaultAbiCoder();

/** A workload: its genesis, the blocks that set the state up, and the block whose cost is measured. */
interface CostWorkload {
  label: string;
  genesis: GenesisConfig;
  setup: Uint8Array[][];
  block: Uint8Array[];
  /** L2 transactions in the measured block (for the per-transaction figure). */
  count: number;
}

/** Applies `txs` to an engine-only copy of the chain (to sign the next block's transactions against it). */
async function extend(chain: L2Chain, txs: Uint8Array[]): Promise<void> {
  const built = await buildBlock(chain, { transactions: txs, timestamp: BigInt(chain.headers.length), coinbase: new Uint8Array(20), prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) });
  if (built.skipped.length > 0) throw new Error(`bench setup: ${built.skipped[0]!.reason}`);
  appendBlock(chain, { header: built.header, transactions: built.transactions, receipts: built.receipts });
}

/**
 * Uniswap V2 from npm: two tokens, the factory, WETH, Router02; liquidity added (which creates the
 * pair); the measured block is one `swapExactTokensForTokens` through the router.
 */
async function uniswapWorkload(): Promise<CostWorkload> {
  const require = createRequire(import.meta.url);
  const load = (path: string) => require(path) as { abi: unknown[]; bytecode: string };
  const [erc20, factory, weth, router] = [
    load("@uniswap/v2-core/build/ERC20.json"),
    load("@uniswap/v2-core/build/UniswapV2Factory.json"),
    load("@uniswap/v2-periphery/build/WETH9.json"),
    load("@uniswap/v2-periphery/build/UniswapV2Router02.json"),
  ];
  const genesis = devGenesis();
  const chain = await createL2Chain(genesis);
  let nonce = 0;
  const sign = async (to: string | null, data: string, gasLimit = 6_000_000n) =>
    hexToBytes((await signL2Transaction(chain, wallet, { to, data, nonce: nonce++, gasLimit })) as `0x${string}`);
  const deploy = (artifact: { bytecode: string }, types: string[] = [], args: unknown[] = []) =>
    sign(null, "0x" + artifact.bytecode.replace(/^0x/, "") + abi.encode(types, args).slice(2));
  const address = (n: number) => getCreateAddress({ from: wallet.address, nonce: n });

  const supply = 10n ** 27n;
  const deployments = [
    await deploy(erc20, ["uint256"], [supply]),
    await deploy(erc20, ["uint256"], [supply]),
    await deploy(factory, ["address"], [wallet.address]),
    await deploy(weth),
  ];
  const [tokenA, tokenB, factoryAddress, wethAddress] = [0, 1, 2, 3].map(address) as [string, string, string, string];
  await extend(chain, deployments);
  const routerTx = await deploy(router, ["address", "address"], [factoryAddress, wethAddress]);
  const routerAddress = address(4);
  await extend(chain, [routerTx]);
  const token = new Interface(erc20.abi as never);
  const routerInterface = new Interface(router.abi as never);
  const deadline = 2n ** 40n;
  const liquidity = [
    await sign(tokenA, token.encodeFunctionData("approve", [routerAddress, MaxUint256])),
    await sign(tokenB, token.encodeFunctionData("approve", [routerAddress, MaxUint256])),
    await sign(routerAddress, routerInterface.encodeFunctionData("addLiquidity", [tokenA, tokenB, 10n ** 24n, 10n ** 24n, 0n, 0n, wallet.address, deadline])),
  ];
  await extend(chain, liquidity);
  const swap = await sign(routerAddress, routerInterface.encodeFunctionData("swapExactTokensForTokens", [10n ** 18n, 0n, [tokenA, tokenB], wallet.address, deadline]), 300_000n);
  return { label: "1 Uniswap V2 swap", genesis, setup: [deployments, [routerTx], liquidity], block: [swap], count: 1 };
}

/** Proposes `workload` on a fresh rollup with `layout`; returns the measured block's proposal. */
async function propose(ethers: Awaited<ReturnType<typeof network.create>>["ethers"], workload: CostWorkload, layout: Layout): Promise<ProposedBlock> {
  const [signer] = await ethers.getSigners();
  const { rollup, chain } = await deployRollup(signer!, workload.genesis);
  const common = createL2Common(chain.genesis.chainId);
  const options = { chain, rollup, provider: ethers.provider as never, coinbase: await signer!.getAddress(), l1GasCap: 2_000_000_000n };
  for (const txs of workload.setup) {
    await proposeBlock({ ...options, transactions: txs.map((t) => decodeTransaction(t, common)), dataAvailability: "calldata" });
  }
  const proposed = await proposeBlock({ ...options, transactions: workload.block.map((t) => decodeTransaction(t, common)), ...layout.options });
  if (proposed.block.transactions.length !== workload.count) throw new Error(`bench: ${workload.label}: ${proposed.block.skipped[0]?.reason}`);
  return proposed;
}

interface Layout {
  label: string;
  options: { dataAvailability: "blobs" | "calldata"; witness?: "blobs" | "calldata" };
}
const LAYOUTS: Layout[] = [
  { label: "all in calldata", options: { dataAvailability: "calldata" } },
  { label: "witness in calldata, transactions in blobs", options: { dataAvailability: "blobs", witness: "calldata" } },
  { label: "witness and transactions in blobs", options: { dataAvailability: "blobs", witness: "blobs" } },
];

/** The L1 cost table of issue 10. */
export async function benchL1Cost(report: Report, quick: boolean): Promise<void> {
  console.log("\nL1 cost of advance(): calldata witness vs blob witness (L1 on Prague rules: no per-transaction gas cap)");
  const { ethers } = await network.create({ override: { hardfork: "prague", blockGasLimit: 2_000_000_000n } });
  const pricing = pricingOf(await readExecuteMarket(ethers.provider));
  console.log(`  (EXECUTE pricing: ${pricing}${pricing === "market" ? "; each block is also advanced under the 1:1 pricing for comparison" : ""})`);
  const empty: CostWorkload = { label: "empty block", genesis: devGenesis(), setup: [], block: [], count: 0 };
  const workloads: CostWorkload[] = [empty, await uniswapWorkload()];
  for (const count of quick ? [10, 100] : [10, 100, 1000]) {
    const chain = await erc20Chain();
    workloads.push({ label: `${count} ERC20 transfers`, genesis: chain.genesis, setup: [], block: await erc20Transfers(chain, count, count), count });
  }
  for (const workload of workloads) {
    const costs = new Map<string, { l1: number; blobGas: number; l2: number; witness: number; codes: number; encoded: Uint8Array }>();
    for (const layout of LAYOUTS) {
      const proposed = await propose(ethers, workload, layout);
      costs.set(layout.label, {
        l1: Number(proposed.l1Receipt.gasUsed),
        blobGas: (proposed.sidecar?.blobs.length ?? 0) * GAS_PER_BLOB,
        l2: Number(proposed.block.header.gasUsed),
        witness: proposed.block.witness.nodes.reduce((n, x) => n + x.length, 0) + proposed.block.witness.codes.reduce((n, x) => n + x.length, 0),
        codes: proposed.block.witness.codes.reduce((n, x) => n + x.length, 0),
        encoded: encodeWitness(proposed.block.witness),
      });
    }
    const calldataWitness = costs.get(LAYOUTS[1]!.label)!;
    for (const layout of LAYOUTS) {
      const cost = costs.get(layout.label)!;
      const baseline = layout === LAYOUTS[2] ? calldataWitness.l1 : undefined;
      report.add({ name: `L1 gas: ${workload.label}, ${layout.label}`, unit: "gas", value: cost.l1, baseline });
      if (cost.blobGas > 0) report.add({ name: `blob gas: ${workload.label}, ${layout.label}`, unit: "blobgas", value: cost.blobGas });
    }
    const blobWitness = costs.get(LAYOUTS[2]!.label)!;
    // Under 1:1 pricing an advance's L1 gas includes its L2 gas; under the market it does not.
    const l2InL1 = pricing === "l1-gas" ? 1 : 0;
    if (workload.count > 0) {
      report.add({
        name: `L1 gas per L2 tx beyond its L2 gas: ${workload.label}, blob witness (vs calldata witness)`,
        unit: "gas/tx",
        value: (blobWitness.l1 - l2InL1 * blobWitness.l2) / workload.count,
        baseline: (calldataWitness.l1 - l2InL1 * calldataWitness.l2) / workload.count,
      });
    }
    if (pricing === "market") {
      // The same block under the 1:1 pricing, for comparison (issue 17): the L2 gas back in L1 gas.
      // The market's state is kept across the switch, so no market advance pays its first write twice.
      const state = await ethers.provider.send("eth_getStorageAt", [EXECUTE_ADDRESS, "0x0", "latest"]);
      await setExecutePricing(ethers.provider, { pricing: "l1-gas" });
      const flat = await propose(ethers, workload, LAYOUTS[2]!);
      await setExecutePricing(ethers.provider, { pricing: "market" });
      await ethers.provider.send("hardhat_setStorageAt", [EXECUTE_ADDRESS, "0x0", state]);
      report.add({ name: `L1 gas, market (vs 1:1 pricing): ${workload.label}, ${LAYOUTS[2]!.label}`, unit: "gas", value: blobWitness.l1, baseline: Number(flat.l1Receipt.gasUsed) });
      report.add({ name: `EXECUTE fee at the floor (1 wei per L2 gas): ${workload.label}`, unit: "wei", value: blobWitness.l2 });
    }
    report.add({ name: `L2 gas: ${workload.label}`, unit: "gas", value: blobWitness.l2 });
    report.add({ name: `witness nodes + codes: ${workload.label}`, unit: "bytes", value: blobWitness.witness });
    report.add({ name: `  of which code: ${workload.label}`, unit: "bytes", value: blobWitness.codes });
    // Compression of the real witness (brotli, as the blobs carry it): code compresses, hashes do not.
    report.add({ name: `witness compression ratio: ${workload.label}`, unit: "x", value: blobWitness.encoded.length / compressBatch(blobWitness.encoded).length });
  }
}
