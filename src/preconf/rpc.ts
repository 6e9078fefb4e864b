/**
 * The node's preconfirmation methods, named after Taiko's preconfirmation API where one fits
 * (its preconf server's `GET /status` → `preconf_getStatus`), and the `preconfirmed` status of
 * `ultrasound_getTransactionStatus`.
 *
 * - `preconf_getStatus` → the operator, the domain, the tip, the verified head, how many
 *   preconfirmed blocks wait for L1 (Taiko: `highestUnsafeL2PayloadBlockID`), the lookahead.
 * - `preconf_tip` → the highest preconfirmed block and its signed commitment (null when none).
 * - `preconf_getCommitment(block number | hash)` → that block's signed commitment, or null.
 * - `preconf_getCommitments(from?, count?)` → the commitments the operator gave out at heights
 *   `from` … `from + count − 1` (up to the tip), in order, then an equivocating operator's second
 *   ones there (what a slasher watches). Without `from`: the last {@link COMMITMENTS_WINDOW}
 *   heights; `count` defaults to the window without `from` and to {@link MAX_COMMITMENTS} with
 *   it, and may not exceed {@link MAX_COMMITMENTS} (a reader pages forward with `from`).
 */
import type { Contract } from "ethers";
import type { Mempool } from "../proposer/mempool.js";
import { RpcError, toQuantity, type ChainView, type Handler } from "../rpc/index.js";
import type { SignedCommitment } from "./commitment.js";
import type { Preconfer, PreconfirmedBlock } from "./preconfer.js";

/** Heights `preconf_getCommitments` answers without `from`: the tip's last 64 (16 s of 250 ms blocks). */
export const COMMITMENTS_WINDOW = 64n;
/** Most heights one `preconf_getCommitments` call walks (the preconfer keeps 1,024 verified ones anyway). */
export const MAX_COMMITMENTS = 1_024n;

/** A signed commitment as JSON-RPC answers it (quantities in hex). */
export function commitmentJson(signed: SignedCommitment) {
  const c = signed.commitment;
  return {
    commitment: { rollup: c.rollup, chainId: toQuantity(c.chainId), number: toQuantity(c.number), blockHash: c.blockHash, stateRoot: c.stateRoot, anchor: c.anchor, parentHash: c.parentHash },
    signature: signed.signature,
  };
}

/** The JSON form read back into a {@link SignedCommitment} (the slasher's side). */
export function commitmentFromJson(json: ReturnType<typeof commitmentJson>): SignedCommitment {
  const c = json.commitment;
  return { commitment: { ...c, chainId: BigInt(c.chainId), number: BigInt(c.number) }, signature: json.signature };
}

/** Options of {@link preconfMethods}. */
export interface PreconfMethodsOptions {
  preconfer: Preconfer;
  /** The preconfirming view (`preconfChainView`). */
  view: ChainView;
  /** The operator's address. */
  operator: string;
  /** The registry (for the lookahead in `preconf_getStatus`). */
  registry: Contract;
  /** The pool the preconfer takes from: a receipt asked for a transaction pending there is held for the next preconfirmation. */
  mempool?: Pick<Mempool, "status">;
  /** The longest a receipt is held, in ms (default 1,000: a few preconfirmation intervals). */
  receiptHoldMs?: number;
}

