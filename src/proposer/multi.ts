/**
 * A proposer over a set of rollups. By default (`packing: "shared"`) the next blocks of every
 * rollup with work go in ONE L1 transaction per round, a shared advance (multi-shared.ts); with
 * `packing: "separate"`, or when one rollup alone has work, one block of one rollup per
 * `proposeNext`, in turn. Each rollup's blocks are its own proposer's (`createRollupProposer`,
 * made the first time it has work: its mempool, journal, drops and back-off) either way.
 * `createProposer` (create.ts) is the entry for a set or one rollup.
 */

import type { Contract, JsonRpcApiProvider, Signer } from "ethers";
import { deployBundler } from "../sdk/bundle.js";
import type { PreparedSharedAdvance } from "../sdk/shared-advance.js";
import { proposeSharedRound, type SharedCandidate } from "./multi-shared.js";
import type { L2Chain } from "../engine/state.js";
import type { BuiltBlock } from "../engine/build.js";
import { nativeRollupAt } from "../sdk/contracts.js";
import { createMempool, type Mempool } from "./mempool.js";
import { createRollupProposer, type ProposalOutcome, type Proposer, type ProposerOptions } from "./proposer.js";
import type { BlockSource } from "./follow.js";
import type { DataAvailability } from "./propose.js";
import { UltrasoundError } from "../shared/errors.js";

/** A rollup a {@link createMultiProposer} may propose for. */
export interface MultiProposerRollup {
  chainId: bigint;
  /** The NativeRollup's address. */
  address: string;
  /** Its mempool, if it has one now (a rollup without one has no transactions). */
  mempool(): Mempool | undefined;
  /** Whether L1 holds messages for it that its head has not delivered (a block is due for them alone). */
  hasQueuedMessages(): boolean;
  /** Whether a block is asked for now, even empty (a devnet's `evm_mine` on this rollup's URL). Default: never. */
  blockWanted?(): boolean;
  /** The proposer's chain at the rollup's head: asked for once, the first time the rollup has work. */
  chain(): Promise<L2Chain>;
  /** The node's view of the rollup: every block is built on its head (see `ProposerOptions.node`). */
  node?(): BlockSource | undefined | Promise<BlockSource | undefined>;
  /** See `ProposerOptions.onBuilt`. */
  onBuilt?(block: BuiltBlock): void;
}

/** Options of {@link createMultiProposer}. */
export interface MultiProposerOptions {
  /** The rollups, asked for on each call (new ones may appear). */
  rollups: () => Iterable<MultiProposerRollup>;
  /** Pays for every `advance`. */
  signer: Signer;
  provider: JsonRpcApiProvider;
  coinbase: string;
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  l1GasCap?: bigint;
  /** See `ProposerOptions.overlap` (default true). */
  overlap?: boolean;
  /** See `ProposerOptions.retryMs` (each rollup backs off on its own). */
  retryMs?: ProposerOptions["retryMs"];
  /** See `ProposerOptions.handBackRewound` (a devnet's `evm_revert` says no). Default: always. */
  handBackRewound?: () => boolean;
  log?: (line: string) => void;
  /** How a rollup's lines begin after `proposer: ` (default `rollup <chainId>: `; a set of one may name none). */
  label?: (chainId: bigint) => string;
  /**
   * "shared" (default): each round, the blocks of all rollups with work in one shared advance
   * (as many as one L1 transaction carries; one blob for ≈ 100 small blocks); a rollup whose leg
   * failed without a fault of the others is sent alone until its own advance lands. "separate":
   * one `advance` per rollup-block, in turn (the former default; always so for one rollup with
   * work, and the default under calldata data availability, which shared advances cannot use).
   */
  packing?: "shared" | "separate";
  /** The RollupBundler that carries shared advances (default: one deployed by `signer` the first time it is needed). */
  bundler?: Contract;
  /** The most rollups in one shared advance (default 100). */
  maxLegs?: number;
  /** Called with each shared advance packed, before it is sent (a log, a bench, a test's rival). */
  onPacked?: (packed: PreparedSharedAdvance, chainIds: bigint[]) => void | Promise<void>;
}

