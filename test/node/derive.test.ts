import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { rmSync } from "node:fs";
import { startNode } from "../../src/node/index.js";
import { createTxFromRLP } from "@ethereumjs/tx";
import { createAddressFromString, createContractAddress, hexToBytes } from "@ethereumjs/util";
import { ContractFactory, Interface, Wallet, id, zeroPadValue } from "ethers";
import { createL2Common, devAccounts } from "../../src/engine/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { blobArchiveFor, chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";
import { devGenesis, getL2Account, PREDEPLOYS } from "../../src/engine/index.js";
import { deployRollup } from "../../src/sdk/index.js";
import { deployBundler, proposeBundle, rollupBundlerInterface } from "../../src/sdk/bundle.js";
import { deposit, l2MessengerInterface } from "../../src/sdk/bridge.js";
import { BUNDLE_SELECTOR, bundledAdvance } from "../../src/node/stages/derive.js";

describe("node: derivation from L1 alone", function () {
  it("a node started from nothing derives the proposer's head, state root and receipts, for calldata and blob blocks", async function () {
    const l1 = await l1WithRollup();
    const blobs = await blobArchiveFor(l1.provider);
    const dataDir = tempDir();
    try {
      const proposed = [];
      for (const [count, da] of [[3, "calldata"], [2, "blobs"], [0, "calldata"], [4, "blobs"], [1, "calldata"]] as const) {
        proposed.push(await propose(l1, await transfers(l1.chain, count, proposed.length), da));
      }
      const lines: string[] = [];
      const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, blobSource: blobs.url, dataDir, follow: false, finalityDepth: 2, log: (l) => lines.push(l) });
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
      await blobs.close();
      rmSync(dataDir, { recursive: true, force: true });
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
  it("derives blocks advanced through a RollupBundler (calldata, a delivery forwarded inside the bundle, and a blob at index 1) between direct advances", async function () {
    expect("0x" + BUNDLE_SELECTOR).to.equal(rollupBundlerInterface().getFunction("bundle")!.selector);
    const l1 = await l1WithRollup();
    const other = await deployRollup(l1.signer, devGenesis({ chainId: 167_002n }));
    const bundler = await deployBundler(l1.signer);
    const blobs = await blobArchiveFor(l1.provider);
    const dataDir = tempDir();
    const [, , , sender] = devAccounts().map((a) => new Wallet(a.privateKey));
    const recipient = "0x00000000000000000000000000000000000b0b01";
    const ETHER = 10n ** 18n;
    try {
      await propose(l1, await transfers(l1.chain, 2, 0));
      // The other rollup's L1 escrow must hold what its L2 sends on: a deposit (delivered by its leg).
      await deposit(l1.signer, other.rollup, { value: 2n * ETHER });
      // The other rollup's block sends a message to ours; the bundle forwards it and our block delivers it.
      const send = await signL2Transaction(other.chain, sender!, {
        nonce: 0,
        to: PREDEPLOYS.messenger,
        value: ETHER,
        gasLimit: 300_000n,
        data: l2MessengerInterface().encodeFunctionData("sendMessageToRollup", [l1.address, recipient, "0x", 0n, 0n]),
      });
      const legs = async (da: "calldata" | "blobs", first: "other" | "ours", transactions: [string[] | unknown[], unknown[]]) => {
        const ours = { rollup: l1.rollup, chain: l1.chain, transactions: transactions[1] as never };
        const theirs = { rollup: other.rollup, chain: other.chain, transactions: transactions[0] as never, forward: true };
        return proposeBundle({ bundler, provider: l1.ethersProvider as never, dataAvailability: da, legs: first === "other" ? [theirs, ours] : [ours, theirs] });
      };
      const viaCalldata = await legs("calldata", "other", [[send], await transfers(l1.chain, 2, 1)]);
      expect(viaCalldata.prepared.calls.map((c) => c.label.split(" ")[0])).to.deep.equal(["advance", "forward", "advance"]);
      expect(viaCalldata.events[1]!.messageCount).to.equal(1n);
      expect((await getL2Account(l1.chain, recipient)).balance).to.equal(ETHER);
      // Blobs: the other rollup's at index 0, ours at index 1, in one type-3 transaction.
      const viaBlobs = await legs("blobs", "other", [await transfers(other.chain, 1, 2), await transfers(l1.chain, 3, 2)]);
      expect(viaBlobs.prepared.legs.map((l) => l.blobIndices)).to.deep.equal([[0], [1]]);
      expect(viaBlobs.events[1]!.blobHashes).to.deep.equal([viaBlobs.prepared.sidecar!.versionedHashes[1]]);
      await propose(l1, await transfers(l1.chain, 1, 3), "blobs");
      // A bundle whose call to our rollup is for another block is no source for this one.
      const input = viaCalldata.prepared.data;
      expect(bundledAdvance(input, l1.address, viaCalldata.events[1]!.blockHash, [l1.rollup.interface.getFunction("advance")!.selector.slice(2)])).to.equal(viaCalldata.prepared.calls[2]!.data);
      expect(bundledAdvance(input, l1.address, viaBlobs.events[1]!.blockHash, [l1.rollup.interface.getFunction("advance")!.selector.slice(2)])).to.equal(undefined);
      expect(bundledAdvance(input, other.address, viaCalldata.events[0]!.blockHash, [l1.rollup.interface.getFunction("advance")!.selector.slice(2)])).to.equal(viaCalldata.prepared.calls[0]!.data);

      const lines: string[] = [];
      const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, blobSource: blobs.url, dataDir, follow: false, log: (l) => lines.push(l) });
      try {
        const status = await node.sync();
        const head = chainHeadOf(l1.chain);
        expect(status.l2.head, lines.join("\n")).to.equal(4n);
        expect(status.l2.headHash).to.equal(head.hash);
        expect(bytesToHex(node.getBlock("latest")!.header.stateRoot)).to.equal(head.stateRoot);
        for (const n of [2n, 3n]) expect(node.getBlock(n)!.hash).to.equal(bytesToHex(l1.chain.headers[Number(n)]!.hash()));
        expect((await (await node.stateAt(2n))!.getAccount(recipient))?.balance).to.equal(ETHER);
      } finally {
        await node.stop();
      }
    } finally {
      await blobs.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
