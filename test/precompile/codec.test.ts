import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { expect } from "chai";
import { AbiCoder, keccak256, Wallet, type Contract } from "ethers";
import { network } from "hardhat";
import { buildBlock } from "../../src/engine/build.js";
import { devAccounts } from "../../src/engine/chain.js";
import { devGenesis } from "../../src/engine/genesis.js";
import { createL2Chain } from "../../src/engine/state.js";
import type { ExecuteInput } from "../../src/engine/types.js";
import {
  decodeExecuteInput,
  encodeExecuteInput,
  ExecuteInputDecodeError,
  GAS_USED_OFFSET,
} from "../../src/precompile/codec.js";
import { claimedBlobCount, claimedGasUsed } from "../../src/precompile/ethereumjs.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

const { ethers } = await network.create();

const MAX_U64 = 2n ** 64n - 1n;

/** Distinct, recognisable 32-byte values. */
const word = (tag: string) => hexToBytes(keccak256(Buffer.from(tag)) as `0x${string}`);

/** The `Execute.Header` struct as ethers passes it to the harness. */
function headerArg(input: ExecuteInput) {
  return {
    chainId: input.chainId,
    number: input.number,
    parentHash: bytesToHex(input.parentHash),
    blockHash: bytesToHex(input.blockHash),
    preStateRoot: bytesToHex(input.preStateRoot),
    postStateRoot: bytesToHex(input.postStateRoot),
    receiptsRoot: bytesToHex(input.receiptsRoot),
    gasLimit: input.gasLimit,
    gasUsed: input.gasUsed,
    coinbase: bytesToHex(input.coinbase),
    timestamp: input.timestamp,
    prevRandao: bytesToHex(input.prevRandao),
    anchor: bytesToHex(input.anchor),
  };
}

/** `Execute.encodeInput` (Solidity's abi.encode) of `input`, through the harness. */
async function solidityEncode(harness: Contract, input: ExecuteInput): Promise<string> {
  return harness.getFunction("encodeInput")(
    headerArg(input),
    bytesToHex(input.transactions),
    input.blobVersionedHashes.map((h) => bytesToHex(h)),
    bytesToHex(input.witness),
    bytesToHex(input.messages),
  );
}

/** A real block: two transfers on the default genesis, with its witness. */
async function realBlockInput(): Promise<ExecuteInput> {
  const chain = await createL2Chain(devGenesis());
  const [a, b] = devAccounts().map((acc) => new Wallet(acc.privateKey));
  const txs = [
    await signL2Transaction(chain, a!, { to: b!.address, value: 5n, nonce: 0 }),
    await signL2Transaction(chain, b!, { to: a!.address, value: 7n, nonce: 0 }),
  ];
  const anchor = word("anchor");
  const block = await buildBlock(chain, {
    transactions: txs.map((tx) => hexToBytes(tx as `0x${string}`)),
    timestamp: 1_700_000_000n,
    coinbase: hexToBytes("0x00000000000000000000000000000000000c0ffe"),
    prevRandao: anchor,
    anchor,
  });
  expect(block.transactions.length).to.equal(2);
  return block.input;
}

/** An input with every uint64 at its maximum, the all-ones address, no transactions, four blob hashes. */
function edgeInput(): ExecuteInput {
  return {
    chainId: MAX_U64,
    number: MAX_U64,
    parentHash: new Uint8Array(32),
    blockHash: new Uint8Array(32).fill(0xff),
    preStateRoot: word("pre"),
    postStateRoot: word("post"),
    receiptsRoot: word("receipts"),
    gasLimit: MAX_U64,
    gasUsed: MAX_U64,
    coinbase: new Uint8Array(20).fill(0xff),
    timestamp: MAX_U64,
    prevRandao: word("randao"),
    anchor: word("anchor"),
    transactions: new Uint8Array(0),
    blobVersionedHashes: [1, 2, 3, 4].map((i) => {
      const h = word(`blob ${i}`);
      h[0] = 0x01; // a versioned hash starts with the KZG version byte
      return h;
    }),
    witness: new Uint8Array(0),
    messages: new Uint8Array(0),
  };
}

