/**
 * A rollup's node over a store that is set up (`identity.ts`): the pipeline's runs, in the
 * background or on `sync()`, its halts, finality and reads — the `RollupNode` API that
 * `startNode` and each rollup of `startMultiNode` return.
 */
import { bytesToHex } from "@ethereumjs/util";
import { UltrasoundError } from "../shared/errors.js";
import { AdvanceDataNotFoundError, DataDirMismatchError, DerivationMismatchError, L1ChangedError, NodeConfigError, StoreCorruptError, StoreWriteError } from "./errors.js";
import type { Reorg, RunResult, Stages } from "./pipeline.js";
import { getBlock, getBlockByHash, getLogs, getReceipts, getTransaction, stateAt, transactionPlace, type NodeBlock } from "./read.js";
import { decodeAdvance } from "./records.js";
import { deriveStage } from "./stages/derive.js";
import { handedBlocks } from "./stages/adopt.js";
import { DEFAULT_COMMIT_POLICY, executeCheckpoint, executeStage, readBlockRecord, type ExecutedBlock } from "./stages/execute.js";
import { AdvanceSequenceError, followL1Stage, l1Checkpoint } from "./stages/follow-l1.js";
import type { NodeContext, UnwoundBlock } from "./stage.js";
import { transactionJournal } from "./journal.js";
import { BlockWriteDB, missingTrieNodeError, numberKey, readMeta, writeMeta } from "./store.js";
import type { BlockTag, FinalityViolation, NodeIdentity, NodeOptions, NodeStatus, RollupNode } from "./types.js";

/** Errors that stop derivation for good; anything else (the network, data not there yet) is retried. @internal */
export const FATAL = [DerivationMismatchError, L1ChangedError, AdvanceDataNotFoundError, NodeConfigError, AdvanceSequenceError, DataDirMismatchError, StoreWriteError, StoreCorruptError];

/** The meta key of the finality violations the node saw (JSON). @internal */
export const FINALITY_VIOLATIONS_KEY = "finalityViolations";

/** One run of a rollup's stages (part.ts's: a reorg check, derive and execute), told of each reorg as it is unwound. @internal */
export type RunPipeline = (ctx: NodeContext, stages: Stages, onReorg: (reorg: Reorg) => Promise<void>, inUnwind: (unwound: UnwoundBlock[]) => void) => Promise<RunResult>;

/**
 * How a rollup's runs go, driven by the node that scans L1 for it (`startMultiNode`): its
 * pipeline run, and the L1 block scanned for it.
 * @internal
 */
export interface RunHooks {
  pipeline: RunPipeline;
  followed?: () => { number: bigint; hash: string };
  /** L1's head as the driving node last saw it: `finalized` moves with it even while this rollup has no blocks to run. */
  l1Head?: () => bigint;
}

