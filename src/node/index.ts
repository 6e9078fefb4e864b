/**
 * The rollup node: derives every L2 block from L1 alone, keeps the chain on disk, and survives
 * kill -9 and L1 reorgs. A pipeline of stages (follow-l1 → derive → execute; see `stage.ts`)
 * over one LMDB store (see `store.ts`).
 *
 * ```ts
 * const node = await startNode({ l1Url: "http://127.0.0.1:8545", rollup, blobSource: "http://127.0.0.1:5052", dataDir: ".devnet/node" });
 * await node.sync();                       // caught up with L1's head
 * node.status().l2.head;                   // the L2 head, re-executed and checked against L1
 * await node.stop();
 * ```
 */
import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex, type DB } from "@ethereumjs/util";
import { createBlobReader, type BlobReader, type BlobReaderSource } from "../blobs/reader.js";
import { createL2Common } from "../engine/chain.js";
import { defaultGenesis, writeGenesis, type GenesisConfig } from "../engine/genesis.js";
import { nativeRollupInterface } from "../sdk/contracts.js";
import { UltrasoundError } from "../shared/errors.js";
import {
  AdvanceDataNotFoundError,
  DataDirMismatchError,
  DerivationMismatchError,
  GenesisMismatchError,
  L1ChangedError,
  NodeConfigError,
  StoreCorruptError,
  StoreWriteError,
} from "./errors.js";
import { connectL1, l1BlockHash, l1BlockNumber, toQuantity, type Eip1193Provider, type L1Client } from "./l1.js";
import { runPipeline, type Reorg, type RunResult, type Stages } from "./pipeline.js";
import { getBlock, getBlockByHash, getLogs, getReceipts, getTransaction, stateAt, type LogFilter, type NodeBlock, type NodeLog, type NodeReceipt, type NodeTransaction, type StateView } from "./read.js";
import { decodeAdvance } from "./records.js";
import { deriveStage } from "./stages/derive.js";
import { DEFAULT_COMMIT_POLICY, executeCheckpoint, executeStage, readBlockRecord, writeBlock, type ExecutedBlock } from "./stages/execute.js";
import { AdvanceSequenceError, followL1Stage, l1Checkpoint, writeL1Checkpoint } from "./stages/follow-l1.js";
import { checkpointKey, type NodeContext, type UnwoundBlock } from "./stage.js";
import { transactionJournal, type TransactionJournal } from "./journal.js";
import { BlockWriteDB, commitTrieWrites, missingTrieNodeError, MULTI_LAYOUT_KEY, numberKey, openNodeStore, readMeta, STORE_SCHEMA_VERSION, writeMeta, type NodeStore } from "./store.js";

export * from "./errors.js";
export type { Eip1193Provider } from "./l1.js";
export type { Reorg } from "./pipeline.js";
export type { LogFilter, NodeBlock, NodeLog, NodeReceipt, NodeTransaction, StateView } from "./read.js";
export type { L1Origin } from "./records.js";
export type { StageId, UnwoundBlock } from "./stage.js";
export { openNodeStore, STORE_SCHEMA_VERSION, type NodeStore } from "./store.js";
export { transactionJournal, type TransactionJournal } from "./journal.js";
export { startMultiNode, ROLLUP_CREATED_EVENT, RETIRED_EVENT, type MultiNode, type MultiNodeOptions, type MultiNodeStatus, type MultiRollupInfo, type MultiRollupSpec, type UnwoundListener } from "./multi.js";

