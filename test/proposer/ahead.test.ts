import { expect } from "chai";
import { network } from "hardhat";
import { bytesToHex } from "@ethereumjs/util";
import { createBlobDataResolver } from "../../src/blobs/da.js";
import { chainHead, getL2Account } from "../../src/engine/index.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { configureHardhatExecute, currentBlobArchive } from "../../src/hardhat/index.js";
import { createProposer, type ProposalOutcome, type Proposer } from "../../src/proposer/index.js";

/**
 * Issue 17 item 4: the proposer builds block N+1 while block N's advance is on its way to L1
 * (src/proposer/ahead.ts) and sends it next only if N landed as built and its transactions are
 * still in the pool; otherwise it rebuilds from the head, and no transaction is lost.
 */

type Connection = Awaited<ReturnType<typeof network.create>>;
type Proposed = Extract<ProposalOutcome, { kind: "proposed" }>;

/** Four 21,000-gas transfers per L2 block: several blocks out of a dozen transfers. */
const GENESIS = { gasLimit: 4n * 21_000n };

async function proposerOf(l2: RollupFixture, ethers: Connection["ethers"], overlap: boolean, lines: string[]): Promise<Proposer> {
  const [signer] = await ethers.getSigners();
  return createProposer({
    chain: l2.chain,
    rollup: l2.rollup,
    provider: ethers.provider as never,
    mempool: l2.mempool,
    coinbase: await signer!.getAddress(),
    retryMs: { first: 20, max: 200 },
    overlap,
    log: (line) => lines.push(line),
  });
}

/** Calls `proposeNext` until `done` (waiting out back-offs), at most `deadlineMs`. */
async function proposeUntil(proposer: Proposer, done: (outcomes: ProposalOutcome[]) => boolean, deadlineMs = 90_000): Promise<ProposalOutcome[]> {
  const outcomes: ProposalOutcome[] = [];
  const deadline = Date.now() + deadlineMs;
  while (!done(outcomes)) {
    if (Date.now() > deadline) throw new Error(`no end in ${deadlineMs} ms: ${outcomes.map((o) => o.kind).join(", ")}`);
    const outcome = await proposer.proposeNext();
    if (outcome.kind === "waiting") await new Promise((resolve) => setTimeout(resolve, Math.max(1, outcome.retryAt - Date.now())));
    else outcomes.push(outcome);
  }
  return outcomes;
}

const idle = (outcomes: ProposalOutcome[]) => outcomes.at(-1)?.kind === "idle";
const proposedIn = (outcomes: ProposalOutcome[]) => outcomes.filter((o): o is Proposed => o.kind === "proposed");
const blocksOf = (outcomes: ProposalOutcome[]) => proposedIn(outcomes).map((o) => o.proposed.block.transactions.map((tx) => bytesToHex(tx.hash())));

/** Twelve transfers from three senders (four each), all in the pool before the first block. */
async function sendTransfers(l2: RollupFixture): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < 12; i++) hashes.push(await l2.send({ from: 1 + (i % 3), to: l2.wallets[10 + (i % 5)]!.address, value: BigInt(1 + i) }));
  return hashes;
}

/** A rollup fixture with 12 transfers pending and a proposer on it (`overlap`), its log lines collected. */
async function setup(overlap = true, transfers = true) {
  const { ethers } = await network.create();
  const l2 = await loadRollupFixture({ ethers }, { genesis: GENESIS });
  const hashes = transfers ? await sendTransfers(l2) : [];
  const lines: string[] = [];
  const proposer = await proposerOf(l2, ethers, overlap, lines);
  return { ethers, l2, hashes, lines, proposer };
}

/** {@link setup}, then its first block proposed and verified on L1. */
async function setupWithFirstBlock() {
  const env = await setup();
  const [first] = await proposeUntil(env.proposer, (o) => o.length >= 1);
  expect(first!.kind, env.lines.join("\n")).to.equal("proposed");
  return { ...env, first: first! };
}

