/**
 * The kill/reorg campaign (issue 22): a node + proposer process (bench/campaign-child.ts) on a
 * real Hardhat L1 in its own process, a steady stream of L2 transfers from several senders
 * through the node's JSON-RPC, and, at seeded random moments, SIGKILLs of that process and L1
 * reorgs (`evm_snapshot` … `evm_revert`, then a longer fork of empty blocks) of depth 1–10.
 * At the end, with the last process left running:
 *   - every acknowledged transaction (a hash answered by eth_sendRawTransaction, or "already
 *     known") must be `included` or `pending` (`ultrasound_getTransactionStatus`): none lost;
 *   - every block the node serves (hash, state root, receipts root) must equal what a fresh node
 *     re-deriving from L1 computes: no wrong block served.
 * `runCampaign` is used by `npm run bench` (BENCH_ONLY=campaign, not in the default run) and, in
 * a short form, by test/node/campaign.test.ts.
 */
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { JsonRpcProvider, Wallet } from "ethers";
import { appendFileSync, rmSync } from "node:fs";
import os from "node:os";
import { devAccounts, devGenesis } from "../src/engine/index.js";
import { startNode } from "../src/node/index.js";
import { deployRollup, signL2Transaction } from "../src/sdk/index.js";
import { bytesToHex } from "../src/shared/bytes.js";
import { seeded, spawnNode, startHardhatNode, tempDir } from "../test/node/helpers.js";

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** single: startNode + serveNode + createProposer; multi: startMultiNode + serveMultiNode + createMultiProposer. */
  path: "single" | "multi";
  /** SIGKILLs of the node + proposer process, and L1 reorgs, to make. */
  kills: number;
  reorgs: number;
  /** Concurrent L2 senders (dev accounts 0…n-1). Default 4. */
  senders?: number;
  seed?: number;
  /** How long everything may take to settle at the end, in ms (default 180,000). */
  settleMs?: number;
  log?: (line: string) => void;
  /** Every line of every node + proposer process, and the campaign's kills and reorgs, appended to this file. */
  outputFile?: string;
}

/** What a campaign found. */
export interface CampaignResult {
  path: "single" | "multi";
  kills: number;
  reorgs: number;
  /** Reorg depths made (L1 blocks taken out), in order. */
  depths: number[];
  acknowledged: number;
  included: number;
  pending: number;
  /** Acknowledged, and now unknown or dropped: lost. Their hashes and statuses in `lostDetails`. */
  lost: number;
  lostDetails: { hash: string; sender: string; nonce: number; status: string; reason?: string }[];
  blocksCompared: number;
  mismatches: number;
  mismatchDetails: { number: number; field: string; served: string; fresh: string }[];
  l2Head: number;
  /** The node's refusals of eth_sendRawTransaction other than "nonce too low", by message (first 120 characters): each is retried with the same bytes. */
  refusals: Record<string, number>;
  /** The last lines of the node + proposer process. */
  childTail: string[];
  durationMs: number;
  loadAverage: number;
}

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rpc(url: string, method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return (await response.json()) as never;
}

