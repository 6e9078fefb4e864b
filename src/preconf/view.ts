/**
 * The chain a preconfirming node serves: the node's verified blocks, and above them the
 * operator's preconfirmed ones (its chain's blocks past the node's head). `latest` is the
 * preconfirmed tip, `safe` stays the node's head (verified on L1 by EXECUTE), `finalized` the
 * node's. Everything Ethereum's JSON-RPC reads — blocks, receipts, logs, state, `newHeads` —
 * then sees a preconfirmed block like any other block, so ethers' `tx.wait()` and viem's
 * `waitForTransactionReceipt` return on the preconfirmation, unchanged.
 */
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { bytesToHex } from "@ethereumjs/util";
import { chainHead, type L2Chain } from "../engine/state.js";
import { chainViewOf, OverlayDB, type ChainView } from "../rpc/index.js";

/**
 * `base` (the node's view) with `chain`'s blocks above its head, when `chain` extends it (the
 * block at the node's head has the node's hash); else `base` alone (the preconfer has not
 * followed the node yet: nothing contradicting L1 is served).
 */
export function preconfChainView(base: ChainView, chain: L2Chain): ChainView {
  const own = chainViewOf(chain);
  /** The highest preconfirmed block served, or the node's head when there is none to serve. */
  const tip = (): { verified: bigint; tip: bigint } => {
    const verified = base.heads().latest;
    const head = chainHead(chain).number;
    if (head <= verified) return { verified, tip: verified };
    const ours = chain.headers[Number(verified)];
    const theirs = base.header(verified);
    const extends_ = ours !== undefined && theirs !== undefined && bytesToHex(ours.hash()) === bytesToHex(theirs.hash());
    return { verified, tip: extends_ ? head : verified };
  };
  const above = (number: bigint) => {
    const { verified, tip: top } = tip();
    return number > verified && number <= top;
  };
  return {
    chainId: base.chainId,
    heads: () => {
      const heads = base.heads();
      return { latest: tip().tip, safe: heads.latest, finalized: heads.finalized };
    },
    header: (number) => (above(number) ? own.header(number) : base.header(number)),
    numberOfHash: (hash) => {
      const found = base.numberOfHash(hash);
      if (found !== undefined) return found;
      const ours = own.numberOfHash(hash);
      return ours !== undefined && above(ours) ? ours : undefined;
    },
    block: (number) => (above(number) ? own.block(number) : base.block(number)),
    receipts: (number) => (above(number) ? own.receipts(number) : base.receipts(number)),
    transaction: (hash) => {
      const found = base.transaction(hash);
      if (found !== undefined) return found;
      const ours = own.transaction(hash);
      return ours !== undefined && above(ours.blockNumber) ? ours : undefined;
    },
    logs: (query) => {
      const { verified, tip: top } = tip();
      const low = query.toBlock > verified ? { ...query, toBlock: verified } : query;
      const out = query.fromBlock <= verified ? base.logs(low) : [];
      if (query.toBlock > verified && top > verified) {
        const from = query.fromBlock > verified ? query.fromBlock : verified + 1n;
        const to = query.toBlock < top ? query.toBlock : top;
        if (from <= to) out.push(...own.logs({ ...query, fromBlock: from, toBlock: to }));
      }
      return out;
    },
    // The preconfirmed blocks' trie nodes are in the chain's database, the rest in the node's.
    stateDb: () => new OverlayDB(new UnionDB(chain.db, base.stateDb())),
    ...(base.syncing === undefined ? {} : { syncing: () => base.syncing!() }),
  };
}

/** Reads `first`, then `second` (both content-addressed trie stores); writes are refused (an OverlayDB takes them). */
class UnionDB implements DB<string, Uint8Array> {
  constructor(
    private readonly first: DB<string, Uint8Array>,
    private readonly second: DB<string, Uint8Array>,
  ) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.first.get(key)) ?? this.second.get(key);
  }
  async put(): Promise<void> {
    throw new Error("UnionDB is read-only");
  }
  async del(): Promise<void> {
    throw new Error("UnionDB is read-only");
  }
  async batch(_ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    throw new Error("UnionDB is read-only");
  }
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }
  open(): Promise<void> {
    return Promise.resolve();
  }
}
