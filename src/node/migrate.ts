/**
 * A single rollup's store (`startNode`'s layout: its tables unprefixed) moved into the
 * many-rollup layout (`openMultiStore`: the rollup's tables key-prefixed by its chain id, the
 * node's own L1 checkpoint and L1 blocks beside them, a registry entry), in one LMDB
 * transaction: a kill at any instant leaves the old layout or the new one, never a mix. The
 * chain is kept as derived (no block is derived again); the content-addressed trie is shared as
 * it is. The first step of one store layout for one rollup or many (issue 20).
 */
import { readMeta, writeMeta, MULTI_LAYOUT_KEY, STORE_SCHEMA_VERSION, type BinaryTable, type MultiStore, type NodeTables } from "./store.js";
import { writeEntry, type MultiIdentity } from "./registry.js";
import { l1Checkpoint, writeL1Checkpoint } from "./stages/follow-l1.js";
import type { NodeIdentity } from "./types.js";

/** What a migration moved. */
export interface Migration {
  chainId: bigint;
  rollup: string;
  /** Records moved (every table's but the trie's, and the meta keys). */
  records: number;
  /** The L1 block the node had followed to: the many-rollup node's checkpoint now. */
  followed: { number: bigint; hash: string };
}

/** The tables a rollup has of its own (the trie is shared, the meta moves key by key). @internal */
export const OWN_TABLES = ["l1Blocks", "advances", "payloads", "deliveries", "blocks", "receipts", "hashes", "txs", "logs", "pending", "dropped"] as const satisfies readonly Exclude<keyof NodeTables, "trie" | "meta">[];

/** The single rollup's identity, if `store.single` holds one (read before a migration: its chain id, address and L1). */
export function singleIdentity(store: MultiStore): NodeIdentity | undefined {
  return store.single === undefined ? undefined : readMeta<NodeIdentity>(store.single, "identity");
}

/**
 * Moves the single rollup's chain of `store.single` into `store`'s layout and marks the dir as a
 * many-rollup one. `queued`: the rollup's L1→L2 queue length at the followed L1 block (its
 * `messageCount()` there), which a single node does not keep.
 */
export function migrateSingleLayout(store: MultiStore, queued: bigint): Migration {
  const single = store.single;
  const identity = singleIdentity(store);
  if (single === undefined || identity === undefined) throw new Error("migrateSingleLayout: the store holds no single rollup's chain");
  const chainId = BigInt(identity.l2ChainId);
  const rollup = store.rollup(chainId);
  const followed = l1Checkpoint({ store: single });
  let records = 0;
  store.transaction(() => {
    // Everything read before anything is written: an unprefixed key and a prefixed one of chain
    // id 0 (the node's) begin with the same bytes, so the old keys go first.
    const tables = OWN_TABLES.map((field) => ({ field, rows: [...single[field].getRange({})] }));
    const meta = [...single.meta.getRange({})].filter(({ key }) => key !== MULTI_LAYOUT_KEY);
    for (const { field, rows } of tables) for (const { key } of rows) single[field].removeSync(key);
    for (const { key } of meta) single.meta.removeSync(key);
    for (const { field, rows } of tables) {
      const to: BinaryTable = rollup[field];
      for (const { key, value } of rows) to.putSync(key, value);
      records += rows.length;
    }
    for (const { key, value } of meta) rollup.meta.putSync(key, value);
    records += meta.length;
    // The node's own records: its L1 checkpoint and the L1 blocks it relied on (its reorg walk's).
    const l1Blocks = tables.find((t) => t.field === "l1Blocks")!.rows;
    for (const { key, value } of l1Blocks) store.node.l1Blocks.putSync(key, value);
    const nodeIdentity: MultiIdentity = { schema: STORE_SCHEMA_VERSION, l1ChainId: identity.l1ChainId, l1GenesisHash: identity.l1GenesisHash, factory: null };
    writeMeta(store.node, "identity", nodeIdentity);
    writeL1Checkpoint({ store: store.node }, followed.number, followed.hash);
    writeEntry(store.registry, { chainId, address: identity.rollup, deploymentBlock: BigInt(identity.deploymentBlock), source: "explicit", queued });
    single.meta.putSync(MULTI_LAYOUT_KEY, Buffer.from("multi"));
  });
  return { chainId, rollup: identity.rollup, records, followed };
}