/** The rollup's head on L1 is the proposer's chain head: every block was verified by EXECUTE. */
async function expectHeadOnL1(l2: RollupFixture): Promise<void> {
  const head = (await l2.rollup.getFunction("head")()) as { blockHash: string };
  expect(head.blockHash.toLowerCase()).to.equal(bytesToHex(chainHead(l2.chain).hash()));
}

describe("proposer: building the next block while the last one is on its way to L1", function () {
  this.timeout(300_000);

  it("overlapped, it sends the same blocks a sequential proposer sends for the same transactions (each verified by EXECUTE), most of them built ahead", async function () {
    const runs: { blocks: string[][]; ahead: number; balances: bigint[] }[] = [];
    for (const overlap of [false, true]) {
      const { l2, hashes, lines, proposer } = await setup(overlap);
      const outcomes = await proposeUntil(proposer, idle);
      expect(outcomes.slice(0, -1).map((o) => o.kind), lines.join("\n")).to.deep.equal(["proposed", "proposed", "proposed"]);
      for (const o of proposedIn(outcomes)) expect(o.proposed.l1Receipt.status).to.equal(1);
      await expectHeadOnL1(l2);
      for (const hash of hashes) expect(l2.receipt(hash)?.status, hash).to.equal(1);
      const balances = [];
      for (let i = 10; i < 15; i++) balances.push((await getL2Account(l2.chain, l2.wallets[i]!.address)).balance);
      runs.push({ blocks: blocksOf(outcomes), ahead: proposedIn(outcomes).filter((o) => o.builtAhead === true).length, balances });
    }
    const [sequential, overlapped] = runs;
    expect(overlapped!.blocks).to.deep.equal(sequential!.blocks);
    expect(overlapped!.balances).to.deep.equal(sequential!.balances);
    expect(sequential!.ahead, "the baseline builds nothing ahead").to.equal(0);
    expect(overlapped!.ahead, "blocks 2 and 3 were built while their parent was mined").to.equal(2);
  });

  it("a block built ahead whose parent's advance EXECUTE refused is discarded: every transaction stays pending and lands later, none dropped", async function () {
    const { l2, hashes, lines, proposer } = await setup();
    // EXECUTE finds no blob data: the first block's advance reverts while the second is built on it.
    configureHardhatExecute({});
    let failed: ProposalOutcome[];
    try {
      failed = await proposeUntil(proposer, (o) => o.length >= 2);
    } finally {
      configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ archive: currentBlobArchive }) });
    }
    expect(failed.map((o) => o.kind), lines.join("\n")).to.deep.equal(["failed", "failed"]);
    expect(failed.flatMap((o) => ("dropped" in o ? o.dropped : []))).to.deep.equal([]);
    expect(chainHead(l2.chain).number, "nothing appended").to.equal(0n);
    for (const hash of hashes) expect(l2.mempool.status(hash).status, hash).to.equal("pending");

    const landed = await proposeUntil(proposer, idle);
    expect(landed.slice(0, -1).map((o) => o.kind), lines.join("\n")).to.deep.equal(["proposed", "proposed", "proposed"]);
    expect(proposedIn(landed)[0]!.builtAhead, "the first block after the failure is rebuilt from the head").to.equal(undefined);
    expect(blocksOf(landed).flat().sort()).to.deep.equal([...hashes].sort());
    for (const hash of hashes) expect(l2.receipt(hash)?.status, hash).to.equal(1);
    await expectHeadOnL1(l2);
  });

  it("a block built ahead that EXECUTE refuses is retried from the head with its transactions; none lost", async function () {
    const { l2, hashes, lines, proposer, first } = await setupWithFirstBlock();
    configureHardhatExecute({});
    let refused: ProposalOutcome[];
    try {
      refused = await proposeUntil(proposer, (o) => o.length >= 1);
    } finally {
      configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ archive: currentBlobArchive }) });
    }
    expect(refused.map((o) => o.kind), lines.join("\n")).to.deep.equal(["failed"]);
    expect(lines.filter((l) => l.includes("discarded the block built ahead")), "the refused block is the one built ahead").to.deep.equal([]);
    const rest = hashes.filter((hash) => !blocksOf([first!]).flat().includes(hash as `0x${string}`));
    for (const hash of rest) expect(l2.mempool.status(hash).status, hash).to.equal("pending");
    const landed = await proposeUntil(proposer, idle);
    expect(blocksOf([first!, ...landed]).flat().sort()).to.deep.equal([...hashes].sort());
    for (const hash of hashes) expect(l2.receipt(hash)?.status, hash).to.equal(1);
    await expectHeadOnL1(l2);
  });

  it("only a full block gets one built ahead on it; one with room left is sent when fewer transactions arrived meanwhile than it carries, rebuilt with them when more did", async function () {
    const { l2, lines, proposer } = await setup(true, false);
    const transfer = (from: number, value: bigint) => l2.send({ from, to: l2.wallets[12]!.address, value });
    const hashes: string[] = [];
    const next = async () => (await proposeUntil(proposer, (o) => o.length >= 1))[0] as Proposed;
    // Six: a full block of four, and two built ahead on it (room for two more).
    for (let i = 0; i < 6; i++) hashes.push(await transfer(1 + (i % 3), BigInt(i + 1)));
    const first = await next();
    expect(first.kind, lines.join("\n")).to.equal("proposed");
    // One arrives (fewer than the two built ahead): the block built ahead goes; none is built on it (it had room).
    hashes.push(await transfer(4, 100n));
    const second = await next();
    expect(second.builtAhead, lines.join("\n")).to.equal(true);
    expect(blocksOf([second])[0]).to.deep.equal(hashes.slice(4, 6));
    // Five more: the newcomer and four of them fill the third block, two are built ahead on it; then three arrive: rebuilt with them.
    for (let i = 0; i < 5; i++) hashes.push(await transfer(5 + i, 200n + BigInt(i)));
    const third = await next();
    expect(third.builtAhead, "the second had room: nothing was built on it").to.equal(undefined);
    expect(third.proposed.block.transactions).to.have.length(4);
    for (let i = 0; i < 3; i++) hashes.push(await transfer(10 + i, 300n + BigInt(i)));
    const rest = await proposeUntil(proposer, idle);
    expect(lines.some((l) => l.includes("discarded the block built ahead of L2 block 3: 3 transaction(s) arrived meanwhile, more than its 2")), lines.join("\n")).to.equal(true);
    expect(proposedIn(rest)[0]!.builtAhead).to.equal(undefined);
    expect(blocksOf(rest)[0]).to.have.length(4);
    expect(blocksOf([first, second, third, ...rest]).flat().sort()).to.deep.equal([...hashes].sort());
    for (const hash of hashes) expect(l2.receipt(hash)?.status, hash).to.equal(1);
    await expectHeadOnL1(l2);
  });

  it("a block built ahead one of whose transactions was replaced in the pool meanwhile is discarded: the replacement lands, the replaced one does not", async function () {
    const { l2, hashes, lines, proposer, first } = await setupWithFirstBlock();
    // Replace what the block built ahead starts with: the first of the pool's pending transactions now.
    const target = l2.mempool.pending()[0]!;
    const replaced = bytesToHex(target.hash());
    const from = l2.wallets.findIndex((w) => w.address === target.getSenderAddress().toString() || w.address.toLowerCase() === target.getSenderAddress().toString());
    expect(hashes).to.include(replaced);
    const replacement = await l2.send({ from, nonce: Number(target.nonce), to: l2.wallets[16]!.address, value: 7n, maxPriorityFeePerGas: 3_000_000_000n, maxFeePerGas: 30_000_000_000n });
    expect(l2.mempool.status(replaced).status).to.not.equal("pending");
    const landed = await proposeUntil(proposer, idle);
    expect(lines.some((l) => /discarded the block built ahead of L2 block 1: its transaction 0x[0-9a-f]{64} is/.test(l)), lines.join("\n")).to.equal(true);
    expect(proposedIn(landed)[0]!.builtAhead).to.equal(undefined);
    const included = blocksOf([first!, ...landed]).flat();
    expect(included).to.include(replacement as `0x${string}`);
    expect(included).to.not.include(replaced);
    expect(included.sort()).to.deep.equal([...hashes.filter((h) => h !== replaced), replacement].sort());
    await expectHeadOnL1(l2);
  });
});
