import { expect } from "chai";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, createAccountFromRLP, createContractAddress, createAddressFromString, hexToBytes, KECCAK256_RLP } from "@ethereumjs/util";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { ValueEncoding } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { rmSync } from "node:fs";
import { createL2Common, devAccounts, getL2Account, rewindTo } from "../../src/engine/index.js";
import { startNode, type NodeOptions, type RollupNode } from "../../src/node/index.js";
import { signL2Transaction } from "../../src/sdk/index.js";
import { chainHeadOf, l1WithRollup, propose, tempDir, transfers } from "./helpers.js";

/**
 * Runtime code: `sstore(0, 42)`, then `log1(0, 0, 7)`. Init code: copies it to memory and returns it.
 * 602a600055 (SSTORE) 600760006000a1 (LOG1) 00 (STOP)
 */
const RUNTIME = "602a600055600760006000a100";
const INIT = "0x6c" + RUNTIME + "600052" + "600d" + "6013" + "f3";

type L1 = Awaited<ReturnType<typeof l1WithRollup>>;

describe("node: adopting the co-located builder's blocks", function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  const nodes: RollupNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop().catch(() => undefined);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A node that runs only when told (`sync`), its lines kept. */
  async function nodeOn(l1: L1, options: Partial<NodeOptions> = {}): Promise<{ node: RollupNode; lines: string[] }> {
    const dir = tempDir();
    dirs.push(dir);
    const lines: string[] = [];
    const node = await startNode({ l1Provider: l1.provider, rollup: l1.address, genesis: l1.chain.genesis, dataDir: dir, follow: false, log: (line) => lines.push(line), ...options });
    nodes.push(node);
    return { node, lines };
  }

  const wallet = (i: number) => new Wallet(devAccounts()[i]!.privateKey);
  async function signed(l1: L1, from: number, request: { to?: string; data?: string; value?: bigint; gasLimit?: bigint }, nonceOffset = 0): Promise<TypedTransaction> {
    const nonce = Number((await getL2Account(l1.chain, wallet(from).address)).nonce) + nonceOffset;
    const raw = await signL2Transaction(l1.chain, wallet(from), { nonce, ...request });
    return createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: createL2Common(l1.chain.genesis.chainId) });
  }
  const adoptedLines = (lines: string[]) => lines.filter((line) => line.endsWith(", adopted from the builder")).map((line) => /^L2 block (\d+)/.exec(line)![1]);

  it("an adopted block is stored as a re-executed one: block by hash, receipts, logs, transactions, balances, storage, code, every trie node of the state", async function () {
    const l1 = await l1WithRollup();
    const adopting = await nodeOn(l1);
    const deriving = await nodeOn(l1);
    const creator = wallet(10).address;
    const contract = createContractAddress(createAddressFromString(creator), (await getL2Account(l1.chain, creator)).nonce).toString();
    // Each block's transactions signed on the head its predecessor left (nonces).
    const blocks: (() => Promise<TypedTransaction[]>)[] = [
      () => transfers(l1.chain, 5),
      // A creation (the receipt's contractAddress) beside transfers.
      async () => [await signed(l1, 10, { data: INIT }), ...(await transfers(l1.chain, 2, 1, 5))],
      // A call that writes storage and logs; one that runs out of gas (status 0); a payment the code runs for too.
      async () => [await signed(l1, 10, { to: contract, gasLimit: 100_000n }), await signed(l1, 11, { to: contract, gasLimit: 21_500n }), await signed(l1, 12, { to: contract, value: 9n, gasLimit: 100_000n })],
      async () => [],
    ];
    for (const transactions of blocks) {
      const proposed = await propose(l1, await transactions());
      expect(adopting.node.offerBuilt(proposed.block), "a built block carries its trie writes").to.equal(true);
      await adopting.node.sync();
    }
    await deriving.node.sync();
    const head = chainHeadOf(l1.chain);
    expect(adopting.node.status().l2.headHash).to.equal(head.hash);
    expect(deriving.node.status().l2.headHash).to.equal(head.hash);
    expect(adoptedLines(adopting.lines), adopting.lines.join("\n")).to.deep.equal(["1", "2", "3", "4"]);
    expect(adoptedLines(deriving.lines)).to.deep.equal([]);

    const receipts = deriving.node.getReceipts(2n)!;
    expect(receipts[0]!.contractAddress?.toLowerCase()).to.equal(contract);
    expect(deriving.node.getReceipts(3n)!.map((r) => r.status)).to.deep.equal([1, 0, 1]);
    await expectSameChain(adopting.node, deriving.node, [...devAccounts().map((a) => a.address), contract, await l1.signer.getAddress()], contract);
  });

  it("does not adopt a handed block that L1 did not accept at that height (another block won it): L1's block is re-executed", async function () {
    const l1 = await l1WithRollup();
    const send = (method: string, params: unknown[] = []) => l1.provider.request({ method, params });
    const { node, lines } = await nodeOn(l1);
    const first = await propose(l1, await transfers(l1.chain, 2));
    node.offerBuilt(first.block);
    await node.sync();

    // Our block 2 lands, is handed over, then L1 takes it back before the node saw it, and another block 2 wins the height.
    const snapshot = await send("evm_snapshot");
    const ours = await propose(l1, await transfers(l1.chain, 3, 1));
    node.offerBuilt(ours.block);
    expect(await send("evm_revert", [snapshot])).to.equal(true);
    rewindTo(l1.chain, 1n);
    const theirs = await propose(l1, await transfers(l1.chain, 1, 2, 7));
    expect(bytesToHex(theirs.block.header.hash())).to.not.equal(bytesToHex(ours.block.header.hash()));
    await node.sync();

    expect(node.status().l2.headHash).to.equal(bytesToHex(theirs.block.header.hash()));
    expect(adoptedLines(lines)).to.deep.equal(["1"]);
    const refusal = lines.find((line) => line.startsWith("node: L2 block 2: the builder's block is not adopted, re-executing"));
    expect(refusal, lines.join("\n")).to.include(`its hash ${bytesToHex(ours.block.header.hash())} is not L1's ${bytesToHex(theirs.block.header.hash())}`);
    for (const tx of ours.block.transactions) expect(node.getTransaction(bytesToHex(tx.hash()))).to.equal(undefined);
    for (const tx of theirs.block.transactions) expect(node.getTransaction(bytesToHex(tx.hash()))?.blockNumber).to.equal(2n);

    // A block handed before L1 has it and not handed at all are both fine afterwards.
    const third = await propose(l1, await transfers(l1.chain, 2, 3));
    node.offerBuilt(third.block);
    const fourth = await propose(l1, await transfers(l1.chain, 2, 4));
    await node.sync();
    expect(adoptedLines(lines)).to.deep.equal(["1", "3"]);
    expect(node.status().l2.headHash).to.equal(bytesToHex(fourth.block.header.hash()));
    const fresh = await nodeOn(l1);
    await fresh.node.sync();
    await expectSameChain(node, fresh.node, devAccounts().map((a) => a.address));
  });

  it("unwinds adopted blocks on an L1 reorg, hands their transactions back, and adopts the replacements", async function () {
    const l1 = await l1WithRollup();
    const send = (method: string, params: unknown[] = []) => l1.provider.request({ method, params });
    const handedBack: string[] = [];
    const { node: withHook, lines } = await nodeOn(l1, {
      onUnwoundTransactions: (transactions) => void handedBack.push(...transactions.map((raw) => bytesToHex(createTxFromRLP(raw, { common: createL2Common(l1.chain.genesis.chainId) }).hash()))),
    });
    const proposeAndHand = async (transactions: TypedTransaction[]) => {
      const proposed = await propose(l1, transactions);
      withHook.offerBuilt(proposed.block);
      return proposed;
    };
    await proposeAndHand(await transfers(l1.chain, 2));
    await withHook.sync();
    const snapshot = await send("evm_snapshot");
    const abandoned: string[] = [];
    for (let i = 0; i < 2; i++) abandoned.push(...(await proposeAndHand(await transfers(l1.chain, 2, 10 + i))).block.transactions.map((tx) => bytesToHex(tx.hash())));
    await withHook.sync();
    expect(adoptedLines(lines)).to.deep.equal(["1", "2", "3"]);
    for (const hash of abandoned) expect(withHook.getTransaction(hash)?.hash).to.equal(hash);

    expect(await send("evm_revert", [snapshot])).to.equal(true);
    rewindTo(l1.chain, 1n);
    for (let i = 0; i < 3; i++) await proposeAndHand(await transfers(l1.chain, 1, 20 + i, 5 + i));
    const status = await withHook.sync();

    expect(lines.filter((line) => line.startsWith("L1 reorg:"))).to.have.length(1);
    expect(handedBack).to.deep.equal(abandoned);
    expect(status.l2.headHash).to.equal(chainHeadOf(l1.chain).hash);
    expect(adoptedLines(lines)).to.deep.equal(["1", "2", "3", "2", "3", "4"]);
    for (const hash of abandoned) expect(withHook.getTransaction(hash)).to.equal(undefined);
    const fresh = await nodeOn(l1);
    await fresh.node.sync();
    await expectSameChain(withHook, fresh.node, devAccounts().map((a) => a.address));
  });
});

