import { expect } from "chai";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { JsonRpcProvider, type Signer } from "ethers";
import { rmSync } from "node:fs";
import { createL2Common, devGenesis, type L2Chain } from "../../src/engine/index.js";
import { splitTransactions } from "../../src/engine/transactions.js";
import { startNode } from "../../src/node/index.js";
import { decodeBlockRecord } from "../../src/node/records.js";
import { numberKey, openMultiStore, readMeta } from "../../src/node/store.js";
import { deployRollup } from "../../src/sdk/index.js";
import { bytesToHex } from "../../src/shared/bytes.js";
import { devGenesisFile, seeded, spawnNode, startHardhatNode, propose, tempDir, transfers } from "./helpers.js";
import type { Contract } from "ethers";

/** Blocks on L1 before the kills start (more are added if a fast machine runs short), and how many kills. */
const BLOCKS = 40;
const KILLS = 12;

/**
 * What a store must look like at a block boundary: every block up to the execute checkpoint
 * whole (header with the reference's hash and state root, receipts, body, hash and transaction
 * index entries, the state root's trie node), nothing above it, and every stage behind the one
 * before it. Returns the head.
 */
async function checkBlockBoundary(dataDir: string, reference: { hash: string; stateRoot: string }[], chainId: bigint): Promise<bigint> {
  const env = openMultiStore(dataDir);
  const store = env.rollup(chainId);
  try {
    const common = createL2Common(chainId);
    const executed = BigInt(readMeta<string>(store, "checkpoint:execute") ?? "-1");
    const derived = BigInt(readMeta<string>(store, "checkpoint:derive") ?? "-1");
    expect(executed, "execute checkpoint").to.be.at.least(0n);
    expect(derived, "derive is not behind execute").to.be.at.least(executed);
    for (let n = 0n; n <= executed; n++) {
      const raw = store.blocks.getBinary(numberKey(n));
      expect(raw, `block ${n} record`).to.not.equal(undefined);
      const { header } = decodeBlockRecord(raw!, common);
      expect(bytesToHex(header.hash()), `block ${n} hash`).to.equal(reference[Number(n)]!.hash);
      expect(bytesToHex(header.stateRoot), `block ${n} state root`).to.equal(reference[Number(n)]!.stateRoot);
      expect(store.receipts.getBinary(numberKey(n)), `block ${n} receipts`).to.not.equal(undefined);
      expect(store.hashes.getBinary(Buffer.from(header.hash())), `block ${n} hash index`).to.not.equal(undefined);
      expect(store.trie.getBinary(Buffer.from(header.stateRoot)), `block ${n} state root node`).to.not.equal(undefined);
      if (n > 0n) {
        for (const tx of splitTransactions(store.payloads.getBinary(numberKey(n))!)) {
          expect(store.txs.getBinary(Buffer.from(keccak256(tx))), `block ${n} tx index`).to.not.equal(undefined);
        }
      }
    }
    expect(store.blocks.getBinary(numberKey(executed + 1n)), "nothing above the execute checkpoint").to.equal(undefined);
    expect(store.payloads.getBinary(numberKey(derived + 1n)), "nothing above the derive checkpoint").to.equal(undefined);
    return executed;
  } finally {
    await env.close();
  }
}