/** Options of {@link startNode}. */
export interface NodeOptions {
  /** L1 JSON-RPC URL (or give `l1Provider`). */
  l1Url?: string;
  /** An EIP-1193 L1 provider instead of a URL (e.g. an in-process Hardhat network). */
  l1Provider?: Eip1193Provider;
  /** The NativeRollup's address. */
  rollup: string;
  /** Where blob data comes from: a beacon API URL (the devnet's blob archive, or a real beacon node), a reader source, or a reader. */
  blobSource?: string | BlobReaderSource | BlobReader;
  /** The store's directory (created if need be). */
  dataDir: string;
  /** The L2 genesis; default: the default genesis with the rollup's chain id, gas limit and genesis timestamp. Checked against L1. */
  genesis?: GenesisConfig;
  /** Discard a data dir written for another L1, rollup or genesis and start afresh (else it is refused). */
  reset?: boolean;
  /** The L1 block the rollup was deployed in (default: found by a binary search of `eth_getCode`). */
  deploymentBlock?: bigint | number;
  /** How often to poll L1, in ms (default 1,000). */
  pollIntervalMs?: number;
  /** Poll in the background (default true); false: the node moves only when `sync()` is called. */
  follow?: boolean;
  /**
   * Derived blocks are committed in groups of at most this much work, in ms (default 250): each
   * commit is one transaction ending at a block boundary, and its flush is paid once per group
   * during a catch-up. At L1's head every block commits as soon as it is derived.
   */
  commitIntervalMs?: number;
  /** An L2 block is `finalized` once its L1 block is this deep (the head is depth 1). Default 64 (two epochs). */
  finalityDepth?: number;
  /** Called after an L1 reorg unwound L2 blocks, with their transactions (raw, in chain order): put them back in a mempool. */
  onUnwoundTransactions?: (transactions: Uint8Array[], reorg: Reorg) => void | Promise<void>;
  /** Where the node says what it does (default: nowhere; the command line prints it). */
  log?: (line: string) => void;
}

/** Block tags, as JSON-RPC names them. */
export type BlockTag = "latest" | "safe" | "finalized" | "earliest" | bigint;

/** What the node follows and where it is. */
export interface NodeStatus {
  l1: {
    chainId: bigint;
    /** The L1 head at the last run. */
    head: bigint;
    /** The last L1 block scanned, and its hash. */
    followed: { number: bigint; hash: string };
  };
  l2: {
    chainId: bigint;
    head: bigint;
    headHash: string;
    /** Verified on L1: every derived block (each was re-executed and checked against L1). */
    safe: bigint;
    /** In an L1 block at least `finalityDepth` deep. */
    finalized: bigint;
  };
  /**
   * Set when derivation stopped for good (a mismatch, another L1, data that cannot be found, a
   * store that cannot be written or is corrupt).
   */
  halted?: Error;
  /** Finalized blocks an L1 reorg deeper than the finality depth took out: incidents, oldest first (kept in the store). */
  finalityViolations: FinalityViolation[];
}

/**
 * A block the node had served as `finalized` that an L1 reorg unwound: the reorg was deeper than
 * `finalityDepth`. The node re-derives the new chain as for any reorg, and says so loudly.
 */
export interface FinalityViolation {
  /** The highest finalized L2 block before the reorg, its hash, and the L1 block that held it. */
  l2: { number: bigint; hash: string };
  l1: { number: bigint; hash: string };
  /** The L2 head the reorg went back to (below `l2.number`), and the L1 common ancestor. */
  unwoundTo: { l2: bigint; l1: bigint };
  finalityDepth: number;
  /** When the node saw it (ISO 8601). */
  at: string;
}

/** A running node. */
export interface RollupNode {
  /** The store's directory (absolute). */
  readonly dataDir: string;
  /** The transactions a mempool served by this node acknowledged, kept in the store (see `serveNode`). */
  readonly pendingJournal: TransactionJournal;
  /** The NativeRollup followed (lowercase). */
  readonly rollup: string;
  readonly genesis: GenesisConfig;
  /** L1 head and cursor, L2 head/safe/finalized, and the error that halted derivation if one did. */
  status(): NodeStatus;
  /** The number a tag stands for (default `latest`). */
  blockNumber(tag?: BlockTag): bigint;
  /** A block by tag or number; undefined above the head. */
  getBlock(tag: BlockTag): NodeBlock | undefined;
  /** A canonical block by hash. */
  getBlockByHash(hash: string): NodeBlock | undefined;
  /** A block's receipts, in transaction order. */
  getReceipts(tag: BlockTag): NodeReceipt[] | undefined;
  /** A transaction of the chain by hash, with its block and receipt. */
  getTransaction(hash: string): NodeTransaction | undefined;
  /** Logs by range or block hash, address and topics (throws `LogQueryTooLargeError` on a huge unfiltered range). */
  getLogs(filter: LogFilter): NodeLog[];
  /** The state after a block (any past block). */
  stateAt(tag: BlockTag): Promise<StateView | undefined>;
  /** A block's header by tag or number (no body read); undefined above the head. */
  header(tag: BlockTag): BlockHeader | undefined;
  /**
   * The state trie database, every version of the state in it (read from the store; what is
   * written to it stays in a throwaway layer: for calls and proofs).
   */
  stateDb(): DB<string, Uint8Array>;
  /** Runs the pipeline now (after a run in progress) until L1's current head; rejects with what stopped it. */
  sync(): Promise<NodeStatus>;
  /** Resolves when block `number` is derived; rejects if the node halts or the time runs out. */
  waitForBlock(number: bigint, timeoutMs?: number): Promise<NodeBlock>;
  /** Resolves with the error when derivation halts for good (never, while it runs). */
  whenHalted(): Promise<Error>;
  /** Stops polling, lets a run in progress commit or fail, and closes the store. */
  stop(): Promise<void>;
}

