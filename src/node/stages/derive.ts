import { keccak256 } from "../../engine/crypto.js";
import { blobsToBlockData } from "../../blobs/da.js";
import { BeaconApiError, BlobHashMismatchError, BlobNotFoundError } from "../../blobs/errors.js";
import { maxBlobPayloadBytes } from "../../engine/execute.js";
import { nativeRollupInterface } from "../../sdk/contracts.js";
import { bytesToHex, hexToBytes } from "../../shared/bytes.js";
import { UltrasoundError } from "../../shared/errors.js";
import { AdvanceDataNotFoundError, NodeConfigError } from "../errors.js";
import { decodeAdvance, type AdvanceRecord } from "../records.js";
import { numberKey, readMeta, writeMeta } from "../store.js";
import { DEFAULT_COMMIT_POLICY, type CommitPolicy } from "./execute.js";
import { syncedAdvance } from "./nested.js";
import { blobRangeOf, blobRangeTransactions, RANGE_MESSAGES_ARGUMENT } from "./blob-range.js";
import { advanceArgument } from "./calldata.js";
import { checkpointKey, type ExecInput, type ExecOutput, type NodeContext, type Stage, type UnwindInput, type UnwindOutput } from "../stage.js";

/** A block's data is not (yet) available from its source: retried on the next run, never skipped. */
export class DataUnavailableError extends UltrasoundError {
  override name = "DataUnavailableError";
}

/** How many blocks' data the derive stage fetches ahead of the one it stores. */
export const PREFETCH_BLOCKS = 16n;

/** The derive checkpoint: the last L2 block whose transactions are stored. */
export function deriveCheckpoint(ctx: Pick<NodeContext, "store">): bigint {
  return BigInt(readMeta<string>(ctx.store, checkpointKey("derive")) ?? "0");
}

/**
 * Stage 2: for each stored `BlockAdvanced`, fetches the block's transactions from where L1 put
 * them — the `advance` (or `syncExecute`) calldata (checked against the event's `dataHash`; the transaction may call
 * the rollup, or a RollupBundler whose bundle holds the advance), or the blobs named by
 * the event's versioned hashes, read from a beacon API and checked against those hashes — and
 * stores them, `RLP([tx…])`, as the block's body, committed in groups like the execute stage's.
 */
