/**
 * One node, many rollups (docs/rollups.md, "One node, many rollups"): the rollups a factory's
 * `RollupCreated` events name, and those given explicitly, followed from one L1 connection and
 * kept in one LMDB environment (each rollup's tables key-prefixed by its chain id: `store.ts`).
 *
 *   poll:  eth_blockNumber ─▶ reorg? (one check for all) ─▶ for each range of ≤ 1,000 L1 blocks:
 *            ONE eth_getLogs over every rollup address and the factory
 *            ─▶ RollupCreated: register (and scan the new rollup's part of the range too)
 *            ─▶ BlockAdvanced / Retired / MessageQueued: dispatched to their rollup
 *            ─▶ one LMDB transaction: every rollup's advances, the registry, the node's L1 checkpoint
 *          ─▶ derive + execute for the rollups that got blocks (the stages of a single node)
 *
 * A rollup without events does no work and holds no state in memory: its registry entry only (a
 * few hundred bytes). Its node part — the single node's stages and reads over its prefixed
 * store — is made the first time it has a `BlockAdvanced` (or someone reads its chain), and
 * dropped again when it retires.
 *
 * A rollup's own follow-l1 checkpoint moves only when it has events: between it and the node's
 * checkpoint, the node's scans found nothing for it. An L1 reorg is found once, on the node's
 * checkpoint; the rollups that relied on a replaced block (their checkpoint above the common
 * ancestor) are unwound by the single node's own reorg walk.
 */
import { nativeRollupInterface } from "../sdk/contracts.js";
import { UltrasoundError } from "../shared/errors.js";
import type { BlobReader } from "../blobs/reader.js";
import { DataDirMismatchError, GenesisMismatchError, L1ChangedError, NodeConfigError, StoreCorruptError, StoreWriteError } from "./errors.js";
import { blobReaderOf, findDeploymentBlock } from "./identity.js";
import { connectL1, l1BlockHash, l1BlockNumber, toQuantity, type L1Client, type RawLog } from "./l1.js";
import type { MultiNode, MultiNodeOptions, MultiNodeStatus, MultiRollupInfo, UnwoundListener } from "./multi-types.js";
import { migrateSingleDir } from "./migrate.js";
import { makePart, type PartHost } from "./part.js";
import type { Reorg } from "./pipeline.js";
import { readEntries, writeEntry, type Entry, type MultiIdentity, type Part } from "./registry.js";
import { FATAL } from "./run.js";
import { checkCanonical, events, getFollowedLogs, topics } from "./scan.js";
import { withoutUnadopted } from "./prepared.js";
import type { NodeContext } from "./stage.js";
import { advanceRecords, l1Checkpoint, lastAdvance, MAX_LOG_RANGE, ScanRaceError, storeAdvanceRecords, storedL1BlocksDownFrom, writeL1Checkpoint } from "./stages/follow-l1.js";
import { numberKey, openMultiStore, readMeta, STORE_SCHEMA_VERSION, writeMeta, type MultiStore } from "./store.js";

export { RETIRED_EVENT, ROLLUP_CREATED_EVENT } from "./scan.js";
export type { MultiNode, MultiNodeOptions, MultiNodeStatus, MultiRollupInfo, MultiRollupSpec, UnwoundListener } from "./multi-types.js";

/**
 * Starts a node following many rollups from one L1 connection into one store: the factory's
 * (`RollupCreated`) and the given ones. Refuses a data dir of another L1 or factory, or of a
 * single-rollup node, with `DataDirMismatchError` (unless `reset`).
 */
