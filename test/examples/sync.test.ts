/**
 * The sync counter example (examples/sync): read 42, set 66, read 66 on L2 from ONE L1
 * transaction, on the real EDR + EXECUTE + engine, beside the async path for the same effect.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { asyncReadSetRead, deployCounter, formatRows, plainAdvance, syncReadSetRead } from "../../examples/sync/sync.js";

describe("examples/sync: read-set-read of an L2 counter from one L1 transaction", function () {
  it("sync: 42 then 66 in one L1 transaction and block; async: the same values over four transactions", async function () {
    const { ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
    const sync = await deployCounter(l2, signer!);
    const [row] = await syncReadSetRead(l2, sync);
    expect(row!.step).to.match(/read 42, set 66, read 66 \(3 L2 calls/);
    expect(row!.seen).to.equal(66n);
    const advance = await plainAdvance(l2);
    const async = await asyncReadSetRead(l2, await deployCounter(l2, signer!), signer!);
    expect(async.map((r) => r.seen)).to.deep.equal([42n, undefined, undefined, 66n]);
    expect(new Set(async.map((r) => r.l1Block)).size).to.equal(4);
    const table = formatRows([row!, ...advance, ...async]);
    console.log(table.replace(/^/gm, "      "));
    expect(table).to.match(/sync\s+total: 1 L1 transaction\(s\) in 1 L1 block\(s\)/);
  });
});
