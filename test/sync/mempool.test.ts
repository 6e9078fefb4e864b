import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { followerReachesHead, syncSetup, userInterface } from "./helpers.js";

describe("sync: the sync block also carries the mempool's L2 transactions (docs/sync.md)", function () {
  it("a pending L2 transfer lands in the sync block, after the sync calls; it leaves the mempool; a follower derives the same head", async function () {
    const { connection, l2, proxy, userAddress } = await syncSetup();
    const to = l2.wallets[3]!.address;
    const before = (await l2.account(to)).balance;
    const hash = await l2.send({ from: 1, to, value: 12345n });
    const sent = await l2.sync({ target: userAddress, data: userInterface().encodeFunctionData("readSetRead", [proxy, 66n]), includePending: true });
    expect(userInterface().decodeFunctionResult("readSetRead", sent.returnData)).to.deep.equal([42n, 66n]);
    expect(sent.prepared.block.transactions.map((tx) => bytesToHex(tx.hash()))).to.deep.equal([hash]);
    expect(l2.receipt(hash)?.blockNumber).to.equal(Number(sent.event.number));
    expect((await l2.account(to)).balance).to.equal(before + 12345n);
    expect(l2.mempool.pending()).to.have.length(0);
    // The next plain block has nothing left to carry.
    expect((await l2.advance()).block.transactions).to.have.length(0);
    await followerReachesHead(connection.provider, l2);
  });
});
