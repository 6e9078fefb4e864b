import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import {
  formatReport,
  loadFixtures,
  MAPPED,
  runCase,
  type CaseResult,
  type ConformanceCase,
  type FixtureSet,
} from "../../src/conformance/index.js";
import { allocFromPre, diffPostState, parentBaseFeeFor } from "../../src/conformance/state.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { buildBlock, chainHead, createL2Chain, PREDEPLOYS } from "../../src/engine/index.js";
import { bytesToHex } from "../../src/shared/bytes.js";

/** Ethereum's fixtures live beside the repository (../shared), never inside it. */
const FIXTURES = fileURLToPath(new URL("../../../shared/fixtures/eest-osaka", import.meta.url));

type Failed = Extract<CaseResult, { outcome: "failed" }>;

describe("conformance: execution-spec-tests Osaka state tests through buildBlock and execute", function () {
  this.timeout(60_000);
  let set: FixtureSet;

  before(function () {
    if (!existsSync(FIXTURES)) {
      console.log(`      NOT RUN: no execution-spec-tests fixtures at ${FIXTURES}; the conformance tests did not run`);
      this.skip();
    }
    set = loadFixtures(FIXTURES);
  });

  /** The first case that is not refused (no exception, no blob) and whose post state lists `address`. */
  function appliedCaseListing(address: (c: ConformanceCase) => string): ConformanceCase {
    const found = set.cases.find(
      (c) => c.expected.exception === undefined && c.txbytes[0] !== 3 && c.expected.state?.[address(c)] !== undefined,
    );
    if (found === undefined) throw new Error("no suitable case in the fixtures");
    return structuredClone(found);
  }
  const coinbaseOf = (c: ConformanceCase) => bytesToHex(c.env.coinbase);

  it("loads every Osaka case of the release (1,088) and counts the other forks' entries apart", () => {
    expect(set.files).to.equal(35);
    expect(set.cases).to.have.length(1088);
    expect(set.otherForks.every((entry) => entry.fork !== "Osaka")).to.equal(true);
    expect(new Set(set.cases.map((c) => c.id)).size).to.equal(set.cases.length);
  });

  it("agrees with Ethereum on a slice spread over every EIP folder, refused and blob cases included", async () => {
    const groups = [...new Set(set.cases.map((c) => c.group))];
    const slice: ConformanceCase[] = [];
    for (const group of groups) {
      const inGroup = set.cases.filter((c) => c.group === group);
      const picks = new Set(Array.from({ length: Math.min(6, inGroup.length) }, (_, i) => Math.floor((i * inGroup.length) / 6)));
      for (const i of picks) slice.push(inGroup[i]!);
    }
    // The refusal paths: one invalid transaction of each kind the fixtures have, one valid blob tx.
    const exceptions = new Set(set.cases.map((c) => c.expected.exception).filter((e) => e !== undefined));
    for (const exception of exceptions) slice.push(set.cases.find((c) => c.expected.exception === exception)!);
    slice.push(set.cases.find((c) => c.txbytes[0] === 3 && c.expected.exception === undefined)!);
    const unique = [...new Set(slice)];

    const results: CaseResult[] = [];
    for (const testCase of unique) results.push(await runCase(testCase));
    const failures = results.filter((r) => r.outcome === "failed");
    expect(failures, formatReport({ dir: FIXTURES, files: set.files, results: failures })).to.deep.equal([]);
    expect(new Set(results.map((r) => r.group))).to.deep.equal(new Set(groups));
    expect(results.filter((r) => r.outcome === "passed").length).to.be.greaterThan(25);
    expect(results.some((r) => r.outcome === "passed" && r.refusal !== undefined)).to.equal(true);
    expect(results.some((r) => r.outcome === "mapped" && r.reason === MAPPED.blobValidOnL1)).to.equal(true);
    console.log(`      ${unique.length} cases over ${groups.length} EIP folders`);
  });

  it("maps a blob transaction valid on L1 to its L2 outcome: refused by buildBlock and by execute", async () => {
    const blob = set.cases.find((c) => c.txbytes[0] === 3 && c.expected.exception === undefined)!;
    const result = await runCase(blob);
    expect(result.outcome).to.equal("mapped");
    expect(result).to.include({ reason: MAPPED.blobValidOnL1 });
    expect((result as { refusal: string }).refusal).to.match(/not allowed on L2.*execute: BlobTransactionNotAllowedError/s);
  });

  it("refuses a transaction the fixture expects to fail, in buildBlock and in execute", async () => {
    const invalid = set.cases.find((c) => c.expected.exception === "TransactionException.INTRINSIC_GAS_TOO_LOW")!;
    const result = await runCase(invalid);
    expect(result.outcome, JSON.stringify(result)).to.equal("passed");
    expect((result as { refusal: string }).refusal).to.match(/INTRINSIC_GAS_TOO_LOW.*execute: InvalidTransactionError/s);
  });

  it("maps the anchor predeploy away: on a fixture genesis without it, the anchor system call changes nothing", async () => {
    const testCase = set.cases[0]!;
    const chain = await createL2Chain({
      chainId: testCase.chainId,
      gasLimit: testCase.env.gasLimit,
      timestamp: 0n,
      baseFeePerGas: parentBaseFeeFor(testCase.env.baseFee),
      alloc: allocFromPre(testCase.pre),
    });
    const empty = await buildBlock(chain, {
      transactions: [],
      timestamp: testCase.env.timestamp,
      coinbase: testCase.env.coinbase,
      prevRandao: testCase.env.prevRandao,
      anchor: new Uint8Array(32).fill(0xab),
    });
    expect(bytesToHex(empty.header.stateRoot)).to.equal(bytesToHex(chainHead(chain).stateRoot));
    expect(empty.header.baseFeePerGas).to.equal(testCase.env.baseFee);
  });

  it("gives the same post state with the real L2Anchor predeploy in the genesis, but for the anchor's own account", async () => {
    // The other faithful mapping, checked on one applied case per EIP folder: the predeploy and
    // its system call change nothing the transaction sees or writes.
    const anchorCode = loadArtifact("l2/L2Anchor.sol", "L2Anchor").deployedBytecode;
    for (const group of new Set(set.cases.map((c) => c.group))) {
      const testCase = set.cases.find((c) => c.group === group && c.expected.exception === undefined && c.txbytes[0] !== 3);
      if (testCase === undefined) continue;
      const chain = await createL2Chain({
        chainId: testCase.chainId,
        gasLimit: testCase.env.gasLimit,
        timestamp: 0n,
        baseFeePerGas: parentBaseFeeFor(testCase.env.baseFee),
        alloc: { ...allocFromPre(testCase.pre), [PREDEPLOYS.anchor]: { code: anchorCode } },
      });
      const built = await buildBlock(chain, {
        transactions: [testCase.txbytes],
        timestamp: testCase.env.timestamp,
        coinbase: testCase.env.coinbase,
        prevRandao: testCase.env.prevRandao,
        anchor: new Uint8Array(32).fill(0xab),
      });
      expect(built.transactions, testCase.id).to.have.length(1);
      expect(bytesToHex(built.header.stateRoot), testCase.id).to.not.equal(testCase.expected.hash);
      const differences = await diffPostState(chain.db, built.header.stateRoot, testCase.expected.state!, testCase.pre, [PREDEPLOYS.anchor]);
      expect(differences.map((d) => `${d.what}: ${d.expected} / ${d.got}`), testCase.id).to.have.length(1);
      expect(differences[0]!.what).to.equal(PREDEPLOYS.anchor);
      expect(differences[0]!.expected).to.equal("absent");
    }
  });

  describe("fails when the engine and the fixture disagree", () => {
    it("reports a wrong post state root as failed, with the expected and the computed root", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      const good = await runCase(testCase);
      expect(good.outcome).to.equal("passed");
      const corrupted = `0x${"11".repeat(32)}`;
      const result = (await runCase({ ...testCase, expected: { ...testCase.expected, hash: corrupted } })) as Failed;
      expect(result.outcome).to.equal("failed");
      const root = result.mismatches.find((m) => m.what === "stateRoot")!;
      expect(root.expected).to.equal(corrupted);
      expect(root.got).to.equal(testCase.expected.hash);
      expect(result.knownDefect).to.equal(undefined);
    });

    it("reports a wrong account balance and a wrong storage slot even when the root matches", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      const coinbase = coinbaseOf(testCase);
      const state = testCase.expected.state!;
      const balance = BigInt(state[coinbase]!.balance);
      state[coinbase]!.balance = `0x${(balance + 1n).toString(16)}`;
      const [contract] = Object.entries(state).find(([, a]) => Object.keys(a.storage).length > 0) ?? [];
      if (contract !== undefined) state[contract]!.storage["0x0123"] = "0x01";
      const result = (await runCase(testCase)) as Failed;
      expect(result.outcome).to.equal("failed");
      expect(result.mismatches).to.deep.include({
        what: `${coinbase}.balance`,
        expected: `0x${(balance + 1n).toString(16)}`,
        got: `0x${balance.toString(16)}`,
      });
      if (contract !== undefined) expect(result.mismatches).to.deep.include({ what: `${contract}.storage[0x0123]`, expected: "0x1", got: "0x0" });
    });

    it("reports an account present in the post state that the fixture does not list", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      const coinbase = coinbaseOf(testCase);
      delete testCase.expected.state![coinbase];
      const result = (await runCase(testCase)) as Failed;
      expect(result.outcome).to.equal("failed");
      const extra = result.mismatches.find((m) => m.what === coinbase)!;
      expect(extra.expected).to.equal("absent");
      expect(extra.got).to.match(/^present \(nonce 0, balance \d+\)$/);
    });

    it("reports wrong logs", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      const result = (await runCase({ ...testCase, expected: { ...testCase.expected, logs: `0x${"22".repeat(32)}` } })) as Failed;
      expect(result.outcome).to.equal("failed");
      expect(result.mismatches.map((m) => m.what)).to.deep.equal(["logs"]);
    });

    it("fails a case whose fixture expects a refusal when the engine applies the transaction", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      const result = (await runCase({ ...testCase, expected: { ...testCase.expected, exception: "TransactionException.MADE_UP" } })) as Failed;
      expect(result.outcome).to.equal("failed");
      expect(result.mismatches.find((m) => m.what === "buildBlock")).to.deep.include({ expected: "transaction refused" });
      // execute runs the transaction fine and only then finds the claims wrong: not a refusal of it.
      const forced = result.mismatches.find((m) => m.what === "execute (block including the transaction)")!;
      expect(forced.expected).to.equal("refused with InvalidTransactionError or TransactionDecodeError");
      expect(forced.got).to.match(/^CommitmentMismatchError/);
    });

    it("skips, by reason, a case whose pre occupies the L2Anchor predeploy address", async () => {
      const testCase = appliedCaseListing(coinbaseOf);
      testCase.pre[PREDEPLOYS.anchor] = { nonce: "0x00", balance: "0x01", code: "0x", storage: {} };
      const result = await runCase(testCase);
      expect(result).to.deep.include({ outcome: "skipped", reason: "pre holds an account at the L2Anchor predeploy address" });
    });
  });
});

describe("conformance: the report", () => {
  it("formats a report whose failures name the case and both values", () => {
    const text = formatReport({
      dir: "x",
      files: 1,
      results: [
        { id: "a#0", group: "eip1", outcome: "passed" },
        { id: "b#0", group: "eip1", outcome: "failed", reason: "differs", mismatches: [{ what: "stateRoot", expected: "0xaa", got: "0xbb" }] },
      ],
    });
    expect(text).to.match(/^passed\s+1$/m);
    expect(text).to.match(/^failed\s+1$/m);
    expect(text).to.include("b#0");
    expect(text).to.include("stateRoot: expected 0xaa, got 0xbb");
  });
});
