/**
 * The preconfer (issue 19, node side): the slot's operator builds an L2 block from the mempool
 * on a short timer, appends it to its chain at once, signs an EIP-712 commitment to it and
 * serves it (`view.ts`); a second loop advances the preconfirmed blocks on L1, oldest first,
 * one `advance` each, consecutive ones together in one L1 transaction (together.ts). When the node derives something else at a height the
 * preconfer promised (another proposer in an open slot, an L1 reorg), the preconfirmed blocks
 * above the common block are dropped and their transactions go back to the pool
 * (`followBlocksKeepingTransactions`, the proposer's own hand-back path).
 *
 *     node (verified on L1)      preconfirmed (signed, served at `latest`)
 *     0 … 41 ─────────────────── 42 ─ 43 ─ 44            ← built every `intervalMs`
 *                                 └── advanced ──┘ …     ← one advance each, together in one L1 transaction
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import { Contract, ZeroAddress as ZERO_ADDRESS, type JsonRpcApiProvider, type Signer, type TypedDataDomain } from "ethers";
import { deliveredCount } from "../bridge/queue.js";
import { appendBlock, chainHead, rewindTo, type L2Chain } from "../engine/state.js";
import { followBlocksKeepingTransactions, type BlockSource } from "../proposer/follow.js";
import type { Mempool } from "../proposer/mempool.js";
import { dropProven } from "../proposer/proposer.js";
import { advanceGasLimit, buildFittingBlock, buildOn, chooseLayout, deliveryFor, LostRaceError, publishBlock, type DataAvailability, type FittedBlock, type L1Anchor, type ProposedBlock } from "../proposer/propose.js";
import type { NextDelivery } from "../bridge/queue.js";
import { UltrasoundError } from "../shared/errors.js";
import { advanceRun, consecutiveRun, type TogetherExecute } from "./together.js";
import { createL1Reads } from "./l1-reads.js";
import { commitmentOf, preconfDomain, signCommitment, verifyCommitment, type SignedCommitment } from "./commitment.js";

/** A block the operator signed and serves before L1 has it. */
export interface PreconfirmedBlock {
  number: bigint;
  hash: string;
  signed: SignedCommitment;
  /** The transactions' hashes, in block order. */
  transactions: string[];
  /** When it was signed (ms since the epoch). */
  signedAt: number;
  /** The built block and its L1 data, kept until it is advanced. */
  fitted: FittedBlock;
  /**
   * Set once L1 verified it: the L1 transaction and block of its `advance`, its share of that
   * transaction's gas, and how many blocks the transaction advanced (1 unless sent together).
   */
  advanced?: { l1Transaction: string; l1Block: bigint; l1Gas: bigint; together?: number };
}

/** A preconfirmed block as one operator hands it to the next (see `Preconfer.handOver`). */
export interface HandOver {
  signed: SignedCommitment;
  /** The block's transactions, raw, in order. */
  transactions: Uint8Array[];
  coinbase: string;
  anchor: L1Anchor;
  delivery: NextDelivery;
}

