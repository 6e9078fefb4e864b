/**
 * Issue 17, item 2 — L2 blocks bounded by the L2's gas limit, not by one L1 transaction: on the
 * default Hardhat L1 (Osaka rules, EIP-7825's 2^24 gas per transaction) under EXECUTE's market,
 *
 * 1. a block of 1,000 ERC20 transfers (≈ 34M L2 gas, which 1:1 pricing could not advance in one
 *    L1 transaction) built and published by the proposer's own path: its L1 gas and blob gas per
 *    transfer next to the same transfer made on L1 (the same TestToken, the same kind of
 *    transfer: a non-zero balance to another non-zero balance); target ≤ 1 %;
 * 2. the largest block verified in one L1 transaction: a 120M-gas genesis filled by seven
 *    16M-gas transactions (the L2 keeps EIP-7825's per-transaction cap), with a market whose
 *    cumulative limit (240M) is above the genesis limit.
 *
 * `BENCH_ONLY=l2blocks`.
 */
import { hexToBytes } from "@ethereumjs/util";
import { ContractFactory, Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { createL2Chain, createL2Common, decodeTransaction, devAccounts, devGenesis } from "../src/engine/index.js";
import { setExecutePricing } from "../src/hardhat/execute-pricing.js";
import { DEFAULT_EXECUTE_MARKET, updateFractionFor } from "../src/precompile/index.js";
import { buildFittingBlock, L1_TRANSACTION_GAS_CAP, publishBlock } from "../src/proposer/index.js";
import { deployRollup } from "../src/sdk/index.js";
import { signL2Transaction } from "../src/sdk/transactions.js";
import { loadArtifact } from "../src/shared/artifacts.js";
import { erc20Chain, erc20Transfers, holder } from "./workloads.js";

/** Where results go (`bench/report.ts`). */
interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number }): void;
}

/** EIP-4844: every blob costs 2^17 blob gas. */
const GAS_PER_BLOB = 131_072;
/** Burns gas until 10,000 is left: `EXP(3, 2^256−1)` (1,610 gas a step) in a loop, then STOP. */
const BURNER_CODE = "0x5b" + "7f" + "ff".repeat(32) + "6003" + "0a" + "50" + "612710" + "5a" + "11" + "6000" + "57" + "00";
const BURNER = "0x00000000000000000000000000000000000b0b0b";

type Ethers = Awaited<ReturnType<typeof network.create>>["ethers"];