export function deriveStage(ctx: NodeContext, policy: CommitPolicy = DEFAULT_COMMIT_POLICY): Stage {
  const rollupInterface = nativeRollupInterface();
  const advanceSelector = rollupInterface.getFunction("advance")!.selector.slice(2);
  const advanceWithBlobsSelector = rollupInterface.getFunction("advanceWithBlobs")!.selector.slice(2);
  // A sync transaction (docs/sync.md) verifies its block with the same first four arguments as
  // `advance` (claim, transactions, witness, messages): the same words hold their offsets.
  const syncExecuteSelector = rollupInterface.getFunction("syncExecute")!.selector.slice(2);
  // So does a block with synchronous L2 → L1 calls (`advanceWithL1Calls`, docs/sync.md).
  const l1CallsSelector = rollupInterface.getFunction("advanceWithL1Calls")!.selector.slice(2);
  // And a sync transaction whose sync calls call L1 (`syncExecuteNested`, docs/sync.md "Nesting").
  const nestedSelector = rollupInterface.getFunction("syncExecuteNested")!.selector.slice(2);
  // And the user path's prepared block (`prepareSyncCalls`, docs/sync.md "The user path").
  const preparedSelector = rollupInterface.getFunction("prepareSyncCalls")!.selector.slice(2);
  // A block read from a range of shared blobs (docs/execute.md, "Shared advances").
  const blobRangeSelector = rollupInterface.getFunction("advanceWithBlobRange")!.selector.slice(2);
  // The same arguments, verified by one batched EXECUTE call (docs/shared-advances.md, "One EXECUTE call").
  const batchedSelector = rollupInterface.getFunction("advanceBatched")!.selector.slice(2);

  /**
   * The `advance` / `advanceWithBlobs` calldata of the L1 transaction that verified the block:
   * the transaction's input when it calls the rollup, or, when it calls a RollupBundler, the
   * bundled call to this rollup that advanced this very block (see {@link bundledAdvance}).
   */
  async function advanceInput(advance: AdvanceRecord): Promise<string> {
    const tx = await l1Transaction(ctx, advance.l1.txHash);
    if (tx === null) throw new DataUnavailableError("The advance transaction is not known to L1 (reorged out?)", { l2Block: advance.number, l1Tx: advance.l1.txHash });
    if (tx.to?.toLowerCase() === ctx.rollup) return tx.input;
    const inner = bundledAdvance(tx.input, ctx.rollup, advance.blockHash, [advanceSelector, advanceWithBlobsSelector, blobRangeSelector, batchedSelector]) ??
      // A rollup A → rollup B call (docs/sync.md): A's advanceWithL1Calls is B's syncExecute's L1 call.
      syncedAdvance(tx.input, ctx.rollup, advance.blockHash, [advanceSelector, advanceWithBlobsSelector, syncExecuteSelector, l1CallsSelector]);
    if (inner === undefined) throw dataNotFound(advance, `it calls ${tx.to}: neither the rollup, a RollupBundler bundle nor another rollup's syncExecute with this block's advance`);
    return inner;
  }

  async function fromCalldata(advance: AdvanceRecord, input: string): Promise<Uint8Array> {
    const data = advanceArgument(input, advanceSelector, TRANSACTIONS_ARGUMENT) ?? advanceArgument(input, syncExecuteSelector, TRANSACTIONS_ARGUMENT) ??
      advanceArgument(input, l1CallsSelector, TRANSACTIONS_ARGUMENT) ?? advanceArgument(input, preparedSelector, TRANSACTIONS_ARGUMENT) ??
      advanceArgument(input, nestedSelector, TRANSACTIONS_ARGUMENT);
    if (data === undefined) throw dataNotFound(advance, `it does not call advance(claim, transactions, witness, messages) syncExecute or advanceWithL1Calls`);
    if (bytesToHex(keccak256(data)) !== advance.dataHash.toLowerCase()) throw dataNotFound(advance, "its transactions do not hash to the event's dataHash");
    return data;
  }

  /**
   * The messages the block delivers, from the `advance` calldata: only fetched when the block
   * moves the queue (its `messageCount` is past its parent's). EXECUTE checked them against the
   * anchor on L1, and the execute stage checks them again by re-execution.
   */
  async function deliveredMessages(advance: AdvanceRecord, input: string | undefined): Promise<Uint8Array | undefined> {
    const parentCount = advance.number === 1n ? 0n : decodeAdvance(ctx.store.advances.getBinary(numberKey(advance.number - 1n))!).messageCount;
    if (advance.messageCount === parentCount) return undefined;
    const calldata = input ?? (await advanceInput(advance));
    const messages =
      advanceArgument(calldata, advanceSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, advanceWithBlobsSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, syncExecuteSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, l1CallsSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, preparedSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, nestedSelector, MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, blobRangeSelector, RANGE_MESSAGES_ARGUMENT) ??
      advanceArgument(calldata, batchedSelector, RANGE_MESSAGES_ARGUMENT);
    if (messages === undefined || messages.length === 0) throw dataNotFound(advance, "the block delivers messages and its calldata has none");
    return messages;
  }

  async function blockData(advance: AdvanceRecord): Promise<BlockData> {
    if (advance.blobHashes.length > 0) {
      // The whole payload's dataHash is keccak(packed hashes); anything else is a range's, read
      // from the advanceWithBlobRange call (its range checked against that dataHash).
      const whole = bytesToHex(keccak256(hexToBytes(("0x" + advance.blobHashes.map((h) => h.slice(2)).join("")) as `0x${string}`)!)) === advance.dataHash.toLowerCase();
      const input = whole ? undefined : await advanceInput(advance);
      const transactions = await fromBlobs(advance, input);
      return { transactions, messages: await deliveredMessages(advance, input) };
    }
    const input = await advanceInput(advance);
    return { transactions: await fromCalldata(advance, input), messages: await deliveredMessages(advance, input) };
  }

  async function fromBlobs(advance: AdvanceRecord, rangeInput?: string): Promise<Uint8Array> {
    const range = rangeInput === undefined ? undefined : blobRangeOf(rangeInput, blobRangeSelector, advance.blobHashes, advance.dataHash) ?? blobRangeOf(rangeInput, batchedSelector, advance.blobHashes, advance.dataHash);
    if (rangeInput !== undefined && range === undefined) throw dataNotFound(advance, "its dataHash is neither its blobs' nor an advanceWithBlobRange range's");
    if (ctx.blobs === undefined) {
      throw new NodeConfigError("L2 block's data is in blobs and the node has no blob source: start it with --blobs <beacon API URL>", {
        l2Block: advance.number,
        blobHashes: advance.blobHashes,
      });
    }
    let blobs: Uint8Array[];
    try {
      // The L1 block hash is the beacon block id in the devnet; the reader checks each blob against its versioned hash.
      blobs = await ctx.blobs.getBlobsByVersionedHashes(advance.blobHashes, { blockId: advance.l1.hash });
    } catch (error) {
      if (error instanceof BlobNotFoundError || error instanceof BeaconApiError || error instanceof BlobHashMismatchError) {
        throw new DataUnavailableError("Blob data unavailable", { l2Block: advance.number, reason: error.message.split("\n")[0] }, { cause: error });
      }
      throw error;
    }
    // L1's EXECUTE decoded the same blobs under the same bound: a failure here is a fault, not a wait.
    // The blobs carry `[transactions, witness]`; deriving needs the transactions only.
    if (range !== undefined) return blobRangeTransactions(advance.blobHashes, blobs, range, advance.gasUsed);
    return blobsToBlockData(blobs, maxBlobPayloadBytes(advance.gasUsed, blobs.length)).transactions;
  }

  return {
    id: "derive",
    checkpoint: () => deriveCheckpoint(ctx),

    async execute(input: ExecInput): Promise<ExecOutput> {
      let checkpoint = input.checkpoint;
      let batch: ({ number: bigint } & BlockData)[] = [];
      let started = performance.now();
      // Grouped like the execute stage's commits (see CommitPolicy); also when a fetch fails.
      const commit = () => {
        const done = batch;
        if (done.length === 0) return;
        batch = [];
        started = performance.now();
        ctx.store.transaction(() => {
          for (const { number, transactions, messages } of done) {
            ctx.store.payloads.putSync(numberKey(number), transactions);
            if (messages !== undefined) ctx.store.deliveries.putSync(numberKey(number), messages);
          }
          writeMeta(ctx.store, checkpointKey("derive"), done.at(-1)!.number.toString());
        });
      };
      // The next blocks' data is fetched while the current one is awaited: an L1 round trip per
      // block would otherwise bound a catch-up over a remote L1. Stored strictly in order.
      const inflight = new Map<bigint, Promise<BlockData>>();
      const fetchData = (number: bigint) => {
        const advance = decodeAdvance(ctx.store.advances.getBinary(numberKey(number))!);
        const data = blockData(advance);
        data.catch(() => {}); // awaited in order below; a failure ahead of the one awaited is not unhandled
        return data;
      };
      try {
        while (checkpoint < input.target && !ctx.stopping()) {
          for (let n = checkpoint + 1n; n <= input.target && n <= checkpoint + PREFETCH_BLOCKS; n++) if (!inflight.has(n)) inflight.set(n, fetchData(n));
          const number = checkpoint + 1n;
          const data = await inflight.get(number)!;
          inflight.delete(number);
          batch.push({ number, ...data });
          checkpoint = number;
          if (performance.now() - started >= policy.intervalMs || batch.length >= policy.maxBlocks) commit();
        }
      } finally {
        commit();
      }
      return { checkpoint, done: checkpoint >= input.target };
    },

    unwind(input: UnwindInput): UnwindOutput {
      for (const key of [...ctx.store.payloads.getKeys({ start: numberKey(input.unwindTo.l2 + 1n) })]) ctx.store.payloads.removeSync(key);
      for (const key of [...ctx.store.deliveries.getKeys({ start: numberKey(input.unwindTo.l2 + 1n) })]) ctx.store.deliveries.removeSync(key);
      const checkpoint = input.checkpoint < input.unwindTo.l2 ? input.checkpoint : input.unwindTo.l2;
      writeMeta(ctx.store, checkpointKey("derive"), checkpoint.toString());
      return { checkpoint };
    },
  };
}