/**
 * Both nodes hold the same chain: each block (by number and by hash), its receipts, its
 * transactions, the logs, and at every block the accounts and `contract`'s slot 0 and code; and
 * every trie node of `a`'s head state is in its store (walked from the root, storage tries too).
 */
async function expectSameChain(a: RollupNode, b: RollupNode, addresses: string[], contract?: string): Promise<void> {
  const head = b.blockNumber("latest");
  expect(a.blockNumber("latest")).to.equal(head);
  for (let n = 0n; n <= head; n++) {
    const [x, y] = [a.getBlock(n)!, b.getBlock(n)!];
    expect(x.hash, `block ${n}`).to.equal(y.hash);
    expect(a.getBlockByHash(y.hash)?.number).to.equal(n);
    expect(x.rawTransactions.map(bytesToHex)).to.deep.equal(y.rawTransactions.map(bytesToHex));
    expect(x.l1).to.deep.equal(y.l1);
    expect(a.getReceipts(n), `receipts of block ${n}`).to.deep.equal(b.getReceipts(n));
    for (const raw of y.rawTransactions) {
      const hash = bytesToHex(createTxFromRLP(raw, { common: createL2Common(a.genesis.chainId) }).hash());
      const [p, q] = [a.getTransaction(hash)!, b.getTransaction(hash)!];
      expect({ ...p, tx: undefined, raw: bytesToHex(p.raw) }, `transaction ${hash}`).to.deep.equal({ ...q, tx: undefined, raw: bytesToHex(q.raw) });
    }
    const [sx, sy] = [(await a.stateAt(n))!, (await b.stateAt(n))!];
    expect(sx.stateRoot).to.equal(sy.stateRoot);
    for (const address of addresses) {
      const [u, v] = [await sx.getAccount(address), await sy.getAccount(address)];
      expect([u?.balance, u?.nonce, u?.storageRoot && bytesToHex(u.storageRoot)], `${address} at block ${n}`).to.deep.equal([v?.balance, v?.nonce, v?.storageRoot && bytesToHex(v.storageRoot)]);
    }
    if (contract !== undefined) {
      expect(bytesToHex(await sx.getStorage(contract, new Uint8Array(32)))).to.equal(bytesToHex(await sy.getStorage(contract, new Uint8Array(32))));
      expect(bytesToHex(await sx.getCode(contract))).to.equal(bytesToHex(await sy.getCode(contract)));
    }
  }
  expect(a.getLogs({ fromBlock: 0n, toBlock: head })).to.deep.equal(b.getLogs({ fromBlock: 0n, toBlock: head }));
  if (contract !== undefined) expect(b.getLogs({ fromBlock: 0n, toBlock: head, address: contract })).to.have.length(2);

  // Every node of the head state, read from `a`'s store (a missing one throws StoreCorruptError).
  const db = a.stateDb();
  const common = createL2Common(a.genesis.chainId);
  const accounts = new MerklePatriciaTrie({ db, root: a.header("latest")!.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  let seen = 0;
  const storageRoots: Uint8Array[] = [];
  await accounts.walkAllValueNodes(async (node) => {
    seen++;
    const account = createAccountFromRLP((node as unknown as { value(): Uint8Array }).value());
    if (bytesToHex(account.storageRoot) !== bytesToHex(KECCAK256_RLP)) storageRoots.push(account.storageRoot);
  });
  for (const root of storageRoots) await new MerklePatriciaTrie({ db, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common }).walkAllValueNodes(async () => void seen++);
  expect(seen).to.be.above(addresses.length);
}
