import { expect } from "chai";
import {
  encodeTransactions,
  encodeWitness,
  execute,
  ExecutionRejectedError,
  type BuiltBlock,
  type ExecuteInput,
  type Witness,
} from "../../src/engine/index.js";
import { build, chainWithContracts, mixedBlockTransactions } from "./helpers.js";

/** A small seeded generator: the same campaign on every run. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => (state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
  return { next, below: (n: number) => next() % n };
}

/**
 * Structural mutations of a valid EXECUTE input, one class per entry. Each returns a changed
 * input that no honest block has; `undefined` when the class does not apply to this block.
 */
function mutations(block: BuiltBlock, rand: ReturnType<typeof generator>): [string, () => ExecuteInput | undefined][] {
  const input = block.input;
  const txs = block.transactions.map((tx) => tx.serialize());
  const w = block.witness;
  const witness = (change: (w: Witness) => Witness) => ({ ...input, witness: encodeWitness(change({ nodes: [...w.nodes], codes: [...w.codes], headers: [...w.headers] })) });
  const transactions = (list: Uint8Array[]) => ({ ...input, transactions: encodeTransactions(list) });
  const pick = (n: number) => rand.below(n);
  const without = <T,>(list: T[]) => {
    const drop = pick(list.length);
    return list.filter((_, i) => i !== drop);
  };
  return [
    ["drop a witness node", () => witness((x) => ({ ...x, nodes: without(x.nodes) }))],
    ["drop a code", () => witness((x) => ({ ...x, codes: without(x.codes) }))],
    ["drop a header", () => witness((x) => ({ ...x, headers: without(x.headers) }))],
    ["flip a byte of a node", () => witness((x) => {
      const i = pick(x.nodes.length);
      const node = Uint8Array.from(x.nodes[i]!);
      node[pick(node.length)] ^= 1 + pick(255);
      return { ...x, nodes: x.nodes.map((n, j) => (j === i ? node : n)) };
    })],
    ["duplicate a transaction", () => {
      const i = pick(txs.length);
      return transactions([...txs.slice(0, i + 1), txs[i]!, ...txs.slice(i + 1)]);
    }],
    ["swap two transactions", () => {
      const [i, j] = [pick(txs.length), pick(txs.length)];
      if (i === j) return undefined;
      const list = [...txs];
      [list[i], list[j]] = [list[j]!, list[i]!];
      return transactions(list);
    }],
    ["remove a transaction", () => transactions(without(txs))],
    ["truncate the witness", () => ({ ...input, witness: input.witness.subarray(0, pick(input.witness.length)) })],
    ["truncate the transactions", () => ({ ...input, transactions: input.transactions.subarray(0, pick(input.transactions.length)) })],
    ["change gasUsed", () => ({ ...input, gasUsed: input.gasUsed + BigInt(pick(2) === 0 ? -1 - pick(100_000) : 1 + pick(100_000)) })],
    ["claim gasUsed 0", () => ({ ...input, gasUsed: 0n })],
    ["move the timestamp", () => ({ ...input, timestamp: input.timestamp + BigInt(1 + pick(1_000)) })],
    ["change the anchor", () => {
      const anchor = Uint8Array.from(input.anchor);
      anchor[pick(32)] ^= 0x80;
      return { ...input, anchor };
    }],
    ["change the chain id", () => ({ ...input, chainId: input.chainId + BigInt(1 + pick(1 << 20)) })],
    ["claim blobs with no blob source", () => ({ ...input, transactions: new Uint8Array(0), blobVersionedHashes: [Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : pick(256)))] })],
    ["empty the body", () => transactions([])],
  ];
}

describe("engine: a seeded campaign of structural mutations (issue 9)", function () {
  this.timeout(120_000);

  it("rejects every mutated input with an ExecutionRejectedError — no accept, no crash, no hang", async function () {
    const { chain, tokenAddress, historyAddress } = await chainWithContracts();
    const block = await build(chain, await mixedBlockTransactions(chain, tokenAddress, historyAddress));
    await execute(block.input);
    const rand = generator(0x5eed_0009);
    const classes = mutations(block, rand);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const byReason = new Map<string, number>();
    try {
      for (let round = 0; round < 96; round++) {
        const [name, mutate] = classes[round % classes.length]!;
        const mutated = mutate();
        if (mutated === undefined) continue;
        let timer: NodeJS.Timeout | undefined;
        const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}: execute did not settle in 20 s`)), 20_000)));
        try {
          await Promise.race([execute(mutated), hang]);
          expect.fail(`round ${round} (${name}): a mutated input was accepted`);
        } catch (error) {
          if ((error as Error).message.includes("did not settle") || (error as Error).message.includes("was accepted")) throw error;
          expect(error, `round ${round} (${name}): ${(error as Error).stack}`).to.be.instanceOf(ExecutionRejectedError);
          byReason.set((error as Error).name, (byReason.get((error as Error).name) ?? 0) + 1);
        } finally {
          clearTimeout(timer);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    console.log(`      rejections by reason: ${JSON.stringify(Object.fromEntries(byReason))}`);
    expect(unhandled.map(String)).to.deep.equal([]);
  });
});
