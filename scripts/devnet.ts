/**
 * `npm run devnet` — the whole devnet in one process: a Hardhat node with EXECUTE on :8545, a
 * rollup deployed from the default genesis, the L2 JSON-RPC on :8546, the blob archive's
 * beacon API on :5052 and a proposer that publishes L2 blocks in blobs.
 *
 *   npm run devnet                      run until Ctrl-C
 *   npm run devnet -- --smoke           send an L2 transfer, a deployment and a call, wait until
 *                                       L1 has verified them through EXECUTE, print `smoke: ok`
 *   npm run devnet -- --l1-port 9545 --l2-port 9546 --blob-port 6052
 *   npm run devnet -- --host 0.0.0.0    listen on every interface (default 127.0.0.1: this machine only)
 *   npm run devnet -- --data-dir d      keep the blob archive in d (default .devnet/blobs)
 *   npm run devnet -- --calldata        publish L2 blocks in calldata instead of blobs
 *   npm run devnet -- --genesis g.json  another L2 genesis: { chainId, gasLimit, alloc, … }
 *   npm run devnet -- --allow-unprotected-txs   accept pre-EIP-155 (replayable) L2 transactions
 *   npm run devnet -- --rollups 10      ten rollups (chain ids 167001…167010) made by a RollupFactory,
 *                                       served by one node at /rollup/<chainId> (the first at / too),
 *                                       advanced by one proposer
 */
import hre from "hardhat";
import { readFileSync } from "node:fs";
import { devnetBanner, startDevnet } from "../src/devnet/index.js";
import { parseGenesisJson } from "../src/engine/index.js";
import { runSmoke } from "../src/devnet/smoke.js";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  if (index === -1) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    console.error(`${name} needs a port number, got ${process.argv[index + 1]}`);
    process.exit(2);
  }
  return value;
}

function textOption(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  if (index === -1) return undefined;
  const value = process.argv[index + 1];
  if (value === undefined || value.startsWith("--")) {
    console.error(`${name} needs a value`);
    process.exit(2);
  }
  return value;
}

const smoke = process.argv.includes("--smoke");
const rollupsIndex = process.argv.indexOf("--rollups");
const rollups = rollupsIndex === -1 ? 1 : Number(process.argv[rollupsIndex + 1]);
if (!Number.isInteger(rollups) || rollups < 1 || rollups > 100_000) {
  console.error(`--rollups needs a number of rollups (1 to 100,000), got ${process.argv[rollupsIndex + 1]}`);
  process.exit(2);
}
if (rollups > 1 && process.argv.includes("--genesis")) {
  console.error("devnet: --genesis is for a devnet of one rollup (with --rollups each has the default genesis of its chain id)");
  process.exit(2);
}
const genesisIndex = process.argv.indexOf("--genesis");
let genesis;
if (genesisIndex !== -1) {
  const file = process.argv[genesisIndex + 1] ?? "";
  try {
    genesis = parseGenesisJson(readFileSync(file, "utf8"), file);
  } catch (error) {
    console.error(`devnet: ${(error as Error).message}`);
    process.exit(2);
  }
}
const devnet = await startDevnet(hre, {
  host: textOption("--host"),
  dataDir: textOption("--data-dir"),
  mempool: { allowUnprotected: process.argv.includes("--allow-unprotected-txs") },
  l1Port: option("--l1-port", 8545),
  l2Port: option("--l2-port", 8546),
  blobPort: option("--blob-port", 5052),
  dataAvailability: process.argv.includes("--calldata") ? "calldata" : "blobs",
  genesis,
  rollups,
}).catch((error: Error) => {
  console.error(`devnet: ${error.message}`);
  process.exit(1);
});
console.log(devnetBanner(devnet));

if (smoke) {
  const outcome = await runSmoke(devnet).catch((error: Error) => ({ ok: false as const, reason: error.message }));
  await devnet.stop();
  if (outcome.ok) {
    console.log(outcome.report);
    console.log("smoke: ok");
    process.exit(0);
  }
  console.error(`smoke: FAILED — ${outcome.reason}`);
  process.exit(1);
}

let stopping = false;
process.on("SIGINT", () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log("\nstopping the devnet…");
  void devnet.stop().then(() => process.exit(0));
});
console.log("Proposer running: submit L2 transactions to the L2 JSON-RPC. Ctrl-C stops.");
