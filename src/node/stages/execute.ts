import type { BlockHeader } from "@ethereumjs/block";
import { createContractAddress } from "@ethereumjs/util";
import { keccak256 } from "../../engine/crypto.js";
import { applyBlockBody, sealHeader, type ApplyResult, type BlockEnv } from "../../engine/apply.js";
import { createEngineVM } from "../../engine/vm.js";
import { createL2Common } from "../../engine/chain.js";
import { WitnessMissingHeaderError } from "../../engine/errors.js";
import { prefetchSenders } from "../../engine/senders.js";
import { splitTransactions } from "../../engine/transactions.js";
import { bytesEqual, bytesToHex, hexToBytes } from "../../shared/bytes.js";
import path from "node:path";
import { DerivationMismatchError, StoreCorruptError } from "../errors.js";
import { decodeAdvance, decodeBlockRecord, decodeReceipts, encodeBlockRecord, encodeReceipts, type AdvanceRecord, type BlockRecord, type StoredReceipt } from "../records.js";
import { BlockWriteDB, missingTrieNodeError, numberKey, readMeta, writeMeta, type NodeStore } from "../store.js";
import { commitBlocks, logKeys } from "./commit.js";
import { createSlicer, type Slicer } from "../../engine/slice.js";
import { adoptionRefusal, type HandedBlocks } from "./adopt.js";
import { checkpointKey, type ExecInput, type ExecOutput, type NodeContext, type Stage, type UnwindInput, type UnwindOutput, type UnwoundBlock } from "../stage.js";

/** The execute checkpoint: the node's L2 head. */
export function executeCheckpoint(ctx: Pick<NodeContext, "store">): bigint {
  return BigInt(readMeta<string>(ctx.store, checkpointKey("execute")) ?? "0");
}

/**
 * Block records decoded lately, per store, by number, with the bytes they were decoded from: a
 * header's decoding is ≈ 0.1–0.2 ms (ethereumjs rebuilds its parameters), and every receipt
 * lookup and every subscription tick reads one, on the RPC's thread. Served only while the
 * stored bytes (checksummed on each read) are still the same.
 */
const decodedRecords = new WeakMap<object, Map<bigint, { raw: Buffer; record: BlockRecord }>>();
const DECODED_RECORDS = 64;

/**
 * The executed block `number`, or undefined above the head. Checked (integrity.ts rule 3): a
 * block at or below the head must be there, and its header must hash to the block-hash index
 * entry that points back at `number`; else `StoreCorruptError`.
 */
export function readBlockRecord(ctx: Pick<NodeContext, "store" | "common">, number: bigint): BlockRecord | undefined {
  const key = numberKey(number);
  const raw = ctx.store.blocks.getBinary(key);
  const corrupt = (problem: string) => new StoreCorruptError(path.join(ctx.store.dir, "data.mdb"), problem, { table: "blocks", block: number });
  if (raw === undefined) {
    if (number >= 0n && number <= executeCheckpoint(ctx)) throw corrupt(`L2 block ${number} is missing below the head ${executeCheckpoint(ctx)}`);
    return undefined;
  }
  let cache = decodedRecords.get(ctx.store);
  if (cache === undefined) decodedRecords.set(ctx.store, (cache = new Map()));
  const cached = cache.get(number);
  let record: BlockRecord;
  if (cached !== undefined && cached.raw.equals(raw)) record = cached.record;
  else {
    try {
      record = decodeBlockRecord(raw, ctx.common);
    } catch (error) {
      throw corrupt(`L2 block ${number}'s record does not decode (${(error as Error).message.split("\n")[0]})`);
    }
    cache.delete(number);
    cache.set(number, { raw: Buffer.from(raw), record });
    if (cache.size > DECODED_RECORDS) cache.delete(cache.keys().next().value!);
  }
  const indexed = ctx.store.hashes.getBinary(Buffer.from(record.header.hash()));
  if (record.header.number !== number || indexed === undefined || !key.equals(indexed)) {
    throw corrupt(`L2 block ${number}'s header (number ${record.header.number}, hash ${bytesToHex(record.header.hash())}) is not the block the hash index holds at that number`);
  }
  return record;
}