/** Options of {@link createPreconfer}. */
export interface PreconferOptions {
  /** The operator's chain: verified blocks, then its preconfirmed ones. */
  chain: L2Chain;
  /** The rollup (a PreconfGatedRollup), connected to the operator's L1 signer. */
  rollup: Contract;
  provider: JsonRpcApiProvider;
  mempool: Mempool;
  /** Signs commitments: the registered operator's key (the address that advances). */
  operator: Signer;
  /** The PreconfRegistry the commitments are signed for, and the L1's chain id (the EIP-712 domain). */
  registry: string;
  l1ChainId: bigint;
  /** The L2 fee recipient. */
  coinbase: string;
  /** The node that derives from L1: what is verified. */
  node: () => BlockSource;
  /** Default "blobs". */
  dataAvailability?: DataAvailability;
  /**
   * Whether the transactions of dropped preconfirmed blocks go back to the pool (default: always).
   * A devnet's `evm_revert` says no: reverted means gone, as on Hardhat (the journal forgets them).
   */
  handBackDropped?: () => boolean;
  /**
   * Most preconfirmed blocks advanced in one L1 transaction (`PreconfRegistry.bundle`,
   * together.ts); 1: one `advance` transaction per block. Default {@link DEFAULT_TOGETHER}.
   */
  together?: number;
  /**
   * How blocks sent together are verified: ONE EXECUTE call for all (`"batched"`,
   * `PreconfRegistry.executeBatch`) or one each (`"per-block"`, `bundle`). Default: batched with
   * blobs (together.ts, `defaultTogetherExecute`); calldata can only go per block.
   */
  execute?: TogetherExecute;
  /** How long L1's latest block, EXECUTE's market and the queue's delivery are reused between blocks, in ms (default 1,000). */
  l1ReadMs?: number;
  /**
   * A misbehaving operator, for the slashing demo: `equivocate` signs a second, different block
   * at each height (kept in `equivocations()`); `diverge` serves one block and advances another.
   */
  misbehave?: "equivocate" | "diverge";
  log?: (line: string) => void;
}

/** A running preconfer's steps (the devnet's loops call them). */
export interface Preconfer {
  /** The EIP-712 domain commitments are signed in. */
  readonly domain: TypedDataDomain;
  /**
   * Builds, appends and signs the next block if anything is pending (or L1→L2 messages wait);
   * undefined when idle. `evenEmpty`: a block now, empty if need be (a devnet's `evm_mine`).
   */
  preconfirmNext(options?: { evenEmpty?: boolean }): Promise<PreconfirmedBlock | undefined>;
  /** Advances every preconfirmed block L1 does not have yet, oldest first; returns those advanced. */
  advancePending(): Promise<PreconfirmedBlock[]>;
  /** Drops preconfirmed blocks the node's chain contradicts (their transactions back in the pool); returns how many. */
  reconcile(): Promise<number>;
  /**
   * Throws away every preconfirmed block the node has not verified (after following the node):
   * the chain goes back to the node's head and their transactions are forgotten, not pending
   * again — a devnet's `evm_revert`, where reverted means gone. Returns how many.
   */
  discardUnverified(): Promise<number>;
  /** The preconfirmed blocks not yet verified by the node, oldest first. */
  unverified(): PreconfirmedBlock[];
  /** A preconfirmed block by number or hash (kept after it is verified, while recent). */
  byNumber(number: bigint): PreconfirmedBlock | undefined;
  byHash(hash: string): PreconfirmedBlock | undefined;
  /** The preconfirmed block holding a transaction, if any. */
  byTransaction(hash: string): PreconfirmedBlock | undefined;
  /** The other block signed at a height (misbehave "equivocate" only). */
  equivocations(): SignedCommitment[];
  /**
   * What the next operator needs to take over: the preconfirmed blocks L1 does not have yet,
   * with their bodies, L1 anchors and deliveries (Taiko's hand-over window, by hand here).
   */
  handOver(): HandOver[];
  /**
   * Takes over another operator's preconfirmed blocks at a slot boundary: each must be signed by
   * `from` and extend this chain; it is re-executed here and must hash as signed (else
   * `PreconfError`, nothing adopted after it). The blocks are then advanced by this preconfer,
   * and its own blocks build on the last one. Returns how many were adopted.
   */
  adopt(blocks: HandOver[], from: string): Promise<number>;
  /** Calls `listener` with each block as soon as it is signed; returns the unsubscribe. */
  onPreconfirmed(listener: (block: PreconfirmedBlock) => void): () => void;
}

/** Default of `PreconferOptions.together`: more blocks than this in one L1 transaction save little (the base cost is shared already). */
export const DEFAULT_TOGETHER = 8;

/** How many verified preconfirmations stay answerable (`preconf_getCommitment`, the status's `commitment`). */
const KEPT_VERIFIED = 1_024;

