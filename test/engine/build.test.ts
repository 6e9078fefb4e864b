import { expect } from "chai";
import { bytesToHex } from "@ethereumjs/util";
import { Interface } from "ethers";
import {
  appendBlock,
  callL2,
  chainHead,
  createL2Chain,
  devGenesis,
  execute,
  getL2Account,
  NotChildOfHeadError,
  GenesisConfigError,
  L2CallRevertedError,
  parseGenesisJson,
  PREDEPLOYS,
  L2_PREMINT,
} from "../../src/engine/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { build, COINBASE, extend, sign, wallets } from "./helpers.js";

describe("engine: buildBlock", function () {
  it("leaves out what cannot apply and says why; the rest verifies", async function () {
    const chain = await createL2Chain(devGenesis({ gasLimit: 1_000_000n }));
    const poor = wallets[19]!;
    const txs = [
      await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n }),
      await sign(chain, 1, { nonce: 5, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n }), // nonce gap
      await sign(chain, 2, { nonce: 0, to: poor.address, value: 10n ** 30n, gasLimit: 21_000n }), // no such balance
      await sign(chain, 3, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 2_000_000n }), // above the block
      await sign(chain, 4, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 70_000_000n }), // above EIP-7825
    ];
    const block = await build(chain, txs);
    expect(block.transactions).to.have.length(1);
    const reasons = block.skipped.map((s) => s.reason);
    expect(reasons).to.have.length(4);
    expect(reasons[0]).to.match(/EIP-7825/); // does not even decode: listed first
    expect(reasons[1]).to.match(/nonce/i);
    expect(reasons[2]).to.match(/balance|funds/i);
    expect(reasons[3]).to.match(/gas limit/i);
    await execute(block.input);
  });

  it("fills the header: number, parent, gas, EIP-1559 base fee, coinbase, anchor", async function () {
    const chain = await createL2Chain(devGenesis({ gasLimit: 1_000_000n }));
    const genesis = chainHead(chain);
    // 40 transfers × 21,000 = 840,000 gas: above the 500,000 target, so the base fee rises.
    const txs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => sign(chain, 1 + (i % 10), { nonce: Math.floor(i / 10), to: wallets[0]!.address, value: 1n, gasLimit: 21_000n })),
    );
    const full = await extend(chain, txs);
    expect(full.header.number).to.equal(1n);
    expect(bytesToHex(full.header.parentHash)).to.equal(bytesToHex(genesis.hash()));
    expect(full.header.gasUsed).to.equal(840_000n);
    expect(full.header.baseFeePerGas).to.equal(genesis.calcNextBaseFee()); // an empty genesis lowers it by 1/8
    expect(bytesToHex(full.header.coinbase.bytes)).to.equal(bytesToHex(COINBASE));
    const next = await extend(chain, []);
    expect(next.header.baseFeePerGas! > full.header.baseFeePerGas!).to.equal(true);
    expect(next.header.baseFeePerGas).to.equal(full.header.calcNextBaseFee());
    const after = await extend(chain, []);
    expect(after.header.baseFeePerGas! < next.header.baseFeePerGas!).to.equal(true);
    expect(bytesToHex(after.header.parentBeaconBlockRoot!)).to.equal(bytesToHex(after.input.anchor));
  });

  it("pays the tip to the coinbase and burns the base fee", async function () {
    const chain = await createL2Chain(devGenesis());
    const before = await getL2Account(chain, wallets[1]!.address);
    const block = await extend(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 0n, gasLimit: 21_000n, tip: 2n })]);
    const after = await getL2Account(chain, wallets[1]!.address);
    const coinbase = await getL2Account(chain, bytesToHex(COINBASE));
    expect(coinbase.balance).to.equal(21_000n * 2n);
    expect(before.balance - after.balance).to.equal(21_000n * (block.header.baseFeePerGas! + 2n));
  });

  it("delivers the L1 anchor to the L2Anchor predeploy by system call", async function () {
    const chain = await createL2Chain(devGenesis());
    const block = await extend(chain, []);
    const anchor = new Interface(loadArtifact("l2/L2Anchor.sol", "L2Anchor").abi as never);
    const latest = await callL2(chain, { to: PREDEPLOYS.anchor, data: anchor.encodeFunctionData("latestAnchor") });
    expect(latest).to.equal(bytesToHex(block.input.anchor));
    const number = await callL2(chain, { to: PREDEPLOYS.anchor, data: anchor.encodeFunctionData("latestL2BlockNumber") });
    expect(BigInt(number)).to.equal(1n);
    // Nobody else may anchor.
    const error = await callL2(chain, { from: wallets[0]!.address, to: PREDEPLOYS.anchor, data: anchor.encodeFunctionData("anchor", [bytesToHex(new Uint8Array(32))]) }).then(
      () => expect.fail("a user could anchor"),
      (e: unknown) => e as L2CallRevertedError,
    );
    expect(error).to.be.instanceOf(L2CallRevertedError);
    expect(anchor.parseError(error.data)?.name).to.equal("L2Anchor_NotSystem");
  });

  it("does not change the chain until the block is appended; appends only children of the head", async function () {
    const chain = await createL2Chain(devGenesis());
    const a = await build(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 7n, gasLimit: 21_000n })]);
    expect(chain.headers).to.have.length(1);
    expect((await getL2Account(chain, wallets[1]!.address)).nonce).to.equal(0n);
    appendBlock(chain, { header: a.header, transactions: a.transactions, receipts: a.receipts });
    expect((await getL2Account(chain, wallets[1]!.address)).nonce).to.equal(1n);
    expect(() => appendBlock(chain, { header: a.header, transactions: a.transactions, receipts: a.receipts })).to.throw(NotChildOfHeadError);
  });

  it("takes a custom genesis: chain id, gas limit, extra accounts with code and storage", async function () {
    const genesis = devGenesis({
      chainId: 424242n,
      gasLimit: 30_000_000n,
      alloc: { "0x00000000000000000000000000000000000000aa": { balance: 5n, code: "0x600160005500", storage: { ["0x" + "00".repeat(32)]: "0x" + "00".repeat(31) + "2a" } } },
    });
    const chain = await createL2Chain(genesis);
    expect(chainHead(chain).gasLimit).to.equal(30_000_000n);
    const account = await getL2Account(chain, "0x00000000000000000000000000000000000000aa");
    expect(account.balance).to.equal(5n);
    expect(account.code).to.equal("0x600160005500");
    const block = await extend(chain, [await sign(chain, 1, { nonce: 0, to: "0x00000000000000000000000000000000000000aa", gasLimit: 100_000n })]);
    expect(block.input.chainId).to.equal(424242n);
    await execute(block.input);
  });
});