/** What the data dir was written for; a mismatch in any field refuses the dir. @internal */
export interface NodeIdentity {
  schema: number;
  l1ChainId: string;
  l1GenesisHash: string;
  rollup: string;
  deploymentBlock: string;
  deploymentBlockHash: string;
  l2ChainId: string;
  l2GenesisHash: string;
}

/** Errors that stop derivation for good; anything else (the network, data not there yet) is retried. @internal */
export const FATAL = [DerivationMismatchError, L1ChangedError, AdvanceDataNotFoundError, NodeConfigError, AdvanceSequenceError, DataDirMismatchError, StoreWriteError, StoreCorruptError];

/**
 * Starts a node: connects to L1, checks the data dir was written for this L1, rollup and genesis
 * (or starts it), and follows L1 in the background. Refuses a mismatched dir with
 * `DataDirMismatchError` unless `reset` is set.
 */
export async function startNode(options: NodeOptions): Promise<RollupNode> {
  const log = options.log ?? (() => {});
  if ((options.l1Url === undefined) === (options.l1Provider === undefined)) throw new NodeConfigError("Give exactly one of l1Url and l1Provider");
  if (!/^0x[0-9a-fA-F]{40}$/.test(options.rollup)) throw new NodeConfigError("rollup must be a 0x address", { rollup: options.rollup });
  const finalityDepth = BigInt(options.finalityDepth ?? 64);
  if (finalityDepth < 1n) throw new NodeConfigError("finalityDepth must be at least 1", { finalityDepth });
  const rollup = options.rollup.toLowerCase();
  const l1 = await connectL1(options.l1Url ?? options.l1Provider!);
  let store: NodeStore | undefined;
  try {
    const l1ChainId = BigInt(await l1.send<string>("eth_chainId", []));
    const deploymentBlock = options.deploymentBlock === undefined ? await findDeploymentBlock(l1, rollup) : BigInt(options.deploymentBlock);
    const onL1 = await readRollupGenesis(l1, rollup, deploymentBlock);
    const genesis = options.genesis ?? defaultGenesis({ chainId: onL1.chainId, gasLimit: onL1.gasLimit, timestamp: onL1.timestamp });
    const genesisDb = new BlockWriteDB();
    const { header: genesisHeader } = await writeGenesis(genesis, genesisDb);
    if (bytesToHex(genesisHeader.hash()) !== onL1.genesisHash) {
      throw new GenesisMismatchError("The L2 genesis given to the node is not the one the rollup was deployed with", {
        rollup,
        onL1: onL1.genesisHash,
        given: bytesToHex(genesisHeader.hash()),
      });
    }
    const identity: NodeIdentity = {
      schema: STORE_SCHEMA_VERSION,
      l1ChainId: l1ChainId.toString(),
      l1GenesisHash: (await l1BlockHash(l1, 0n))!,
      rollup,
      deploymentBlock: deploymentBlock.toString(),
      deploymentBlockHash: (await l1BlockHash(l1, deploymentBlock))!,
      l2ChainId: genesis.chainId.toString(),
      l2GenesisHash: onL1.genesisHash,
    };

    store = openNodeStore(options.dataDir, { reset: options.reset === true });
    if (store.meta.getBinary(MULTI_LAYOUT_KEY) !== undefined) {
      throw new DataDirMismatchError("The data dir holds many rollups (a multi-rollup node's): start it with startMultiNode, or give another dir", { dataDir: store.dir });
    }
    const ctx: NodeContext = {
      store,
      l1,
      rollup,
      genesis,
      common: createL2Common(genesis.chainId),
      blobs: blobReaderOf(options.blobSource),
      log,
      stopping: () => false,
    };
    const stored = readMeta<NodeIdentity>(store, "identity");
    if (stored === undefined) initialize(ctx, identity, genesisHeader, genesisDb, deploymentBlock);
    else checkIdentity(store.dir, stored, identity);
    // The head against its stored hash (and the file's checks at open): a damaged store fails here, at start.
    readBlockRecord(ctx, executeCheckpoint(ctx));

    log(`node: following rollup ${rollup} (L2 chain id ${genesis.chainId}, genesis ${onL1.genesisHash}) on L1 ${l1.description} (chain id ${l1ChainId}), deployed in L1 block ${deploymentBlock}`);
    log(`node: data dir ${store.dir}: ${stored === undefined ? "new" : `resuming at L2 block ${executeCheckpoint(ctx)}, L1 block ${l1Checkpoint(ctx).number}`}; blobs from ${describeBlobSource(options.blobSource)}`);
    return runNode(ctx, options, identity, finalityDepth, l1ChainId);
  } catch (error) {
    await store?.close();
    l1.close();
    throw error;
  }
}

