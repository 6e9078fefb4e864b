import { expect } from "chai";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import {
  BlobTransactionNotAllowedError,
  CommitmentMismatchError,
  decodeWitness,
  encodeTransactions,
  encodeWitness,
  execute,
  ExecutionRejectedError,
  GasBudgetExceededError,
  HeaderMismatchError,
  InvalidTransactionError,
  TransactionDecodeError,
  WitnessDecodeError,
  WitnessMissingHeaderError,
  WitnessMissingNodeError,
  type BuiltBlock,
  type ExecuteInput,
  type Witness,
} from "../../src/engine/index.js";
import { build, chainWithContracts, mixedBlockTransactions, sign, wallets } from "./helpers.js";

/** Expects `execute` to reject `input` with an error of class `kind`; returns the error. */
async function expectRejected(input: ExecuteInput, kind: new (...args: never[]) => Error): Promise<Error> {
  try {
    await execute(input);
  } catch (error) {
    expect(error).to.be.instanceOf(ExecutionRejectedError);
    expect(error, (error as Error).message).to.be.instanceOf(kind);
    return error as Error;
  }
  expect.fail(`execute accepted an input that should be rejected with ${kind.name}`);
}

function withWitness(block: BuiltBlock, change: (w: Witness) => Witness): ExecuteInput {
  const w = block.witness;
  return { ...block.input, witness: encodeWitness(change({ nodes: [...w.nodes], codes: [...w.codes], headers: [...w.headers] })) };
}

function withTransactions(block: BuiltBlock, change: (txs: Uint8Array[]) => Uint8Array[]): ExecuteInput {
  const txs = block.transactions.map((tx) => tx.serialize());
  return { ...block.input, transactions: encodeTransactions(change(txs)) };
}

