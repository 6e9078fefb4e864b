/**
 * `npm run game-chain` — a game chain with session chains in one command (issue 21,
 * docs/nested.md): the devnet (its L2 is the game chain, settled on L1 as usual) and N L3s on
 * that L2, made by a RollupFactory there, served by one L3 node and advanced by one L3 proposer
 * that sends `advance` transactions to the L2.
 *
 *   npm run game-chain                          the devnet + 4 L3s (L3 JSON-RPC on :8548)
 *   npm run game-chain -- --l3 8 --l3-port 9548
 *   npm run game-chain -- --l2 http://127.0.0.1:8546   L3s on an L2 already running (no devnet started)
 *   npm run game-chain -- --l1-port 9545 …      any other option is the devnet's (npm run devnet -- --help)
 */
import hre from "hardhat";
import path from "node:path";
import { DEVNET_USAGE, parseDevnetArgs } from "../src/devnet/cli.js";
import { devnetBanner, startDevnet, type Devnet } from "../src/devnet/index.js";
import { startNestedChains } from "../src/nested/index.js";
import { commandUsage, integerOption, parseCommandLine, type CommandOption } from "../src/shared/cli.js";

const OWN: Record<string, CommandOption> = {
  l3: { type: "string", value: "<n>", help: "how many L3s (session chains) on the L2 (default 4)" },
  "l3-port": { type: "string", value: "<port>", help: "the L3 JSON-RPC's port (default 8548; 0: a free one)" },
  l2: { type: "string", value: "<url>", help: "put the L3s on this running L2 instead of starting a devnet" },
};
const USAGE = `${commandUsage("npm run game-chain -- [--l3 <n>] [--l3-port <port>] [--l2 <url>] [devnet options]", OWN)}\n\nDevnet options:\n${DEVNET_USAGE}`;

// Our options out, the rest to the devnet's own (strict) parser.
const argv = process.argv.slice(2);
const ours: string[] = [];
const rest: string[] = [];
for (let i = 0; i < argv.length; i++) {
  const name = argv[i]!.replace(/^--/, "").split("=")[0]!;
  if (argv[i]!.startsWith("--") && name in OWN) {
    ours.push(argv[i]!);
    if (!argv[i]!.includes("=")) ours.push(argv[++i] ?? "");
  } else rest.push(argv[i]!);
}
let count: number;
let l3Port: number;
let l2Url: string | undefined;
let devnetCommand: ReturnType<typeof parseDevnetArgs>;
try {
  const values = parseCommandLine("game-chain", ours, OWN);
  count = integerOption("game-chain", values, "l3", 4, 1, 1_000);
  l3Port = integerOption("game-chain", values, "l3-port", 8548, 0, 65_535);
  l2Url = values.l2 as string | undefined;
  devnetCommand = parseDevnetArgs(rest);
} catch (error) {
  console.error(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (devnetCommand.help) {
  console.log(USAGE);
  process.exit(0);
}

let devnet: Devnet | undefined;
if (l2Url === undefined) {
  devnet = await startDevnet(hre, devnetCommand.options).catch((error: Error) => {
    console.error(`devnet: ${error.message}`);
    process.exit(1);
  });
  console.log(devnetBanner(devnet));
  l2Url = devnet.l2Url;
}
const dataDir = path.join(devnetCommand.options.dataDir ?? ".devnet/blobs", "..", "l3");
const l3s = await startNestedChains({ l2Url, count, dataDir, host: devnetCommand.options.host, port: l3Port, log: (line) => console.log(line) }).catch(async (error: Error) => {
  console.error(`game-chain: ${error.message}`);
  await devnet?.stop();
  process.exit(1);
});
console.log(
  [
    "",
    `Session chains (L3s) on the game chain ${l2Url} — verified by the L2's EXECUTE, data in calldata:`,
    `  RollupFactory on the L2:  ${l3s.factoryAddress}`,
    `  L3 JSON-RPC:              ${l3s.url} (/rollup/<chainId>, GET /rollups)`,
    ...l3s.chains.map((c) => `  L3 ${c.chainId}: rollup ${c.address} on the L2, ${c.url}`),
    `  a follower:               npm run node -- --l1 ${l2Url} --rollup <address> --nesting-depth 1 --port <n>`,
  ].join("\n"),
);

let stopping = false;
process.on("SIGINT", () => {
  if (stopping) process.exit(130);
  stopping = true;
  console.log("\nstopping the session chains and the devnet…");
  void l3s.stop().then(() => devnet?.stop()).then(() => process.exit(0));
});
console.log("L3 proposer running: send L3 transactions to the L3 JSON-RPC. Ctrl-C stops.");
