/**
 * Search by what a user pastes: a number (an L1 block, the L2 block of that number on every
 * rollup, a rollup's chain id), an address (its page on L1 and every rollup), or a 32-byte hash
 * (an L1 block or transaction, an L2 block or transaction of any rollup, a message).
 */
import type { ExplorerContext, RpcObject } from "./context.js";
import { findMessages } from "./messages.js";
import { quantity } from "./rpc.js";

/** One hit: what it is and the front end's route to it. */
export interface SearchHit {
  kind: string;
  label: string;
  route: string;
}

/** What `q` can be, found; empty when nothing matches (the page says so). */
export async function search(ctx: ExplorerContext, q: string): Promise<SearchHit[]> {
  const text = q.trim();
  const rollups = ctx.rollups().slice(0, 32);
  if (/^\d{1,15}$/.test(text)) {
    const n = BigInt(text);
    const hits: SearchHit[] = [];
    const byChain = ctx.rollups().find((r) => r.chainId === n);
    if (byChain !== undefined) hits.push({ kind: "rollup", label: `rollup ${n} (${byChain.address})`, route: `#/rollup/${n}` });
    const l1 = await ctx.l1.call<RpcObject | null>("eth_getBlockByNumber", [quantity(n), false]);
    if (l1 !== null) hits.push({ kind: "l1-block", label: `L1 block ${n}`, route: `#/l1/block/${n}` });
    const l2 = await Promise.all(rollups.map(async (r) => ((await r.l2.call<RpcObject | null>("eth_getBlockByNumber", [quantity(n), false]).catch(() => null)) === null ? undefined : r)));
    for (const r of l2) if (r !== undefined) hits.push({ kind: "l2-block", label: `L2 block ${n} of rollup ${r.chainId}`, route: `#/l2/${r.chainId}/block/${n}` });
    return hits;
  }
  if (/^0x[0-9a-fA-F]{40}$/.test(text)) return [{ kind: "address", label: `address ${text}`, route: `#/address/${text.toLowerCase()}` }];
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) return [];
  const hash = text.toLowerCase();
  const hits: SearchHit[] = [];
  const [l1Block, l1Tx] = await Promise.all([ctx.l1.call<RpcObject | null>("eth_getBlockByHash", [hash, false]), ctx.l1.call<RpcObject | null>("eth_getTransactionByHash", [hash])]);
  if (l1Block !== null) hits.push({ kind: "l1-block", label: `L1 block ${BigInt(l1Block.number)}`, route: `#/l1/block/${hash}` });
  if (l1Tx !== null) hits.push({ kind: "l1-tx", label: `L1 transaction in block ${l1Tx.blockNumber === null ? "(pending)" : BigInt(l1Tx.blockNumber)}`, route: `#/l1/tx/${hash}` });
  const onL2 = await Promise.all(
    rollups.map(async (r) => {
      const [block, tx] = await Promise.all([r.l2.call<RpcObject | null>("eth_getBlockByHash", [hash, false]).catch(() => null), r.l2.call<RpcObject | null>("eth_getTransactionByHash", [hash]).catch(() => null)]);
      const found: SearchHit[] = [];
      if (block !== null) found.push({ kind: "l2-block", label: `L2 block ${BigInt(block.number)} of rollup ${r.chainId}`, route: `#/l2/${r.chainId}/block/${hash}` });
      if (tx !== null) found.push({ kind: "l2-tx", label: `L2 transaction of rollup ${r.chainId}`, route: `#/l2/${r.chainId}/tx/${hash}` });
      return found;
    }),
  );
  hits.push(...onL2.flat());
  const messages = await findMessages(ctx, hash).catch(() => []);
  if (messages.length > 0) hits.push({ kind: "message", label: `message (${messages.map((m) => `${m.direction} ${m.status}`).join(", ")})`, route: `#/message/${hash}` });
  return hits;
}
