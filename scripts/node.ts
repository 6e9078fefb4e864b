/**
 * `npm run node -- --l1 <url> --rollup <address> [--blobs <beacon url>] [--data-dir <dir>] [--reset]`:
 * a rollup node that derives the L2 chain from L1 alone (see src/node). `--help` lists every option.
 */
import { runNodeCli } from "../src/node/cli.js";

process.exitCode = await runNodeCli(process.argv.slice(2));