/** What one {@link MultiProposer.proposeNext} did: idle, or a rollup's outcome. */
export type MultiProposalOutcome = { kind: "idle" } | { kind: "rollup"; chainId: bigint; outcome: ProposalOutcome };

/** A proposer for many rollups: a shared advance per round (default), or one block at a time, taking turns. */
export interface MultiProposer {
  /**
   * Proposes the next block of the next rollup (round-robin, after the last one served) that
   * has pending transactions or queued L1→L2 messages; idle when none has. Shared packing: the
   * call that finds several rollups with work sends them in one shared advance and returns the
   * first rollup's outcome; the next calls return the others', then one idle (the round is over) before looking for work again.
   */
  proposeNext(): Promise<MultiProposalOutcome>;
  /** How many rollups have a proposer in memory (made the first time each had work). */
  readonly proposers: number;
  /**
   * Outcomes of the last shared advance not handed out yet: a caller that bounds its calls (one
   * per rollup, say) keeps calling while this is above 0, or a later call hands out a block that
   * landed earlier as if it were new.
   */
  readonly outcomesWaiting: number;
}

/** A multi-rollup proposer's options that cannot work together (the values are in `details`). */
export class ProposerConfigError extends UltrasoundError {
  override name = "ProposerConfigError";
}

/**
 * A based proposer for a set of rollups (`createProposer` with `rollups`): `createRollupProposer`'s proposer per rollup, made lazily the
 * first time the rollup has work, each `proposeNext` one block for one rollup, in turn. A rollup
 * with nothing pending costs one look at its mempool (if any) and its queue hint.
 */
