import { expect } from "chai";
import { execFile } from "node:child_process";
import { parseDevnetArgs } from "../../src/devnet/cli.js";
import { CommandLineError } from "../../src/shared/cli.js";

/** Runs a script of the project with tsx, as `npm run …` does; resolves with its exit code and output. */
function runScript(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ["--import", "tsx", script, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr }),
    ),
  );
}

describe("devnet command line", () => {
  it("parses every option into the devnet's options", () => {
    const { options, smoke, help } = parseDevnetArgs([
      "--smoke", "--rollups", "3", "--block-time", "2", "--finality-depth", "8", "--fund-l2", "0.5",
      "--l1-port", "9545", "--l2-port", "9546", "--blob-port", "6052", "--host", "0.0.0.0", "--calldata", "--allow-unprotected-txs",
    ]);
    expect(help).to.equal(false);
    expect(smoke).to.equal(true);
    expect(options).to.include({ rollups: 3, blockTimeSeconds: 2, finalityDepth: 8, fundL2: 5n * 10n ** 17n, l1Port: 9545, l2Port: 9546, blobPort: 6052, host: "0.0.0.0", dataAvailability: "calldata" });
    expect(options.mempool).to.deep.equal({ allowUnprotected: true });
    expect(parseDevnetArgs([]).options).to.include({ rollups: 1, blockTimeSeconds: 12, l1Port: 8545, l2Port: 8546, blobPort: 5052, dataAvailability: "blobs" });
  });

  it("refuses a misspelled option, naming the nearest valid one and listing them all", () => {
    expect(() => parseDevnetArgs(["--l2port", "9546"])).to.throw(CommandLineError, /unknown option --l2port \(did you mean --l2-port\?\)[\s\S]*--block-time/);
    expect(() => parseDevnetArgs(["--frobnicate"])).to.throw(CommandLineError, /unknown option --frobnicate\n/);
  });

  it("refuses bad values with the value in the message", () => {
    expect(() => parseDevnetArgs(["--l2-port", "70000"])).to.throw(CommandLineError, /--l2-port needs an integer from 1 to 65535[\s\S]*got: 70000/);
    expect(() => parseDevnetArgs(["--block-time", "-1"])).to.throw(CommandLineError);
    expect(() => parseDevnetArgs(["--rollups"])).to.throw(CommandLineError, /--rollups/);
    expect(() => parseDevnetArgs(["--fund-l2", "lots"])).to.throw(CommandLineError, /--fund-l2 needs an amount of ETH[\s\S]*got: lots/);
    expect(() => parseDevnetArgs(["stray"])).to.throw(CommandLineError, /unexpected argument/);
    expect(() => parseDevnetArgs(["--rollups", "2", "--genesis", "g.json"])).to.throw(CommandLineError, /one rollup/);
  });

  it("`npm run devnet -- --help` prints the options and exits 0 without starting anything", async function () {
    this.timeout(90_000);
    const { code, stdout } = await runScript("scripts/devnet.ts", ["--help"]);
    expect(code).to.equal(0);
    expect(stdout).to.match(/^usage: npm run devnet/);
    for (const option of ["--smoke", "--rollups", "--block-time", "--finality-depth", "--l2-port", "--fund-l2"]) expect(stdout).to.include(option);
    expect(stdout).not.to.include("ultrasound devnet");
  });

  it("`npm run devnet -- --l2port 9546` exits 2 with the valid options, before starting anything", async function () {
    this.timeout(90_000);
    const { code, stdout, stderr } = await runScript("scripts/devnet.ts", ["--l2port", "9546"]);
    expect(code).to.equal(2);
    expect(stderr).to.include("devnet: unknown option --l2port (did you mean --l2-port?)");
    expect(stderr).to.include("usage: npm run devnet");
    expect(stdout).not.to.include("ultrasound devnet");
  });

  it("`npm run multi-node` refuses an unknown option too", async function () {
    this.timeout(90_000);
    const { code, stderr } = await runScript("scripts/multi-node.ts", ["--l1", "http://127.0.0.1:1", "--factroy", "0x00"]);
    expect(code).to.equal(2);
    expect(stderr).to.include("multi-node: unknown option --factroy (did you mean --factory?)");
  });
});
