import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { Wallet, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createL2Common, DEV_BALANCE, devGenesis, devAccounts, getL2Account, type GenesisConfig, type L2Chain } from "../../src/engine/index.js";
import { proposeBlock, type DataAvailability, type ProposedBlock } from "../../src/proposer/index.js";
import { deployRollup, signL2Transaction } from "../../src/sdk/index.js";
import { freePort } from "../../src/shared/ports.js";
import { openBlobArchive, startBlobArchiveServer } from "../../src/blobs/index.js";
import { configureBlobArchive, currentBlobArchive } from "../../src/hardhat/index.js";

/** A fresh temporary directory for a node's store. */
export function tempDir(prefix = "ultrasound-node-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** An in-process Hardhat L1 (EXECUTE installed) with a rollup deployed at genesis, and the proposer's chain. */
export async function l1WithRollup() {
  const connection = await network.create();
  const { ethers } = connection;
  const [signer] = await ethers.getSigners();
  const { rollup, address, chain } = await deployRollup(signer!, devGenesis());
  // `provider`: EIP-1193, what the node reads; `ethersProvider`: what the proposer sends with.
  return { connection, provider: connection.provider, ethersProvider: ethers.provider, signer: signer!, rollup, address, chain };
}

/**
 * A genesis JSON file (`--genesis` of `npm run node`) for a rollup deployed with `devGenesis`:
 * the node cannot tell dev balances from L1, so it is told.
 */
export function devGenesisFile(genesis: GenesisConfig): string {
  const file = path.join(tempDir("ultrasound-genesis-"), "genesis.json");
  const json = { chainId: genesis.chainId.toString(), gasLimit: genesis.gasLimit.toString(), timestamp: genesis.timestamp.toString(), devBalance: DEV_BALANCE.toString() };
  writeFileSync(file, JSON.stringify(json));
  return file;
}

/** A seeded pseudo-random generator (mulberry32): tests that pick at random pick the same way every run. */
export { createRng as seeded } from "../blobs/fixtures.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/**
 * `count` L2 ETH transfers signed against the chain's head (senders round-robin from `from`,
 * nonces from the head state), varied by `salt` so two forks carry different transactions.
 */
export async function transfers(chain: L2Chain, count: number, salt = 0, from = 0): Promise<TypedTransaction[]> {
  const common = createL2Common(chain.genesis.chainId);
  const nonces = new Map<string, number>();
  const txs: TypedTransaction[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = wallets[(from + i) % 10]!;
    const nonce = nonces.get(wallet.address) ?? Number((await getL2Account(chain, wallet.address)).nonce);
    nonces.set(wallet.address, nonce + 1);
    const raw = await signL2Transaction(chain, wallet, { nonce, to: wallets[10 + ((i + salt) % 10)]!.address, value: BigInt(1 + salt * 1000 + i) });
    txs.push(createTxFromRLP(hexToBytes(raw as `0x${string}`), { common }));
  }
  return txs;
}

/** Proposes the next L2 block with `transactions` on the rollup (through EXECUTE on L1) and appends it to `chain`. */
export async function propose(
  l1: { ethersProvider: unknown; signer: Signer; rollup: Contract; chain: L2Chain },
  transactions: TypedTransaction[],
  dataAvailability: DataAvailability = "calldata",
): Promise<ProposedBlock> {
  return proposeBlock({
    chain: l1.chain,
    rollup: l1.rollup,
    provider: l1.ethersProvider as never,
    transactions,
    coinbase: await l1.signer.getAddress(),
    dataAvailability,
  });
}

/** The proposer's head: number, hash, state root. */
export function chainHeadOf(chain: L2Chain) {
  const header = chain.headers.at(-1)!;
  return { number: header.number, hash: bytesToHex(header.hash()), stateRoot: bytesToHex(header.stateRoot) };
}

export { freePort };

/** The environment for child processes: this process's Node (22) first on PATH. */
function childEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}` };
}

/** A `hardhat node` (with the ultrasound plugin: EXECUTE) in a process of its own; resolves once it answers. */
export async function startHardhatNode(): Promise<{ url: string; process: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ["node_modules/hardhat/dist/src/cli.js", "node", "--port", String(port)], { cwd: process.cwd(), env: childEnv(), stdio: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  for (let i = 0; i < 300; i++) {
    const up = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "hardhat_setLoggingEnabled", params: [false] }) })
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return { url, process: child, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error("hardhat node did not answer within 30 s");
}

/**
 * `npm run node -- …args` as a child process (Node 22 with the tsx loader), its output collected
 * line by line. Its JSON-RPC takes a free port unless `args` name one (8546 may be in use).
 */
export function spawnNode(args: string[], onLine: (line: string) => void = () => {}, script = "scripts/node.ts") {
  const port = args.includes("--port") || args.includes("--no-rpc") ? [] : ["--port", "0"];
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args, ...port], { cwd: process.cwd(), env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  let partial = "";
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    partial += chunk.toString();
    const lines = partial.split("\n");
    partial = lines.pop()!;
    for (const line of lines) onLine(line);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

/**
 * A blob archive the Hardhat hook fills with every blob sent to this process's L1s, served by a
 * beacon-API server on a free port: the blob source a node reads (`url`). `close` stops the
 * server, puts the previous archive back and deletes this one.
 */
export async function blobArchiveFor(l1Provider: Parameters<typeof startBlobArchiveServer>[0]["l1"]): Promise<{ url: string; close(): Promise<void> }> {
  const dir = tempDir("ultrasound-blobs-");
  const archive = await openBlobArchive(dir);
  const previous = currentBlobArchive();
  configureBlobArchive(archive);
  const server = await startBlobArchiveServer({ archive, port: 0, l1: l1Provider });
  return {
    url: server.url,
    async close() {
      await server.close();
      configureBlobArchive(previous);
      archive.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