describe("engine: parseGenesisJson", function () {
  it("reads chain id, gas limit and accounts, keeping the predeploys; dev accounts only when asked (devBalance)", async function () {
    expect(parseGenesisJson('{"chainId": 777}').alloc[wallets[0]!.address.toLowerCase()]).to.equal(undefined);
    const genesis = parseGenesisJson(
      JSON.stringify({ chainId: 777, gasLimit: "30000000", devBalance: "10000000000000000000000", alloc: { "0x00000000000000000000000000000000000000bb": { balance: "0x10", code: "0x00" } } }),
    );
    expect(genesis.chainId).to.equal(777n);
    expect(genesis.gasLimit).to.equal(30_000_000n);
    expect(genesis.alloc["0x00000000000000000000000000000000000000bb"]!.balance).to.equal(16n);
    expect(genesis.alloc[PREDEPLOYS.anchor]).to.not.equal(undefined);
    expect(genesis.alloc[PREDEPLOYS.messenger]!.balance).to.equal(L2_PREMINT);
    expect(genesis.alloc[wallets[0]!.address.toLowerCase()]!.balance).to.equal(10_000n * 10n ** 18n);
    const chain = await createL2Chain(genesis);
    expect((await getL2Account(chain, "0x00000000000000000000000000000000000000bb")).balance).to.equal(16n);
  });

  it("rejects bad genesis files with the field at fault", function () {
    const cases: [string, RegExp][] = [
      ["{", /not valid JSON/],
      ["[]", /must be a JSON object/],
      [JSON.stringify({ chainid: 1 }), /Unknown genesis field[\s\S]*chainid/],
      [JSON.stringify({ chainId: -1 }), /non-negative integer[\s\S]*chainId/],
      [JSON.stringify({ chainId: 0 }), /chainId out of range/],
      [JSON.stringify({ gasLimit: 10 }), /gasLimit out of range/],
      [JSON.stringify({ alloc: { nope: {} } }), /not an address/],
      [JSON.stringify({ alloc: { "0x00000000000000000000000000000000000000bb": { code: "xyz" } } }), /hex bytes[\s\S]*code/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseGenesisJson(text, "test.json")).to.throw(GenesisConfigError, message);
    }
  });
});
