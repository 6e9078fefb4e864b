/**
 * Building ahead (issue 17 item 4, "proposer pipeline"): while block N's advance is proven,
 * sent and mined, and N was full (a backlog), the proposer builds block N+1 on its chain with N applied — a view of the
 * chain, never the chain itself: N is appended only once L1 verified it (publishBlock). The
 * block built ahead is sent next round only if it still extends the proposer's head (N landed
 * as built, no node follow or reorg moved the head) and every transaction of it is still in the
 * pool (none dropped or replaced meanwhile). Anything else discards it: nothing was taken out of
 * the pool for it, so nothing is lost, and the round rebuilds from the head as it would have.
 */
import { bytesToHex } from "@ethereumjs/util";
import type { BuiltBlock } from "../engine/build.js";
import { chainHead, type L2Chain } from "../engine/state.js";
import { bytesEqual } from "../shared/bytes.js";
import { buildFittingBlock, type FittedBlock, type ProposeOptions } from "./fit.js";
import type { Mempool } from "./mempool.js";

/** A block built ahead on a block still on its way to L1. */
export interface BuiltAhead {
  fitted: FittedBlock;
  /** The hash of the block it was built on (its parent), 0x-hex. */
  parent: string;
}

/**
 * The chain with `block` appended, sharing `chain`'s state database (content-addressed: the
 * build's writes are harmless if the block never lands) and its transaction index (which no
 * build reads); `chain` itself is not changed.
 */
export function chainWith(chain: L2Chain, block: BuiltBlock): L2Chain {
  return {
    genesis: chain.genesis,
    db: chain.db,
    headers: [...chain.headers, block.header],
    blocks: [...chain.blocks, { header: block.header, transactions: block.transactions, receipts: block.receipts }],
    transactionIndex: chain.transactionIndex,
  };
}

/**
 * Builds the block after `fitted` (not yet on L1) from the pool's pending transactions minus
 * its, at most `limit` of them — only when `fitted` was full (it left candidates for later: a
 * backlog, which the next block is sure to carry). Short of that, what arrives while it is mined
 * outnumbers what a block built now would carry, and the build is wasted (measured: the adoption
 * bench, where admission bounds the rate). Undefined — never a rejection — when there is nothing
 * worth sending ahead: no backlog, no transaction left, the build threw, or it left a transaction
 * out (the round's own build then decides about it, proving fault alone on the real head).
 */
export async function buildAhead(
  options: ProposeOptions & { mempool: Mempool },
  fitted: FittedBlock,
  limit: number | undefined,
): Promise<BuiltAhead | undefined> {
  if (fitted.deferred.length === 0) return undefined;
  const landing = fitted.block;
  const taken = new Set(landing.transactions.map((tx) => bytesToHex(tx.hash())));
  const rest = options.mempool.pending().filter((tx) => !taken.has(bytesToHex(tx.hash())));
  const candidates = limit === undefined ? rest : rest.slice(0, limit);
  if (candidates.length === 0) return undefined;
  try {
    const fitted = await buildFittingBlock({ ...options, chain: chainWith(options.chain, landing), transactions: candidates });
    if (fitted.block.skipped.length > 0 || fitted.block.transactions.length === 0) return undefined;
    return { fitted, parent: bytesToHex(landing.header.hash()) };
  } catch {
    return undefined;
  }
}

/**
 * Why the block built ahead should not be sent now (undefined: it should): it is not the child
 * of the chain's head, or a transaction of it left the pool (included elsewhere, dropped,
 * replaced), or it had room left and the pool now holds more pending transactions it lacks than
 * it carries (they arrived while its parent was mined): a block built now carries them a block
 * earlier, which is worth its build time; a full block built ahead is sent whatever arrived.
 */
export function staleAhead(ahead: BuiltAhead, chain: L2Chain, mempool: Mempool, pending: number = mempool.pending().length): string | undefined {
  const head = chainHead(chain);
  if (!bytesEqual(ahead.fitted.block.header.parentHash, head.hash()) || bytesToHex(head.hash()) !== ahead.parent) {
    return `it was built on ${ahead.parent}, the head is ${bytesToHex(head.hash())}`;
  }
  for (const tx of ahead.fitted.block.transactions) {
    const hash = bytesToHex(tx.hash());
    const status = mempool.status(hash).status;
    if (status !== "pending" && status !== "queued") return `its transaction ${hash} is ${status}`;
  }
  const carried = ahead.fitted.block.transactions.length;
  const arrived = pending - carried;
  if (ahead.fitted.deferred.length === 0 && arrived > carried) return `${arrived} transaction(s) arrived meanwhile, more than its ${carried}: a block built now carries them`;
  return undefined;
}