/** What the execute stage reports for each block it commits. */
export interface ExecutedBlock {
  record: BlockRecord;
  transactionCount: number;
  /** The block is its co-located builder's, adopted rather than re-executed (adopt.ts). */
  adopted?: boolean;
  /** Time spent executing (or adopting) it, in ms: from reading its data to its results held for the commit. */
  ms?: number;
}

/**
 * When a stage commits: after this much work (ms) or this many blocks, whichever comes first,
 * and whenever it reaches its target. Each commit ends at a block boundary; grouping the blocks
 * of a catch-up amortises the commit's flush (≈ 1–7 ms here), and at the head, where blocks
 * arrive one by one, every block commits on its own.
 */
export interface CommitPolicy {
  intervalMs: number;
  maxBlocks: number;
}

/** The default {@link CommitPolicy}: a kill loses at most about a quarter second of work. */
export const DEFAULT_COMMIT_POLICY: CommitPolicy = { intervalMs: 250, maxBlocks: 256 };

/** Executed blocks not yet committed, and the trie nodes they wrote (the next block reads them). */
interface Batch {
  db: BlockWriteDB;
  blocks: (ExecutedBlock & { receipts: StoredReceipt[]; transactions: Uint8Array[] })[];
  started: number;
}

/**
 * Stage 3: re-executes each derived block on the node's state with the engine's own state
 * transition (`applyBlockBody`, `sealHeader`: the code EXECUTE runs), in verify mode — every
 * transaction must apply, since L1 verified them — and checks gas used, receipts root, state root
 * and block hash against what L1 recorded. A difference stops the node with a
 * `DerivationMismatchError` naming the block and both values; nothing of that block is written
 * (the verified blocks before it are). Verified blocks are committed — trie nodes, header,
 * receipts, indexes, L1 origin, and the checkpoint — in one transaction per group (see
 * {@link CommitPolicy}). A block that `handed` holds with the hash L1 recorded is its builder's
 * result, adopted instead of re-executed (adopt.ts), and committed the same way.
 */