/** Input with all-zero values and odd-length byte strings (padding is exercised). */
function zeroInput(): ExecuteInput {
  return {
    chainId: 0n,
    number: 0n,
    parentHash: new Uint8Array(32),
    blockHash: new Uint8Array(32),
    preStateRoot: new Uint8Array(32),
    postStateRoot: new Uint8Array(32),
    receiptsRoot: new Uint8Array(32),
    gasLimit: 0n,
    gasUsed: 0n,
    coinbase: new Uint8Array(20),
    timestamp: 0n,
    prevRandao: new Uint8Array(32),
    anchor: new Uint8Array(32),
    transactions: Uint8Array.from([0xc1, 0x80, 0x01]),
    blobVersionedHashes: [],
    witness: new Uint8Array(33).fill(0xab),
    messages: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x01]),
  };
}

/** Asserts that `bytes` is refused with an ExecuteInputDecodeError whose message says `reason`. */
function expectRejected(bytes: Uint8Array, reason?: RegExp): void {
  let caught: unknown;
  try {
    decodeExecuteInput(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught, "decodeExecuteInput accepted the input").to.be.instanceOf(ExecuteInputDecodeError);
  if (reason !== undefined) expect((caught as Error).message).to.match(reason);
}

describe("precompile/codec: the EXECUTE input layout", function () {
  let harness: Contract;
  let real: ExecuteInput;

  before(async function () {
    harness = (await ethers.deployContract("ExecuteHarness")) as unknown as Contract;
    real = await realBlockInput();
  });

  describe("encodeExecuteInput equals Solidity's abi.encode (Execute.encodeInput)", function () {
    it("for a real built block with its witness", async function () {
      expect(real.witness.length).to.be.greaterThan(500);
      expect(bytesToHex(encodeExecuteInput(real))).to.equal(await solidityEncode(harness, real));
    });

    it("for max uint64 fields, an all-ones coinbase, no transactions, no witness and four blob hashes", async function () {
      const input = edgeInput();
      expect(bytesToHex(encodeExecuteInput(input))).to.equal(await solidityEncode(harness, input));
    });

    it("for all-zero fields and byte strings whose length is not a multiple of 32", async function () {
      const input = zeroInput();
      expect(bytesToHex(encodeExecuteInput(input))).to.equal(await solidityEncode(harness, input));
    });

    it("puts gasUsed in word 8, where the shim and the ethereumjs precompile read it before decoding", function () {
      for (const input of [real, edgeInput(), { ...zeroInput(), gasUsed: 123_456n }]) {
        const bytes = encodeExecuteInput(input);
        expect(BigInt(bytesToHex(bytes.slice(GAS_USED_OFFSET, GAS_USED_OFFSET + 32)))).to.equal(input.gasUsed);
        expect(claimedGasUsed(bytes)).to.equal(input.gasUsed);
      }
    });
  });

  describe("decodeExecuteInput", function () {
    it("returns the byte fields as views into the input (no copies of what a caller chooses)", function () {
      const input = { ...real, witness: new Uint8Array(2_000_000).fill(7), transactions: new Uint8Array(1_000_001).fill(9) };
      const bytes = encodeExecuteInput(input);
      const decoded = decodeExecuteInput(bytes);
      expect(decoded.witness.buffer).to.equal(bytes.buffer);
      expect(decoded.transactions.buffer).to.equal(bytes.buffer);
      expect(decoded.witness.length).to.equal(2_000_000);
      expect(decoded.transactions.length).to.equal(1_000_001);
    });

    it("decode(encode(x)) == x for a real block, edge values and zero values", function () {
      for (const input of [real, edgeInput(), zeroInput()]) {
        expect(decodeExecuteInput(encodeExecuteInput(input))).to.deep.equal(input);
      }
    });

    it("decodes what Solidity encoded to the same input", async function () {
      const input = edgeInput();
      expect(decodeExecuteInput(hexToBytes((await solidityEncode(harness, input)) as `0x${string}`))).to.deep.equal(input);
    });

    it("rejects truncated input (one byte, one word, and all but the header short)", function () {
      const bytes = encodeExecuteInput(real);
      expectRejected(bytes.slice(0, -1));
      expectRejected(bytes.slice(0, -32));
      expectRejected(bytes.slice(0, 13 * 32));
      expectRejected(new Uint8Array(0));
    });

    it("rejects trailing bytes (one zero byte, one zero word)", function () {
      const bytes = encodeExecuteInput(real);
      expectRejected(concat(bytes, new Uint8Array(1)), /non-canonical/);
      expectRejected(concat(bytes, new Uint8Array(32)), /non-canonical/);
    });

    it("rejects dirty high bits in a uint64 word (chainId, gasUsed, timestamp)", function () {
      for (const wordIndex of [0, 8, 10]) {
        const bytes = encodeExecuteInput(real);
        bytes[wordIndex * 32] = 0x01; // bit 255 of a uint64 word
        expectRejected(bytes);
        const low = encodeExecuteInput(real);
        low[wordIndex * 32 + 23] = 0x01; // bit 64: just above the uint64
        expectRejected(low);
      }
    });

    it("rejects dirty high bits in the coinbase address word", function () {
      const bytes = encodeExecuteInput(real);
      bytes[9 * 32] = 0x01;
      expectRejected(bytes);
    });

    it("rejects non-zero padding after a byte string", function () {
      const input = zeroInput(); // transactions: 3 bytes, then 29 bytes of padding
      const bytes = encodeExecuteInput(input);
      const start = Number(BigInt(bytesToHex(bytes.slice(13 * 32, 14 * 32)))); // offset of `transactions`
      bytes[start + 32 + 3] = 0x01;
      expectRejected(bytes, /non-canonical/);
    });

    it("rejects an offset that points elsewhere than the canonical place", function () {
      const input = zeroInput();
      const bytes = encodeExecuteInput(input);
      // Point `witness` at the `transactions` data: decodable, but not what abi.encode produces.
      bytes.set(bytes.slice(13 * 32, 14 * 32), 15 * 32);
      expectRejected(bytes);
    });

    it("rejects non-zero padding after messages, and a messages offset elsewhere than the canonical place", function () {
      const input = zeroInput(); // messages: 5 bytes, then 27 bytes of padding
      const bytes = encodeExecuteInput(input);
      const start = Number(BigInt(bytesToHex(bytes.slice(16 * 32, 17 * 32)))); // offset of `messages`
      expect(bytesToHex(bytes.slice(start + 32, start + 37))).to.equal(bytesToHex(input.messages));
      bytes[start + 32 + 5] = 0x01;
      expectRejected(bytes, /padding of messages/);
      const moved = encodeExecuteInput(input);
      moved.set(moved.slice(15 * 32, 16 * 32), 16 * 32); // `messages` pointed at `witness`
      expectRejected(moved, /offset of messages/);
    });

    it("rejects an input without the messages field (the four-field layout of before)", function () {
      const input = zeroInput();
      const bytes = encodeExecuteInput({ ...input, messages: new Uint8Array(0) });
      // Drop the messages offset word and the messages length word: the old layout.
      const old = concat(bytes.slice(0, 16 * 32), bytes.slice(17 * 32, -32));
      expectRejected(old);
    });
  });

  describe("the messages field (docs/bridge.md)", function () {
    /** `deliverMessages`' ABI arguments for two messages, as L1 would pass them. */
    const messages = hexToBytes(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "bytes32", "tuple(uint256,address,address,address,uint256,uint256,uint64,bytes)[]"],
        [
          keccak256("0x01"),
          2n,
          keccak256("0x02"),
          [
            [0n, "0x" + "11".repeat(20), "0x" + "00".repeat(20), "0x" + "22".repeat(20), 10n ** 18n, 7n, 0n, "0x"],
            [1n, "0x" + "33".repeat(20), "0x" + "44".repeat(20), "0x" + "55".repeat(20), 1n, 0n, 100_000n, "0xdeadbeef"],
          ],
        ],
      ) as `0x${string}`,
    );

    it("encodes as Solidity's abi.encode, decodes back, and keeps gasUsed (word 8) and the blob count (via word 14) where the gas formula reads them", async function () {
      for (const input of [{ ...real, messages }, { ...edgeInput(), messages }]) {
        const bytes = encodeExecuteInput(input);
        expect(bytesToHex(bytes)).to.equal(await solidityEncode(harness, input));
        expect(decodeExecuteInput(bytes)).to.deep.equal(input);
        expect(claimedGasUsed(bytes)).to.equal(input.gasUsed);
        expect(claimedBlobCount(bytes)).to.equal(BigInt(input.blobVersionedHashes.length));
        // Charged per byte like the other fields: 32 bytes of length word + the padded bytes.
        expect(bytes.length - encodeExecuteInput({ ...input, messages: new Uint8Array(0) }).length).to.equal(messages.length);
      }
    });

    it("empty messages still take their offset and length words (64 bytes more than the old layout)", function () {
      const bytes = encodeExecuteInput({ ...zeroInput(), messages: new Uint8Array(0) });
      expect(BigInt(bytesToHex(bytes.slice(16 * 32, 17 * 32)))).to.equal(BigInt(bytes.length - 32)); // the last word: length 0
      expect(BigInt(bytesToHex(bytes.slice(-32)))).to.equal(0n);
    });
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
