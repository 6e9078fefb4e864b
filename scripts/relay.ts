/**
 * `npm run relay -- --l1 <url> --l2 <url>[,<url>…] [--key <hex>] [--poll-ms <n>]`: the relayer
 * (src/relay) in a process of its own. It claims every L2→L1 message (withdrawal) and forwards
 * every rollup→rollup message of each L2 given, once L1 has verified the block that sent it.
 * An L2 URL of a multi-rollup node's root (`npm run devnet -- --rollups N`) relays all of its
 * rollups (`rollup_list`). The key pays for the L1 transactions (default: the devnet relayer's;
 * on a Hardhat L1 it is topped up with hardhat_setBalance when it holds less than 1 ETH).
 */
import { JsonRpcProvider, Wallet } from "ethers";
import { DEV_RELAYER_KEY, startRelay, type RelayedRollup } from "../src/relay/index.js";
import { commandUsage, integerOption, parseCommandLineOrExit, type CommandOption } from "../src/shared/cli.js";

const OPTIONS: Record<string, CommandOption> = {
  help: { type: "boolean", short: "h", help: "print this help and exit" },
  l1: { type: "string", value: "<url>", help: "L1 JSON-RPC URL (the devnet's http://127.0.0.1:8545)" },
  l2: { type: "string", value: "<url>[,<url>…]", help: "the L2 JSON-RPC of each source rollup (a multi-rollup node's root: all of them)" },
  key: { type: "string", value: "<hex>", help: "the L1 key that sends claim / forward (default: the devnet relayer's)" },
  "poll-ms": { type: "string", value: "<n>", help: "how often to look for newly verified blocks (default 500)" },
};
const USAGE = commandUsage("usage: npm run relay -- --l1 <url> --l2 <url>[,<url>…] [options]", OPTIONS);

const values = parseCommandLineOrExit("relay", process.argv.slice(2), OPTIONS, USAGE);
if (typeof values.l1 !== "string" || typeof values.l2 !== "string") {
  console.error(`relay: --l1 and --l2 are required\n\n${USAGE}`);
  process.exit(2);
}
const pollMs = integerOption("relay", values, "poll-ms", 500, 50, 600_000);
const l1 = new JsonRpcProvider(values.l1, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
const signer = new Wallet(typeof values.key === "string" ? values.key : DEV_RELAYER_KEY, l1);
if ((await l1.getBalance(signer.address)) < 10n ** 18n) {
  await l1.send("hardhat_setBalance", [signer.address, "0x" + (1000n * 10n ** 18n).toString(16)]).catch(() => {
    console.error(`relay: ${signer.address} holds less than 1 ETH on L1 to pay for claims: fund it`);
  });
}

/** Each L2 URL's rollups: its `rollup_status`'s rollup, or every one `rollup_list` names. */
async function rollupsOf(url: string): Promise<RelayedRollup[]> {
  const l2 = new JsonRpcProvider(url, undefined, { staticNetwork: true });
  try {
    const list = (await l2.send("rollup_list", []).catch(() => undefined)) as { address: string; url: string; retired?: unknown }[] | undefined;
    if (list !== undefined) return list.filter((r) => r.retired === undefined).map((r) => ({ address: r.address, l2Url: r.url }));
    const status = (await l2.send("rollup_status", [])) as { rollup: string };
    return [{ address: status.rollup, l2Url: url }];
  } finally {
    l2.destroy();
  }
}
const urls = values.l2.split(",").map((u) => u.trim()).filter((u) => u.length > 0);
let rollups: RelayedRollup[] = (await Promise.all(urls.map(rollupsOf))).flat();
// A multi-rollup node may gain rollups: look again now and then.
setInterval(() => void Promise.all(urls.map(rollupsOf)).then((found) => (rollups = found.flat()), () => undefined), 10_000);
const relay = startRelay({ signer, rollups: () => rollups, pollMs, log: (line) => console.log(line) });
console.log(`relay: ${signer.address} claims and forwards the messages of ${rollups.length} rollup(s): ${rollups.map((r) => r.address).join(", ")}`);
process.on("SIGINT", () => void relay.stop().then(() => process.exit(0)));