/** Creates the preconfer of `options.operator` (see the file comment). */
export function createPreconfer(options: PreconferOptions): Preconfer {
  const { chain, mempool } = options;
  const log = options.log ?? (() => {});
  const domain = preconfDomain(options.registry, options.l1ChainId);
  const blocks = new Map<bigint, PreconfirmedBlock>();
  const byHash = new Map<string, bigint>();
  const byTx = new Map<string, bigint>();
  const others: SignedCommitment[] = [];
  const listeners = new Set<(block: PreconfirmedBlock) => void>();
  // The chain is changed by building (append) and by reconcile (rewind): one at a time.
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = lock.then(work);
    lock = next.catch(() => undefined);
    return next;
  };
  /** The node's head, number and hash: its header alone when the node gives headers (a block read decodes its body too). */
  const nodeHead = (): { number: bigint; hash: string } | undefined => {
    const node = options.node() as BlockSource & { header?: (tag: "latest") => BlockHeader | undefined };
    if (node.header !== undefined) {
      const header = node.header("latest");
      return header === undefined ? undefined : { number: header.number, hash: bytesToHex(header.hash()) };
    }
    const block = node.getBlock("latest");
    return block === undefined ? undefined : { number: block.number, hash: block.hash };
  };
  const verifiedHead = () => nodeHead()?.number ?? 0n;

  const forget = (number: bigint) => {
    const block = blocks.get(number);
    if (block === undefined) return;
    blocks.delete(number);
    byHash.delete(block.hash);
    for (const hash of block.transactions) if (byTx.get(hash) === number) byTx.delete(hash);
  };

  async function messagesWaiting(): Promise<boolean> {
    const queued = (await options.rollup.getFunction("messageCount")()) as bigint;
    return queued > (await deliveredCount(chain));
  }

  // L1's latest block, EXECUTE's market and the queue's delivery: l1-reads.ts.
  const l1 = createL1Reads({ ...options, chain });
  const forgetL1Reads = l1.forget;
  const refreshL1Reads = l1.refresh;
  async function build(transactions: TypedTransaction[]): Promise<FittedBlock> {
    const reads = await l1.current();
    const delivered = await deliveredCount(chain);
    if (reads.delivery?.delivered !== delivered) reads.delivery = { delivered, value: await deliveryFor({ ...options, chain }, reads.anchor) };
    return buildFittingBlock({ ...options, chain, transactions, anchor: reads.anchor, market: reads.market, delivery: reads.delivery.value });
  }

  return {
    domain,
    preconfirmNext: (next = {}) =>
      exclusive(async () => {
        const evenEmpty = next.evenEmpty === true;
        refreshL1Reads();
        // Never build on a chain the node contradicts: the promise would be broken at once. (The
        // node's side only, read locally: whether an L1 reorg took a pending block's anchor is an
        // L1 round trip per anchor, checked by the advance loop's reconcile() every round,
        // not on a receipt's critical path.)
        await reconcileLocked({ anchors: false });
        await mempool.sync();
        const pending = mempool.pending();
        if (pending.length === 0 && !evenEmpty && !(await messagesWaiting())) return undefined;
        const fitted = await build(pending);
        // What the builder left out and is at fault alone is dropped (with its reason), as the proposer does: never retried for ever.
        if (fitted.block.skipped.length > 0) await dropProven(mempool, fitted.block.skipped, { chain, coinbase: options.coinbase, anchor: fitted.anchor, delivery: fitted.delivery }, pending, log);
        const { header } = fitted.block;
        if (fitted.block.transactions.length === 0 && fitted.delivery.delivery === undefined && !evenEmpty) return undefined;
        // The block is the chain's head now: the next one builds on it, the mempool's nonces move past it.
        appendBlock(chain, { header, transactions: fitted.block.transactions, receipts: fitted.block.receipts });
        const hashes = fitted.block.transactions.map((tx) => bytesToHex(tx.hash()));
        mempool.remove(hashes);
        const signed = await signCommitment(options.operator, domain, commitmentOf(header, await options.rollup.getAddress(), chain.genesis.chainId));
        const block: PreconfirmedBlock = { number: header.number, hash: bytesToHex(header.hash()), signed, transactions: hashes, signedAt: Date.now(), fitted };
        blocks.set(block.number, block);
        byHash.set(block.hash, block.number);
        for (const hash of hashes) byTx.set(hash, block.number);
        if (options.misbehave === "equivocate") {
          // Another block at the same height, signed too: what a slasher proves with slashEquivocation.
          const other = { ...signed.commitment, blockHash: bytesToHex(new Uint8Array(32).fill(0xee)) };
          others.push(await signCommitment(options.operator, domain, other));
        }
        for (const old of blocks.keys()) if (old + BigInt(KEPT_VERIFIED) < block.number) forget(old);
        for (const listener of listeners) listener(block);
        refreshL1Reads();
        return block;
      }),

    async advancePending() {
      const done: PreconfirmedBlock[] = [];
      for (;;) {
        const onL1 = String(((await options.rollup.getFunction("head")()) as { blockHash: string }).blockHash).toLowerCase();
        // The child of L1's head among ours; none: all advanced, or L1's head is another proposer's (reconcile() then drops what it contradicts).
        // (Its `advanced` may be set: an L1 reorg took that advance back, and it goes again.)
        const next = [...blocks.values()].find((b) => b.signed.commitment.parentHash === onL1 && b.number > verifiedHead() - 1n);
        if (next === undefined) return done;
        // The lookahead gates advance: in another operator's slot the advance would revert; that operator takes over (adopt).
        if (!(await slotAllows())) {
          log(`preconf: L1's next slot is another operator's: block ${next.number} waits (or is handed over)`);
          return done;
        }
        // Several consecutive blocks in one L1 transaction (together.ts), halved while they do not fit.
        if (options.misbehave === undefined) {
          const run = consecutiveRun(next, (n) => blocks.get(n), options.together ?? DEFAULT_TOGETHER);
          let landed: PreconfirmedBlock[] | "lost" | undefined;
          for (let n = run.length; n > 1 && landed === undefined; n = Math.ceil(n / 2)) landed = await advanceRun(options, run.slice(0, n), log);
          if (landed === "lost") return done;
          if (landed !== undefined) {
            done.push(...landed);
            continue;
          }
        }
        let proposed: ProposedBlock;
        try {
          const fitted = options.misbehave === "diverge" ? await divergent(next) : next.fitted;
          proposed = await publishBlock({ ...options, chain, fitted, append: false });
        } catch (error) {
          if (error instanceof LostRaceError) return done;
          throw error;
        }
        next.advanced = { l1Transaction: proposed.l1Receipt.hash, l1Block: BigInt(proposed.l1Receipt.blockNumber), l1Gas: proposed.l1Receipt.gasUsed };
        done.push(next);
        if (options.misbehave === "diverge") return done; // its chain is not L1's any more: reconcile() follows the node
      }
    },

    reconcile: () => exclusive(() => reconcileLocked()),
    discardUnverified: () =>
      exclusive(async () => {
        await reconcileLocked();
        const verified = verifiedHead();
        if (chainHead(chain).number <= verified) return 0;
        const raws = chain.blocks.slice(Number(verified) + 1).flatMap((b) => b.transactions.map((tx) => tx.serialize()));
        const count = Number(chainHead(chain).number - verified);
        rewindTo(chain, verified);
        for (const number of [...blocks.keys()]) if (number > verified) forget(number);
        mempool.forget?.(raws);
        await mempool.sync({ fromState: true });
        forgetL1Reads();
        log(`preconf: ${count} preconfirmed block(s) above the node's head discarded with their ${raws.length} transaction(s)`);
        return count;
      }),
    unverified: () => [...blocks.values()].filter((b) => b.number > verifiedHead()).sort((a, b) => (a.number < b.number ? -1 : 1)),
    byNumber: (number) => blocks.get(number),
    byHash: (hash) => {
      const number = byHash.get(hash.toLowerCase());
      return number === undefined ? undefined : blocks.get(number);
    },
    byTransaction: (hash) => {
      const number = byTx.get(hash.toLowerCase());
      return number === undefined ? undefined : blocks.get(number);
    },
    equivocations: () => [...others],
    handOver: () =>
      [...blocks.values()]
        .filter((b) => b.number > verifiedHead())
        .sort((a, b) => (a.number < b.number ? -1 : 1))
        .map((b) => ({
          signed: b.signed,
          transactions: b.fitted.block.transactions.map((tx) => tx.serialize()),
          coinbase: b.fitted.block.header.coinbase.toString(),
          anchor: b.fitted.anchor,
          delivery: b.fitted.delivery,
        })),
    adopt: (handed, from) =>
      exclusive(async () => {
        await reconcileLocked();
        let adopted = 0;
        for (const given of handed) {
          const head = chainHead(chain);
          if (given.signed.commitment.number <= head.number) continue; // on this chain already (L1 has it)
          verifyCommitment(domain, given.signed, from);
          if (given.signed.commitment.parentHash !== bytesToHex(head.hash())) {
            throw new PreconfError("A handed-over block does not extend this chain", { number: given.signed.commitment.number, parentHash: given.signed.commitment.parentHash, head: bytesToHex(head.hash()) });
          }
          const built = await buildOn(chain, given.anchor, given.coinbase, given.transactions, given.delivery);
          const hash = bytesToHex(built.header.hash());
          if (hash !== given.signed.commitment.blockHash || built.skipped.length > 0) {
            throw new PreconfError("A handed-over block re-executes to another block than the one signed", { number: built.header.number, signed: given.signed.commitment.blockHash, got: hash });
          }
          appendBlock(chain, { header: built.header, transactions: built.transactions, receipts: built.receipts });
          const layout = chooseLayout(built.input, options.dataAvailability);
          const fitted: FittedBlock = { block: built, anchor: given.anchor, delivery: given.delivery, deferred: [], blobs: layout.blobs, witnessInBlobs: layout.witnessInBlobs, l1GasBound: advanceGasLimit(built.input) };
          const hashes = built.transactions.map((tx) => bytesToHex(tx.hash()));
          mempool.remove(hashes);
          const block: PreconfirmedBlock = { number: built.header.number, hash, signed: given.signed, transactions: hashes, signedAt: Date.now(), fitted };
          blocks.set(block.number, block);
          byHash.set(hash, block.number);
          for (const h of hashes) byTx.set(h, block.number);
          for (const listener of listeners) listener(block);
          adopted++;
        }
        if (adopted > 0) log(`preconf: took over ${adopted} preconfirmed block(s) of ${from}, up to L2 block ${chainHead(chain).number}`);
        return adopted;
      }),
    onPreconfirmed(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /**
   * The node's head must be on the preconfer's chain; when it is not (another proposer's block,
   * an L1 reorg), the chain follows the node: preconfirmed blocks above the common block are
   * dropped, their transactions pending again.
   */
  async function reconcileLocked(check: { anchors: boolean } = { anchors: true }): Promise<number> {
    const node = options.node();
    const head = nodeHead();
    if (head === undefined) return 0;
    const ours = chain.headers[Number(head.number)];
    if (ours !== undefined && bytesToHex(ours.hash()) === head.hash) return check.anchors ? dropUnanchored(head.number) : 0;
    forgetL1Reads(); // L1 changed under the preconfer: read it again before the next block
    const followed = await followBlocksKeepingTransactions(chain, node, mempool, { handBack: options.handBackDropped?.() ?? true });
    let dropped = 0;
    for (const number of [...blocks.keys()]) {
      const kept = chain.headers[Number(number)];
      if (kept === undefined || bytesToHex(kept.hash()) !== blocks.get(number)!.hash) {
        forget(number);
        dropped++;
      }
    }
    if (dropped > 0) {
      log(`preconf: the node's chain contradicts ${dropped} preconfirmed block(s) (another proposer, or an L1 reorg): dropped, ${followed.handedBack} transaction(s) pending again; now on L2 block ${chainHead(chain).number}`);
    }
    return dropped;
  }

  /** Whether the operator may advance in the next L1 block's slot: its own, or open (no operator). */
  async function slotAllows(): Promise<boolean> {
    const registry = new Contract(options.registry, ["function operatorAt(uint256) view returns (address)"], options.provider);
    const next = BigInt((await options.provider.send("eth_blockNumber", [])) as string) + 1n;
    const operator = String(await registry.getFunction("operatorAt")(next));
    return operator === ZERO_ADDRESS || operator === (await options.operator.getAddress());
  }

  /**
   * Preconfirmed blocks above `verified` whose anchor L1 block an L1 reorg took out can never be
   * advanced (EXECUTE's prevRandao and anchor are that block's): dropped from the lowest such
   * one up, their transactions pending again. Returns how many.
   */
  async function dropUnanchored(verified: bigint): Promise<number> {
    const pending = [...blocks.values()].filter((b) => b.number > verified && b.number <= chainHead(chain).number).sort((a, b) => (a.number < b.number ? -1 : 1));
    let from: PreconfirmedBlock | undefined;
    const canonical = new Map<bigint, string | undefined>();
    for (const block of pending) {
      const { number, hash } = block.fitted.anchor;
      if (!canonical.has(number)) canonical.set(number, ((await options.provider.send("eth_getBlockByNumber", [`0x${number.toString(16)}`, false])) as { hash: string } | null)?.hash);
      if (canonical.get(number) !== hash) {
        from = block;
        break;
      }
    }
    if (from === undefined) return 0;
    forgetL1Reads(); // its anchor is gone: the next block reads L1 again
    const raws = chain.blocks.slice(Number(from.number)).flatMap((b) => b.transactions.map((tx) => tx.serialize()));
    const dropped = Number(chainHead(chain).number - from.number + 1n);
    rewindTo(chain, from.number - 1n);
    for (const number of [...blocks.keys()]) if (number >= from.number) forget(number);
    let back = 0;
    if (options.handBackDropped?.() === false) mempool.forget?.(raws);
    else {
      await mempool.sync({ fromState: true });
      for (const raw of raws) if (await mempool.add(raw).then(() => true, () => false)) back++;
    }
    log(`preconf: an L1 reorg took out the anchor of preconfirmed block ${from.number}: ${dropped} block(s) dropped, ${back} transaction(s) pending again`);
    return dropped;
  }

  /**
   * Misbehave "diverge": another block than the one signed, on the same parent — the signed
   * block's transactions but its last (a preconfirmed transaction L1 never sees). Built on a
   * copy of the chain's prefix: the served chain is left as it is.
   */
  async function divergent(block: PreconfirmedBlock): Promise<FittedBlock> {
    const n = Number(block.number);
    const prefix: L2Chain = { genesis: chain.genesis, db: chain.db, headers: chain.headers.slice(0, n), blocks: chain.blocks.slice(0, n), transactionIndex: new Map(chain.transactionIndex) };
    const other = await buildOn(prefix, block.fitted.anchor, options.coinbase, block.fitted.block.transactions.slice(0, -1), block.fitted.delivery);
    return { ...block.fitted, block: other, blobs: undefined, witnessInBlobs: false };
  }
}

/** A preconfirmation the node cannot serve or give (unknown block, no preconfer). */
export class PreconfError extends UltrasoundError {
  override name = "PreconfError";
}