/**
 * How a node's runs go when another component drives it (a rollup of `startMultiNode`): its own
 * pipeline function instead of {@link runPipeline}, and the L1 block scanned for it.
 * @internal
 */
export interface RunHooks {
  pipeline?: typeof runPipeline;
  followed?: () => { number: bigint; hash: string };
}

/** @internal The node's API over a context whose store is initialized (shared with `startMultiNode`). */
export function runNode(ctx: NodeContext, options: NodeOptions, identity: NodeIdentity, finalityDepth: bigint, l1ChainId: bigint, hooks: RunHooks = {}): RollupNode {
  const { store, log } = ctx;
  let l1Head = l1Checkpoint(ctx).number;
  let halted: Error | undefined;
  let stopped = false;
  ctx.stopping = () => stopped;
  const waiters = new Set<{ number: bigint; resolve: () => void; reject: (e: Error) => void }>();
  let haltedWith: (error: Error) => void = () => {};
  const whenHalted = new Promise<Error>((resolve) => (haltedWith = resolve));

  const onBlock = ({ record, transactionCount }: ExecutedBlock) => {
    const { header } = record;
    log(
      `L2 block ${header.number} ${bytesToHex(header.hash())}: ${transactionCount} tx, ${header.gasUsed} gas, state ${bytesToHex(header.stateRoot)} ` +
        `(L1 block ${record.l1.number} ${record.l1.hash.slice(0, 10)}…)`,
    );
    for (const waiter of waiters) if (header.number >= waiter.number) waiter.resolve();
  };
  const policy = { ...DEFAULT_COMMIT_POLICY, ...(options.commitIntervalMs === undefined ? {} : { intervalMs: options.commitIntervalMs }) };
  const stages: Stages = { follow: followL1Stage(ctx), derive: deriveStage(ctx, policy), execute: executeStage(ctx, onBlock, policy) };

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
        const result = await (hooks.pipeline ?? runPipeline)(
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
    const limit = l1Head - finalityDepth + 1n;
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
    if (tag === "finalized") return finalized();
    return head(); // latest and safe: every derived block is verified on L1
  };
  // The finalized block as last served, to tell when a reorg takes it out (see FinalityViolation).
  const finalizedBlock = () => {
    const record = readBlockRecord(ctx, finalized())!;
    return { number: record.header.number, hash: bytesToHex(record.header.hash()), l1: { number: record.l1.number, hash: record.l1.hash } };
  };
  let lastFinalized = finalizedBlock();
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
      l1: { chainId: l1ChainId, head: l1Head, followed },
      l2: { chainId: ctx.genesis.chainId, head: h, headHash: bytesToHex(readBlockRecord(ctx, h)!.header.hash()), safe: h, finalized: finalized() },
      ...((halted ?? store.corruption() ?? store.failure()) === undefined ? {} : { halted: halted ?? store.corruption() ?? store.failure() }),
      finalityViolations: [...violations],
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
    getLogs: (filter) => getLogs(ctx, filter, head()),
    stateAt: (tag) => stateAt(ctx, numberOf(tag)),
    header: (tag) => readBlockRecord(ctx, numberOf(tag))?.header,
    stateDb: () => new BlockWriteDB(store.trie, undefined, missingTrieNodeError(store.dir)),
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

/** The meta key of the finality violations the node saw (JSON). @internal */
export const FINALITY_VIOLATIONS_KEY = "finalityViolations";

/** Writes the genesis state, block 0 and the stages' starting checkpoints, with the identity, in one transaction. @internal */
export function initialize(ctx: NodeContext, identity: NodeIdentity, genesis: BlockHeader, genesisDb: BlockWriteDB, deploymentBlock: bigint): void {
  ctx.store.transaction(() => {
    commitTrieWrites(ctx.store, genesisDb);
    const origin = { number: deploymentBlock, hash: identity.deploymentBlockHash, txHash: "0x" + "00".repeat(32), logIndex: 0 };
    writeBlock(ctx.store, { header: genesis, l1: origin }, [], []);
    writeL1Checkpoint(ctx, deploymentBlock, identity.deploymentBlockHash);
    writeMeta(ctx.store, checkpointKey("derive"), "0");
    writeMeta(ctx.store, checkpointKey("execute"), "0");
    writeMeta(ctx.store, "identity", identity);
  });
}

/** @internal */
export function checkIdentity(dir: string, stored: NodeIdentity, now: NodeIdentity): void {
  const differing = (Object.keys(now) as (keyof NodeIdentity)[]).filter((key) => String(stored[key]) !== String(now[key]));
  if (differing.length === 0) return;
  throw new DataDirMismatchError(
    `The data dir holds the chain of another L1, rollup or genesis (${differing.join(", ")} differ${differing.length === 1 ? "s" : ""}); start with --reset (reset: true) to discard it`,
    { dataDir: dir, ...Object.fromEntries(differing.map((key) => [key, `stored ${stored[key]}, now ${now[key]}`])) },
  );
}

/** The first L1 block holding the rollup's code: a binary search of `eth_getCode`. @internal */
export async function findDeploymentBlock(l1: L1Client, rollup: string): Promise<bigint> {
  const hasCode = async (n: bigint) => ((await l1.send<string>("eth_getCode", [rollup, toQuantity(n)])) ?? "0x") !== "0x";
  let high = await l1BlockNumber(l1);
  if (!(await hasCode(high))) throw new NodeConfigError("No contract at the rollup address on this L1", { rollup, l1: l1.description });
  let low = 0n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(mid)) high = mid;
    else low = mid + 1n;
  }
  return low;
}