export function executeStage(ctx: NodeContext, onBlock: (block: ExecutedBlock) => void = () => {}, policy: CommitPolicy = DEFAULT_COMMIT_POLICY, handed?: HandedBlocks): Stage {
  let batch: Batch = newBatch();
  // A block of the batch, or a committed one.
  const header = (number: bigint): BlockHeader => {
    const first = batch.blocks[0]?.record.header.number;
    if (first !== undefined && number >= first) return batch.blocks[Number(number - first)]!.record.header;
    return readBlockRecord(ctx, number)!.header;
  };

  async function executeBlock(number: bigint): Promise<void> {
    const started = performance.now();
    await executeOrAdopt(number);
    batch.blocks.at(-1)!.ms = performance.now() - started;
  }

  async function executeOrAdopt(number: bigint): Promise<void> {
    const advance = decodeAdvance(ctx.store.advances.getBinary(numberKey(number))!);
    const body = ctx.store.payloads.getBinary(numberKey(number))!;
    const parent = header(number - 1n);
    const mismatch = (field: DerivationMismatchError["field"], expected: string, got: string, cause?: unknown) =>
      new DerivationMismatchError(number, field, expected, got, { l1Block: advance.l1.number, l1Tx: advance.l1.txHash }, { cause });
    if (advance.parentHash !== bytesToHex(parent.hash())) throw mismatch("parentHash", advance.parentHash, bytesToHex(parent.hash()));
    if (await adopt(number, advance, body, parent)) return;

    const common = createL2Common(ctx.genesis.chainId); // one per VM (PITFALLS)
    // This block's nodes go to a layer over the batch's: merged once verified, dropped on a mismatch.
    // A node the parent state refers to and the store lacks: a damaged store, not a mismatch with L1.
    const db = new BlockWriteDB(ctx.store.trie, batch.db.pending, missingTrieNodeError(ctx.store.dir));
    const vm = await createEngineVM({
      common,
      db,
      stateRoot: parent.stateRoot,
      ancestors: (n) => {
        if (n < 0n || n > parent.number) throw new WitnessMissingHeaderError({ number: n });
        return header(n);
      },
      // An L3's blocks run as the L2's EXECUTE runs them (docs/nested.md).
      nestingDepth: ctx.genesis.nestingDepth,
    });
    const anchor = hexToBytes(advance.anchor)!;
    const messages = ctx.store.deliveries.getBinary(numberKey(number));
    const env: BlockEnv = {
      number,
      parentHash: parent.hash(),
      timestamp: advance.timestamp,
      coinbase: hexToBytes(advance.coinbase)!,
      gasLimit: parent.gasLimit,
      baseFeePerGas: parent.calcNextBaseFee(),
      prevRandao: hexToBytes(advance.prevRandao)!,
      anchor,
    };
    let result: ApplyResult;
    try {
      // Senders recovered ahead on a second core, as `execute` does (the engine's memo of ecrecover).
      const transactions = splitTransactions(body);
      result = await prefetchSenders(common, transactions, advance.gasUsed).during(() => applyBlockBody(vm, env, transactions, "verify", { messages }));
    } catch (error) {
      // A damaged store is not L1's fault: it halts the node as what it is (rebuild with --reset).
      const corrupt = ctx.store.corruption();
      if (corrupt !== undefined) throw corrupt;
      const reason = (error as Error).message.split("\n").join(" ");
      throw mismatch("execution", "every transaction applies (L1 verified the block)", reason, error);
    }
    if (result.gasUsed !== advance.gasUsed) throw mismatch("gasUsed", advance.gasUsed.toString(), result.gasUsed.toString());
    if (!bytesEqual(result.receiptsRoot, hexToBytes(advance.receiptsRoot)!)) throw mismatch("receiptsRoot", advance.receiptsRoot, bytesToHex(result.receiptsRoot));
    if (!bytesEqual(result.stateRoot, hexToBytes(advance.stateRoot)!)) throw mismatch("stateRoot", advance.stateRoot, bytesToHex(result.stateRoot));
    const sealed = sealHeader(common, env, result);
    if (bytesToHex(sealed.hash()) !== advance.blockHash) throw mismatch("blockHash", advance.blockHash, bytesToHex(sealed.hash()));

    const transactions = splitTransactions(body);
    const receipts = await storedReceipts(result, createSlicer());
    batch.blocks.push({ record: { header: sealed, l1: advance.l1 }, transactionCount: result.included.length, receipts, transactions });
    for (const [key, value] of db.pending) batch.db.pending.set(key, value);
  }

  /**
   * Adopts the builder's block `number` if it was handed and is the one L1 recorded: true when
   * it is in the batch. A handed block that is not L1's is said and left to re-execution.
   */
  async function adopt(number: bigint, advance: AdvanceRecord, body: Uint8Array, parent: BlockHeader): Promise<boolean> {
    const block = handed?.take(number, advance.blockHash);
    if (block === undefined) return false;
    const transactions = splitTransactions(body);
    const refusal = adoptionRefusal(block, advance, parent, transactions);
    if (refusal !== undefined) {
      ctx.log(`node: L2 block ${number}: the builder's block is not adopted, re-executing: ${refusal}`);
      return false;
    }
    const receipts = await storedReceipts({ receipts: block.receipts, included: block.transactions }, createSlicer());
    batch.blocks.push({
      record: { header: block.header, l1: advance.l1 },
      transactionCount: block.transactions.length,
      adopted: true,
      receipts,
      transactions,
    });
    for (const [key, value] of block.writes) batch.db.pending.set(key, value);
    return true;
  }

  /**
   * Commits the batch's blocks, then reports them: in slices that give the thread back (the
   * devnet's JSON-RPC answers meanwhile; see commit.ts), the blocks and the checkpoint in the
   * last one.
   */
  async function commit(): Promise<void> {
    const done = batch;
    if (done.blocks.length === 0) return;
    batch = newBatch();
    await commitBlocks(ctx.store, done.db, done.blocks, createSlicer());
    for (const block of done.blocks) onBlock(block);
  }

  function newBatch(): Batch {
    return { db: new BlockWriteDB(ctx.store.trie), blocks: [], started: performance.now() };
  }

  return {
    id: "execute",
    checkpoint: () => executeCheckpoint(ctx),

    async execute(input: ExecInput): Promise<ExecOutput> {
      let checkpoint = input.checkpoint;
      try {
        while (checkpoint < input.target && !ctx.stopping()) {
          await executeBlock(checkpoint + 1n);
          checkpoint++;
          if (performance.now() - batch.started >= policy.intervalMs || batch.blocks.length >= policy.maxBlocks) await commit();
        }
      } finally {
        // Also when a block fails: the ones verified before it are kept.
        await commit();
      }
      return { checkpoint, done: checkpoint >= input.target };
    },

    unwind(input: UnwindInput): UnwindOutput {
      const unwoundBlocks: UnwoundBlock[] = [];
      for (let number = input.checkpoint; number > input.unwindTo.l2; number--) {
        const record = readBlockRecord(ctx, number)!;
        const transactions = splitTransactions(ctx.store.payloads.getBinary(numberKey(number))!).map((tx) => Uint8Array.from(tx));
        removeBlock(ctx.store, record, decodeReceipts(ctx.store.receipts.getBinary(numberKey(number))!), transactions);
        unwoundBlocks.unshift({ number, hash: bytesToHex(record.header.hash()), transactions });
      }
      const checkpoint = input.checkpoint < input.unwindTo.l2 ? input.checkpoint : input.unwindTo.l2;
      writeMeta(ctx.store, checkpointKey("execute"), checkpoint.toString());
      return { checkpoint, unwoundBlocks };
    },
  };
}

