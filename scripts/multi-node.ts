/**
 * `tsx scripts/multi-node.ts --l1 <url> --config <file.json> --data-dir <dir> [--port <n>] [--poll-ms <n>] [--blobs <url>]`:
 * a node of many rollups (src/node/multi.ts) in a process of its own, serving them all on one
 * port. The config: `{ "factory"?: address, "rollups"?: [{ "address", "deploymentBlock"?, "genesis"?: genesis JSON }] }`.
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
const config = JSON.parse(readFileSync(arg("--config")!, "utf8")) as { factory?: string; rollups?: { address: string; deploymentBlock?: number; genesis?: unknown }[] };
const signal = new Promise<number>((resolve) => {
  for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => resolve(0));
});
const multi = await startMultiNode({
  l1Url: arg("--l1")!,
  factory: config.factory,
  rollups: (config.rollups ?? []).map((r) => ({ address: r.address, deploymentBlock: r.deploymentBlock, genesis: r.genesis === undefined ? undefined : parseGenesisJson(JSON.stringify(r.genesis), "config") })),
  dataDir: arg("--data-dir") ?? ".devnet/multi-node",
  blobSource: arg("--blobs"),
  pollIntervalMs: Number(arg("--poll-ms") ?? 1000),
  log: (line) => console.log(line),
});
const rpc = await serveMultiNode(multi, { port: Number(arg("--port") ?? 8546) });
console.log(`multi-node: L2 JSON-RPC on ${rpc.url} (GET ${rpc.url}/rollups lists the ${multi.list().length} rollups)`);
const code = await Promise.race([signal, multi.whenHalted().then(() => 1)]);
console.log("multi-node: stopping");
await rpc.close();
await multi.stop();
process.exitCode = code;