/** A block's data as the derive stage stores it: its body and, when it delivers any, its messages. */
interface BlockData {
  transactions: Uint8Array;
  messages?: Uint8Array;
}

function dataNotFound(advance: AdvanceRecord, reason: string): AdvanceDataNotFoundError {
  return new AdvanceDataNotFoundError("Cannot find block data in the L1 transaction's input", { l2Block: advance.number, l1Tx: advance.l1.txHash, reason });
}

/** Word of `advance`'s calldata (after the 9-word claim) holding the offset of `_transactions`. */
export const TRANSACTIONS_ARGUMENT = 9;
/** Word of `advance`'s and `advanceWithBlobs`' calldata holding the offset of `_messages` (their fourth argument). */
export const MESSAGES_ARGUMENT = 11;

/** `bundle((address,bytes,uint256)[])` of RollupBundler (docs/rollups.md, "Bundles"); each call has a value, its EXECUTE fee. */
export const BUNDLE_SELECTOR = "55b52334";
/** `executeBatch(bytes,(address,bytes,uint256)[])` of RollupBundler: one EXECUTE call, then the same calls (docs/shared-advances.md). */
export const EXECUTE_BATCH_SELECTOR = "d0e2bbf0";

/**
 * L1 transactions read lately, by hash: every leg of a shared advance (up to 100 rollup-blocks)
 * is in one L1 transaction, whose calldata holds them all. A transaction hash commits to its
 * content; a reorged-out one is not asked for again (its advances were unwound first).
 */
