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

const argv = process.argv.slice(2);
const arg = (name: string) => {
  const i = argv.indexOf(name);
  return i < 0 ? undefined : argv[i + 1];
};
type Config = { factory?: string; rollups?: { address: string; deploymentBlock?: number; genesis?: unknown }[] };
const configFile = arg("--config");
const config: Config = configFile === undefined ? {} : (JSON.parse(readFileSync(configFile, "utf8")) as Config);
config.factory = arg("--factory") ?? config.factory;
if (arg("--l1") === undefined || (config.factory === undefined && (config.rollups ?? []).length === 0)) {
  console.error("usage: npm run multi-node -- --l1 <url> (--factory <address> | --config <file.json>) [--data-dir <dir>] [--port <n>] [--host <h>] [--blobs <url>] [--poll-ms <n>] [--reset]");
  process.exit(2);
}
const signal = new Promise<number>((resolve) => {
  for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => resolve(0));
});
const multi = await startMultiNode({
  l1Url: arg("--l1")!,
  factory: config.factory,
  rollups: (config.rollups ?? []).map((r) => ({ address: r.address, deploymentBlock: r.deploymentBlock, genesis: r.genesis === undefined ? undefined : parseGenesisJson(JSON.stringify(r.genesis), "config") })),
  dataDir: arg("--data-dir") ?? ".devnet/multi-node",
  reset: argv.includes("--reset"),
  blobSource: arg("--blobs"),
  pollIntervalMs: Number(arg("--poll-ms") ?? 1000),
  log: (line) => console.log(line),
});
const rpc = await serveMultiNode(multi, { port: Number(arg("--port") ?? 8546), host: arg("--host") });
console.log(`multi-node: L2 JSON-RPC on ${rpc.url} (GET ${rpc.url}/rollups lists the ${multi.list().length} rollups)`);
const code = await Promise.race([signal, multi.whenHalted().then(() => 1)]);
console.log("multi-node: stopping");
await rpc.close();
await multi.stop();
process.exitCode = code;