describe("node: kill -9 while deriving", function () {
  this.timeout(150_000);
  let hardhat: Awaited<ReturnType<typeof startHardhatNode>>;
  let provider: JsonRpcProvider;
  let l1: { ethersProvider: JsonRpcProvider; signer: Signer; rollup: Contract; chain: L2Chain; address: string };
  const dirs: string[] = [];

  before(async function () {
    hardhat = await startHardhatNode();
    provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
    const signer = await provider.getSigner(0);
    const { rollup, address, chain } = await deployRollup(signer, devGenesis());
    l1 = { ethersProvider: provider, signer, rollup, chain, address };
    for (let b = 0; b < BLOCKS; b++) await propose(l1, await transfers(chain, 3, b, b * 3));
  });

  after(async function () {
    provider?.destroy();
    await hardhat?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it(`a node process SIGKILLed ${KILLS} times at seeded random moments resumes at a block boundary each time and reaches the state root of a clean re-derivation`, async function () {
    // The clean re-derivation: a fresh node, in process, never interrupted.
    const cleanDir = tempDir();
    dirs.push(cleanDir);
    const clean = await startNode({ l1Url: hardhat.url, rollup: l1.address, genesis: l1.chain.genesis, dataDir: cleanDir, follow: false });
    const reference = async () => {
      const { l2 } = await clean.sync();
      expect(l2.headHash).to.equal(bytesToHex(l1.chain.headers.at(-1)!.hash()));
      return Array.from({ length: Number(l2.head) + 1 }, (_, n) => {
        const block = clean.getBlock(BigInt(n))!;
        return { hash: block.hash, stateRoot: bytesToHex(block.header.stateRoot) };
      });
    };
    let expected = await reference();
    const tip = () => BigInt(l1.chain.headers.length - 1);

    const dataDir = tempDir();
    dirs.push(dataDir);
    // Commits in groups of at most 40 ms of work (1–3 blocks here): kills land inside groups too.
    const args = ["--l1", hardhat.url, "--rollup", l1.address, "--genesis", devGenesisFile(l1.chain.genesis), "--data-dir", dataDir, "--poll-ms", "50", "--commit-ms", "40"];
    const random = seeded(6);
    const killedAt: bigint[] = [];
    let head = 0n;
    for (let kill = 0; kill < KILLS; kill++) {
      // Always blocks ahead to derive, however fast this machine derives them.
      if (tip() - head < 20n) {
        for (let b = 0; b < 15; b++) await propose(l1, await transfers(l1.chain, 3, 200 + kill * 20 + b, b * 3));
        expected = await reference();
      }
      // Kill after 1–3 more derived blocks, then 0–30 ms into the next: mid-execution or mid-commit.
      const wantLines = 1 + Math.floor(random() * 3);
      const delayMs = Math.floor(random() * 30);
      let seen = 0;
      let killTimer: NodeJS.Timeout | undefined;
      const node = spawnNode(args, (line) => {
        if (/^L2 block \d+ /.test(line) && ++seen === wantLines) killTimer = setTimeout(() => node.child.kill("SIGKILL"), delayMs);
      });
      const idle = setTimeout(() => node.child.kill("SIGKILL"), 15_000);
      const { signal } = await node.exited;
      clearTimeout(idle);
      clearTimeout(killTimer);
      expect(signal, node.output()).to.equal("SIGKILL");
      const resumed = await checkBlockBoundary(dataDir, expected, l1.chain.genesis.chainId);
      expect(resumed, node.output()).to.be.at.least(head);
      expect(resumed, "killed while deriving, before the L1 tip").to.be.below(tip());
      head = resumed;
      killedAt.push(head);
    }

    // Restarted once more: it continues from its checkpoint, follows two new blocks, and stops on SIGINT.
    let last = 0n;
    const final = spawnNode(args, (line) => {
      const match = /^L2 block (\d+) /.exec(line);
      if (match) last = BigInt(match[1]!);
    });
    const waitFor = async (number: bigint) => {
      for (let i = 0; i < 600 && last < number; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(last, final.output()).to.equal(number);
    };
    await waitFor(tip());
    expect(final.output()).to.contain(`resuming at L2 block ${head}`);
    for (let b = 0; b < 2; b++) await propose(l1, await transfers(l1.chain, 2, 100 + b));
    await waitFor(tip());
    final.child.kill("SIGINT");
    expect((await final.exited).code, final.output()).to.equal(0);

    expected = await reference();
    const resumedHead = await checkBlockBoundary(dataDir, expected, l1.chain.genesis.chainId);
    expect(resumedHead).to.equal(tip());
    await clean.stop();
    console.log(`      (killed at L2 heads ${killedAt.join(", ")}; resumed to ${resumedHead}, state root ${expected.at(-1)!.stateRoot.slice(0, 18)}…)`);
  });

  it("`npm run node` refuses a data dir written for another rollup, and --reset starts it afresh", async function () {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // The dir holds this rollup's chain (derived in process: the refusal is what this test is about).
    const first = await startNode({ l1Url: hardhat.url, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false });
    await first.sync();
    await first.stop();

    const other = await deployRollup(l1.signer, devGenesis({ chainId: 167_002n }));
    const refused = spawnNode(["--l1", hardhat.url, "--rollup", other.address, "--genesis", devGenesisFile(other.chain.genesis), "--data-dir", dataDir]);
    const { code } = await refused.exited;
    expect(code, refused.output()).to.equal(1);
    expect(refused.output()).to.contain("The data dir holds the chain of another L1, rollup or genesis");
    expect(refused.output()).to.match(/rollup: stored 0x[0-9a-f]{40}, now 0x[0-9a-f]{40}/);
    expect(refused.output()).to.contain("--reset");

    const reset = spawnNode(["--l1", hardhat.url, "--rollup", other.address, "--genesis", devGenesisFile(other.chain.genesis), "--data-dir", dataDir, "--reset"]);
    for (let i = 0; i < 600 && !reset.output().includes("new;"); i++) await new Promise((r) => setTimeout(r, 50));
    reset.child.kill("SIGINT");
    expect((await reset.exited).code, reset.output()).to.equal(0);
    expect(reset.output()).to.contain(`following rollup ${other.address.toLowerCase()} (L2 chain id 167002`);
  });
});
