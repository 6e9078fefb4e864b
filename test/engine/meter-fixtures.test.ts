import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "chai";
import { loadFixtures, runCase, type CaseResult } from "../../src/conformance/index.js";

/**
 * Ethereum's fixtures live beside the repository (../shared), never inside it; EEST_FIXTURES
 * points elsewhere (a git worktree has no ../shared beside it).
 */
const FIXTURES = process.env.EEST_FIXTURES ?? fileURLToPath(new URL("../../../shared/fixtures/eest-osaka", import.meta.url));

/**
 * The verifier's gas meter against Ethereum's own transactions. `runCase` builds each state
 * test's transaction alone in block 1 and hands the builder's EXECUTE input to `execute`, whose
 * budget is the block's gas: the transaction is metered against 5/4 of its own receipt gas, the
 * tightest placement there is. A sound meter refuses none of them.
 *
 * A third of the cases (every third, so every EIP folder is in): the whole set takes ≈ 30 s on
 * a busy machine, and `npm run conformance` runs it all (it reports a budget refusal as a failure).
 */
const SAMPLE_EVERY = 3;
describe("engine: the gas meter refuses no Ethereum fixture transaction (execution-spec-tests, Osaka)", function () {
  this.timeout(300_000);

  it(`every ${SAMPLE_EVERY}rd Osaka state test built, then executed with the meter on: 0 budget refusals, 0 failures`, async function () {
    if (!existsSync(FIXTURES)) {
      console.log(`      NOT RUN: no execution-spec-tests fixtures at ${FIXTURES} (set EEST_FIXTURES); the meter was not checked against them`);
      this.skip();
    }
    const set = loadFixtures(FIXTURES);
    const results: CaseResult[] = [];
    for (const [i, testCase] of set.cases.entries()) if (i % SAMPLE_EVERY === 0) results.push(await runCase(testCase));
    const failed = results.filter((r) => r.outcome === "failed");
    const text = (r: CaseResult) => (r.outcome === "failed" ? `${r.id}: ${r.mismatches.map((m) => `${m.what}: ${m.got}`).join("; ")}` : r.id);
    const budgetRefusals = failed.filter((r) => /GasBudgetExceeded/.test(text(r)));
    expect(budgetRefusals.map(text), "refused by the verifier's gas budget").to.deep.equal([]);
    expect(failed.map(text)).to.deep.equal([]);
    // The sample is what it claims: most cases applied a transaction and went through execute.
    const executed = results.filter((r) => r.outcome === "passed").length;
    expect(executed, "cases built and executed").to.be.greaterThan(300);
  });
});