describe("engine: execute (the semantics of EXECUTE)", function () {
  let block: BuiltBlock;
  let txs: Uint8Array[];

  before(async function () {
    const { chain, tokenAddress, historyAddress } = await chainWithContracts();
    txs = await mixedBlockTransactions(chain, tokenAddress, historyAddress);
    block = await build(chain, txs);
    expect(block.skipped.map((s) => s.reason)).to.deep.equal([]);
    expect(block.transactions).to.have.length(txs.length);
  });

  it("accepts a valid block and returns its hash", async function () {
    const result = await execute(block.input);
    expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
    expect(result.gasUsed).to.equal(block.header.gasUsed);
    expect(result.transactionCount).to.equal(6);
  });

  it("the witness holds trie nodes, the two contracts' code and the ancestors BLOCKHASH reads", async function () {
    expect(block.witness.codes).to.have.length(3); // token, history, L2Anchor predeploy
    // parent (3), then 2 and 1: BLOCKHASH(1) needs the hash chain down to block 1.
    expect(block.witness.headers).to.have.length(3);
    expect(block.witness.nodes.length).to.be.greaterThan(10);
  });

  describe("rejects a changed claim", function () {
    it("post-state root", async function () {
      const error = await expectRejected({ ...block.input, postStateRoot: new Uint8Array(32).fill(1) }, CommitmentMismatchError);
      expect((error as CommitmentMismatchError).field).to.equal("postStateRoot");
    });
    it("receipts root", async function () {
      const error = await expectRejected({ ...block.input, receiptsRoot: new Uint8Array(32).fill(2) }, CommitmentMismatchError);
      expect((error as CommitmentMismatchError).field).to.equal("receiptsRoot");
    });
    it("gas used + 1", async function () {
      const error = await expectRejected({ ...block.input, gasUsed: block.input.gasUsed + 1n }, CommitmentMismatchError);
      expect(error.message).to.contain(`expected: ${block.input.gasUsed + 1n}`);
    });
    it("gas used - 1 (execution stops as soon as it passes the claim)", async function () {
      const error = (await expectRejected({ ...block.input, gasUsed: block.input.gasUsed - 1n }, GasBudgetExceededError)) as GasBudgetExceededError;
      expect(error.budget).to.equal(block.input.gasUsed - 1n);
      expect(error.what).to.equal("transaction 5");
    });
    it("block hash", async function () {
      const error = await expectRejected({ ...block.input, blockHash: new Uint8Array(32) }, CommitmentMismatchError);
      expect((error as CommitmentMismatchError).field).to.equal("blockHash");
    });
    it("chain id", async function () {
      await expectRejected({ ...block.input, chainId: block.input.chainId + 1n }, TransactionDecodeError);
    });
    it("coinbase (the fees go elsewhere)", async function () {
      // Wallet 4 receives ETH in this block, so its account is in the witness: the run completes
      // and the state differs.
      const error = await expectRejected({ ...block.input, coinbase: hexToBytes(wallets[4]!.address as `0x${string}`) }, CommitmentMismatchError);
      expect((error as CommitmentMismatchError).field).to.equal("postStateRoot");
    });
    it("coinbase whose account the witness lacks", async function () {
      await expectRejected({ ...block.input, coinbase: hexToBytes(wallets[9]!.address as `0x${string}`) }, WitnessMissingNodeError);
    });
    it("timestamp (a contract stored it)", async function () {
      await expectRejected({ ...block.input, timestamp: block.input.timestamp + 1n }, CommitmentMismatchError);
    });
    it("timestamp before the parent's", async function () {
      await expectRejected({ ...block.input, timestamp: 1n }, HeaderMismatchError);
    });
    it("prevRandao and anchor (the header commits to them)", async function () {
      await expectRejected({ ...block.input, prevRandao: new Uint8Array(32).fill(9) }, CommitmentMismatchError);
      await expectRejected({ ...block.input, anchor: new Uint8Array(32).fill(9) }, CommitmentMismatchError);
    });
    it("block number, gas limit, pre-state root", async function () {
      await expectRejected({ ...block.input, number: block.input.number + 1n }, HeaderMismatchError);
      await expectRejected({ ...block.input, gasLimit: block.input.gasLimit + 1n }, HeaderMismatchError);
      await expectRejected({ ...block.input, preStateRoot: block.input.postStateRoot }, HeaderMismatchError);
    });
    it("parent hash (no such header in the witness)", async function () {
      await expectRejected({ ...block.input, parentHash: new Uint8Array(32).fill(3) }, WitnessMissingHeaderError);
    });
  });

  describe("rejects changed transactions", function () {
    it("one removed", async function () {
      await expectRejected(withTransactions(block, (t) => t.slice(0, -1)), CommitmentMismatchError);
    });
    it("one removed from the middle (the sender's next nonce no longer fits)", async function () {
      await expectRejected(withTransactions(block, (t) => [t[0]!, t[2]!, ...t.slice(3)]), InvalidTransactionError);
    });
    it("two of different senders swapped (same effects, other order)", async function () {
      // Transactions 0 and 5 are plain transfers of different senders: the state and receipts
      // may not tell; the block hash (transactions root) does.
      await expectRejected(withTransactions(block, (t) => [t[5]!, ...t.slice(1, 5), t[0]!]), CommitmentMismatchError);
    });
    it("two of the same sender swapped", async function () {
      await expectRejected(withTransactions(block, (t) => [t[0]!, t[2]!, t[1]!, ...t.slice(3)]), InvalidTransactionError);
    });
    it("one re-signed with another value", async function () {
      const { chain } = await chainWithContracts();
      const other = await sign(chain, 3, { nonce: 0, to: wallets[4]!.address, value: 4n * 10n ** 17n, gasLimit: 21_000n });
      await expectRejected(withTransactions(block, (t) => [other, ...t.slice(1)]), CommitmentMismatchError);
    });
    it("one with a flipped byte in its signature", async function () {
      const broken = Uint8Array.from(txs[0]!);
      broken[broken.length - 5] ^= 0x01;
      await expectRejected(withTransactions(block, (t) => [broken, ...t.slice(1)]), ExecutionRejectedError);
    });
    it("one added", async function () {
      const { chain } = await chainWithContracts();
      const extra = await sign(chain, 9, { nonce: 0, to: wallets[1]!.address, value: 1n, gasLimit: 21_000n });
      // Within the claimed gas, there is none left for it…
      await expectRejected(withTransactions(block, (t) => [...t, extra]), GasBudgetExceededError);
      // …and with the gas claimed, its sender's account is not in the witness: the run cannot even read it.
      await expectRejected({ ...withTransactions(block, (t) => [...t, extra]), gasUsed: block.input.gasUsed + 21_000n }, WitnessMissingNodeError);
    });
    it("bytes that are not an RLP list", async function () {
      await expectRejected({ ...block.input, transactions: new Uint8Array([0xff, 0x01]) }, TransactionDecodeError);
      await expectRejected({ ...block.input, transactions: RLP.encode([[new Uint8Array([1])]]) }, TransactionDecodeError);
    });
    it("a blob transaction", async function () {
      const raw = await wallets[9]!.signTransaction({
        type: 3,
        chainId: block.input.chainId,
        nonce: 0,
        to: wallets[1]!.address,
        gasLimit: 21_000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
        maxFeePerBlobGas: 10n ** 9n,
        blobVersionedHashes: [`0x01${"11".repeat(31)}`],
      });
      const blobTx = hexToBytes(raw as `0x${string}`);
      expect(blobTx[0]).to.equal(3);
      const claimed = { ...withTransactions(block, (t) => [...t, blobTx]), gasUsed: block.input.gasUsed + 21_000n };
      const error = await expectRejected(claimed, BlobTransactionNotAllowedError);
      expect((error as BlobTransactionNotAllowedError).index).to.equal(6);
    });
  });

  describe("rejects a changed witness", function () {
    it("any single trie node dropped", async function () {
      const { nodes } = block.witness;
      for (let i = 0; i < nodes.length; i++) {
        await expectRejected(withWitness(block, (w) => ({ ...w, nodes: w.nodes.filter((_, j) => j !== i) })), WitnessMissingNodeError);
      }
    });
    it("any single trie node altered (one byte flipped)", async function () {
      const { nodes } = block.witness;
      for (let i = 0; i < nodes.length; i++) {
        const altered = (w: Witness): Witness => {
          const node = Uint8Array.from(w.nodes[i]!);
          node[node.length - 1] ^= 0x01;
          return { ...w, nodes: w.nodes.map((n, j) => (j === i ? node : n)) };
        };
        await expectRejected(withWitness(block, altered), WitnessMissingNodeError);
      }
    });
    it("any contract code dropped or altered", async function () {
      for (let i = 0; i < block.witness.codes.length; i++) {
        await expectRejected(withWitness(block, (w) => ({ ...w, codes: w.codes.filter((_, j) => j !== i) })), WitnessMissingNodeError);
        const altered = (w: Witness): Witness => {
          const code = Uint8Array.from(w.codes[i]!);
          code[0] ^= 0x01;
          return { ...w, codes: w.codes.map((c, j) => (j === i ? code : c)) };
        };
        await expectRejected(withWitness(block, altered), WitnessMissingNodeError);
      }
    });
    it("an ancestor header dropped (BLOCKHASH needs it)", async function () {
      await expectRejected(withWitness(block, (w) => ({ ...w, headers: w.headers.slice(0, -1) })), WitnessMissingHeaderError);
    });
    it("an ancestor header altered", async function () {
      const altered = (w: Witness): Witness => {
        const header = Uint8Array.from(w.headers[2]!);
        header[header.length - 1] ^= 0x01;
        return { ...w, headers: [w.headers[0]!, w.headers[1]!, header] };
      };
      await expectRejected(withWitness(block, altered), ExecutionRejectedError);
    });
    it("the parent header missing", async function () {
      await expectRejected(withWitness(block, (w) => ({ ...w, headers: w.headers.slice(1) })), WitnessMissingHeaderError);
    });
    it("an empty witness", async function () {
      await expectRejected(withWitness(block, () => ({ nodes: [], codes: [], headers: [] })), WitnessMissingHeaderError);
      await expectRejected(withWitness(block, (w) => ({ nodes: [], codes: [], headers: w.headers })), WitnessMissingNodeError);
    });
    it("witness bytes that do not decode", async function () {
      await expectRejected({ ...block.input, witness: new Uint8Array([0xc1]) }, WitnessDecodeError);
      await expectRejected({ ...block.input, witness: RLP.encode([[], []]) }, WitnessDecodeError);
      await expectRejected({ ...block.input, witness: RLP.encode([[[new Uint8Array(1)]], [], []]) }, WitnessDecodeError);
    });
    it("accepts extra, unrelated witness items (they are never read)", async function () {
      const junk = (w: Witness): Witness => ({ ...w, nodes: [...w.nodes, new Uint8Array(40).fill(7)], codes: [...w.codes, new Uint8Array([0x60, 0x00])] });
      const result = await execute(withWitness(block, junk));
      expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
    });
    it("reports the missing node's hash", async function () {
      const dropped = block.witness.nodes[0]!;
      const error = (await expectRejected(withWitness(block, (w) => ({ ...w, nodes: w.nodes.slice(1) })), WitnessMissingNodeError)) as WitnessMissingNodeError;
      const { keccak_256 } = await import("@noble/hashes/sha3.js");
      expect(error.key).to.equal(bytesToHex(keccak_256(dropped)).slice(2));
    });
  });

  it("decodeWitness(encodeWitness(w)) is the identity", function () {
    const decoded = decodeWitness(block.input.witness);
    expect(decoded.nodes.map((n) => bytesToHex(n))).to.deep.equal(block.witness.nodes.map((n) => bytesToHex(n)));
    expect(decoded.codes.length).to.equal(block.witness.codes.length);
    expect(decoded.headers.length).to.equal(block.witness.headers.length);
  });
});

