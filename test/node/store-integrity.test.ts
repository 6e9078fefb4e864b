import { expect } from "chai";
import { JsonRpcProvider, type Contract, type Signer } from "ethers";
import { cpSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { devAccounts, devGenesis, type L2Chain } from "../../src/engine/index.js";
import { startNode } from "../../src/node/index.js";
import { encodeBlockRecord } from "../../src/node/records.js";
import { BlockWriteDB, openNodeStore } from "../../src/node/store.js";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { hexToBytes, ValueEncoding } from "@ethereumjs/util";
import { keccak256 } from "../../src/engine/crypto.js";
import { deployRollup } from "../../src/sdk/index.js";
import { devGenesisFile, propose, spawnNode, startHardhatNode, tempDir, transfers } from "./helpers.js";

/** An account whose balance changes in the blocks (a sender of the transfers). */
const WATCHED = devAccounts()[1]!.address;

/** What a clean node serves for every block: the reference a damaged store's answers are held to. */
interface Reference {
  blocks: string[];
  balances: string[];
}

describe("node: a damaged store is an error, never a wrong answer or a crash signal", function () {
  this.timeout(300_000);
  let hardhat: Awaited<ReturnType<typeof startHardhatNode>>;
  let provider: JsonRpcProvider;
  let l1: { ethersProvider: JsonRpcProvider; signer: Signer; rollup: Contract; chain: L2Chain; address: string };
  let cleanDir: string;
  let reference: Reference;
  let args: (dataDir: string) => string[];
  const dirs: string[] = [];

  before(async function () {
    hardhat = await startHardhatNode();
    provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
    const signer = await provider.getSigner(0);
    const { rollup, address, chain } = await deployRollup(signer, devGenesis());
    l1 = { ethersProvider: provider, signer, rollup, chain, address };
    for (let b = 0; b < 6; b++) await propose(l1, await transfers(chain, 3, b, b * 3));
    cleanDir = tempDir();
    dirs.push(cleanDir);
    const node = await startNode({ l1Url: hardhat.url, rollup: address, genesis: chain.genesis, dataDir: cleanDir, follow: false });
    await node.sync();
    const genesisFile = devGenesisFile(chain.genesis);
    args = (dataDir) => ["--l1", hardhat.url, "--rollup", address, "--genesis", genesisFile, "--data-dir", dataDir, "--poll-ms", "200"];
    reference = { blocks: [], balances: [] };
    for (let n = 0n; n <= node.blockNumber(); n++) {
      const block = node.getBlock(n)!;
      reference.blocks.push(JSON.stringify({ hash: block.hash, stateRoot: "0x" + Buffer.from(block.header.stateRoot).toString("hex") }));
      const state = (await node.stateAt(n))!;
      reference.balances.push(((await state.getAccount(WATCHED))?.balance ?? 0n).toString());
    }
    await node.stop();
  });

  after(async function () {
    provider?.destroy();
    await hardhat?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of the clean store to damage. */
  const copy = () => {
    const dir = tempDir();
    dirs.push(dir);
    cpSync(cleanDir, dir, { recursive: true });
    return dir;
  };

  /**
   * Runs `npm run node` on `dataDir` and reads every block and a balance at every block over its
   * JSON-RPC. Each answer must be the clean node's or an error that says the store is corrupt;
   * the process must end by itself with exit 1 and that error, or serve until killed — never by a
   * signal of its own.
   */
  async function runDamaged(dataDir: string): Promise<{ output: string; refusedAtStart: boolean; corruptAnswers: number }> {
    let url: string | undefined;
    const node = spawnNode(args(dataDir), (line) => {
      const match = /L2 JSON-RPC on (http:\/\/\S+)/.exec(line);
      if (match) url = match[1]!;
    });
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void node.exited.then((e) => (exit = e));
    for (let i = 0; i < 1_200 && url === undefined && exit === undefined; i++) await new Promise((r) => setTimeout(r, 50));
    if (url === undefined) {
      const { code, signal } = await node.exited;
      expect(signal, node.output()).to.equal(null);
      expect(code, node.output()).to.equal(1);
      expect(node.output()).to.match(/The node's store \S+data\.mdb is corrupt: .*--reset/);
      return { output: node.output(), refusedAtStart: true, corruptAnswers: 0 };
    }
    let corruptAnswers = 0;
    const call = async (method: string, params: unknown[]) => {
      // A node that found a damaged record halts (exit 1): what it answered before that is checked.
      const response = await fetch(url!, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) }).catch(async (error: Error) => {
        await node.exited;
        if (exit?.code === 1) return undefined;
        throw error;
      });
      if (response === undefined) return undefined;
      const body = (await response.json()) as { result?: unknown; error?: { message: string } };
      if (body.error !== undefined) {
        expect(body.error.message, `${method} ${JSON.stringify(params)}`).to.match(/store \S+data\.mdb is corrupt: .*--reset/);
        corruptAnswers++;
      }
      return body.result;
    };
    try {
      for (let n = 0; n < reference.blocks.length && exit === undefined; n++) {
        const block = (await call("eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as { hash: string; stateRoot: string } | null | undefined;
        if (block !== undefined) expect(JSON.stringify({ hash: block!.hash, stateRoot: block!.stateRoot }), `block ${n}`).to.equal(reference.blocks[n]);
        const balance = (await call("eth_getBalance", [WATCHED, `0x${n.toString(16)}`])) as string | undefined;
        if (balance !== undefined) expect(BigInt(balance).toString(), `balance at ${n}`).to.equal(reference.balances[n]);
        // A call reads the sender's account too: it must not run on an empty one.
        const called = await call("eth_call", [{ from: WATCHED, to: WATCHED, value: "0x1" }, `0x${n.toString(16)}`]);
        if (called !== undefined) expect(called, `eth_call at ${n}`).to.equal("0x");
      }
    } finally {
      if (exit === undefined) node.child.kill("SIGKILL");
      const { signal } = await node.exited;
      // Killed by us (SIGKILL) or ended by itself with exit 1 (halted on what it found): never its own signal.
      if (signal !== "SIGKILL") {
        expect(signal, node.output()).to.equal(null);
        expect(node.output()).to.contain("is corrupt");
      }
    }
    return { output: node.output(), refusedAtStart: false, corruptAnswers };
  }

  it("a data.mdb truncated to 0 bytes is refused at open, naming the file and --reset (not taken for a new store: the journal would be gone)", async function () {
    const dir = copy();
    truncateSync(path.join(dir, "data.mdb"), 0);
    const { output, refusedAtStart } = await runDamaged(dir);
    expect(refusedAtStart).to.equal(true);
    expect(output).to.contain(path.join(dir, "data.mdb")).and.contain("empty (0 bytes)");
  });

  it("a data.mdb truncated mid-file is refused at open (not a SIGBUS)", async function () {
    const dir = copy();
    const file = path.join(dir, "data.mdb");
    truncateSync(file, Math.floor(statSync(file).size / 2 / 4096) * 4096 + 100);
    const { output, refusedAtStart } = await runDamaged(dir);
    expect(refusedAtStart).to.equal(true);
    expect(output).to.contain("the file is truncated");
  });

  it("one bit flipped in a stored header: that block is refused as corrupt, never served with a wrong hash or state root", async function () {
    const dir = copy();
    const file = path.join(dir, "data.mdb");
    // The record of block 2 as written (its bytes appear in the file; copy-on-write may have left older copies too).
    const node = await startNode({ l1Url: hardhat.url, rollup: l1.address, genesis: l1.chain.genesis, dataDir: cleanDir, follow: false });
    const block = node.getBlock(2n)!;
    const record = Buffer.from(encodeBlockRecord({ header: block.header, l1: block.l1 }));
    await node.stop();
    const bytes = readFileSync(file);
    let flipped = 0;
    for (let at = bytes.indexOf(record); at >= 0; at = bytes.indexOf(record, at + 1)) {
      bytes[at + 100]! ^= 0x10; // inside the header (its state root)
      flipped++;
    }
    expect(flipped).to.be.greaterThan(0);
    writeFileSync(file, bytes);
    const { refusedAtStart, corruptAnswers } = await runDamaged(dir);
    expect(refusedAtStart).to.equal(false);
    expect(corruptAnswers, "block 2 and the state at it are refused").to.be.at.least(1);
  });

  it("a state trie node deleted from the store: eth_getBalance and eth_call at the blocks whose state needs it say the store is corrupt (and --reset), never a balance of 0", async function () {
    const dir = copy();
    const store = openNodeStore(dir);
    const head = BigInt(reference.blocks.length - 1);
    const stateRoot = Buffer.from((JSON.parse(reference.blocks[Number(head)]!) as { stateRoot: string }).stateRoot.slice(2), "hex");
    // The leaf that holds the watched account in the head's state: the node the campaign's page flip took.
    const trie = new MerklePatriciaTrie({ db: new BlockWriteDB(store.trie), root: stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes });
    const { node, stack } = await trie.findPath(keccak256(hexToBytes(WATCHED as `0x${string}`)));
    expect(node, "the watched account is in the head's state").to.not.equal(null);
    const leaf = Buffer.from(keccak256(stack.at(-1)!.serialize()));
    expect(store.trie.getBinary(leaf), "the leaf is stored under its hash").to.not.equal(undefined);
    store.transaction(() => store.trie.removeSync(leaf));
    await store.close();
    const { refusedAtStart, corruptAnswers } = await runDamaged(dir);
    expect(refusedAtStart).to.equal(false);
    expect(corruptAnswers, "the balance and the call at the head are refused").to.be.at.least(2);
  });

});
