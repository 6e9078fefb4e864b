/**
 * test/mocha-worker.ts: in mocha's parallel mode (the default `npm test`), a test that fails with
 * bigints in its error's details is reported with its own message, and the other tests of its
 * file are reported too. Before, the worker's report broke on the bigint ("Do not know how to
 * serialize a BigInt") and the file's results were lost.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

describe("mocha workers report failures whose details hold bigints", function () {
  this.timeout(180_000);

  it("names the failing test and its message, and counts the file's passing tests", async function () {
    const dir = mkdtempSync(path.join(tmpdir(), "ultrasound-mocha-worker-"));
    try {
      const files = ["a", "b"].map((name) => path.join(dir, `${name}.test.ts`));
      for (const file of files) {
        writeFileSync(
          file,
          `describe("a file with a failure", () => {
  it("fails with bigint details", () => { throw Object.assign(new Error("fee 1 wei short of 21000"), { details: { fee: 20999n, needed: 21000n } }); });
  it("passes", () => {});
});
`,
        );
      }
      const output = await new Promise<string>((resolve) =>
        execFile("node_modules/.bin/hardhat", ["test", "mocha", "--no-compile", ...files], { env: { ...process.env, TEST_JOBS: "2" }, timeout: 150_000 }, (_error, stdout, stderr) => resolve(stdout + stderr)),
      );
      expect(output, output).to.not.include("Do not know how to serialize a BigInt");
      expect(output, output).to.match(/2 passing/);
      expect(output, output).to.match(/2 failing/);
      expect(output.match(/fee 1 wei short of 21000/g)?.length, output).to.equal(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
