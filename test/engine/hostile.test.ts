import { expect } from "chai";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes, MapDB } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { Wallet } from "ethers";
import {
  buildBlock,
  chainHead,
  createL2Chain,
  devGenesis,
  encodeBlockData,
  encodeTransactions,
  encodeWitness,
  execute,
  ExecutionRejectedError,
  GasBudgetExceededError,
  getL2Storage,
  HeaderMismatchError,
  InvalidBuildOptionsError,
  TransactionDecodeError,
  WitnessDecodeError,
  type BuiltBlock,
  type ExecuteInput,
  type L2Chain,
} from "../../src/engine/index.js";
import { getKzg, toVersionedHash } from "../../src/blobs/kzg.js";
import { build, COINBASE, sign, wallets } from "./helpers.js";

/** Runs `execute` and fails the test if it neither accepts nor rejects within `ms` (a hang). */
async function settle(input: ExecuteInput, ms = 20_000): Promise<{ ok: true } | { ok: false; error: Error }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`execute did not settle within ${ms} ms (a hang)`)), ms);
  });
  try {
    await Promise.race([execute(input), hang]);
    return { ok: true };
  } catch (error) {
    if ((error as Error).message.includes("a hang")) throw error;
    return { ok: false, error: error as Error };
  } finally {
    clearTimeout(timer);
  }
}

/** Collects the unhandled rejections of the process while `body` runs (each one crashes a node). */
async function withoutUnhandledRejections(body: () => Promise<void>): Promise<void> {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => seen.push(reason);
  process.on("unhandledRejection", listener);
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let stray rejections surface
  } finally {
    process.off("unhandledRejection", listener);
  }
  expect(seen.map((r) => String(r)), "unhandled rejections").to.deep.equal([]);
}

/** A chain whose genesis holds `code` at `address`, with storage. */
async function chainWithCode(address: string, code: string, storage: Record<string, string> = {}, options: { chainId?: bigint; gasLimit?: bigint } = {}): Promise<L2Chain> {
  return createL2Chain(devGenesis({ ...options, alloc: { [address]: { code, storage } } }));
}

const word = (n: number | bigint) => "0x" + BigInt(n).toString(16).padStart(64, "0");
const CONTRACT = "0x00000000000000000000000000000000000c0de1";