/** `preconf_*` and the preconfirmed `ultrasound_getTransactionStatus` (it wraps the one it replaces). */
export function preconfMethods(options: PreconfMethodsOptions): Map<string, Handler> {
  const { preconfer, view } = options;
  const blockJson = (block: PreconfirmedBlock) => ({
    number: toQuantity(block.number),
    hash: block.hash,
    verified: block.number <= view.heads().safe,
    ...(block.advanced === undefined ? {} : { advanced: { l1Transaction: block.advanced.l1Transaction, l1Block: toQuantity(block.advanced.l1Block) } }),
    ...commitmentJson(block.signed),
  });
  const find = (param: unknown): PreconfirmedBlock | undefined => {
    if (typeof param === "string" && /^0x[0-9a-fA-F]{64}$/.test(param)) return preconfer.byHash(param);
    if (typeof param === "string" && /^0x[0-9a-fA-F]{1,16}$/.test(param)) return preconfer.byNumber(BigInt(param));
    throw new RpcError(-32602, `invalid argument 0: a block number (0x quantity) or a 32-byte block hash, not ${JSON.stringify(param)}`);
  };
  return new Map<string, Handler>([
    [
      "preconf_getStatus",
      async () => {
        const heads = view.heads();
        const unverified = preconfer.unverified();
        const slot = (await options.registry.getFunction("currentSlot")().catch(() => undefined)) as bigint | undefined;
        const operatorAt = async (s: bigint) => String(await options.registry.getFunction("operatorAt")(s).catch(() => "0x"));
        return {
          operator: options.operator,
          domain: { name: preconfer.domain.name, version: preconfer.domain.version, chainId: toQuantity(BigInt(preconfer.domain.chainId!)), verifyingContract: preconfer.domain.verifyingContract },
          tip: { number: toQuantity(heads.latest), hash: view.block(heads.latest)?.hash ?? null },
          verified: toQuantity(heads.safe),
          // Taiko's highestUnsafeL2PayloadBlockID: the highest block served but not yet on L1.
          highestPreconfirmed: unverified.length === 0 ? null : toQuantity(unverified[unverified.length - 1]!.number),
          unverified: unverified.length,
          lookahead: slot === undefined ? null : { slot: toQuantity(slot), current: await operatorAt(slot), next: await operatorAt(slot + 1n) },
        };
      },
    ],
    [
      "preconf_tip",
      async () => {
        const latest = preconfer.byNumber(view.heads().latest);
        return latest === undefined ? null : blockJson(latest);
      },
    ],
    [
      "preconf_getCommitment",
      async ([param]) => {
        const block = find(param);
        return block === undefined ? null : blockJson(block);
      },
    ],
    [
      "preconf_getCommitments",
      async ([from, count]) => {
        const quantity = (value: unknown, index: number) => {
          if (typeof value !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(value)) throw new RpcError(-32602, `invalid argument ${index}: a ${index === 0 ? "block number" : "count"} (0x quantity), not ${JSON.stringify(value)}`);
          return BigInt(value);
        };
        const latest = view.heads().latest;
        // Without `from`, a window below the tip: a call used to walk every height from block 0.
        const start = from === undefined || from === null ? (latest >= COMMITMENTS_WINDOW ? latest - COMMITMENTS_WINDOW + 1n : 0n) : quantity(from, 0);
        const wanted = count === undefined || count === null ? (from === undefined || from === null ? COMMITMENTS_WINDOW : MAX_COMMITMENTS) : quantity(count, 1);
        if (wanted > MAX_COMMITMENTS) throw new RpcError(-32602, `invalid argument 1: at most ${MAX_COMMITMENTS} commitments per call, not ${wanted} (page with from)`);
        const end = start + wanted - 1n < latest ? start + wanted - 1n : latest;
        const out: ReturnType<typeof commitmentJson>[] = [];
        for (let n = start; n <= end; n++) {
          const block = preconfer.byNumber(n);
          if (block !== undefined) out.push(commitmentJson(block.signed));
        }
        for (const other of preconfer.equivocations()) if (other.commitment.number >= start && other.commitment.number <= end) out.push(commitmentJson(other));
        return out;
      },
    ],
    [
      // Held, not polled: an ethers v6 `tx.wait()` that asks before the preconfirmation and then
      // starts its block poller after it takes the new head as its baseline and waits for a block
      // that an idle chain never makes (it hung that way about one time in three). Answering when
      // the block is signed closes that window and saves the client a poll.
      "eth_getTransactionReceipt",
      async (params, context) => {
        const first = await context.base!(params);
        const hash = typeof params[0] === "string" ? params[0].toLowerCase() : undefined;
        if (first !== null || hash === undefined || options.mempool?.status(hash).status !== "pending") return first;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, options.receiptHoldMs ?? 1_000);
          const unsubscribe = preconfer.onPreconfirmed((block) => block.transactions.includes(hash) && done());
          function done() {
            clearTimeout(timer);
            unsubscribe();
            resolve();
          }
        });
        return context.base!(params);
      },
    ],
    [
      "ultrasound_getTransactionStatus",
      async (params, context) => {
        const base = ((await context.base?.(params)) ?? { status: "unknown" }) as Record<string, unknown>;
        const block = typeof params[0] === "string" ? preconfer.byTransaction(params[0]) : undefined;
        if (block === undefined || base.status !== "included") return base;
        // Served but not on L1 yet: "preconfirmed", with the promise; once verified: "included", the promise kept beside it.
        const preconfirmed = commitmentJson(block.signed);
        return block.number > view.heads().safe ? { ...base, status: "preconfirmed", preconfirmed } : { ...base, preconfirmed };
      },
    ],
  ]);
}
