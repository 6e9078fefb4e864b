/**
 * When may a proposer drop a user's transaction? Only for a fault of its own, and only once that
 * fault is proven: the transaction built alone on the current head — after its sender's earlier
 * pending transactions and the block's L1→L2 delivery, which it may depend on — is still left
 * out by the builder (or makes the build throw while the same block without it builds). A block
 * L1 refused or reverted, a lost race, a reorg, a timeout: none of these prove anything about a
 * transaction, and the proposer retries them (src/proposer/proposer.ts).
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex } from "@ethereumjs/util";
import type { L2Chain } from "../engine/state.js";
import { getL2Account } from "../engine/query.js";
import type { NextDelivery } from "../bridge/queue.js";
import { oneLine } from "./mempool.js";
import { buildOn, type L1Anchor } from "./propose.js";

/** What a transaction is built alone with: the head's chain, and the L1 context of the block it was in. */
export interface AloneContext {
  chain: L2Chain;
  coinbase: string;
  anchor: L1Anchor;
  delivery: NextDelivery;
}

/**
 * Builds `tx` alone on the chain's head, after `predecessors` (its sender's earlier pending
 * transactions, in nonce order). Returns the reason it cannot apply — the builder's own words —
 * or undefined when it applies (then it is not at fault, whatever failed around it).
 */
export async function faultAlone(context: AloneContext, tx: TypedTransaction, predecessors: TypedTransaction[] = []): Promise<string | undefined> {
  const { chain, anchor, coinbase, delivery } = context;
  const hash = bytesToHex(tx.hash());
  // A nonce above what its sender and its predecessors reach waits behind a gap (a transaction a
  // reorg or a kill has not handed back yet): that proves nothing about it.
  const { nonce } = await getL2Account(chain, tx.getSenderAddress().toString());
  if (tx.nonce > BigInt(nonce) + BigInt(predecessors.length)) return undefined;
  let built;
  try {
    built = await buildOn(chain, anchor, coinbase, [...predecessors, tx], delivery);
  } catch (error) {
    // The build threw: the transaction's fault only if the same block without it builds.
    const without = await buildOn(chain, anchor, coinbase, predecessors, delivery).then(
      () => true,
      () => false,
    );
    return without ? `it makes the block's build fail: ${oneLine((error as Error).message)}` : undefined;
  }
  // A predecessor left out makes this one fail on its nonce: that proves nothing about it.
  if (built.skipped.some((skip) => skip.hash !== hash)) return undefined;
  const own = built.skipped.find((skip) => skip.hash === hash);
  return own === undefined ? undefined : oneLine(own.reason);
}

/** `tx`'s sender's transactions in `pending` that come before it (lower nonces), in order. */
export function predecessorsOf(tx: TypedTransaction, pending: TypedTransaction[]): TypedTransaction[] {
  const sender = tx.getSenderAddress().toString();
  return pending.filter((other) => other.nonce < tx.nonce && other.getSenderAddress().toString() === sender).sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
}
