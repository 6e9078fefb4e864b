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
 *   npm run devnet -- --block-time 2    an L1 block at least every 2 s (default 12; 0: only for transactions)
 *   npm run devnet -- --help            every option
 *   npm run devnet -- --rollups 10      ten rollups (chain ids 167001…167010) made by a RollupFactory,
 *                                       served by one node at /rollup/<chainId> (the first at / too),
 *                                       advanced by one proposer
 */
import hre from "hardhat";
import { DEVNET_USAGE, parseDevnetArgs, type DevnetCommand } from "../src/devnet/cli.js";
import { devnetBanner, startDevnet } from "../src/devnet/index.js";
import { runSmoke } from "../src/devnet/smoke.js";

let command: DevnetCommand;
try {
  command = parseDevnetArgs(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n\n${DEVNET_USAGE}`);
  process.exit(2);
}
if (command.help) {
  console.log(DEVNET_USAGE);
  process.exit(0);
}
const smoke = command.smoke;
const devnet = await startDevnet(hre, command.options).catch((error: Error) => {
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
