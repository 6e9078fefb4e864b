/**
 * The command line of `npm run devnet`: every option, its help, and its parsing into
 * {@link DevnetOptions}. Unknown options are an error that lists the valid ones.
 */
import { readFileSync } from "node:fs";
import { parseEther } from "ethers";
import { defaultGenesis, parseGenesisJson } from "../engine/genesis.js";
import { CommandLineError, commandUsage, integerOption, parseCommandLine, type CommandOption } from "../shared/cli.js";
import type { DevnetOptions } from "./types.js";
import { createLogger, parseLogLevel } from "./log.js";

const PORT = { min: 1, max: 65_535 };

/** Every option of `npm run devnet`. */
export const DEVNET_OPTIONS: Record<string, CommandOption> = {
  help: { type: "boolean", short: "h", help: "print this help and exit" },
  smoke: { type: "boolean", help: "deposit, withdraw and claim, send a transfer, a deployment and a call,\nwait until L1 verified them, print `smoke: ok` and exit" },
  rollups: { type: "string", value: "<n>", help: "run n rollups (chain ids 167001…) made by a RollupFactory, served by one\nnode at /rollup/<chainId> (the first at / too), advanced by one proposer (default 1)" },
  "block-time": { type: "string", value: "<seconds>", help: "the L1's slot time: an L1 block at least this often, so `finalized` moves\non an idle devnet (default 12, Ethereum's; 0: blocks only for transactions)" },
  "finality-depth": { type: "string", value: "<blocks>", help: "L1 depth at which the node calls an L2 block finalized (default 64)" },
  "fund-l2": { type: "string", value: "<eth>", help: "what each dev account deposits to L2 at start (default 10000; 0: none)" },
  host: { type: "string", value: "<address>", help: "the interface L1, L2 and the blob archive listen on (default 127.0.0.1;\n0.0.0.0: every interface)" },
  "l1-port": { type: "string", value: "<port>", help: "the L1 JSON-RPC (Hardhat node with EXECUTE) (default 8545)" },
  "l2-port": { type: "string", value: "<port>", help: "the L2 JSON-RPC, HTTP and WebSocket (default 8546)" },
  "blob-port": { type: "string", value: "<port>", help: "the blob archive's beacon API (default 5052)" },
  "sync-port": { type: "string", value: "<port>", help: "serve the L1 JSON-RPC with the sync builder in front on this port too: a wallet's\nL1 transaction that calls an L2Proxy gets its L2 call (docs/sync.md; 0: a free port)" },
  "explorer-port": { type: "string", value: "<port>", help: "the explorer, a live web page of L1 and the rollups (default 8547; 0: a free port)" },
  "data-dir": { type: "string", value: "<dir>", help: "where the blob archive and the node's store live (default .devnet/blobs)" },
  calldata: { type: "boolean", help: "publish L2 blocks in calldata instead of blobs" },
  preconf: { type: "boolean", help: "based preconfirmations: a bonded operator signs an L2 block at most every\n--preconf-interval-ms and the node serves it at latest (receipts in ≈ 100 ms);\nsafe stays verified on L1 (one rollup only)" },
  "preconf-interval-ms": { type: "string", value: "<ms>", help: "with --preconf: the least time between preconfirmed blocks (default 250)" },
  "preconf-advance-ms": { type: "string", value: "<ms>", help: "with --preconf: between advance rounds; the blocks preconfirmed meanwhile share\none L1 transaction (default 250)" },
  genesis: { type: "string", value: "<file.json>", help: "another L2 genesis: { chainId, gasLimit, alloc, … } (one rollup only)" },
  "no-relay": { type: "boolean", help: "do not claim L2→L1 messages nor forward rollup→rollup ones by themselves" },
  reset: { type: "boolean", help: "start afresh: forget the L1, rollups and L2 kept in --data-dir" },
  "allow-unprotected-txs": { type: "boolean", help: "accept pre-EIP-155 (replayable) L2 transactions" },
  "log-level": { type: "string", value: "<level>", help: "quiet (the banner only), info (a line per L2 block; default) or debug\n(a line per L2 transaction too)" },
  "no-preinstalls": { type: "boolean", help: "leave Multicall3, the CREATE2 deployers and EntryPoint out of the default genesis" },
};