export async function startMultiNode(options: MultiNodeOptions): Promise<MultiNode> {
  const log = options.log ?? (() => {});
  if ((options.l1Url === undefined) === (options.l1Provider === undefined)) throw new NodeConfigError("Give exactly one of l1Url and l1Provider");
  if (options.factory === undefined && (options.rollups ?? []).length === 0) throw new NodeConfigError("Give a factory, rollups, or both");
  for (const address of [options.factory, ...(options.rollups ?? []).map((r) => r.address)]) {
    if (address !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new NodeConfigError("A rollup or factory address is not a 0x address", { address });
  }
  const finalityDepth = BigInt(options.finalityDepth ?? 64);
  const factory = options.factory?.toLowerCase();
  const l1 = await connectL1(options.l1Url ?? options.l1Provider!);
  let env: MultiStore | undefined;
  try {
    const l1ChainId = BigInt(await l1.send<string>("eth_chainId", []));
    const identity: MultiIdentity = { schema: STORE_SCHEMA_VERSION, l1ChainId: l1ChainId.toString(), l1GenesisHash: (await l1BlockHash(l1, 0n))!, factory: factory ?? null };
    env = openMultiStore(options.dataDir, { reset: options.reset === true, openSingle: true });
    if (env.single !== undefined) await migrateSingleDir(env, l1, log);
    const stored = readMeta<MultiIdentity>(env.node, "identity");
    if (stored !== undefined) {
      const differing = (Object.keys(identity) as (keyof MultiIdentity)[]).filter((key) => String(stored[key]) !== String(identity[key]));
      if (differing.length > 0) {
        throw new DataDirMismatchError(`The data dir was written for another L1 or factory (${differing.join(", ")}); start with reset: true to discard it`, {
          dataDir: env.dir,
          ...Object.fromEntries(differing.map((key) => [key, `stored ${stored[key]}, now ${identity[key]}`])),
        });
      }
    }
    const node = new MultiNodeImpl(options, log, l1, env, l1ChainId, finalityDepth, factory);
    const started = performance.now();
    await node.register(stored === undefined ? identity : undefined);
    log(`multi-node: ${node.entries.size} rollups known (${((performance.now() - started) / 1000).toFixed(2)} s), data dir ${env.dir}; L1 ${l1.description} (chain id ${l1ChainId})`);
    node.start();
    return node.api();
  } catch (error) {
    await env?.close();
    l1.close();
    throw error;
  }
}

/** `MultiNodeOptions.maxOpenParts`' default. */
const DEFAULT_MAX_OPEN_PARTS = 1_024;

class MultiNodeImpl {
  readonly entries = new Map<bigint, Entry>();
  private readonly byAddress = new Map<string, Entry>();
  /** Every address the poll asks L1 about (the rollups', then the factory's): rebuilt on registration. */
  private addresses: string[] = [];
  private readonly nodeCtx: Pick<NodeContext, "store">;
  private readonly needsRun = new Set<bigint>();
  /** Runs of parts so far: each part's `lastRun` is this counter at its latest. */
  private runs = 0;
  private readonly retiredListeners = new Set<(chainId: bigint) => void>();
  readonly unwoundListeners = new Set<UnwoundListener>();
  private l1Head = 0n;
  private stopped = false;
  private halted: Error | undefined;
  private haltedWith: (error: Error) => void = () => {};
  private readonly whenHalted = new Promise<Error>((resolve) => (this.haltedWith = resolve));
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private lastTransient = "";
  private readonly blobs: BlobReader | undefined;
  /** Parts share the L1 connection: a part's stop must not close it. */
  private readonly partL1: L1Client;
  /** What each rollup's part is made with (part.ts). */
  private readonly partHost: PartHost;

  constructor(
    private readonly options: MultiNodeOptions,
    private readonly log: (line: string) => void,
    private readonly l1: L1Client,
    private readonly env: MultiStore,
    readonly l1ChainId: bigint,
    finalityDepth: bigint,
    private readonly factory: string | undefined,
  ) {
    this.nodeCtx = { store: env.node };
    this.blobs = blobReaderOf(options.blobSource);
    this.partL1 = { send: (method, params) => l1.send(method, params), description: l1.description, close() {} };
    this.partHost = {
      env,
      l1,
      partL1: this.partL1,
      blobs: this.blobs,
      log,
      l1ChainId,
      finalityDepth,
      commitIntervalMs: options.commitIntervalMs,
      nestingDepth: options.nestingDepth,
      stopped: () => this.stopped,
      l1Head: () => this.l1Head,
      handBack: (chainId, transactions, reorg) => this.handBack(chainId, transactions, reorg),
    };
  }

  /** Loads the registry, registers the explicit rollups (and a first checkpoint for a new store). */
  async register(newIdentity: MultiIdentity | undefined): Promise<void> {
    for (const entry of readEntries(this.env.registry)) this.add(entry);
    if (this.options.exclusive === true) {
      const given = (this.options.rollups ?? []).map((spec) => spec.address.toLowerCase());
      const other = [...this.entries.values()].find((entry) => !given.includes(entry.address));
      if (other !== undefined) {
        throw new DataDirMismatchError("The data dir holds the chain of another L1, rollup or genesis (rollup differs); start with --reset (reset: true) to discard it", {
          dataDir: this.env.dir,
          rollup: `stored ${other.address}, now ${given.join(", ")}`,
        });
      }
    }
    // Killed between a range's commit and its blocks' execution: those rollups run first.
    for (const entry of this.entries.values()) {
      const store = this.env.rollup(entry.chainId);
      if (readMeta(store, "identity") === undefined) continue;
      if ((lastAdvance({ store })?.number ?? 0n) > BigInt(readMeta<string>(store, "checkpoint:execute") ?? "0")) this.needsRun.add(entry.chainId);
    }
    const given: Entry[] = [];
    await Promise.all(
      (this.options.rollups ?? []).map(async (spec) => {
        const address = spec.address.toLowerCase();
        const known = this.byAddress.get(address);
        if (known !== undefined) {
          known.genesis = spec.genesis;
          return;
        }
        const deploymentBlock = spec.deploymentBlock === undefined ? await findDeploymentBlock(this.l1, address) : BigInt(spec.deploymentBlock);
        const [chainId] = nativeRollupInterface().decodeFunctionResult(
          "CHAIN_ID",
          await this.l1.send<string>("eth_call", [{ to: address, data: nativeRollupInterface().encodeFunctionData("CHAIN_ID", []) }, toQuantity(deploymentBlock)]).catch((error: unknown) => {
            throw new NodeConfigError("The rollup address is not a NativeRollup (CHAIN_ID fails)", { rollup: address }, { cause: error });
          }),
        );
        given.push({ chainId: chainId as bigint, address, deploymentBlock, source: "explicit", genesis: spec.genesis, queued: 0n });
      }),
    );
    // In the order given (the first one is also served at `/`).
    const order = new Map((this.options.rollups ?? []).map((spec, i) => [spec.address.toLowerCase(), i]));
    given.sort((a, b) => order.get(a.address)! - order.get(b.address)!);
    for (const entry of given) {
      const other = this.entries.get(entry.chainId);
      if (other !== undefined) throw new NodeConfigError("Two rollups have the same chain id", { chainId: entry.chainId, rollups: `${other.address}, ${entry.address}` });
    }

    let start: bigint | undefined;
    if (newIdentity !== undefined) {
      const factoryBlock =
        this.factory === undefined ? undefined : this.options.factoryDeploymentBlock !== undefined ? BigInt(this.options.factoryDeploymentBlock) : await findDeploymentBlock(this.l1, this.factory);
      const candidates = [...given.map((e) => e.deploymentBlock), ...(factoryBlock === undefined ? [] : [factoryBlock > 0n ? factoryBlock - 1n : 0n])];
      start = candidates.reduce((a, b) => (a < b ? a : b));
      const hash = (await l1BlockHash(this.l1, start))!;
      this.env.transaction(() => {
        writeMeta(this.env.node, "identity", newIdentity);
        writeL1Checkpoint(this.nodeCtx, start!, hash);
        for (const entry of given) this.writeEntry(entry);
      });
      for (const entry of given) this.add(entry);
      return;
    }
    // Rollups added to a store that already scanned past their deployment: their events so far first.
    const followed = l1Checkpoint(this.nodeCtx).number;
    for (const entry of given) {
      this.env.transaction(() => this.writeEntry(entry));
      this.add(entry);
      if (entry.deploymentBlock < followed) await this.catchUp(entry, followed);
    }
  }

  private add(entry: Entry): void {
    this.entries.set(entry.chainId, entry);
    this.byAddress.set(entry.address, entry);
    this.addresses.push(entry.address);
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry.chainId);
    this.byAddress.delete(entry.address);
    this.addresses = this.addresses.filter((a) => a !== entry.address);
  }

  private writeEntry(entry: Entry): void {
    writeEntry(this.env.registry, entry);
  }

  start(): void {
    if (this.options.follow === false) return;
    const loop = () => {
      if (this.stopped || this.halted !== undefined) return;
      this.run()
        .catch((error: Error) => {
          const line = error.message.split("\n")[0]!;
          if (this.halted === undefined && line !== this.lastTransient) this.log(`multi-node: ${line} (retrying)`);
          this.lastTransient = line;
        })
        .finally(() => {
          if (!this.stopped && this.halted === undefined) this.timer = setTimeout(loop, this.options.pollIntervalMs ?? 1_000);
        });
    };
    loop();
  }

  private run(): Promise<void> {
    const next = this.queue.then(async () => {
      if (this.halted !== undefined) throw this.halted;
      if (this.stopped) throw new UltrasoundError("The node is stopped");
      try {
        await this.poll();
        this.lastTransient = "";
      } catch (error) {
        // Another L1, or a store that cannot be written or read back intact: going on would serve
        // wrong data or retry a disk fault forever (docs/node.md).
        if (error instanceof L1ChangedError || error instanceof StoreWriteError || error instanceof StoreCorruptError) {
          this.halted = error;
          this.log(`multi-node: stopped: ${error.message}`);
          this.haltedWith(error);
        }
        throw error;
      }
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** One poll: reorg check, every range up to L1's head, then the rollups that got blocks. */
  private async poll(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const head = await l1BlockNumber(this.l1);
      this.l1Head = head;
      await this.unwindIfReorged();
      try {
        while (!(await this.step(head)) && !this.stopped);
        break;
      } catch (error) {
        if (!(error instanceof ScanRaceError) || attempt >= 3) throw error;
      }
    }
    await this.runParts();
  }

  /** Scans the next range (≤ 1,000 L1 blocks) for every rollup at once; true once at `head`. */
  private async step(head: bigint): Promise<boolean> {
    const previous = l1Checkpoint(this.nodeCtx);
    const from = previous.number + 1n;
    if (from > head) return true;
    const to = head - previous.number > MAX_LOG_RANGE ? previous.number + MAX_LOG_RANGE : head;
    const toHash = await l1BlockHash(this.l1, to);
    if (toHash === undefined) return true;
    const addresses = this.factory === undefined ? this.addresses : [...this.addresses, this.factory];
    const logs = await getFollowedLogs(this.l1, addresses, from, to);
    // Rollups created in this range may have advanced in it too: their part of it, scanned now.
    const created: Entry[] = [];
    for (let fresh = this.created(logs, created); fresh.length > 0; fresh = this.created(logs, created)) {
      const since = fresh.reduce((a, e) => (e.deploymentBlock < a ? e.deploymentBlock : a), to);
      const more = await getFollowedLogs(this.l1, 
        fresh.map((e) => e.address),
        since,
        to,
      );
      logs.push(...more);
    }
    await checkCanonical(this.l1, logs, from, to, toHash, previous);
    await this.apply(logs, created, to, toHash, true);
    return to >= head;
  }

  /** The factory's `RollupCreated` logs among `logs` not yet registered: registered in memory (and in `created`), returned. */
  private created(logs: RawLog[], created: Entry[]): Entry[] {
    const fresh: Entry[] = [];
    for (const log of logs) {
      if (log.address.toLowerCase() !== this.factory || log.topics[0] !== topics().created) continue;
      const chainId = BigInt(log.topics[1]!);
      const address = ("0x" + log.topics[2]!.slice(26)).toLowerCase();
      const known = this.entries.get(chainId);
      if (known !== undefined) {
        if (known.address !== address) this.log(`multi-node: RollupCreated for chain id ${chainId} at ${address} ignored: ${known.address} has that chain id`);
        continue;
      }
      if (this.byAddress.has(address)) continue;
      const entry: Entry = { chainId, address, deploymentBlock: BigInt(log.blockNumber), source: "factory", queued: 0n };
      this.add(entry);
      created.push(entry);
      fresh.push(entry);
    }
    return fresh;
  }

  /**
   * Dispatches a range's logs to their rollups and commits them, with the registry changes and
   * (if `moveNode`) the node's checkpoint, in one transaction. A rollup whose events do not
   * continue its chain is left out (its node part halts, as a single node would).
   */
  private async apply(logs: RawLog[], created: Entry[], to: bigint, toHash: string, moveNode: boolean): Promise<void> {
    logs.sort((a, b) => Number(BigInt(a.blockNumber) - BigInt(b.blockNumber)) || Number(BigInt(a.logIndex) - BigInt(b.logIndex)));
    // A prepared sync block no transaction adopted is not the rollup's (docs/sync.md, the user path).
    logs = withoutUnadopted(logs);
    const advances = new Map<Entry, RawLog[]>();
    const changed = new Set<Entry>(created);
    for (const log of logs) {
      const entry = this.byAddress.get(log.address.toLowerCase());
      if (entry === undefined) continue;
      const topic = log.topics[0];
      if (topic === topics().advanced) {
        advances.set(entry, [...(advances.get(entry) ?? []), log]);
      } else if (topic === topics().retired) {
        entry.retired = { number: BigInt(events.decodeEventLog("Retired", log.data, log.topics)[0] as bigint), l1Block: BigInt(log.blockNumber) };
        changed.add(entry);
        this.needsRun.add(entry.chainId);
      } else if (topic === topics().queued) {
        const length = BigInt(log.topics[1]!) + 1n;
        if (length > entry.queued) entry.queued = length;
        changed.add(entry);
      }
    }
    const records = new Map<Part, ReturnType<typeof advanceRecords>>();
    for (const [entry, entryLogs] of advances) {
      let part: Part;
      try {
        part = await this.open(entry);
        records.set(part, advanceRecords(part.ctx, entryLogs));
      } catch (error) {
        // One rollup that cannot be followed must not stop the others: it is left behind, said once.
        if (!FATAL.some((kind) => error instanceof kind) && !(error instanceof GenesisMismatchError)) throw error;
        if (entry.failed === undefined) this.log(`multi-node: rollup ${entry.chainId} (${entry.address}) left behind: ${(error as Error).message.split("\n")[0]}`);
        entry.failed ??= error as Error;
      }
    }
    this.env.transaction(() => {
      for (const [part, list] of records) {
        storeAdvanceRecords(part.ctx, list, to, toHash);
        for (const record of list) this.env.node.l1Blocks.putSync(numberKey(record.l1.number), Buffer.from(record.l1.hash.slice(2), "hex"));
      }
      for (const entry of changed) this.writeEntry(entry);
      if (moveNode) writeL1Checkpoint(this.nodeCtx, to, toHash);
    });
    for (const [part, list] of records) {
      if (list.length === 0) continue;
      this.needsRun.add(part.node.genesis.chainId);
      this.log(`L1 block ${to}: rollup ${part.node.genesis.chainId}: ${list.length} BlockAdvanced (L2 ${list[0]!.number}–${list.at(-1)!.number})`);
    }
    for (const entry of created) this.log(`multi-node: rollup ${entry.chainId} at ${entry.address} created in L1 block ${entry.deploymentBlock}`);
  }

  /** A rollup added after the node scanned past its deployment: its own scan up to the node's checkpoint. */
  private async catchUp(entry: Entry, until: bigint): Promise<void> {
    for (let from = entry.deploymentBlock + 1n; from <= until; from += MAX_LOG_RANGE) {
      const to = from + MAX_LOG_RANGE - 1n < until ? from + MAX_LOG_RANGE - 1n : until;
      const toHash = (await l1BlockHash(this.l1, to))!;
      await this.apply(await getFollowedLogs(this.l1, [entry.address], from, to), [], to, toHash, false);
    }
  }

  /**
   * An L1 reorg below the node's checkpoint: the common ancestor found on the node's own L1
   * blocks; every rollup that relied on a replaced block is unwound (its own walk, in its part's
   * next run); rollups created in a replaced block are forgotten; then the node's checkpoint
   * goes back to the ancestor.
   */
  private async unwindIfReorged(): Promise<void> {
    const checkpoint = l1Checkpoint(this.nodeCtx);
    if ((await l1BlockHash(this.l1, checkpoint.number)) === checkpoint.hash) return;
    let ancestor: { number: bigint; hash: string } | undefined;
    for (const stored of storedL1BlocksDownFrom(this.nodeCtx, checkpoint.number)) {
      if ((await l1BlockHash(this.l1, stored.number)) === stored.hash) {
        ancestor = stored;
        break;
      }
    }
    if (ancestor === undefined) throw new L1ChangedError("The L1 no longer has the blocks the node started from: this is another L1 (a restarted devnet?)", { l1: this.l1.description });
    let unwound = 0;
    for (const entry of [...this.entries.values()]) {
      if (entry.deploymentBlock > ancestor.number && entry.source === "factory") {
        this.log(`multi-node: rollup ${entry.chainId} was created in a replaced L1 block: forgotten`);
        await entry.part?.node.stop();
        this.forget(entry);
        this.env.transaction(() => this.env.registry.removeSync(numberKey(entry.chainId)));
        continue;
      }
      const store = this.env.rollup(entry.chainId);
      if (readMeta(store, "identity") === undefined || l1Checkpoint({ store }).number <= ancestor.number) continue;
      const part = await this.open(entry);
      part.reorgCheck = true;
      await part.node.sync().catch((error: Error) => this.log(`multi-node: rollup ${entry.chainId}: ${error.message.split("\n")[0]}`));
      unwound++;
    }
    this.env.transaction(() => {
      for (const key of [...this.env.node.l1Blocks.getKeys({ start: numberKey(ancestor.number + 1n) })]) this.env.node.l1Blocks.removeSync(key);
      writeL1Checkpoint(this.nodeCtx, ancestor.number, ancestor.hash);
    });
    this.log(`multi-node: L1 reorg: L1 block ${checkpoint.number} replaced; back to L1 block ${ancestor.number}; ${unwound} rollups unwound`);
  }

  /** An L1 reorg unwound `chainId`'s blocks: their transactions to the option's callback and every listener (each failure said, none stops the others). */
  private async handBack(chainId: bigint, transactions: Uint8Array[], reorg: Reorg): Promise<void> {
    const receivers = [...(this.options.onUnwoundTransactions === undefined ? [] : [this.options.onUnwoundTransactions]), ...this.unwoundListeners];
    for (const receiver of receivers) {
      try {
        await receiver(chainId, transactions, reorg);
      } catch (error) {
        this.log(`multi-node: rollup ${chainId}: handing back ${transactions.length} unwound transaction(s) failed: ${(error as Error).message.split("\n")[0]}`);
      }
    }
  }

  /** Derives and executes the rollups that got blocks; drops the parts of retired ones once done, and the least recently run beyond `maxOpenParts`. */
  private async runParts(): Promise<void> {
    await this.runNeeded();
    await this.dropIdleParts();
  }

  private async runNeeded(): Promise<void> {
    for (const chainId of [...this.needsRun]) {
      if (this.stopped) return;
      const entry = this.entries.get(chainId);
      if (entry === undefined) {
        this.needsRun.delete(chainId);
        continue;
      }
      const part = await this.open(entry).catch(() => undefined);
      if (part === undefined) {
        this.needsRun.delete(chainId);
        continue;
      }
      entry.lastRun = ++this.runs;
      try {
        await part.node.sync();
        this.needsRun.delete(chainId);
      } catch (error) {
        if (part.node.status().halted !== undefined) this.needsRun.delete(chainId);
        this.log(`multi-node: rollup ${chainId}: ${(error as Error).message.split("\n")[0]}`);
        continue;
      }
      if (entry.retired !== undefined) {
        entry.part = undefined;
        await part.node.stop();
        this.log(`multi-node: rollup ${chainId} retired at L2 block ${entry.retired.number}: its live state dropped, its history served read-only`);
        for (const listener of this.retiredListeners) listener(chainId);
      }
    }
  }

  /**
   * Beyond `maxOpenParts`, the parts least recently run are stopped and dropped (their state is
   * in the store; `open` makes them again): parts the RPC holds, parts with work waiting and
   * parts being made stay.
   */
  private async dropIdleParts(): Promise<void> {
    const open = [...this.entries.values()].filter((e) => e.part !== undefined);
    const max = this.options.maxOpenParts ?? DEFAULT_MAX_OPEN_PARTS;
    if (open.length <= max) return;
    const idle = open.filter((e) => e.held !== true && e.opening === undefined && !this.needsRun.has(e.chainId) && !e.part!.reorgCheck);
    idle.sort((a, b) => (a.lastRun ?? 0) - (b.lastRun ?? 0));
    for (const entry of idle.slice(0, open.length - max)) {
      const part = entry.part;
      // Handed to the RPC (or dropped) while an earlier one stopped: it stays.
      if (part === undefined || entry.held === true) continue;
      entry.part = undefined;
      await part.node.stop();
    }
  }

  /** The rollup's node part, made if need be: its store initialized (genesis checked against L1) the first time. */
  open(entry: Entry): Promise<Part> {
    if (entry.part !== undefined) return Promise.resolve(entry.part);
    if (entry.failed !== undefined) return Promise.reject(entry.failed);
    entry.opening ??= makePart(this.partHost, entry).finally(() => (entry.opening = undefined));
    return entry.opening;
  }

  api(): MultiNode {
    const info = (entry: Entry): MultiRollupInfo => ({
      chainId: entry.chainId,
      address: entry.address,
      deploymentBlock: entry.deploymentBlock,
      source: entry.source,
      ...(entry.retired === undefined ? {} : { retired: entry.retired }),
      open: entry.part !== undefined,
    });
    const status = (): MultiNodeStatus => ({
      l1: { chainId: this.l1ChainId, head: this.l1Head, followed: l1Checkpoint(this.nodeCtx) },
      rollups: this.entries.size,
      open: [...this.entries.values()].filter((e) => e.part !== undefined).length,
      retired: [...this.entries.values()].filter((e) => e.retired !== undefined).length,
      ...(this.halted === undefined ? {} : { halted: this.halted }),
    });
    const entryOf = (chainId: bigint): Entry => {
      const entry = this.entries.get(chainId);
      if (entry === undefined) throw new NodeConfigError("No rollup with this chain id is followed", { chainId });
      return entry;
    };
    return {
      dataDir: this.env.dir,
      l1ChainId: this.l1ChainId,
      list: () => [...this.entries.values()].map(info),
      primary: () => {
        const first = this.options.rollups?.[0]?.address.toLowerCase();
        return (first === undefined ? undefined : this.byAddress.get(first)?.chainId) ?? this.entries.keys().next().value;
      },
      info: (chainId) => {
        const entry = this.entries.get(chainId);
        return entry === undefined ? undefined : info(entry);
      },
      rollup: async (chainId) => {
        const entry = entryOf(chainId);
        for (;;) {
          const part = await this.open(entry);
          // Dropped as idle while this waited: made again, and held from now on.
          if (entry.part !== part) continue;
          entry.held = true;
          return part.node;
        }
      },
      opened: (chainId) => this.entries.get(chainId)?.part?.node,
      journaled: () => [...this.entries.keys()].filter((chainId) => [...this.env.rollup(chainId).pending.getKeys({ limit: 1 })].length > 0),
      hasQueuedMessages: (chainId) => {
        const entry = this.entries.get(chainId);
        if (entry === undefined || entry.queued === 0n || entry.retired !== undefined) return false;
        return entry.queued > (lastAdvance({ store: this.env.rollup(chainId) })?.messageCount ?? 0n);
      },
      status,
      sync: async () => {
        await this.run();
        return status();
      },
      onUnwound: (listener) => {
        this.unwoundListeners.add(listener);
        return () => this.unwoundListeners.delete(listener);
      },
      onRetired: (listener) => {
        this.retiredListeners.add(listener);
        return () => this.retiredListeners.delete(listener);
      },
      whenHalted: () => this.whenHalted,
      stop: async () => {
        if (this.stopped) return;
        this.stopped = true;
        clearTimeout(this.timer);
        await this.queue;
        for (const entry of this.entries.values()) {
          await entry.opening?.catch(() => undefined);
          await entry.part?.node.stop();
          entry.part = undefined;
        }
        await this.env.close();
        this.l1.close();
      },
    };
  }
}
