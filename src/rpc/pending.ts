/**
 * The `pending` block: what the proposer would build next, built here on demand — the head's
 * child, with the mempool's pending transactions applied — so `eth_call`, `eth_estimateGas` and
 * the state reads at `pending` see a new block, as geth, Hardhat/EDR and anvil serve it.
 *
 * Why it matters: contracts that write on a new block or a new timestamp (Uniswap V2's price
 * oracle: two SSTOREs in `_update` when `blockTimestamp` changes) use more gas in the next block
 * than in the head's context; an estimate made in the head's context is too low for them.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { DB } from "@ethereumjs/util";
import { bytesToHex } from "@ethereumjs/util";
import { applyBlockBody, sealHeader, type BlockEnv } from "../engine/apply.js";
import { createEngineVM } from "../engine/vm.js";
import { createL2Common } from "../engine/chain.js";
import { WitnessMissingHeaderError } from "../engine/errors.js";
import { OverlayDB } from "../engine/query.js";
import { TRANSACTION_GAS_CAP, type Mempool } from "../proposer/mempool.js";
import type { ChainBlock, ChainView } from "./view.js";

/**
 * The block a call runs in: its header is the EVM's block context (NUMBER, TIMESTAMP, BASEFEE,
 * COINBASE, GASLIMIT, PREVRANDAO) and its `stateRoot` the state the call starts from.
 */
export interface CallBlock {
  header: BlockHeader;
  /** A fresh throwaway layer over the database that holds `header.stateRoot`. */
  db(): DB<string, Uint8Array>;
  /** An ancestor's header for BLOCKHASH (numbers below `header.number`), or undefined. */
  ancestor(number: bigint): BlockHeader | undefined;
}

/** The pending block: a {@link CallBlock} with the transactions it took from the mempool. */
export interface PendingBlock extends CallBlock {
  transactions: TypedTransaction[];
  /** The head it builds on. */
  parentHash: string;
}

/** A canonical block of `view` as a {@link CallBlock} (its own header and post-state). */
export function canonicalCallBlock(view: ChainView, number: bigint): CallBlock {
  const header = view.header(number)!;
  return { header, db: () => view.stateDb(), ancestor: (n) => (n < number ? view.header(n) : undefined) };
}

/**
 * How long a built pending block serves before it is built again although neither the head nor
 * the pending transactions changed: its timestamp is "now", which moves (geth keeps its pending
 * block 2 s too).
 */
const PENDING_TTL_MS = 2_000;

/** Pending blocks of one chain, built on demand, one build at a time, reused while still current. */
export interface PendingBlocks {
  get(): Promise<PendingBlock>;
}

/**
 * Pending blocks for `view`, taking transactions from `mempool` (none without one). The context
 * mirrors the proposer (src/proposer/propose.ts `buildOn`): number head + 1, the parent's gas
 * limit, the next base fee, and the head's coinbase, prevRandao and anchor (the proposer's next
 * L1 anchor is not known before it proposes). The timestamp is max(now, head + 1): the proposer
 * stamps a block with its L1 anchor's time (never below the parent's), which is close to now,
 * and a time past the head's is the conservative guess for contracts that do more work when
 * time has moved. The transactions are the mempool's pending ones in block order, up to 2^24
 * gas of gas limits (what one `advance` carries, EIP-7825), those that do not apply left out as
 * the builder leaves them out. Builds share one in-flight promise, so a burst of requests costs
 * one build.
 */
export function createPendingBlocks(view: ChainView, mempool: Mempool | undefined): PendingBlocks {
  let cached: { key: string; at: number; block: PendingBlock } | undefined;
  let building: Promise<PendingBlock> | undefined;
  const select = (): TypedTransaction[] => {
    const out: TypedTransaction[] = [];
    let gas = 0n;
    for (const tx of mempool?.pending() ?? []) {
      if (gas + tx.gasLimit > TRANSACTION_GAS_CAP) break;
      gas += tx.gasLimit;
      out.push(tx);
    }
    return out;
  };
  return {
    async get() {
      if (building !== undefined) return building;
      const head = view.header(view.heads().latest)!;
      const transactions = select();
      const key = bytesToHex(head.hash()) + transactions.map((tx) => bytesToHex(tx.hash()).slice(2)).join("");
      if (cached !== undefined && cached.key === key && performance.now() - cached.at < PENDING_TTL_MS) return cached.block;
      building = buildPending(view, head, transactions)
        .then((block) => {
          cached = { key, at: performance.now(), block };
          return block;
        })
        .finally(() => (building = undefined));
      return building;
    },
  };
}

async function buildPending(view: ChainView, head: BlockHeader, transactions: TypedTransaction[]): Promise<PendingBlock> {
  const common = createL2Common(view.chainId);
  // One layer holds the pending state; each call on it gets a layer of its own over this one.
  const layer = view.stateDb();
  const vm = await createEngineVM({
    common,
    db: layer,
    stateRoot: head.stateRoot,
    ancestors: (n) => {
      const header = n <= head.number ? view.header(n) : undefined;
      if (header === undefined) throw new WitnessMissingHeaderError({ number: n });
      return header;
    },
    nestingDepth: view.nestingDepth,
  });
  const now = BigInt(Math.floor(Date.now() / 1000));
  const env: BlockEnv = {
    number: head.number + 1n,
    parentHash: head.hash(),
    timestamp: now > head.timestamp ? now : head.timestamp + 1n,
    coinbase: head.coinbase.bytes,
    gasLimit: head.gasLimit,
    baseFeePerGas: head.calcNextBaseFee(),
    prevRandao: head.mixHash,
    anchor: head.parentBeaconBlockRoot ?? new Uint8Array(32),
  };
  const result = await applyBlockBody(vm, env, transactions, "build");
  const header = sealHeader(common, env, result);
  return {
    header,
    transactions: result.included,
    parentHash: bytesToHex(head.hash()),
    db: () => new OverlayDB(layer),
    ancestor: (n) => (n <= head.number ? view.header(n) : undefined),
  };
}

/**
 * `eth_getBlockByNumber("pending")`'s block, as geth shows it: the fields the proposer has not
 * fixed yet — hash, nonce, miner — are null.
 */
export function pendingChainBlock(block: PendingBlock): ChainBlock {
  return { number: block.header.number, hash: bytesToHex(block.header.hash()), header: block.header, transactions: () => block.transactions };
}