/** Runs one campaign (see the file's comment); resolves with its figures. */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const random = seeded(options.seed ?? 22);
  const senders = options.senders ?? 4;
  const hardhat = await startHardhatNode();
  const l1Call = async (method: string, params: unknown[] = []) => {
    const answer = await rpc(hardhat.url, method, params, 30_000);
    if (answer.error !== undefined) throw new Error(`L1 ${method}: ${answer.error.message}`);
    return answer.result;
  };
  const l1Head = async () => Number(BigInt(await l1Call("eth_blockNumber")));
  const provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  const dirs: string[] = [];
  const chainId = options.path === "single" ? 22_001n : 22_002n;
  const { address, chain } = await deployRollup(await provider.getSigner(1), devGenesis({ chainId }));
  const dataDir = tempDir("ultrasound-campaign-");
  dirs.push(dataDir);
  const args = ["--path", options.path, "--l1", hardhat.url, "--rollup", address, "--chain-id", String(chainId), "--data-dir", dataDir];

  // The node + proposer process: `url` is its L2 JSON-RPC while it runs, undefined between a kill and the next start.
  let url: string | undefined;
  let child: ReturnType<typeof spawnNode> | undefined;
  const tail: string[] = [];
  const start = async () => {
    let announced: string | undefined;
    const spawned = spawnNode(
      args,
      (line) => {
        tail.push(line);
        if (options.outputFile !== undefined) appendFileSync(options.outputFile, line + "\n");
        if (tail.length > 200) tail.shift();
        const match = /^child: rpc (\S+)/.exec(line);
        if (match) announced = match[1];
      },
      "bench/campaign-child.ts",
    );
    child = spawned;
    const deadline = Date.now() + 60_000;
    while (announced === undefined) {
      if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) throw new Error(`the node + proposer process exited at start:\n${spawned.output().slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`the node + proposer process did not serve within 60 s:\n${spawned.output().slice(-3000)}`);
      await sleep(20);
    }
    url = announced;
  };
  const kill = async () => {
    const current = child!;
    url = undefined;
    current.child.kill("SIGKILL");
    if (options.outputFile !== undefined) appendFileSync(options.outputFile, `campaign: SIGKILL\n`);
    const { signal, code } = await current.exited;
    if (signal !== "SIGKILL") throw new Error(`the node + proposer process died by itself (code ${code}, signal ${signal}) before the kill:\n${current.output().slice(-3000)}`);
  };

  // Senders: each signs its next nonce and sends the same bytes until the node answers for
  // them; "already known" is an acknowledgement too (the answer to an earlier try was lost).
  const acknowledged = new Map<string, { sender: string; nonce: number }>();
  const refusals: Record<string, number> = {};
  let sending = true;
  const senderLoop = async (index: number) => {
    const wallet = wallets[index]!;
    let nonce = 0;
    let raw: string | undefined;
    while (sending) {
      const target = url;
      if (target === undefined) {
        await sleep(50);
        continue;
      }
      raw ??= await signL2Transaction(chain, wallet, { nonce, to: wallets[19]!.address, value: BigInt(1 + index * 1_000_000 + nonce), maxFeePerGas: 10n ** 10n });
      const answer = await rpc(target, "eth_sendRawTransaction", [raw]).catch((error: Error) => ({ result: undefined, error: { code: 0, message: error.message } }));
      const message = answer.error?.message ?? "";
      if (answer.error === undefined || /already known/i.test(message)) {
        const hash = answer.result ?? bytesToHex(keccakOfRaw(raw));
        acknowledged.set(hash, { sender: wallet.address, nonce });
        if (options.outputFile !== undefined) appendFileSync(options.outputFile, `campaign: acknowledged ${hash} ${wallet.address} nonce ${nonce}\n`);
        nonce++;
        raw = undefined;
        await sleep(50 + Math.floor(random() * 150));
      } else if (/nonce too low/i.test(message)) {
        // Included by an earlier try whose answer was lost: not counted, the next nonce.
        nonce++;
        raw = undefined;
      } else {
        // Refusals are retried; what they said is kept (an "internal error" here once meant a transaction left unjournaled).
        if (answer.error !== undefined && !/fetch failed|ECONNREFUSED|aborted|timeout/i.test(message)) {
          const key = message.slice(0, 120);
          refusals[key] = (refusals[key] ?? 0) + 1;
          if (options.outputFile !== undefined) appendFileSync(options.outputFile, `campaign: eth_sendRawTransaction refused ${wallet.address} nonce ${nonce}: ${message}\n`);
        }
        await sleep(100);
      }
    }
  };

  // Reorgs: a snapshot, the proposer (and empty blocks if it is slow) adds `depth` L1 blocks, revert, a longer fork.
  const depths: number[] = [];
  const reorg = async () => {
    const depth = 1 + Math.floor(random() * 10);
    const base = await l1Head();
    const snapshot = await l1Call("evm_snapshot");
    const until = Date.now() + 300 + random() * 1500;
    while ((await l1Head()) < base + depth) {
      if (Date.now() > until) await l1Call("evm_mine");
      else await sleep(30);
    }
    const head = await l1Head();
    if ((await l1Call("evm_revert", [snapshot])) !== true) throw new Error(`evm_revert ${snapshot} refused`);
    for (let i = 0; i <= head - base; i++) await l1Call("evm_mine");
    depths.push(head - base);
    if (options.outputFile !== undefined) appendFileSync(options.outputFile, `campaign: reorg L1 ${head} -> ${base}, ${head - base + 1} new blocks\n`);
  };

  await start();
  const loops = Array.from({ length: senders }, (_, i) => senderLoop(i));
  let kills = 0;
  try {
    while (kills < options.kills || depths.length < options.reorgs) {
      // Some traffic, then (maybe) a reorg under the running process, more traffic, a kill; or a reorg while it is down.
      await sleep(200 + random() * 1500);
      const reorgNow = depths.length < options.reorgs && (kills >= options.kills || random() < 0.8);
      if (reorgNow) await reorg();
      if (kills < options.kills) {
        await sleep(random() * 800);
        await kill();
        kills++;
        if (depths.length < options.reorgs && random() < 0.2) await reorg();
        await start();
      }
      if ((kills + depths.length) % 20 === 0) log(`campaign ${options.path}: ${kills} kills, ${depths.length} reorgs, ${acknowledged.size} acknowledged`);
    }
  } catch (error) {
    sending = false;
    await Promise.all(loops);
    child?.child.kill("SIGKILL");
    provider.destroy();
    await hardhat.stop();
    throw error;
  }
  sending = false;
  await Promise.all(loops);

  // Settle: everything acknowledged included, or the time is up.
  const statusOf = async (hash: string) => (await rpc(url!, "ultrasound_getTransactionStatus", [hash])).result as { status: string; reason?: string };
  const deadline = Date.now() + (options.settleMs ?? 180_000);
  let statuses = new Map<string, { status: string; reason?: string }>();
  for (;;) {
    statuses = new Map();
    for (const hash of acknowledged.keys()) statuses.set(hash, await statusOf(hash));
    const waiting = [...statuses.values()].filter((s) => s.status === "pending").length;
    if (waiting === 0 || Date.now() > deadline) break;
    await sleep(500);
  }
  const count = (status: string) => [...statuses.values()].filter((s) => s.status === status).length;
  const lostDetails = [...statuses]
    .filter(([, s]) => s.status !== "included" && s.status !== "pending")
    .map(([hash, s]) => ({ hash, ...acknowledged.get(hash)!, ...s }));

  // Every block served against a fresh re-derivation from L1 (a node that never saw a kill or a fork).
  const freshDir = tempDir("ultrasound-campaign-fresh-");
  dirs.push(freshDir);
  const fresh = await startNode({ l1Url: hardhat.url, rollup: address, genesis: chain.genesis, dataDir: freshDir, follow: false });
  await fresh.sync();
  const servedHead = Number(BigInt((await rpc(url!, "eth_blockNumber")).result));
  const mismatchDetails: CampaignResult["mismatchDetails"] = [];
  const freshHead = Number(fresh.blockNumber("latest"));
  if (freshHead !== servedHead) mismatchDetails.push({ number: servedHead, field: "head", served: String(servedHead), fresh: String(freshHead) });
  for (let n = 0; n <= servedHead; n++) {
    const served = (await rpc(url!, "eth_getBlockByNumber", ["0x" + n.toString(16), false])).result as { hash: string; stateRoot: string; receiptsRoot: string } | null;
    const ref = fresh.getBlock(BigInt(n));
    const want = ref === undefined ? undefined : { hash: ref.hash, stateRoot: bytesToHex(ref.header.stateRoot), receiptsRoot: bytesToHex(ref.header.receiptTrie) };
    for (const field of ["hash", "stateRoot", "receiptsRoot"] as const) {
      if (served?.[field]?.toLowerCase() !== want?.[field]?.toLowerCase()) mismatchDetails.push({ number: n, field, served: String(served?.[field]), fresh: String(want?.[field]) });
    }
  }
  await fresh.stop();
  await kill();
  provider.destroy();
  await hardhat.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });

  return {
    path: options.path,
    kills,
    reorgs: depths.length,
    depths,
    acknowledged: acknowledged.size,
    included: count("included"),
    pending: count("pending"),
    lost: lostDetails.length,
    lostDetails,
    blocksCompared: servedHead + 1,
    mismatches: mismatchDetails.length,
    mismatchDetails,
    l2Head: servedHead,
    refusals,
    childTail: [...tail],
    durationMs: Date.now() - started,
    loadAverage: os.loadavg()[0]!,
  };
}

function keccakOfRaw(raw: string): Uint8Array {
  // Only for "already known" answers, which carry no hash.
  return keccak256(Buffer.from(raw.slice(2), "hex"));
}
/** Prints a campaign's table line. */
export function campaignRow(r: CampaignResult): string {
  return [r.path, r.kills, r.reorgs, r.acknowledged, r.included, r.pending, r.lost, r.blocksCompared, r.mismatches, `${(r.durationMs / 1000).toFixed(0)} s`, r.loadAverage.toFixed(2)].map(String).join(" | ");
}

/** The table's header line. */
export const CAMPAIGN_HEADER = "path | kills | reorgs | acknowledged | included | pending | lost | blocks compared | mismatches | duration | load average";