const recentTransactions = new Map<string, { to: string | null; input: string }>();
const RECENT_TRANSACTIONS = 8;

async function l1Transaction(ctx: Pick<NodeContext, "l1">, hash: string): Promise<{ to: string | null; input: string } | null> {
  const key = hash.toLowerCase();
  const kept = recentTransactions.get(key);
  if (kept !== undefined) return kept;
  const tx = await ctx.l1.send<{ to: string | null; input: string } | null>("eth_getTransactionByHash", [hash]);
  if (tx === null) return null;
  const entry = { to: tx.to, input: tx.input };
  recentTransactions.set(key, entry);
  if (recentTransactions.size > RECENT_TRANSACTIONS) recentTransactions.delete(recentTransactions.keys().next().value!);
  return entry;
}

/**
 * The data of the call, inside a RollupBundler `bundle(Call[] calls)` or `executeBatch(bytes batch,
 * Call[] calls)` input (0x-hex), that
 * advanced `rollup` to the block `blockHash`: its target is `rollup`, its selector one of
 * `selectors` (advance, advanceWithBlobs), and its claim's second word (`blockHash`) the event's.
 * Read in place, like {@link advanceArgument}:
 *
 *   bundle input:  selector | offset of calls (0x20) | n | offset_0 … offset_n-1 | call_0 …
 *   executeBatch:  selector | offset of batch | offset of calls | … the same array at its offset
 *   call_i:        target (word) | offset of data (from call_i) | value | length | data
 *   advance data:  selector | parentHash | blockHash | …the rest of the claim and the arguments
 *
 * Undefined if the input is not a bundle or holds no such call (or is malformed): the bytes
 * read from it are then checked against the event's commitments as in the direct case.
 */
export function bundledAdvance(input: string, rollup: string, blockHash: string, selectors: string[]): string | undefined {
  const hex = input.startsWith("0x") ? input.slice(2) : input;
  const selector = hex.slice(0, 8).toLowerCase();
  const callsWord = selector === BUNDLE_SELECTOR ? 0 : selector === EXECUTE_BATCH_SELECTOR ? 32 : undefined;
  if (callsWord === undefined) return undefined;
  const size = (hex.length - 8) / 2;
  /** The word at byte `at` of the arguments, as a safe number (undefined past the end or above 2^53). */
  const word = (at: number): bigint | undefined => (at >= 0 && at + 32 <= size ? BigInt("0x" + hex.slice(8 + at * 2, 8 + at * 2 + 64)) : undefined);
  const small = (value: bigint | undefined): number | undefined => (value === undefined || value > BigInt(size) ? undefined : Number(value));
  const array = small(word(callsWord));
  if (array === undefined) return undefined;
  const count = small(word(array));
  if (count === undefined) return undefined;
  const heads = array + 32;
  const wantedRollup = rollup.toLowerCase().replace(/^0x/, "").padStart(64, "0");
  const wantedHash = blockHash.toLowerCase().replace(/^0x/, "");
  for (let i = 0; i < count; i++) {
    const offset = small(word(heads + 32 * i));
    if (offset === undefined) return undefined;
    const call = heads + offset;
    if (call + 64 > size) return undefined;
    if (hex.slice(8 + call * 2, 8 + call * 2 + 64).toLowerCase() !== wantedRollup) continue;
    const dataOffset = small(word(call + 32));
    if (dataOffset === undefined) return undefined;
    const length = small(word(call + dataOffset));
    const start = call + dataOffset + 32;
    if (length === undefined || start + length > size || length < 4 + 64) continue;
    const data = hex.slice(8 + start * 2, 8 + (start + length) * 2);
    if (!selectors.some((s) => data.slice(0, 8).toLowerCase() === s.toLowerCase())) continue;
    if (data.slice(8 + 64, 8 + 128).toLowerCase() !== wantedHash) continue;
    return "0x" + data;
  }
  return undefined;
}