/** The usage text of `npm run devnet -- --help`. */
export const DEVNET_USAGE = commandUsage(
  "usage: npm run devnet [-- options]\n\nA Hardhat L1 with EXECUTE, a rollup, its node (L2 JSON-RPC), the blob archive and a proposer.",
  DEVNET_OPTIONS,
);

/** What the devnet's command line asks for. */
export interface DevnetCommand {
  help: boolean;
  smoke: boolean;
  options: DevnetOptions;
}

/** Parses `npm run devnet`'s arguments. Throws `CommandLineError` on an unknown option or a bad value. */
export function parseDevnetArgs(argv: string[]): DevnetCommand {
  const command = "devnet";
  const values = parseCommandLine(command, argv, DEVNET_OPTIONS);
  if (values.help === true) return { help: true, smoke: false, options: {} };
  const rollups = integerOption(command, values, "rollups", 1, 1, 100_000);
  let genesis = values["no-preinstalls"] === true ? defaultGenesis({ preinstalls: false }) : undefined;
  if (typeof values.genesis === "string") {
    if (rollups > 1) throw new CommandLineError(`${command}: --genesis is for a devnet of one rollup (with --rollups each has the default genesis of its chain id)`);
    try {
      genesis = parseGenesisJson(readFileSync(values.genesis, "utf8"), values.genesis);
    } catch (error) {
      throw new CommandLineError(`${command}: --genesis ${values.genesis}: ${(error as Error).message.split("\n")[0]}`);
    }
  }
  let fundL2;
  if (typeof values["fund-l2"] === "string") {
    try {
      fundL2 = parseEther(values["fund-l2"]);
    } catch {
      throw new CommandLineError(`${command}: --fund-l2 needs an amount of ETH (e.g. 10000, 0.5 or 0)`, { got: values["fund-l2"] });
    }
    if (fundL2 < 0n) throw new CommandLineError(`${command}: --fund-l2 cannot be negative`, { got: values["fund-l2"] });
  }
  let logger;
  try {
    logger = typeof values["log-level"] === "string" ? createLogger(parseLogLevel(values["log-level"])) : undefined;
  } catch (error) {
    throw new CommandLineError(`${command}: --log-level: ${(error as Error).message}`);
  }
  return {
    help: false,
    smoke: values.smoke === true,
    options: {
      rollups,
      genesis,
      host: values.host as string | undefined,
      dataDir: values["data-dir"] as string | undefined,
      l1Port: integerOption(command, values, "l1-port", 8545, PORT.min, PORT.max),
      l2Port: integerOption(command, values, "l2-port", 8546, PORT.min, PORT.max),
      blobPort: integerOption(command, values, "blob-port", 5052, PORT.min, PORT.max),
      explorerPort: integerOption(command, values, "explorer-port", 8547, 0, PORT.max),
      syncPort: typeof values["sync-port"] === "string" ? integerOption(command, values, "sync-port", 0, 0, PORT.max) : undefined,
      blockTimeSeconds: integerOption(command, values, "block-time", 12, 0, 3_600),
      finalityDepth: typeof values["finality-depth"] === "string" ? integerOption(command, values, "finality-depth", 64, 1, 1_000_000) : undefined,
      fundL2,
      dataAvailability: values.calldata === true ? "calldata" : "blobs",
      preconf: values.preconf === true,
      ...(typeof values["preconf-interval-ms"] === "string" ? { preconfIntervalMs: integerOption(command, values, "preconf-interval-ms", 250, 10, 60_000) } : {}),
      ...(typeof values["preconf-advance-ms"] === "string" ? { preconfAdvanceMs: integerOption(command, values, "preconf-advance-ms", 250, 10, 600_000) } : {}),
      mempool: { allowUnprotected: values["allow-unprotected-txs"] === true },
      relay: values["no-relay"] !== true,
      reset: values.reset === true,
      log: logger?.log,
      onProposed: logger?.onProposed,
    },
  };
}