describe("engine: hostile and broken inputs (issue 9)", function () {
  this.timeout(60_000);

  describe("the point-evaluation precompile (0x0a) works on L2", function () {
    it("a failing call to 0x0a fails as on L1, a valid proof succeeds, and EXECUTE accepts the block", async function () {
      const chain = await createL2Chain(devGenesis());
      const kzg = getKzg();
      const blob = new Uint8Array(131_072);
      for (let i = 0; i < 4096; i++) blob[i * 32 + 31] = i % 251; // canonical field elements
      const commitment = kzg.blobToKzgCommitment(blob);
      const z = hexToBytes(word(7) as `0x${string}`);
      const [proof, y] = kzg.computeKzgProof(blob, z);
      const versionedHash = hexToBytes(toVersionedHash(commitment) as `0x${string}`);
      const valid = bytesToHex(new Uint8Array([...versionedHash, ...z, ...y, ...commitment, ...proof]));
      const wrongY = bytesToHex(new Uint8Array([...versionedHash, ...z, ...hexToBytes(word(1) as `0x${string}`), ...commitment, ...proof]));
      const to = "0x000000000000000000000000000000000000000a";
      const txs = [
        await sign(chain, 1, { nonce: 0, to, data: "0x", gasLimit: 100_000n }), // empty input
        await sign(chain, 1, { nonce: 1, to, data: valid, gasLimit: 100_000n }),
        await sign(chain, 1, { nonce: 2, to, data: wrongY, gasLimit: 100_000n }),
      ];
      const block = await build(chain, txs);
      expect(block.skipped.map((s) => s.reason)).to.deep.equal([]);
      expect(block.receipts.map((r) => ("status" in r ? r.status : undefined))).to.deep.equal([0, 1, 0]);
      await execute(block.input);
    });
  });

  describe("whatever throws while a transaction is applied", function () {
    it("leaves the builder's state exactly as before that transaction, and the block verifies", async function () {
      // A database that fails reads of one key on demand: the History-like contract's code.
      const code = "0x5f5f3555" + "00"; // sstore(calldataload(0), 0)
      const poisoned = new Set<string>();
      class FailingDB extends MapDB<string, Uint8Array> {
        override async get(key: string) {
          if (poisoned.has(key)) throw new Error(`injected failure reading ${key}`);
          return super.get(key);
        }
      }
      const chain = await createL2Chain(devGenesis({ alloc: { [CONTRACT]: { code, storage: { [word(1)]: word(1) } } } }), new FailingDB());
      const txs = [
        await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n }),
        await sign(chain, 3, { nonce: 0, to: CONTRACT, data: word(1), gasLimit: 100_000n }),
        await sign(chain, 4, { nonce: 0, to: wallets[5]!.address, value: 2n, gasLimit: 21_000n }),
      ];
      const withoutFailing = await build(chain, [txs[0]!, txs[2]!]);
      poisoned.add("63" + bytesToHex(keccak_256(hexToBytes(code as `0x${string}`))).slice(2));
      const block = await build(chain, txs);
      expect(block.skipped.map((s) => s.reason)).to.have.length(1);
      expect(block.skipped[0]!.reason).to.contain("injected failure");
      expect(block.transactions).to.have.length(2);
      // Sender 3's gas debit and nonce bump are gone: the same state as a block without the tx.
      expect(bytesToHex(block.header.stateRoot)).to.equal(bytesToHex(withoutFailing.header.stateRoot));
      const result = await execute(block.input);
      expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
    });
  });

  it("buildBlock refuses a timestamp older than the parent's, and malformed header choices", async function () {
    const chain = await createL2Chain(devGenesis({ timestamp: 1_000n }));
    const base = { transactions: [], coinbase: COINBASE, prevRandao: new Uint8Array(32), anchor: new Uint8Array(32) };
    for (const [options, field] of [
      [{ ...base, timestamp: 999n }, "timestamp"],
      [{ ...base, timestamp: 1_000n, coinbase: new Uint8Array(19) }, "coinbase"],
      [{ ...base, timestamp: 1_000n, prevRandao: new Uint8Array(31) }, "prevRandao"],
      [{ ...base, timestamp: 1_000n, anchor: new Uint8Array(33) }, "anchor"],
    ] as const) {
      try {
        await buildBlock(chain, options);
        expect.fail(`built a block with a bad ${field}`);
      } catch (error) {
        expect(error).to.be.instanceOf(InvalidBuildOptionsError);
        expect((error as InvalidBuildOptionsError).details.field).to.equal(field);
      }
    }
    const same = await buildBlock(chain, { ...base, timestamp: 1_000n });
    await execute(same.input); // equal timestamps are allowed (several L2 blocks per L1 block)
  });

  describe("a witness that lacks the sibling a storage-slot deletion collapses into", function () {
    it("is rejected — no hang, no unhandled rejection — whichever node is dropped", async function () {
      // The minimal case: sstore(calldataload(0), 0) holding slots 1 and 2; clear slot 1.
      const chain = await chainWithCode(CONTRACT, "0x5f5f355500", { [word(1)]: word(1), [word(2)]: word(1) });
      const block = await build(chain, [await sign(chain, 1, { nonce: 0, to: CONTRACT, data: word(1), gasLimit: 100_000n })]);
      expect(block.receipts[0]).to.have.property("status", 1);
      expect((await settle(block.input)).ok).to.equal(true);
      await withoutUnhandledRejections(async () => {
        for (let i = 0; i < block.witness.nodes.length; i++) {
          const nodes = block.witness.nodes.filter((_, j) => j !== i);
          const outcome = await settle({ ...block.input, witness: encodeWitness({ ...block.witness, nodes }) });
          expect(outcome.ok, `accepted a witness without node ${i}`).to.equal(false);
          if (!outcome.ok) expect(outcome.error).to.be.instanceOf(ExecutionRejectedError);
        }
      });
    });
  });

  describe("work is bounded by the gas the input claims", function () {
    // JUMPDEST PUSH0 JUMP: an infinite loop, 11 gas a turn.
    const LOOP = "0x5b5f56";
    let chain: L2Chain;
    let block: BuiltBlock;

    before(async function () {
      chain = await chainWithCode(CONTRACT, LOOP);
      const txs = [];
      for (let i = 0; i < 3; i++) txs.push(await sign(chain, i + 1, { nonce: 0, to: CONTRACT, gasLimit: 1_000_000n }));
      block = await build(chain, txs);
      expect(block.header.gasUsed).to.equal(3_000_000n); // each loop runs out of gas
    });

    it("accepts the honest claim", async function () {
      await execute(block.input);
    });

    for (const claimed of [0n, 21_000n, 100_000n, 1_500_000n, 2_999_999n]) {
      it(`stops a claim of ${claimed} gas as soon as execution passes it (mid-transaction)`, async function () {
        const outcome = await settle({ ...block.input, gasUsed: claimed });
        expect(outcome.ok).to.equal(false);
        const error = (outcome as { error: Error }).error as GasBudgetExceededError;
        expect(error).to.be.instanceOf(GasBudgetExceededError);
        // The meter looks at every JUMPDEST: it stops within one loop turn past 5/4 of what is
        // left (a refund can return at most a fifth), never after running the transaction out.
        const index = Number(error.what.replace("transaction ", ""));
        const left = claimed - BigInt(index) * 1_000_000n;
        if ((left * 5n) / 4n < 1_000_000n) {
          // Within the transaction: consumed counts its gas only.
          if (left >= 21_000n) expect(error.consumed <= (left * 5n) / 4n + 11n, `consumed ${error.consumed}`).to.equal(true);
          else expect(error.consumed).to.equal(BigInt(index) * 1_000_000n + 21_000n); // not even started
        } else {
          // A refund could still have brought it under: caught right after it, at the block's gas.
          expect(error.consumed).to.equal(BigInt(index + 1) * 1_000_000n);
        }
      });
    }

    it("bounds a precompile's one-step work by what is left (BLAKE2F of 14M rounds claimed as 100,000 gas)", async function () {
      const blake = (rounds: number) => {
        const input = new Uint8Array(213);
        new DataView(input.buffer).setUint32(0, rounds);
        input[212] = 1;
        return bytesToHex(input);
      };
      const BLAKE2F = "0x0000000000000000000000000000000000000009";
      // A contract that forwards all its gas to BLAKE2F with its calldata: call(gas(), 9, 0, 0, 213, 0, 64).
      const forwarder = "0x" + "365f5f37" + "60405f60d55f5f60095af1" + "3d5f5f3e" + "60405ff3";
      const blakeChain = await chainWithCode(CONTRACT, forwarder);
      const honest = await build(blakeChain, [
        await sign(blakeChain, 1, { nonce: 0, to: BLAKE2F, data: blake(1_000), gasLimit: 100_000n }),
        await sign(blakeChain, 2, { nonce: 0, to: CONTRACT, data: blake(2_000), gasLimit: 16_000_000n }),
      ]);
      expect(honest.receipts.map((r) => ("status" in r ? r.status : undefined))).to.deep.equal([1, 1]);
      await execute(honest.input); // a precompile that fits its budget runs unchanged

      const heavy = await build(blakeChain, [await sign(blakeChain, 1, { nonce: 0, to: BLAKE2F, data: blake(1_000), gasLimit: 16_000_000n })]);
      const rounds = 14_000_000;
      const tx = await sign(blakeChain, 1, { nonce: 0, to: BLAKE2F, data: blake(rounds), gasLimit: 16_000_000n });
      const outcome = await settle({ ...heavy.input, transactions: encodeTransactions([tx]), gasUsed: 100_000n });
      const error = (outcome as { error: Error }).error as GasBudgetExceededError;
      expect(error).to.be.instanceOf(GasBudgetExceededError);
      // It was given 125,000 − intrinsic + 1 gas, ran out of it, and the run stopped there.
      expect(error.consumed).to.equal(125_001n);
    });

    it("does not decode transactions the claimed gas cannot pay for", async function () {
      // 3,000 transactions of garbage after one that fits: only the first would ever be read.
      const garbage = Array.from({ length: 3_000 }, () => new Uint8Array([0x02, 0xc0]));
      const txs = [block.transactions[0]!.serialize(), ...garbage];
      const outcome = await settle({ ...block.input, transactions: encodeTransactions(txs), gasUsed: 1_000_000n });
      expect((outcome as { error: Error }).error).to.be.instanceOf(GasBudgetExceededError);
    });
  });

  describe("blob versioned hashes", function () {
    let input: ExecuteInput;
    before(async function () {
      const chain = await createL2Chain(devGenesis());
      input = { ...(await build(chain, [])).input, transactions: new Uint8Array(0) };
    });
    const hash = (n: number) => hexToBytes(("0x01" + n.toString(16).padStart(62, "0")) as `0x${string}`);

    for (const [name, hashes] of [
      ["300 copies of one hash", Array.from({ length: 300 }, () => hash(1))],
      ["one duplicate", [hash(1), hash(2), hash(1)]],
      ["seven distinct hashes (more than one L1 transaction carries)", Array.from({ length: 7 }, (_, i) => hash(i))],
      ["a hash without the KZG version byte", [new Uint8Array(32).fill(2)]],
    ] as const) {
      it(`rejects ${name} before any blob is fetched or checked`, async function () {
        let fetched = 0;
        try {
          await execute({ ...input, blobVersionedHashes: [...hashes] }, { resolveBlobData: async () => (fetched++, new Uint8Array(0)) });
          expect.fail("accepted");
        } catch (error) {
          expect(error).to.be.instanceOf(HeaderMismatchError);
          expect((error as HeaderMismatchError).details.field).to.match(/^blobVersionedHashes/);
        }
        expect(fetched).to.equal(0);
      });
    }
  });

  describe("transaction bytes beyond what the claimed gas can hold (one byte per 8 gas)", function () {
    let input: ExecuteInput;
    before(async function () {
      const chain = await createL2Chain(devGenesis());
      input = (await build(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })])).input;
    });
    it("are refused in calldata before they are read", async function () {
      const max = Number(input.gasUsed / 8n + 1024n);
      const outcome = await settle({ ...input, transactions: RLP.encode([new Uint8Array(max)]) });
      const error = (outcome as { error: Error }).error;
      expect(error).to.be.instanceOf(HeaderMismatchError);
      expect(error.message).to.contain(`at most ${max} bytes for ${input.gasUsed} gas`);
    });
    it("bound what blob data may inflate to (a compression bomb is refused before inflating)", async function () {
      const limits: number[] = [];
      const hash = hexToBytes(("0x01" + "00".repeat(31)) as `0x${string}`);
      await execute({ ...input, transactions: new Uint8Array(0), blobVersionedHashes: [hash] }, {
        resolveBlobData: async (_hashes, { maxBytes }) => (limits.push(maxBytes), encodeBlockData({ transactions: input.transactions, witness: new Uint8Array(0) })),
      });
      // The transactions the claimed gas can hold, and 512 KiB of witness per blob.
      expect(limits).to.deep.equal([Number(input.gasUsed / 8n + 1024n) + 512 * 1024 + 16]);
    });
  });

  it("a witness the blobs carry may hold at most 4,096 items per blob (each costs a hash, whatever its size)", async function () {
    const chain = await createL2Chain(devGenesis());
    const block = await build(chain, []);
    const hash = hexToBytes(("0x01" + "00".repeat(31)) as `0x${string}`);
    const junk = (n: number) => Array.from({ length: n }, (_, i) => new Uint8Array(33).fill(i & 0xff).map((b, j) => (j < 2 ? (i >> (8 * j)) & 0xff : b)));
    const carrying = (extra: number) => ({
      resolveBlobData: async () => encodeBlockData({ transactions: block.input.transactions, witness: encodeWitness({ ...block.witness, nodes: [...block.witness.nodes, ...junk(extra)] }) }),
    });
    const items = block.witness.nodes.length + block.witness.codes.length;
    const input = { ...block.input, transactions: new Uint8Array(0), witness: new Uint8Array(0), blobVersionedHashes: [hash] };
    await execute(input, carrying(4_096 - items)); // at the bound: accepted (unused nodes are allowed)
    try {
      await execute(input, carrying(4_097 - items));
      expect.fail("accepted 4,097 items in one blob");
    } catch (error) {
      expect(error).to.be.instanceOf(WitnessDecodeError);
      expect((error as Error).message).to.contain("4097 items in 1 blobs; a blob may carry at most 4096");
    }
  });

  describe("deeply nested RLP is refused in linear time", function () {
    let input: ExecuteInput;
    before(async function () {
      const chain = await createL2Chain(devGenesis());
      input = (await build(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })])).input;
    });
    // 5,000 nested lists, each one with a 120-byte string beside it (≈ 620 KB, as in the issue).
    const nested = (depth: number): Uint8Array => {
      let item: unknown = new Uint8Array(120);
      for (let i = 0; i < depth; i++) item = [item, new Uint8Array(120)];
      return RLP.encode(item as never);
    };
    const deep = nested(5_000);

    it("as the witness", async function () {
      const outcome = await settle({ ...input, witness: deep });
      expect((outcome as { error: Error }).error).to.be.instanceOf(WitnessDecodeError);
    });
    it("as the transactions list", async function () {
      // Claims enough gas for 620 KB of transactions, so the size bound is not what refuses it.
      const outcome = await settle({ ...input, transactions: deep, gasUsed: 10_000_000n });
      expect((outcome as { error: Error }).error).to.be.instanceOf(TransactionDecodeError);
    });
    it("inside one transaction", async function () {
      const tx = new Uint8Array([0x02, ...deep]);
      const outcome = await settle({ ...input, transactions: encodeTransactions([tx]), gasUsed: 10_000_000n });
      const error = (outcome as { error: Error }).error;
      expect(error).to.be.instanceOf(TransactionDecodeError);
      expect(error.message).to.contain("nested deeper than 4");
    });
    it("as an ancestor header", async function () {
      // Claimed as the parent, so the verifier must decode it.
      const witness = { nodes: [], codes: [], headers: [deep] };
      const outcome = await settle({ ...input, parentHash: keccak_256(deep), witness: encodeWitness(witness) });
      expect((outcome as { error: Error }).error).to.be.instanceOf(WitnessDecodeError);
    });
  });

  describe("a witness larger than any block of the claimed gas could need is refused before hashing", function () {
    let block: BuiltBlock;
    before(async function () {
      const chain = await createL2Chain(devGenesis());
      block = await build(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })]);
    });
    const rejects = async (witness: { nodes: Uint8Array[]; codes: Uint8Array[]; headers: Uint8Array[] }, reason: RegExp) => {
      const outcome = await settle({ ...block.input, witness: encodeWitness(witness) });
      const error = (outcome as { error: Error }).error;
      expect(error).to.be.instanceOf(WitnessDecodeError);
      expect(error.message).to.match(reason);
    };
    it("more headers than BLOCKHASH can reach (257)", async function () {
      const headers = Array.from({ length: 258 }, () => block.witness.headers[0]!);
      await rejects({ ...block.witness, headers }, /258 headers; BLOCKHASH can need at most 257/);
    });
    it("more codes than the claimed gas can read (one per 2,000 gas)", async function () {
      // 21,000 + 2 anchor-call gas… the block used block.input.gasUsed: allowance gasUsed/2000 + 2.
      const allowed = Number(block.input.gasUsed / 2_000n + 2n);
      const codes = Array.from({ length: allowed + 1 }, (_, i) => new Uint8Array([0x60, i & 0xff, 0x00]));
      await rejects({ ...block.witness, codes }, new RegExp(`${allowed + 1} codes; a block of ${block.input.gasUsed} gas can read at most ${allowed}`));
    });
    it("a node shorter than 32 bytes (never stored under a hash)", async function () {
      await rejects({ ...block.witness, nodes: [...block.witness.nodes, new Uint8Array([0xc1, 0x80])] }, /node \d+ has 2 bytes/);
    });
  });

  describe("chain ids above 2^53 are exact", function () {
    const big = 2n ** 53n + 1n;

    it("a genesis outside 1…2^64−1 is refused (the rollup holds a uint64)", async function () {
      for (const chainId of [0n, 2n ** 64n]) {
        try {
          await createL2Chain(devGenesis({ chainId }));
          expect.fail(`accepted chain id ${chainId}`);
        } catch (error) {
          expect((error as Error).message).to.contain("chainId out of range");
        }
      }
      await createL2Chain(devGenesis({ chainId: 2n ** 64n - 1n }));
    });

    it("an input for chain 2^53+1 rejects a block of transactions signed for chain 2^53", async function () {
      const chain = await createL2Chain(devGenesis({ chainId: big - 1n }));
      const block = await build(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })]);
      await execute(block.input);
      const outcome = await settle({ ...block.input, chainId: big });
      expect(outcome.ok).to.equal(false);
    });

    it("chain 2^53+1 includes its own transactions, and CHAINID reads the exact id", async function () {
      const chain = await chainWithCode(CONTRACT, "0x465f5500", {}, { chainId: big }); // sstore(0, chainid())
      const raw = await new Wallet(wallets[1]!.privateKey).signTransaction({
        type: 2, chainId: big, nonce: 0, to: CONTRACT, gasLimit: 100_000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n,
      });
      const block = await build(chain, [hexToBytes(raw as `0x${string}`)]);
      expect(block.skipped).to.deep.equal([]);
      await execute(block.input);
      const { appendBlock } = await import("../../src/engine/index.js");
      appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
      expect(BigInt(bytesToHex(await getL2Storage(chain, CONTRACT, new Uint8Array(32))))).to.equal(big);
      expect(chainHead(chain).number).to.equal(1n);
    });
  });
});

