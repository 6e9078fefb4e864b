/**
 * The trie database a block executes on (`BlockWriteDB`): its writes held in memory until the
 * block re-executed to what L1 recorded, then committed in the block's own store transaction; a
 * trie node the stored state refers to and the store lacks is an error (`missingTrieNodeError`).
 */
import path from "node:path";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { StoreCorruptError } from "./errors.js";
import type { BinaryTable } from "./table.js";

/** keccak256(RLP("")), the root of an empty trie, as a trie database key. */
const EMPTY_TRIE_ROOT_KEY = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
/** Keys a stored state refers to: a node's hash, or a code's (`c` ‖ hash). */
const STORED_KEY = /^(63)?[0-9a-f]{64}$/;

/**
 * The error for a trie node or code a stored state refers to and the store lacks: the store is
 * damaged (a node is never deleted), and the read must fail rather than find an empty account.
 */
export function missingTrieNodeError(dir: string): (key: string) => StoreCorruptError {
  return (key) => new StoreCorruptError(path.join(dir, "data.mdb"), "a state trie node the state refers to is missing", { table: "trie", key: `0x${key}` });
}

/**
 * The trie database one block executes on: reads go to the pending writes, then to the store;
 * writes are held in memory until the block has re-executed to what L1 recorded, then go to disk
 * in the block's own transaction ({@link commitTrieWrites}), or nowhere on a mismatch.
 */
export class BlockWriteDB implements DB<string, Uint8Array> {
  readonly pending = new Map<string, Uint8Array>();

  /**
   * Without a table, a fresh state (the genesis) is built in memory. `below`: writes of earlier
   * blocks not yet committed, read before the table. `missing`: the error for a trie node or code
   * a stored state refers to and the table lacks (see {@link missingTrieNodeError}); without it
   * such a read is undefined, which ethereumjs's trie takes for an empty account or slot.
   */
  constructor(
    private readonly trie?: BinaryTable,
    private readonly below?: Map<string, Uint8Array>,
    private readonly missing?: (key: string) => Error,
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const value = this.pending.get(key) ?? this.below?.get(key) ?? this.trie?.getBinary(Buffer.from(key, "hex"));
    // The empty trie's root is never stored: ethereumjs asks for it and expects nothing.
    if (value === undefined && this.missing !== undefined && key !== EMPTY_TRIE_ROOT_KEY && STORED_KEY.test(key)) throw this.missing(key);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.pending.set(key, value);
  }

  /** Nodes are content-addressed and shared by every later state: never deleted. */
  async del(_key: string): Promise<void> {}

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.pending.set(op.key, op.value);
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  async open(): Promise<void> {}
}

/** Writes a block's trie nodes (inside the block's transaction). */
export function commitTrieWrites(store: { trie: BinaryTable }, db: BlockWriteDB): void {
  for (const [key, value] of db.pending) store.trie.putSync(Buffer.from(key, "hex"), value);
}