describe("engine: execute — every single-bit change of the EXECUTE input is rejected (property)", function () {
  it("flips one random bit at 250 random positions of the encoded input: none is accepted", async function () {
    this.timeout(120_000);
    const { runExecute } = await import("../../src/precompile/run.js");
    const { encodeExecuteInput } = await import("../../src/precompile/codec.js");
    const { chain, tokenAddress, historyAddress } = await chainWithContracts();
    const block = await build(chain, await mixedBlockTransactions(chain, tokenAddress, historyAddress));
    const bytes = encodeExecuteInput(block.input);
    expect((await runExecute(bytes)).ok).to.equal(true);

    // A small seeded generator: the same positions on every run.
    let seed = 0x2545f491;
    const next = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
    const accepted: number[] = [];
    const reasons = new Map<string, number>();
    for (let i = 0; i < 250; i++) {
      const position = next() % bytes.length;
      const mutated = bytes.slice();
      mutated[position]! ^= 1 << (next() % 8);
      const outcome = await runExecute(mutated);
      if (outcome.ok) accepted.push(position);
      else reasons.set(outcome.error.name, (reasons.get(outcome.error.name) ?? 0) + 1);
    }
    console.log(`      ${bytes.length}-byte input; rejections by reason: ${JSON.stringify(Object.fromEntries(reasons))}`);
    expect(accepted, `accepted a changed input (bit flipped at byte ${accepted[0]})`).to.deep.equal([]);
  });

  it("accepts the same witness in any order, with duplicates", async function () {
    const { chain, tokenAddress, historyAddress } = await chainWithContracts();
    const block = await build(chain, await mixedBlockTransactions(chain, tokenAddress, historyAddress));
    const w = block.witness;
    const shuffled = encodeWitness({ nodes: [...w.nodes].reverse().concat(w.nodes.slice(0, 3)), codes: [...w.codes].reverse(), headers: w.headers });
    const result = await execute({ ...block.input, witness: shuffled });
    expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
  });
});