/** Builds the next block from `raw` with the proposer's own fitting and publishes it; returns what L1 and the block used. */
async function proposeAll(ethers: Ethers, signer: Signer, genesisChain: Awaited<ReturnType<typeof deployRollup>>, raw: Uint8Array[]) {
  const { chain, rollup } = genesisChain;
  const common = createL2Common(chain.genesis.chainId);
  const options = { chain, rollup, provider: ethers.provider as never, coinbase: await signer.getAddress() };
  const started = performance.now();
  const fitted = await buildFittingBlock({ ...options, transactions: raw.map((t) => decodeTransaction(t, common)) });
  if (fitted.deferred.length > 0 || fitted.block.skipped.length > 0) {
    throw new Error(`bench l2blocks: ${fitted.block.transactions.length} of ${raw.length} in the block (${fitted.deferred.length} deferred, ${fitted.block.skipped[0]?.reason ?? "none skipped"})`);
  }
  const proposed = await publishBlock({ ...options, fitted });
  const l1Tx = await ethers.provider.getTransaction(proposed.l1Receipt.hash);
  return {
    transactions: proposed.block.transactions.length,
    l2Gas: proposed.block.header.gasUsed,
    l1Gas: proposed.l1Receipt.gasUsed,
    l1GasLimit: l1Tx!.gasLimit,
    blobGas: (proposed.sidecar?.blobs.length ?? 0) * GAS_PER_BLOB,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The L1 gas of one TestToken transfer on L1 between two non-zero balances (the L2 workload's kind). */
async function l1TransferGas(ethers: Ethers, signer: Signer): Promise<bigint> {
  const artifact = loadArtifact("test/TestToken.sol", "TestToken");
  const token = (await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy(10n ** 24n)) as unknown as {
    waitForDeployment(): Promise<unknown>;
    transfer(to: string, value: bigint): Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>;
  };
  await token.waitForDeployment();
  await (await token.transfer(holder(1), 1n)).wait();
  const receipt = await (await token.transfer(holder(1), 1n)).wait();
  return receipt!.gasUsed;
}

/** The section: see the file's comment. */
export async function benchL2Blocks(report: Report): Promise<void> {
  console.log("\nL2 blocks bounded by the L2's gas limit (issue 17 item 2): Osaka L1 (2^24 gas per L1 transaction), EXECUTE's market");
  {
    const { ethers } = await network.create();
    await setExecutePricing(ethers.provider, { pricing: "market" });
    const [signer] = await ethers.getSigners();
    const chain = await erc20Chain();
    const deployed = await deployRollup(signer!, chain.genesis);
    // Block 1 writes the head's slots fresh (docs/rollups.md): the measured block is a later one,
    // next to an empty block proposed just before it (the fixed part of an advance).
    await proposeAll(ethers, signer!, deployed, []);
    const empty = await proposeAll(ethers, signer!, deployed, []);
    const result = await proposeAll(ethers, signer!, deployed, await erc20Transfers(chain, 1000, 1000));
    const onL1 = await l1TransferGas(ethers, signer!);
    const perTransfer = Number(result.l1Gas) / result.transactions;
    console.log(`  1,000 ERC20 transfers: one block of ${result.l2Gas} L2 gas in one L1 transaction of ${result.l1Gas} gas (limit ${result.l1GasLimit} ≤ ${L1_TRANSACTION_GAS_CAP}), ${result.blobGas} blob gas; ${result.seconds.toFixed(1)} s`);
    console.log(`  an empty block's advance: ${empty.l1Gas} L1 gas, ${empty.blobGas} blob gas`);
    console.log(`  per transfer: ${perTransfer.toFixed(0)} L1 gas vs ${onL1} on L1 = ${((perTransfer / Number(onL1)) * 100).toFixed(2)} % (target ≤ 1 %)`);
    report.add({ name: "L1 gas per L2 ERC20 transfer, 1,000-transfer block, market (vs the transfer on L1)", unit: "gas/tx", value: perTransfer, baseline: Number(onL1) });
    report.add({ name: "  as a share of the transfer on L1 (target ≤ 1 %)", unit: "%", value: (perTransfer / Number(onL1)) * 100 });
    report.add({ name: "  of which the empty block's share (an empty block's advance / 1,000)", unit: "gas/tx", value: Number(empty.l1Gas) / result.transactions });
    report.add({ name: "blob gas per L2 ERC20 transfer, 1,000-transfer block", unit: "blobgas/tx", value: result.blobGas / result.transactions });
    report.add({ name: "L2 gas of the 1,000-transfer block (one L1 transaction)", unit: "gas", value: Number(result.l2Gas) });
  }
  {
    const { ethers } = await network.create();
    const limit = 240_000_000n;
    const target = 120_000_000n;
    await setExecutePricing(ethers.provider, { pricing: "market", market: { ...DEFAULT_EXECUTE_MARKET, limit, target, updateFraction: updateFractionFor(limit, target) } });
    const [signer] = await ethers.getSigners();
    const genesis = devGenesis({ gasLimit: 120_000_000n, alloc: { [BURNER]: { balance: 0n, code: BURNER_CODE } } });
    const deployed = await deployRollup(signer!, genesis);
    const signing = await createL2Chain(genesis);
    const raw: Uint8Array[] = [];
    for (let i = 0; i < 7; i++) {
      const wallet = devAccounts()[i]!;
      raw.push(hexToBytes((await signL2Transaction(signing, new Wallet(wallet.privateKey), { nonce: 0, to: BURNER, gasLimit: 16_000_000n })) as `0x${string}`));
    }
    const result = await proposeAll(ethers, signer!, deployed, raw);
    console.log(`  largest block: ${result.l2Gas} L2 gas (${result.transactions} transactions, 120M genesis limit, market limit 240M) in one L1 transaction of ${result.l1Gas} gas; built, published and verified in ${result.seconds.toFixed(1)} s`);
    report.add({ name: "largest L2 block verified in one L1 transaction (120M genesis)", unit: "gas", value: Number(result.l2Gas) });
    report.add({ name: "  its advance's L1 gas", unit: "gas", value: Number(result.l1Gas) });
    report.add({ name: "  built, published and verified", unit: "s", value: result.seconds });
  }
}
