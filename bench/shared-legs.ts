/**
 * Where a shared advance's L1 gas goes, per rollup-block (issue 17 item 3, step 1), by difference
 * on the in-process Hardhat L1 under EXECUTE's market: k one-transfer legs (not first blocks), sent
 * once with EXECUTE per leg and once batched. For each: the transaction's gas, its intrinsic 21,000
 * and calldata (priced from the bytes), and EXECUTE's own calls measured alone through
 * ExecuteHarness (gas spent around its CALL: each leg's input for the per-leg form, the one batch).
 * The rest is the bundler's and the rollups' own work.
 *
 *   K=10 node_modules/.bin/node --import tsx bench/shared-legs.ts
 */
import { Wallet } from "ethers";
import { network } from "hardhat";
import { devAccounts } from "../src/engine/chain.js";
import { devGenesis } from "../src/engine/genesis.js";
import { encodeExecuteInput } from "../src/precompile/codec.js";
import { encodeExecuteBatch } from "../src/precompile/batch.js";
import { calldataGas } from "../src/proposer/advance-gas.js";
import { EXECUTE_BLOB_GAS } from "../src/precompile/gas.js";
import { createRollup, deployFactory, type DeployedRollup } from "../src/sdk/index.js";
import { deployBundler, type BundleLeg } from "../src/sdk/bundle.js";
import { appendBlock } from "../src/engine/index.js";
import { prepareSharedAdvance, type PreparedSharedAdvance, type SharedExecute } from "../src/sdk/shared-advance.js";
import { transfers } from "../test/node/helpers.js";

const k = Number(process.env.K ?? 10);
const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const proposer = new Wallet(devAccounts()[0]!.privateKey, ethers.provider);
const bundler = await deployBundler(signer!);
const factory = await deployFactory(signer!);
const harness = await ethers.deployContract("ExecuteHarness");
const harnessAddress = await harness.getAddress();
const rollups: DeployedRollup[] = [];
for (let i = 0; i < k; i++) rollups.push(await createRollup(factory, devGenesis({ chainId: 233_000n + BigInt(i) })));

const legsOf = async (): Promise<BundleLeg[]> => Promise.all(rollups.map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) })));
async function send(p: PreparedSharedAdvance, to: string, data: string, value: bigint): Promise<bigint> {
  // A type-3 transaction: the legs check BLOBHASH.
  const sidecar = p.sidecar!;
  const tx = await proposer.sendTransaction({ type: 3, to, data, value, gasLimit: 16_000_000n, maxFeePerBlobGas: 10n, blobs: sidecar.blobs.map((blob, i) => ({ data: blob, commitment: sidecar.commitments[i]!, proof: sidecar.proofs[i]! })) });
  return (await tx.wait())!.gasUsed;
}
function land(p: PreparedSharedAdvance): void {
  for (const leg of p.legs) appendBlock(rollups.find((r) => r.address.toLowerCase() === leg.address)!.chain, { header: leg.fitted.block.header, transactions: leg.fitted.block.transactions, receipts: leg.fitted.block.receipts });
}
const prepare = async (execute: SharedExecute) => prepareSharedAdvance({ bundler, provider: ethers.provider as never, legs: await legsOf(), execute });

// First blocks out of the way (in parts of 50: a first block's leg is ≈ 210k).
for (let i = 0; i < k; i += 50) {
  const some = rollups.slice(i, i + 50);
  const p = await prepareSharedAdvance({ bundler, provider: ethers.provider as never, legs: await Promise.all(some.map(async (r) => ({ rollup: r.rollup, chain: r.chain, transactions: await transfers(r.chain, 1) }))) });
  await send(p, p.bundler, p.data, p.value);
  land(p);
}

for (const execute of ["per-leg", "batched"] as const) {
  const p = await prepare(execute);
  // EXECUTE's calls alone, as the harness measures them around its CALL (eth_call: the hook finds
  // the blobs by versioned hash in the archive, not by BLOBHASH). The per-leg form charges the blob
  // once per transaction: measured alone, each call pays it, so (k − 1) × 50,000 come off.
  let executeGas = 0n;
  if (execute === "batched") {
    const batch = encodeExecuteBatch(p.legs.map((l) => encodeExecuteInput(l.input)), p.legs[0]!.input.blobVersionedHashes);
    const [, , spent] = await harness.getFunction("executeBatchThenVerdicts").staticCall("0x" + Buffer.from(batch).toString("hex"), [], { value: p.value });
    executeGas = spent as bigint;
  } else {
    for (const leg of p.legs) {
      const [, , spent] = await harness.getFunction("executeRaw").staticCall("0x" + Buffer.from(encodeExecuteInput(leg.input)).toString("hex"), 15_000_000n, { value: leg.input.gasUsed * 10n });
      executeGas += spent as bigint;
    }
    executeGas -= BigInt(k - 1) * EXECUTE_BLOB_GAS;
  }
  const total = await send(p, p.bundler, p.data, p.value);
  land(p);
  const calldata = calldataGas(Buffer.from(p.data.slice(2), "hex")).standard;
  const rest = total - 21_000n - calldata - executeGas;
  const per = (x: bigint) => (Number(x) / k).toFixed(0).padStart(8);
  console.log(`${execute.padEnd(8)} k=${k}: total ${per(total)} | intrinsic ${per(21_000n)} | calldata ${per(calldata)} | EXECUTE call(s) ${per(executeGas)} | bundler + rollup ${per(rest)}  (per rollup-block)`);
}
process.exit(0);
