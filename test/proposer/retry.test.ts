import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";
import { createBlobDataResolver } from "../../src/blobs/da.js";
import { devAccounts } from "../../src/engine/index.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { configureHardhatExecute, currentBlobArchive } from "../../src/hardhat/index.js";
import { createProposer, type ProposalOutcome, type Proposer } from "../../src/proposer/index.js";
import { startL2Rpc } from "../../src/rpc/index.js";

/** Calls `proposeNext` until `done` says so (waiting out back-offs), at most `deadlineMs`. */
async function proposeUntil(proposer: Proposer, done: (outcomes: ProposalOutcome[]) => boolean, deadlineMs = 60_000): Promise<ProposalOutcome[]> {
  const outcomes: ProposalOutcome[] = [];
  const deadline = Date.now() + deadlineMs;
  while (!done(outcomes)) {
    if (Date.now() > deadline) throw new Error(`no end in ${deadlineMs} ms: ${outcomes.map((o) => o.kind).join(", ")}`);
    const outcome = await proposer.proposeNext();
    if (outcome.kind === "waiting") await new Promise((resolve) => setTimeout(resolve, Math.max(1, outcome.retryAt - Date.now())));
    else outcomes.push(outcome);
    // Idle before the end: nothing is left to propose (what was expected to land is gone).
    if (outcome.kind === "idle" && !done(outcomes)) throw new Error(`idle before the end: ${outcomes.map((o) => o.kind).join(", ")}`);
  }
  return outcomes;
}

const tried = (outcomes: ProposalOutcome[]) => outcomes.filter((o) => o.kind !== "idle");
const droppedIn = (outcomes: ProposalOutcome[]) => outcomes.flatMap((o) => ("dropped" in o ? o.dropped : []));

