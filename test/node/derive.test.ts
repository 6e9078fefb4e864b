import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { rmSync } from "node:fs";
import { openBlobArchive, startBlobArchiveServer } from "../../src/blobs/index.js";
import { configureBlobArchive, currentBlobArchive } from "../../src/hardhat/index.js";
import { startNode } from "../../src/node/index.js";
import { createTxFromRLP } from "@ethereumjs/tx";
import { createAddressFromString, createContractAddress, hexToBytes } from "@ethereumjs/util";
import { ContractFactory, Interface, Wallet, id, zeroPadValue } from "ethers";
import { createL2Common, devAccounts } from "../../src/engine/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

describe("node: derivation from L1 alone", function () {
  it("a node started from nothing derives the proposer's head, state root and receipts, for calldata and blob blocks", async function () {
    const l1 = await l1WithRollup();
    const blobDir = tempDir("ultrasound-blobs-");
    const archive = await openBlobArchive(blobDir);
    const previousArchive = currentBlobArchive();
    configureBlobArchive(archive);
    const server = await startBlobArchiveServer({ archive, port: 0, l1: l1.provider });
    const dataDir = tempDir();
    try {
      const proposed = [];
      for (const [count, da] of [[3, "calldata"], [2, "blobs"], [0, "calldata"], [4, "blobs"], [1, "calldata"]] as const) {
        proposed.push(await propose(l1, await transfers(l1.chain, count, proposed.length), da));
      }
      const lines: string[] = [];
      const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, blobSource: server.url, dataDir, follow: false, finalityDepth: 2, log: (l) => lines.push(l) });
      try {
        const status = await node.sync();
        const head = chainHeadOf(l1.chain);
        expect(status.l2.head, lines.join("\n")).to.equal(head.number);
        expect(status.l2.headHash).to.equal(head.hash);
        expect(bytesToHex(node.getBlock("latest")!.header.stateRoot)).to.equal(head.stateRoot);
        for (const { block } of proposed) {
          const number = block.header.number;
          const derived = node.getBlock(number)!;
          expect(derived.hash).to.equal(bytesToHex(block.header.hash()));
          expect(derived.rawTransactions.map((t) => bytesToHex(t))).to.deep.equal(block.transactions.map((t) => bytesToHex(t.serialize())));
          const receipts = node.getReceipts(number)!;
          expect(receipts.map((r) => [r.status, r.cumulativeGasUsed])).to.deep.equal(
            block.receipts.map((r) => ["status" in r ? r.status : 1, r.cumulativeBlockGasUsed]),
          );
          for (const tx of block.transactions) {
            const found = node.getTransaction(bytesToHex(tx.hash()))!;
            expect(found.blockNumber).to.equal(number);
            expect(found.from.toLowerCase()).to.equal(tx.getSenderAddress().toString());
          }
        }
        // safe = every derived block; finalized = in an L1 block at least 2 deep (one block per L1 block here).
        expect(status.l2.safe).to.equal(head.number);
        expect(status.l2.finalized).to.equal(head.number - 1n);
        expect(node.getBlock("finalized")!.number).to.equal(head.number - 1n);
        await l1.provider.request({ method: "hardhat_mine", params: ["0x2"] });
        expect((await node.sync()).l2.finalized).to.equal(head.number);

        // State at a past block: the trie keeps every version.
        const recipient = (await transfers(l1.chain, 1))[0]!.to!.toString();
        const atGenesis = await node.stateAt(0n);
        const atHead = await node.stateAt("latest");
        expect((await atGenesis!.getAccount(recipient))?.balance).to.not.equal((await atHead!.getAccount(recipient))?.balance);
      } finally {
        await node.stop();
      }
    } finally {
      await server.close();
      configureBlobArchive(previousArchive);
      archive.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(blobDir, { recursive: true, force: true });
    }
  });

  it("receipts, created contracts and the logs index: getLogs by address, topic position, range and block hash", async function () {
    const l1 = await l1WithRollup();
    const token = loadArtifact("test/TestToken.sol", "TestToken");
    const tokenInterface = new Interface(token.abi as never);
    const [deployer, alice, bob] = devAccounts().map((a) => new Wallet(a.privateKey));
    const common = createL2Common(l1.chain.genesis.chainId);
    const tx = async (wallet: Wallet, nonce: number, to: string | null, data: string) =>
      createTxFromRLP(hexToBytes((await signL2Transaction(l1.chain, wallet, { nonce, to, data, gasLimit: 1_000_000n })) as `0x${string}`), { common });
    const deployData = (await new ContractFactory(token.abi as never, token.bytecode).getDeployTransaction(1_000n)).data;
    const transfer = (to: string, value: bigint) => tokenInterface.encodeFunctionData("transfer", [to, value]);
    const created = await propose(l1, [await tx(deployer!, 0, null, deployData), ...(await transfers(l1.chain, 1, 3, 5))]);
    expect(created.block.transactions).to.have.length(2);
    const address = createContractAddress(createAddressFromString(deployer!.address), 0n).toString();
    await propose(l1, [await tx(deployer!, 1, address, transfer(alice!.address, 10n)), await tx(deployer!, 2, address, transfer(bob!.address, 20n))]);
    await propose(l1, await transfers(l1.chain, 2, 4, 5));
    await propose(l1, [await tx(deployer!, 3, address, transfer(bob!.address, 30n))]);

    const dataDir = tempDir();
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir, follow: false });
    try {
      await node.sync();
      const [deployment] = node.getReceipts(1n)!;
      expect(deployment!.contractAddress).to.equal(address.toLowerCase());
      expect(deployment!.to).to.equal(null);
      expect(deployment!.from).to.equal(deployer!.address.toLowerCase());

      const transferTopic = id("Transfer(address,address,uint256)");
      const topicOf = (a: string) => zeroPadValue(a, 32).toLowerCase();
      const all = node.getLogs({ fromBlock: 0n, address });
      expect(all.map((l) => [l.blockNumber, BigInt(l.data)])).to.deep.equal([[1n, 1_000n], [2n, 10n], [2n, 20n], [4n, 30n]]);
      expect(all.map((l) => l.logIndex)).to.deep.equal([0, 0, 1, 0]);
      expect(node.getLogs({ fromBlock: 0n, topics: [transferTopic, null, topicOf(bob!.address)] }).map((l) => BigInt(l.data))).to.deep.equal([20n, 30n]);
      expect(node.getLogs({ fromBlock: 0n, topics: [null, null, [topicOf(alice!.address), topicOf(bob!.address)]] })).to.have.length(3);
      expect(node.getLogs({ fromBlock: 2n, toBlock: 3n, address })).to.have.length(2);
      expect(node.getLogs({ blockHash: node.getBlock(4n)!.hash })).to.have.length(1);
      expect(node.getLogs({ fromBlock: 0n, address: alice!.address })).to.deep.equal([]);
      const [log] = node.getLogs({ blockHash: node.getBlock(4n)!.hash });
      expect(node.getTransaction(log!.transactionHash)!.receipt.logs[0]).to.deep.equal(log);
    } finally {
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