/** @internal The node's API over a context whose store is initialized (shared with `startMultiNode`). */
export function runNode(ctx: NodeContext, options: NodeOptions, identity: NodeIdentity, finalityDepth: bigint, l1ChainId: bigint, hooks: RunHooks): RollupNode {
  const { store, log } = ctx;
  let l1Head = l1Checkpoint(ctx).number;
  let halted: Error | undefined;
  let stopped = false;
  ctx.stopping = () => stopped;
  const waiters = new Set<{ number: bigint; resolve: () => void; reject: (e: Error) => void }>();
  let haltedWith: (error: Error) => void = () => {};
  const whenHalted = new Promise<Error>((resolve) => (haltedWith = resolve));

  const committed = { executed: 0, adopted: 0, executeMs: 0 };
  const onBlock = ({ record, transactionCount, adopted, ms }: ExecutedBlock) => {
    const { header } = record;
    committed[adopted === true ? "adopted" : "executed"]++;
    committed.executeMs += ms ?? 0;
    log(
      `L2 block ${header.number} ${bytesToHex(header.hash())}: ${transactionCount} tx, ${header.gasUsed} gas, state ${bytesToHex(header.stateRoot)} ` +
        `(L1 block ${record.l1.number} ${record.l1.hash.slice(0, 10)}…)${adopted === true ? ", adopted from the builder" : ""}`,
    );
    for (const waiter of waiters) if (header.number >= waiter.number) waiter.resolve();
  };
  const policy = { ...DEFAULT_COMMIT_POLICY, ...(options.commitIntervalMs === undefined ? {} : { intervalMs: options.commitIntervalMs }) };
  // The blocks a builder in this process handed over (`offerBuilt`): adopted, not re-executed, once L1 has their hash.
  const handed = handedBlocks();
  const stages: Stages = { follow: followL1Stage(ctx), derive: deriveStage(ctx, policy), execute: executeStage(ctx, onBlock, policy, handed) };

  // One run at a time: the background loop and sync() queue behind each other.
  let queue: Promise<unknown> = Promise.resolve();
  let lastTransient = "";
  const run = (): Promise<RunResult> => {
    const next = queue.then(async () => {
      // A write failure (the journal's) or a damaged record a read found stops the pipeline too.
      const broken = store.corruption() ?? store.failure();
      if (halted === undefined && broken !== undefined) halt(broken);
      if (halted !== undefined) throw halted;
      if (stopped) throw new UltrasoundError("The node is stopped");
      try {
        const result = await hooks.pipeline(
          ctx,
          stages,
          async (reorg) => {
            checkFinality(reorg);
            await handBack(reorg);
          },
          keepUnwound,
        );
        l1Head = result.l1Head;
        lastTransient = "";
        lastFinalized = finalizedBlock();
        return result;
      } catch (error) {
        if (FATAL.some((kind) => error instanceof kind)) halt(error as Error);
        throw error;
      }
    });
    queue = next.catch(() => {});
    return next;
  };
  // The unwound transactions are journaled in the unwind's own commit (pending again after a
  // kill at any instant); `handBack` then puts them in the mempool in memory.
  const journal = transactionJournal(store);
  const keepUnwound = (blocks: UnwoundBlock[]) => journal.keep(blocks.flatMap((block) => block.transactions));
  const handBack = async (reorg: Reorg) => {
    if (options.onUnwoundTransactions === undefined || reorg.unwound.length === 0) return;
    try {
      await options.onUnwoundTransactions(reorg.unwound.flatMap((block) => block.transactions), reorg);
    } catch (error) {
      log(`node: onUnwoundTransactions failed: ${(error as Error).message}`);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped || halted !== undefined) return;
    run()
      .catch((error: Error) => {
        // Transient (L1 unreachable, blobs not archived yet, L1 moving under a scan): said once, retried.
        const line = error.message.split("\n")[0]!;
        if (halted === undefined && line !== lastTransient) log(`node: ${line} (retrying)`);
        lastTransient = line;
      })
      .finally(() => {
        if (!stopped && halted === undefined) timer = setTimeout(loop, options.pollIntervalMs ?? 1_000);
      });
  };
  if (options.follow !== false) loop();

  const head = () => executeCheckpoint(ctx);
  const finalized = (): bigint => {
    // L1 origins grow with L2 numbers: binary search the last block in an L1 block ≥ depth deep.
    const limit = (hooks.l1Head?.() ?? l1Head) - finalityDepth + 1n;
    let [low, high] = [0n, head()];
    while (low < high) {
      const mid = (low + high + 1n) / 2n;
      const origin = mid === 0n ? BigInt(identity.deploymentBlock) : decodeAdvance(store.advances.getBinary(numberKey(mid))!).l1.number;
      if (origin <= limit) low = mid;
      else high = mid - 1n;
    }
    return low;
  };
  const numberOf = (tag: BlockTag = "latest"): bigint => {
    if (typeof tag === "bigint") return tag;
    if (tag === "earliest") return 0n;
    if (tag === "finalized") return servedFinalized();
    return head(); // latest and safe: every derived block is verified on L1
  };
  // The finalized block as last served, to tell when a reorg takes it out (see FinalityViolation).
  const finalizedBlock = (number = finalized()) => {
    const record = readBlockRecord(ctx, number)!;
    return { number: record.header.number, hash: bytesToHex(record.header.hash()), l1: { number: record.l1.number, hash: record.l1.hash } };
  };
  let lastFinalized = finalizedBlock();
  // L1's head may move between this rollup's runs (a node of many moves it for all): what is
  // served as finalized is remembered as it grows, so a reorg that takes it out is seen.
  const servedFinalized = (): bigint => {
    const number = finalized();
    if (number > lastFinalized.number) lastFinalized = finalizedBlock(number);
    return number;
  };
  const violations: FinalityViolation[] = (readMeta<(Omit<FinalityViolation, "l2" | "l1" | "unwoundTo"> & Record<"l2" | "l1", { number: string; hash: string }> & { unwoundTo: { l2: string; l1: string } })[]>(store, FINALITY_VIOLATIONS_KEY) ?? []).map((v) => ({
    ...v,
    l2: { number: BigInt(v.l2.number), hash: v.l2.hash },
    l1: { number: BigInt(v.l1.number), hash: v.l1.hash },
    unwoundTo: { l2: BigInt(v.unwoundTo.l2), l1: BigInt(v.unwoundTo.l1) },
  }));
  function checkFinality(reorg: Reorg): void {
    if (reorg.l2Head >= lastFinalized.number) return;
    const violation: FinalityViolation = {
      l2: { number: lastFinalized.number, hash: lastFinalized.hash },
      l1: lastFinalized.l1,
      unwoundTo: { l2: reorg.l2Head, l1: reorg.l1Ancestor },
      finalityDepth: Number(finalityDepth),
      at: new Date().toISOString(),
    };
    violations.push(violation);
    log(
      `node: FINALITY VIOLATED: finalized L2 block ${violation.l2.number} ${violation.l2.hash} (in L1 block ${violation.l1.number} ${violation.l1.hash}) was unwound by an L1 reorg ` +
        `back to L1 block ${reorg.l1Ancestor}, deeper than the finality depth ${finalityDepth}; L2 head now ${reorg.l2Head}. Anything that acted on it as final must be re-checked`,
    );
    try {
      store.transaction(() => writeMeta(store, FINALITY_VIOLATIONS_KEY, violations.map((v) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))))));
    } catch {
      // The store failed (halts the node on the next write anyway): the violation stays in memory and in the log.
    }
    lastFinalized = finalizedBlock();
  }
  function halt(error: Error): void {
    halted = error;
    log(`node: derivation stopped: ${error.message}`);
    for (const waiter of waiters) waiter.reject(error);
    haltedWith(error);
  }

  const status = (): NodeStatus => {
    const h = head();
    const followed = hooks.followed?.() ?? l1Checkpoint(ctx);
    return {
      l1: { chainId: l1ChainId, head: hooks.l1Head?.() ?? l1Head, followed },
      l2: { chainId: ctx.genesis.chainId, head: h, headHash: bytesToHex(readBlockRecord(ctx, h)!.header.hash()), safe: h, finalized: servedFinalized() },
      ...((halted ?? store.corruption() ?? store.failure()) === undefined ? {} : { halted: halted ?? store.corruption() ?? store.failure() }),
      finalityViolations: [...violations],
      committed: { ...committed },
    };
  };

  return {
    dataDir: store.dir,
    pendingJournal: journal,
    rollup: ctx.rollup,
    genesis: ctx.genesis,
    status,
    blockNumber: numberOf,
    getBlock: (tag) => getBlock(ctx, numberOf(tag)),
    getBlockByHash: (hash) => getBlockByHash(ctx, hash),
    getReceipts: (tag) => getReceipts(ctx, numberOf(tag)),
    getTransaction: (hash) => getTransaction(ctx, hash),
    transactionPlace: (hash) => transactionPlace(ctx, hash),
    getLogs: (filter) => getLogs(ctx, filter, head()),
    stateAt: (tag) => stateAt(ctx, numberOf(tag)),
    header: (tag) => readBlockRecord(ctx, numberOf(tag))?.header,
    stateDb: () => new BlockWriteDB(store.trie, undefined, missingTrieNodeError(store.dir)),
    offerBuilt: (block) => handed.offer(block),
    async sync() {
      await run();
      return status();
    },
    whenHalted: () => whenHalted,
    waitForBlock(number, timeoutMs = 60_000) {
      if (head() >= number) return Promise.resolve(getBlock(ctx, number)!);
      if (halted !== undefined) return Promise.reject(halted);
      return new Promise<NodeBlock>((resolve, reject) => {
        const waiter = {
          number,
          resolve: () => done(() => resolve(getBlock(ctx, number)!)),
          reject: (error: Error) => done(() => reject(error)),
        };
        const timeout = setTimeout(() => waiter.reject(new UltrasoundError("Timed out waiting for an L2 block", { number, head: head() })), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timeout);
          waiters.delete(waiter);
          settle();
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await queue;
      for (const waiter of waiters) waiter.reject(new UltrasoundError("The node stopped"));
      await store.close();
      ctx.l1.close();
    },
  };
}