/**
 * The receipts as the node keeps them: with each transaction's sender, gas used and created
 * address (each sender's address is a keccak: the thread is given back through `slice`).
 */
async function storedReceipts(result: Pick<ApplyResult, "receipts" | "included">, slice: Slicer): Promise<StoredReceipt[]> {
  const out: StoredReceipt[] = [];
  for (let index = 0; index < result.receipts.length; index++) {
    if (index % 64 === 0) await slice();
    out.push(storedReceipt(result, index));
  }
  return out;
}

/** Receipt `index` as the node keeps it (its gas used is its cumulative gas less the previous receipt's). */
function storedReceipt(result: Pick<ApplyResult, "receipts" | "included">, index: number): StoredReceipt {
  const receipt = result.receipts[index]!;
  const previous = index === 0 ? 0n : result.receipts[index - 1]!.cumulativeBlockGasUsed;
  const tx = result.included[index]!;
  const from = tx.getSenderAddress();
  return {
    type: tx.type,
    status: "status" in receipt ? receipt.status : 1,
    cumulativeGasUsed: receipt.cumulativeBlockGasUsed,
    gasUsed: receipt.cumulativeBlockGasUsed - previous,
    from: from.bytes,
    ...(tx.to === undefined ? { contractAddress: createContractAddress(from, tx.nonce).bytes } : {}),
    logs: receipt.logs as StoredReceipt["logs"],
  };
}

/** Writes an executed block and its indexes (inside a transaction). The genesis is written the same way. */
export function writeBlock(store: NodeStore, record: BlockRecord, receipts: StoredReceipt[], transactions: Uint8Array[]): void {
  const number = record.header.number;
  const key = numberKey(number);
  store.blocks.putSync(key, encodeBlockRecord(record));
  store.receipts.putSync(key, encodeReceipts(receipts));
  store.hashes.putSync(Buffer.from(record.header.hash()), key);
  transactions.forEach((raw, index) => {
    const at = Buffer.alloc(12);
    at.writeBigUInt64BE(number);
    at.writeUInt32BE(index, 8);
    store.txs.putSync(Buffer.from(keccak256(raw)), at);
  });
  for (const logKey of logKeys(number, receipts)) store.logs.putSync(logKey, Buffer.from([1]));
}

function removeBlock(store: NodeStore, record: BlockRecord, receipts: StoredReceipt[], transactions: Uint8Array[]): void {
  const key = numberKey(record.header.number);
  for (const raw of transactions) store.txs.removeSync(Buffer.from(keccak256(raw)));
  for (const logKey of logKeys(record.header.number, receipts)) store.logs.removeSync(logKey);
  store.hashes.removeSync(Buffer.from(record.header.hash()));
  store.receipts.removeSync(key);
  store.blocks.removeSync(key);
}
