/**
 * `npm run preconf:slasher -- --l1 <url> --l2 <url> [--key <hex>] [--poll-ms <n>]`: watches the
 * commitments a preconfirming node gives out (`preconf_getCommitments`) and slashes on L1, with
 * the registry's own proofs, any operator that equivocates or signs a block L1 did not verify
 * (src/preconf/slasher.ts). The registry is the one `preconf_getStatus` names; the key pays for
 * the slash and receives the reward (default: Hardhat's account #6).
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../src/engine/chain.js";
import { createSlasher, preconfRegistryAt } from "../src/preconf/index.js";
import { commandUsage, integerOption, parseCommandLineOrExit, type CommandOption } from "../src/shared/cli.js";

const OPTIONS: Record<string, CommandOption> = {
  help: { type: "boolean", short: "h", help: "print this help and exit" },
  l1: { type: "string", value: "<url>", help: "L1 JSON-RPC URL (the devnet's http://127.0.0.1:8545)" },
  l2: { type: "string", value: "<url>", help: "the preconfirming node's L2 JSON-RPC (the devnet's http://127.0.0.1:8546)" },
  key: { type: "string", value: "<hex>", help: "the prover's L1 key (default: Hardhat's account #6)" },
  "poll-ms": { type: "string", value: "<n>", help: "how often to read the commitments (default 500)" },
};
const USAGE = commandUsage("usage: npm run preconf:slasher -- --l1 <url> --l2 <url> [options]", OPTIONS);
const values = parseCommandLineOrExit("preconf:slasher", process.argv.slice(2), OPTIONS, USAGE);
if (typeof values.l1 !== "string" || typeof values.l2 !== "string") {
  console.error(`preconf:slasher: --l1 and --l2 are required\n\n${USAGE}`);
  process.exit(2);
}
const pollMs = integerOption("preconf:slasher", values, "poll-ms", 500, 50, 600_000);
const l1 = new JsonRpcProvider(values.l1, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
const prover = new Wallet(typeof values.key === "string" ? values.key : devAccounts()[6]!.privateKey, l1);
const status = (await new JsonRpcProvider(values.l2, undefined, { staticNetwork: true }).send("preconf_getStatus", [])) as { domain: { verifyingContract: string; chainId: string } };
const slasher = createSlasher({ l2Url: values.l2, registry: preconfRegistryAt(status.domain.verifyingContract, prover), l1ChainId: BigInt(status.domain.chainId), log: (line) => console.log(line) });
console.log(`preconf:slasher: watching ${values.l2} for registry ${status.domain.verifyingContract}; prover ${prover.address}`);
let stopping = false;
process.on("SIGINT", () => (stopping = true));
process.on("SIGTERM", () => (stopping = true));
while (!stopping) {
  await slasher.poll().catch((error: Error) => console.error(`preconf:slasher: ${error.message.split("\n")[0]} (retrying)`));
  await new Promise((resolve) => setTimeout(resolve, pollMs));
}
l1.destroy();
