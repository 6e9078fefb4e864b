import { expect } from "chai";
import { MerklePatriciaTrie, type LeafMPTNode } from "@ethereumjs/mpt";
import { bytesToHex, createAccountFromRLP } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import { rmSync } from "node:fs";
import { createL2Common, devGenesis } from "../../src/engine/index.js";
import { DataDirInUseError, DataDirMismatchError, GenesisMismatchError, L1ChangedError, startNode, StoreCorruptError } from "../../src/node/index.js";
import { decodeBlockRecord } from "../../src/node/records.js";
import { BlockWriteDB, numberKey, openMultiStore } from "../../src/node/store.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

describe("node: refuses to diverge or mix chains", function () {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("a tampered state trie node (the store's state changed under its key) stops derivation as a corrupt store, naming the file and --reset, before any block is written", async function () {
    const l1 = await l1WithRollup();
    for (let b = 0; b < 3; b++) await propose(l1, await transfers(l1.chain, 2, b + 1));
    const dataDir = dir();
    let node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false });
    await node.sync();
    await node.stop();

    // Tamper: one more wei in the stored account leaf of the next block's recipient, under the
    // key of the honest leaf (a corrupted store: the node never re-hashes what it reads).
    const [next] = await transfers(l1.chain, 1);
    const victim = next!.to!.bytes;
    const env = openMultiStore(dataDir);
    const store = env.rollup(l1.chain.genesis.chainId);
    const common = createL2Common(l1.chain.genesis.chainId);
    const head = decodeBlockRecord(store.blocks.getBinary(numberKey(3))!, common).header;
    const trie = new MerklePatriciaTrie({ db: new BlockWriteDB(store.trie), root: head.stateRoot, useKeyHashing: true, common });
    const leaf = (await trie.findPath(keccak256(victim))).node as LeafMPTNode;
    const honestKey = keccak256(leaf.serialize());
    const account = createAccountFromRLP(leaf.value());
    account.balance += 1n;
    leaf.value(account.serialize());
    store.transaction(() => store.trie.putSync(Buffer.from(honestKey), leaf.serialize()));
    await env.close();

    const { block } = await propose(l1, [next!]);
    const expected = bytesToHex(block.header.stateRoot);
    node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false });
    try {
      const error = (await node.sync().then(
        () => expect.fail("derived a block on a tampered state"),
        (e: unknown) => e,
      )) as StoreCorruptError;
      // The node re-hashes what it reads (docs/node.md): the tampered leaf no longer hashes to its key.
      expect(error, String((error as Error).message)).to.be.instanceOf(StoreCorruptError);
      expect(error.message).to.contain(`${dataDir}/data.mdb is corrupt: a state trie node does not hash to its key`).and.contain("--reset");
      void expected;
      // Stopped for good, at the last good block; nothing of block 4 was written.
      expect(node.status().halted).to.equal(error);
      expect(node.status().l2.head).to.equal(3n);
      expect(node.getBlock(4n)).to.equal(undefined);
      expect(node.getTransaction(bytesToHex(next!.hash()))).to.equal(undefined);
      await node.sync().then(
        () => expect.fail("a halted node synced"),
        (e: unknown) => expect(e).to.equal(error),
      );
    } finally {
      await node.stop();
    }
  });

  it("a data dir written for another L1 is refused (even with the same rollup address); reset: true starts afresh", async function () {
    const first = await l1WithRollup();
    await propose(first, await transfers(first.chain, 2));
    const dataDir = dir();
    const node = await startNode({ l1Provider: first.provider, rollup: first.address, genesis: first.chain.genesis, dataDir, follow: false });
    await node.sync();
    // A second start while the first runs: refused, not shared.
    await startNode({ l1Provider: first.provider, rollup: first.address, genesis: first.chain.genesis, dataDir, follow: false }).then(
      () => expect.fail("opened a data dir in use"),
      (e: unknown) => expect(e).to.be.instanceOf(DataDirInUseError),
    );
    await node.stop();

    // Another L1 (a restarted devnet): one more block before the deployment, same deployer nonce.
    const connection = await (await import("hardhat")).network.create();
    await connection.provider.request({ method: "hardhat_mine", params: ["0x1"] });
    const { deployRollup } = await import("../../src/sdk/index.js");
    const [signer] = await connection.ethers.getSigners();
    const deployed = await deployRollup(signer!, devGenesis());
    expect(deployed.address).to.equal(first.address);
    const second = { provider: connection.provider, ethersProvider: connection.ethers.provider, signer: signer!, rollup: deployed.rollup, chain: deployed.chain, address: deployed.address };
    await propose(second, await transfers(second.chain, 1, 7));

    const refused = await startNode({ l1Provider: second.provider, rollup: second.address, genesis: second.chain.genesis, dataDir, follow: false }).then(
      () => expect.fail("mixed two L1s in one data dir"),
      (e: unknown) => e as DataDirMismatchError,
    );
    expect(refused).to.be.instanceOf(DataDirMismatchError);
    expect(refused.message).to.contain("another L1, rollup or genesis").and.contain("--reset").and.contain("deploymentBlockHash");

    const fresh = await startNode({ l1Provider: second.provider, rollup: second.address, genesis: second.chain.genesis, dataDir, follow: false, reset: true });
    try {
      expect((await fresh.sync()).l2.headHash).to.equal(chainHeadOf(second.chain).hash);
    } finally {
      await fresh.stop();
    }
  });

  it("a node whose L1 loses the rollup's deployment block stops with L1ChangedError", async function () {
    const connection = await (await import("hardhat")).network.create();
    const snapshot = await connection.provider.request({ method: "evm_snapshot", params: [] });
    const { deployRollup } = await import("../../src/sdk/index.js");
    const [signer] = await connection.ethers.getSigners();
    const deployed = await deployRollup(signer!, devGenesis());
    const node = await startNode({ l1Provider: connection.provider, rollup: deployed.address, genesis: deployed.chain.genesis, dataDir: dir(), follow: false });
    try {
      await node.sync();
      await connection.provider.request({ method: "evm_revert", params: [snapshot] });
      await connection.provider.request({ method: "hardhat_mine", params: ["0x3"] });
      await node.sync().then(
        () => expect.fail("followed an L1 without the rollup"),
        (e: unknown) => expect(e).to.be.instanceOf(L1ChangedError),
      );
      expect(node.status().halted).to.be.instanceOf(L1ChangedError);
    } finally {
      await node.stop();
    }
  });

  it("a genesis other than the rollup's is refused before anything is written", async function () {
    const l1 = await l1WithRollup();
    const dataDir = dir();
    const error = await startNode({ l1Provider: l1.provider, rollup: l1.address, dataDir, genesis: devGenesis({ devBalance: 1n }) }).then(
      () => expect.fail("accepted another genesis"),
      (e: unknown) => e as GenesisMismatchError,
    );
    expect(error).to.be.instanceOf(GenesisMismatchError);
    expect(error.details.onL1).to.equal(bytesToHex(l1.chain.headers[0]!.hash()));
  });
});
