import { expect } from "chai";
import { parseDevnetArgs } from "../../src/devnet/cli.js";
import { createLogger, parseLogLevel } from "../../src/devnet/log.js";
import { PREINSTALLS } from "../../src/engine/index.js";
import { CommandLineError } from "../../src/shared/cli.js";

describe("devnet: --log-level and --no-preinstalls", () => {
  it("quiet prints nothing, info prints the devnet's lines, debug adds transactions; a bad level names the valid ones", () => {
    const printed: string[] = [];
    createLogger("quiet", (line) => printed.push(line)).log("block");
    expect(printed).to.deep.equal([]);
    createLogger("info", (line) => printed.push(line)).log("block");
    expect(printed).to.deep.equal(["block"]);
    expect(parseLogLevel("debug")).to.equal("debug");
    expect(() => parseDevnetArgs(["--log-level", "loud"])).to.throw(CommandLineError, /--log-level: Unknown log level "loud": use one of quiet, info, debug/);
    expect(parseDevnetArgs(["--log-level", "quiet"]).options.log).to.be.a("function");
  });

  it("--no-preinstalls gives the default genesis without them; without it the devnet's default genesis has them", () => {
    const genesis = parseDevnetArgs(["--no-preinstalls"]).options.genesis!;
    for (const address of Object.values(PREINSTALLS)) expect(genesis.alloc[address.toLowerCase()]).to.equal(undefined);
    expect(parseDevnetArgs([]).options.genesis).to.equal(undefined);
  });
});
