/**
 * `npm run multi-node -- --l1 <url> (--factory <address> | --config <file.json>) [--data-dir <dir>] [--port <n>] [--host <h>] [--poll-ms <n>] [--blobs <url>] [--reset]`:
 * a node of many rollups (src/node/multi.ts) in a process of its own, serving them all on one
 * port (`/rollup/<chainId>`, `GET /rollups`). `--factory`: every rollup a RollupFactory created
 * (or creates later), with the default genesis of its chain id — what `npm run devnet -- --rollups N`
 * prints. The config, for rollups given one by one: `{ "factory"?: address, "rollups"?: [{ "address",
 * "deploymentBlock"?, "genesis"?: genesis JSON }] }` (`--factory` takes precedence over its factory).
 */
import { readFileSync } from "node:fs";
import { parseGenesisJson } from "../src/engine/genesis.js";
import { startMultiNode } from "../src/node/index.js";
import { serveMultiNode } from "../src/node/rpc.js";
import { commandUsage, integerOption, parseCommandLineOrExit, type CommandOption } from "../src/shared/cli.js";

const OPTIONS: Record<string, CommandOption> = {
  help: { type: "boolean", short: "h", help: "print this help and exit" },
  l1: { type: "string", value: "<url>", help: "L1 JSON-RPC URL (the devnet's http://127.0.0.1:8545)" },
  factory: { type: "string", value: "<address>", help: "follow every rollup this RollupFactory created or creates" },
  config: { type: "string", value: "<file.json>", help: '{ "factory"?, "rollups"?: [{ "address", "deploymentBlock"?, "genesis"? }] }' },
  blobs: { type: "string", value: "<url>", help: "beacon API serving blob sidecars (the devnet's http://127.0.0.1:5052)" },
  "data-dir": { type: "string", value: "<dir>", help: "where the node keeps its chains (default .devnet/multi-node)" },
  reset: { type: "boolean", help: "discard a data dir written for another L1 or set of rollups" },
  port: { type: "string", value: "<n>", help: "the L2 JSON-RPC's port, HTTP and WebSocket (default 8546)" },
  host: { type: "string", value: "<address>", help: "the interface it listens on (default 127.0.0.1)" },
  "poll-ms": { type: "string", value: "<n>", help: "how often to poll L1 (default 1000)" },
};
const USAGE = commandUsage("usage: npm run multi-node -- --l1 <url> (--factory <address> | --config <file.json>) [options]", OPTIONS);

const values = parseCommandLineOrExit("multi-node", process.argv.slice(2), OPTIONS, USAGE);
const arg = (name: string) => values[name] as string | undefined;
type Config = { factory?: string; rollups?: { address: string; deploymentBlock?: number; genesis?: unknown }[] };
const configFile = arg("config");
const config: Config = configFile === undefined ? {} : (JSON.parse(readFileSync(configFile, "utf8")) as Config);
config.factory = arg("factory") ?? config.factory;
if (arg("l1") === undefined || (config.factory === undefined && (config.rollups ?? []).length === 0)) {
  console.error(`multi-node: --l1 and one of --factory or --config are required\n\n${USAGE}`);
  process.exit(2);
}
let port: number, pollMs: number;
try {
  port = integerOption("multi-node", values, "port", 8546, 0, 65_535); // 0: the OS picks one (printed)
  pollMs = integerOption("multi-node", values, "poll-ms", 1000, 10, 3_600_000);
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
const signal = new Promise<number>((resolve) => {
  for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => resolve(0));
});
const multi = await startMultiNode({
  l1Url: arg("l1")!,
  factory: config.factory,
  rollups: (config.rollups ?? []).map((r) => ({ address: r.address, deploymentBlock: r.deploymentBlock, genesis: r.genesis === undefined ? undefined : parseGenesisJson(JSON.stringify(r.genesis), "config") })),
  dataDir: arg("data-dir") ?? ".devnet/multi-node",
  reset: values.reset === true,
  blobSource: arg("blobs"),
  pollIntervalMs: pollMs,
  log: (line) => console.log(line),
});
const rpc = await serveMultiNode(multi, { port, host: arg("host") });
console.log(`multi-node: L2 JSON-RPC on ${rpc.url} (GET ${rpc.url}/rollups lists the ${multi.list().length} rollups)`);
const code = await Promise.race([signal, multi.whenHalted().then(() => 1)]);
console.log("multi-node: stopping");
await rpc.close();
await multi.stop();
process.exitCode = code;
