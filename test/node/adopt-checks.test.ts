import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { appendBlock, buildBlock, chainHead, createL2Chain, devGenesis, type BuiltBlock, type L2Chain } from "../../src/engine/index.js";
import { adoptionRefusal, handedBlocks, MAX_HANDED_BLOCKS } from "../../src/node/stages/adopt.js";
import type { AdvanceRecord } from "../../src/node/records.js";
import { transfers } from "./helpers.js";

/** The next block on `chain` (real engine), appended when `append`. */
async function next(chain: L2Chain, count: number, salt = 0, append = true): Promise<BuiltBlock> {
  const parent = chainHead(chain);
  const block = await buildBlock(chain, { transactions: await transfers(chain, count, salt), timestamp: parent.timestamp + 1n, coinbase: new Uint8Array(20).fill(1), prevRandao: new Uint8Array(32).fill(salt), anchor: new Uint8Array(32).fill(2) });
  if (append) appendBlock(chain, block);
  return block;
}

/** What the node's execute stage reads of L1's record of `block` (number and hash decide). */
function advanceOf(block: BuiltBlock): AdvanceRecord {
  return { number: block.header.number, blockHash: bytesToHex(block.header.hash()), parentHash: bytesToHex(block.header.parentHash) } as AdvanceRecord;
}

const body = (block: BuiltBlock) => block.transactions.map((tx) => tx.serialize());

describe("node: what a handed block must be to be adopted (stages/adopt.ts)", function () {
  this.timeout(60_000);

  it("a built block carries its trie writes, its post-state root among them, and passes for L1's record of itself", async function () {
    const chain = await createL2Chain(devGenesis());
    const parent = chainHead(chain);
    const block = await next(chain, 3);
    expect(block.writes!.has(bytesToHex(block.header.stateRoot).slice(2))).to.equal(true);
    expect(adoptionRefusal({ ...block, writes: block.writes! }, advanceOf(block), parent, body(block))).to.equal(undefined);
  });

  it("refuses another block at the height, a block on another parent, a body of another length, and writes without the state root", async function () {
    const chain = await createL2Chain(devGenesis());
    const parent = chainHead(chain);
    const ours = await next(chain, 2, 1, false);
    const theirs = await next(chain, 2, 2, false);
    const handed = { ...ours, writes: ours.writes! };
    expect(adoptionRefusal(handed, advanceOf(theirs), parent, body(theirs))).to.equal(`its hash ${bytesToHex(ours.header.hash())} is not L1's ${bytesToHex(theirs.header.hash())}`);
    appendBlock(chain, ours);
    const child = await next(chain, 1, 3, false);
    expect(adoptionRefusal({ ...child, writes: child.writes! }, advanceOf(child), parent, body(child))).to.match(/^its parent 0x[0-9a-f]{64} is not the node's head/);
    expect(adoptionRefusal(handed, advanceOf(ours), parent, body(ours).slice(1))).to.equal("it has 2 transaction(s) and 2 receipt(s); L1's data has 1 transaction(s)");
    const root = bytesToHex(ours.header.stateRoot).slice(2);
    const without = new Map([...ours.writes!].filter(([key]) => key !== root));
    expect(adoptionRefusal({ ...ours, writes: without }, advanceOf(ours), parent, body(ours))).to.equal(`its writes lack its state root ${bytesToHex(ours.header.stateRoot)}`);
  });

  it("keeps the newest handed blocks, gives the one with L1's hash (else another at that height, to be refused), and forgets those at or below each height taken", async function () {
    const chain = await createL2Chain(devGenesis());
    const built: BuiltBlock[] = [];
    for (let i = 0; i < MAX_HANDED_BLOCKS + 3; i++) built.push(await next(chain, 0, i));
    const handed = handedBlocks();
    expect(handed.offer({ header: built[0]!.header, transactions: [], receipts: [] }), "no writes: not kept").to.equal(false);
    for (const block of built) expect(handed.offer(block)).to.equal(true);
    expect(handed.size).to.equal(MAX_HANDED_BLOCKS);
    const hash = (block: BuiltBlock) => bytesToHex(block.header.hash());
    // The three oldest were forgotten.
    expect(handed.take(1n, hash(built[0]!))).to.equal(undefined);
    expect(handed.take(4n, hash(built[3]!))?.header.number).to.equal(4n);
    expect(handed.size).to.equal(MAX_HANDED_BLOCKS - 1);
    // L1 has another block 6: the handed one at that height comes back, for the stage to refuse.
    expect(handed.take(6n, "0x" + "ab".repeat(32))?.header).to.equal(built[5]!.header);
    expect(handed.size, "5 and 6 forgotten").to.equal(MAX_HANDED_BLOCKS - 3);
    expect(handed.take(6n, hash(built[5]!))).to.equal(undefined);
    expect(handed.take(BigInt(built.length), hash(built.at(-1)!))?.header).to.equal(built.at(-1)!.header);
    expect(handed.size).to.equal(0);
  });
});