/** The rollup's chain id, gas limit and genesis (hash, timestamp), read from L1 at its deployment block. @internal */
export async function readRollupGenesis(l1: L1Client, rollup: string, deploymentBlock: bigint) {
  const iface = nativeRollupInterface();
  const call = async (name: string) => {
    let data: string;
    try {
      data = await l1.send<string>("eth_call", [{ to: rollup, data: iface.encodeFunctionData(name, []) }, toQuantity(deploymentBlock)]);
    } catch (error) {
      throw new NodeConfigError("The rollup address is not a NativeRollup (its view functions fail)", { rollup, function: name }, { cause: error });
    }
    return iface.decodeFunctionResult(name, data);
  };
  const [chainId] = await call("CHAIN_ID");
  const [gasLimit] = await call("GAS_LIMIT");
  const [head] = await call("head");
  if (head.number !== 0n) {
    throw new NodeConfigError("The rollup advanced in its deployment block: pass the genesis and an earlier deploymentBlock", { rollup, deploymentBlock });
  }
  return { chainId: chainId as bigint, gasLimit: gasLimit as bigint, genesisHash: (head.blockHash as string).toLowerCase(), timestamp: head.timestamp as bigint };
}

/** @internal */
export function blobReaderOf(source: NodeOptions["blobSource"]): BlobReader | undefined {
  if (source === undefined) return undefined;
  if (typeof source === "string") return createBlobReader({ beaconUrl: source });
  if ("getBlobsByVersionedHashes" in source) return source;
  return createBlobReader(source);
}

/** @internal */
export function describeBlobSource(source: NodeOptions["blobSource"]): string {
  if (source === undefined) return "nowhere (calldata blocks only)";
  if (typeof source === "string") return source;
  if ("beaconUrl" in source) return source.beaconUrl;
  return "a blob reader given in process";
}