export function createMultiProposer(options: MultiProposerOptions): MultiProposer {
  const proposers = new Map<bigint, { proposer: Proposer; mempool: Mempool }>();
  const chains = new Map<bigint, Promise<L2Chain>>();
  let last: bigint | undefined;
  // Shared advances read each block from a range of shared blobs: a proposer told to publish in
  // calldata (a node without a blob source follows it) advances one block per rollup instead.
  const calldata = (options.dataAvailability ?? "blobs") === "calldata";
  if (calldata && options.packing === "shared") {
    throw new ProposerConfigError("Shared packing publishes in blobs; it cannot be combined with calldata data availability", { packing: options.packing, dataAvailability: options.dataAvailability });
  }
  const packing = options.packing ?? (calldata ? "separate" : "shared");
  const maxLegs = options.maxLegs ?? 100;
  // Outcomes of the last shared round not handed out yet (one per `proposeNext`).
  const buffered: MultiProposalOutcome[] = [];
  let endOfRound = false;
  // Rollups whose last shared leg failed with no other leg at fault: their own advance until one lands.
  const alone = new Set<bigint>();
  let bundler: Promise<Contract> | undefined = options.bundler === undefined ? undefined : Promise.resolve(options.bundler);
  const bundlerOf = (): Promise<Contract> => {
    if (bundler === undefined) {
      bundler = deployBundler(options.signer);
      bundler.catch(() => (bundler = undefined));
    }
    return bundler;
  };
  const label = options.label ?? ((chainId: bigint) => `rollup ${chainId}: `);
  const chainOf = (rollup: MultiProposerRollup): Promise<L2Chain> => {
    let chain = chains.get(rollup.chainId);
    if (chain === undefined) {
      chain = rollup.chain();
      chain.catch(() => chains.delete(rollup.chainId));
      chains.set(rollup.chainId, chain);
    }
    return chain;
  };

  // A rollup backing off after a failure waits its turn out; the others go on.
  const hasWork = (rollup: MultiProposerRollup): boolean =>
    (proposers.get(rollup.chainId)?.proposer.retryAt ?? 0) <= Date.now() && ((rollup.mempool()?.pending().length ?? 0) > 0 || (rollup.mempool()?.awaitingInclusion?.() ?? 0) > 0 || rollup.hasQueuedMessages() || rollup.blockWanted?.() === true);

  async function proposerFor(rollup: MultiProposerRollup, mempool: Mempool): Promise<Proposer> {
    const known = proposers.get(rollup.chainId);
    if (known !== undefined && known.mempool === mempool) return known.proposer;
    const proposer = createRollupProposer({
      chain: await chainOf(rollup),
      rollup: nativeRollupAt(rollup.address, options.signer),
      provider: options.provider,
      mempool,
      coinbase: options.coinbase,
      dataAvailability: options.dataAvailability,
      l1GasCap: options.l1GasCap,
      node: rollup.node === undefined ? undefined : () => rollup.node!(),
      retryMs: options.retryMs,
      overlap: options.overlap,
      handBackRewound: options.handBackRewound,
      onBuilt: rollup.onBuilt === undefined ? undefined : (block) => rollup.onBuilt!(block),
      // Its lines name the rollup: one log serves them all.
      log: options.log && ((line: string) => options.log!(line.replace(/^proposer: /, `proposer: ${label(rollup.chainId)}`))),
    });
    proposers.set(rollup.chainId, { proposer, mempool });
    return proposer;
  }

  /** A rollup with queued messages and no mempool yet: an empty one of its own (kept with its proposer). */
  async function emptyMempool(rollup: MultiProposerRollup): Promise<Mempool> {
    return proposers.get(rollup.chainId)?.mempool ?? createMempool(await chainOf(rollup));
  }

  /** One shared advance over `rollups` (multi-shared.ts); its first outcome now, the others at the next calls. */
  async function sharedRound(rollups: MultiProposerRollup[]): Promise<MultiProposalOutcome> {
    const candidates: SharedCandidate[] = [];
    for (const rollup of rollups) {
      const mempool = rollup.mempool() ?? (await emptyMempool(rollup));
      const proposer = await proposerFor(rollup, mempool);
      candidates.push({ chainId: rollup.chainId, rollup: nativeRollupAt(rollup.address, options.signer), chain: await chainOf(rollup), proposer, evenEmpty: rollup.blockWanted?.() === true });
    }
    last = rollups[rollups.length - 1]!.chainId;
    const result = await proposeSharedRound(candidates, { bundler: await bundlerOf(), provider: options.provider, l1GasCap: options.l1GasCap, log: options.log ?? (() => {}), label, onPacked: options.onPacked });
    for (const chainId of result.alone) alone.add(chainId);
    buffered.push(...result.outcomes.map(({ chainId, outcome }): MultiProposalOutcome => ({ kind: "rollup", chainId, outcome })));
    const first = buffered.shift();
    endOfRound = first !== undefined && buffered.length === 0;
    return first ?? { kind: "idle" };
  }

  return {
    get proposers() {
      return proposers.size;
    },
    get outcomesWaiting() {
      return buffered.length;
    },
    async proposeNext() {
      const next = buffered.shift();
      if (next !== undefined) {
        endOfRound = buffered.length === 0;
        return next;
      }
      // The shared round's outcomes are all handed out: idle once, so that a caller's round ends
      // (and its node derives) instead of starting another shared round at once.
      if (endOfRound) {
        endOfRound = false;
        return { kind: "idle" };
      }
      const all = [...options.rollups()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
      if (all.length === 0) return { kind: "idle" };
      // Round-robin: start after the last rollup served.
      const start = last === undefined ? 0 : all.findIndex((r) => r.chainId > last!);
      const order = start <= 0 ? all : [...all.slice(start), ...all.slice(0, start)];
      const withWork = order.filter(hasWork);
      if (packing === "shared" && withWork.length > 1) {
        const single = withWork.find((r) => alone.has(r.chainId));
        if (single === undefined) return sharedRound(withWork.slice(0, maxLegs));
        withWork.splice(0, withWork.length, single);
      }
      for (const rollup of withWork) {
        last = rollup.chainId;
        const mempool = rollup.mempool() ?? (await emptyMempool(rollup));
        const outcome = await (await proposerFor(rollup, mempool)).proposeNext({ evenEmpty: rollup.blockWanted?.() === true });
        if (outcome.kind === "proposed") alone.delete(rollup.chainId);
        return { kind: "rollup", chainId: rollup.chainId, outcome };
      }
      return { kind: "idle" };
    },
  };
}