/** ultrasound_getTransactionStatus through the JSON-RPC over the fixture's mempool. */
async function statusOf(url: string, hash: string): Promise<{ status: string; reason?: string }> {
  const response = await fetch(url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ultrasound_getTransactionStatus", params: [hash] }) });
  return ((await response.json()) as { result: { status: string; reason?: string } }).result;
}

async function proposerOf(l2: RollupFixture, ethers: Awaited<ReturnType<typeof network.create>>["ethers"], lines: string[]) {
  const [signer] = await ethers.getSigners();
  return createProposer({
    chain: l2.chain,
    rollup: l2.rollup,
    provider: ethers.provider as never,
    mempool: l2.mempool,
    coinbase: await signer!.getAddress(),
    retryMs: { first: 20, max: 200 },
    log: (line) => lines.push(line),
  });
}

describe("proposer: a transaction is dropped only for a fault of its own", function () {
  this.timeout(120_000);

  it("an L1 that refuses the blob advance for a while (automine off: hardhat#5024), then accepts: every transaction lands, none dropped, pending while retried", async function () {
    const connection = await network.create();
    const { ethers } = connection;
    const send = (method: string, params: unknown[] = []) => connection.provider.request({ method, params });
    const l2 = await loadRollupFixture({ ethers });
    const rpc = await startL2Rpc({ chain: l2.chain, mempool: l2.mempool, port: 0 });
    const lines: string[] = [];
    try {
      const hashes = [];
      for (let i = 1; i <= 4; i++) hashes.push(await l2.send({ from: i, to: l2.wallets[10 + i]!.address, value: BigInt(i) }));
      const proposer = await proposerOf(l2, ethers, lines);

      // EDR takes a type-3 transaction only with automine on (and an empty mempool): with it off, L1 refuses every advance.
      await send("evm_setAutomine", [false]);
      let refused: ProposalOutcome[];
      try {
        refused = await proposeUntil(proposer, (o) => tried(o).length >= 4);
        for (const hash of hashes) expect(await statusOf(rpc.url, hash), "pending while retried").to.deep.equal({ status: "pending" });
      } finally {
        await send("evm_setAutomine", [true]);
      }
      expect(refused.map((o) => o.kind)).to.deep.equal(["failed", "failed", "failed", "failed"]);
      expect(droppedIn(refused)).to.deep.equal([]);
      const pauses = refused.map((o) => (o as { retryInMs: number }).retryInMs);
      expect(pauses, "the pause doubles, capped").to.deep.equal([20, 40, 80, 160]);
      expect(lines.filter((l) => /L1 refused or reverted the block: .*4 transaction\(s\) kept, retrying in/.test(l)), lines.join("\n")).to.have.length(4);

      // L1 accepts again: the same block lands, whole.
      const landed = await proposeUntil(proposer, (o) => o.some((x) => x.kind === "proposed"));
      const proposed = landed.find((o) => o.kind === "proposed") as Extract<ProposalOutcome, { kind: "proposed" }>;
      expect(proposed.proposed.block.transactions).to.have.length(4);
      expect(droppedIn(landed)).to.deep.equal([]);
      for (const hash of hashes) {
        expect(l2.receipt(hash)?.status, hash).to.equal(1);
        expect((await statusOf(rpc.url, hash)).status).to.equal("included");
      }
      expect(lines.filter((l) => l.includes("dropped"))).to.deep.equal([]);
    } finally {
      await rpc.close();
    }
  });

  it("a block EXECUTE rejects for no transaction's fault is retried, not narrowed down and dropped; it lands once EXECUTE accepts", async function () {
    const { ethers } = await network.create();
    const l2 = await loadRollupFixture({ ethers });
    const a = await l2.send({ from: 1, to: l2.wallets[2]!.address, value: 1n });
    const b = await l2.send({ from: 3, to: l2.wallets[4]!.address, value: 1n });
    const lines: string[] = [];
    const proposer = await proposerOf(l2, ethers, lines);
    // EXECUTE finds no blob data: every block fails, whatever its transactions.
    configureHardhatExecute({});
    let outcomes: ProposalOutcome[];
    try {
      outcomes = await proposeUntil(proposer, (o) => tried(o).length >= 5);
    } finally {
      configureHardhatExecute({ resolveBlobData: createBlobDataResolver({ archive: currentBlobArchive }) });
    }
    expect(outcomes.map((o) => o.kind)).to.deep.equal(["failed", "failed", "failed", "failed", "failed"]);
    expect(droppedIn(outcomes)).to.deep.equal([]);
    expect(l2.mempool.status(a).status).to.equal("pending");
    expect(l2.mempool.status(b).status).to.equal("pending");
    const landed = await proposeUntil(proposer, (o) => o.some((x) => x.kind === "proposed"));
    expect(droppedIn(landed)).to.deep.equal([]);
    expect(l2.receipt(a)?.status).to.equal(1);
    expect(l2.receipt(b)?.status).to.equal(1);
  });

  it("a transaction that passes the mempool but fails alone in the builder is dropped with its own reason (ultrasound_getTransactionStatus says it); its neighbours land", async function () {
    const { ethers } = await network.create();
    // Account #12 has code: EIP-3607 forbids it to send transactions; the pool cannot tell (geth's neither).
    const sender = devAccounts()[12]!;
    const l2 = await loadRollupFixture({ ethers }, { genesis: { alloc: { [sender.address]: { balance: 10n ** 20n, code: "0x00" } } } });
    const rpc = await startL2Rpc({ chain: l2.chain, mempool: l2.mempool, port: 0 });
    const lines: string[] = [];
    try {
      const before = await l2.send({ from: 1, to: l2.wallets[2]!.address, value: 1n });
      const bad = await l2.send({ from: new Wallet(sender.privateKey), nonce: 0, to: l2.wallets[1]!.address, value: 1n });
      const after = await l2.send({ from: 3, to: l2.wallets[4]!.address, value: 1n });
      const proposer = await proposerOf(l2, ethers, lines);
      const outcomes = await proposeUntil(proposer, (o) => o.some((x) => x.kind === "proposed"));
      expect(outcomes.map((o) => o.kind)).to.deep.equal(["proposed"]);
      const dropped = droppedIn(outcomes);
      expect(dropped.map((d) => d.hash)).to.deep.equal([bad]);
      expect(dropped[0]!.reason).to.match(/EIP-3607/);
      expect(l2.receipt(before)?.status).to.equal(1);
      expect(l2.receipt(after)?.status).to.equal(1);
      const status = await statusOf(rpc.url, bad);
      expect(status.status).to.equal("dropped");
      expect(status.reason).to.match(/EIP-3607/);
      expect(lines.join("\n")).to.contain(`dropped ${bad}`);
    } finally {
      await rpc.close();
    }
  });
});
