/**
 * `npm run node -- --l1 <url> --rollup <address> [--blobs <beacon url>] [--data-dir <dir>] [--port <n>] [--reset]`:
 * a rollup node in a process of its own, printing what it follows, where it serves the L2
 * JSON-RPC, and each block it derives.
 */
import { readFileSync } from "node:fs";
import { parseGenesisJson, type GenesisConfig } from "../engine/genesis.js";
import { NodeConfigError } from "./errors.js";
import type { Mempool } from "../proposer/mempool.js";
import { startNode, type NodeOptions } from "./index.js";
import { serveNode, type NodeRpc } from "./rpc.js";

/** The command line's options, parsed. */
export interface NodeCliOptions extends Omit<NodeOptions, "log"> {
  help?: boolean;
  /** The L2 JSON-RPC's port (HTTP and WebSocket); default 8546. */
  port?: number;
  /** The interface the JSON-RPC listens on; default 127.0.0.1. */
  host?: string;
  /** Serve no JSON-RPC (derive only). */
  noRpc?: boolean;
}

/** The usage text. */
export const NODE_USAGE = `usage: npm run node -- --l1 <url> --rollup <address> [options]

  --l1 <url>                L1 JSON-RPC URL (e.g. the devnet's http://127.0.0.1:8545)
  --rollup <address>        the NativeRollup to follow
  --blobs <url>             beacon API serving blob sidecars (the devnet's http://127.0.0.1:5052);
                            without it, blocks published in blobs cannot be derived
  --data-dir <dir>          where the node keeps its chain (default .devnet/node)
  --reset                   discard the data dir (written for another L1, rollup or genesis,
                            or corrupt) and re-derive the chain from L1
  --genesis <file>          the L2 genesis JSON, if not the default one
  --deployment-block <n>    the L1 block the rollup was deployed in (default: searched)
  --poll-ms <n>             how often to poll L1 (default 1000)
  --commit-ms <n>           commit derived blocks in groups of at most n ms of work (default 250)
  --finality-depth <n>      L1 depth at which an L2 block is finalized (default 64)
  --nesting-depth <n>       1 for an L3: its rollup lives on an L2 whose JSON-RPC is --l1, and its
                            blocks run as the L2's EXECUTE runs them (default 0; docs/nested.md)
  --port <n>                the L2 JSON-RPC's port, HTTP and WebSocket (default 8546)
  --host <address>          the interface it listens on (default 127.0.0.1; 0.0.0.0: every one)
  --no-rpc                  serve no JSON-RPC, only derive`;

/** Parses the command line (without `node` and the script). Throws `NodeConfigError` on a bad option. */
export function parseNodeArgs(argv: string[]): NodeCliOptions {
  const options: Partial<NodeCliOptions> = { dataDir: ".devnet/node" };
  const value = (i: number, name: string): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new NodeConfigError(`${name} needs a value`);
    return v;
  };
  const integer = (i: number, name: string): number => {
    const v = Number(value(i, name));
    if (!Number.isSafeInteger(v) || v < 0) throw new NodeConfigError(`${name} needs a non-negative integer`, { got: argv[i + 1] });
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case "--l1": options.l1Url = value(i++, arg); break;
      case "--rollup": options.rollup = value(i++, arg); break;
      case "--blobs": options.blobSource = value(i++, arg); break;
      case "--data-dir": options.dataDir = value(i++, arg); break;
      case "--reset": options.reset = true; break;
      case "--genesis": options.genesis = readGenesis(value(i++, arg)); break;
      case "--deployment-block": options.deploymentBlock = integer(i++, arg); break;
      case "--poll-ms": options.pollIntervalMs = integer(i++, arg); break;
      case "--commit-ms": options.commitIntervalMs = integer(i++, arg); break;
      case "--finality-depth": options.finalityDepth = integer(i++, arg); break;
      case "--nesting-depth": {
        options.nestingDepth = integer(i++, arg);
        if (options.nestingDepth > 1) throw new NodeConfigError("--nesting-depth is 0 (a rollup on L1) or 1 (an L3 on an L2)", { got: argv[i] });
        break;
      }
      case "--port": options.port = integer(i++, arg); break;
      case "--host": options.host = value(i++, arg); break;
      case "--no-rpc": options.noRpc = true; break;
      case "--help": case "-h": options.help = true; break;
      default: throw new NodeConfigError(`Unknown option ${arg}`);
    }
  }
  if (options.help) return options as NodeCliOptions;
  if (options.l1Url === undefined) throw new NodeConfigError("--l1 <url> is required");
  if (options.rollup === undefined) throw new NodeConfigError("--rollup <address> is required");
  return options as NodeCliOptions;
}

function readGenesis(file: string): GenesisConfig {
  return parseGenesisJson(readFileSync(file, "utf8"), file);
}

/**
 * Runs the node until SIGINT/SIGTERM (exit 0) or until derivation halts (exit 1, with the reason).
 * Returns the process exit code.
 */
export async function runNodeCli(argv: string[]): Promise<number> {
  let options: NodeCliOptions;
  try {
    options = parseNodeArgs(argv);
  } catch (error) {
    console.error(`node: ${(error as Error).message}\n\n${NODE_USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(NODE_USAGE);
    return 0;
  }
  // Signals are caught from the start: one that arrives while the node starts stops it once started.
  const signal = new Promise<number>((resolve) => {
    for (const name of ["SIGINT", "SIGTERM"] as const) process.once(name, () => resolve(0));
  });
  const { port, host, noRpc, help: _help, ...nodeOptions } = options;
  let node;
  // Transactions of blocks an L1 reorg took out go back to the node's mempool (created below).
  let mempool: Mempool | undefined;
  try {
    node = await startNode({
      ...nodeOptions,
      log: (line) => console.log(line),
      onUnwoundTransactions: async (txs) => {
        for (const tx of txs) await mempool?.add(tx).catch(() => undefined);
      },
    });
  } catch (error) {
    console.error(`node: ${(error as Error).message}`);
    return 1;
  }
  let rpc: NodeRpc | undefined;
  if (noRpc !== true) {
    try {
      rpc = await serveNode(node, { port: port ?? 8546, host });
    } catch (error) {
      console.error(`node: ${(error as Error).message}`);
      await node.stop();
      return 1;
    }
    mempool = rpc.mempool;
    console.log(`node: L2 JSON-RPC on ${rpc.url} and ${rpc.wsUrl} (chain id ${node.genesis.chainId})`);
  }
  const code = await Promise.race([signal, node.whenHalted().then(() => 1)]);
  console.log(code === 0 ? "node: stopping" : "node: stopped by the error above");
  await rpc?.close();
  await node.stop();
  return code;
}
