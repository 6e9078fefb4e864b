import { RLP } from "@ethereumjs/rlp";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { bytesToUnprefixedHex } from "@ethereumjs/util";
import { keccak256 } from "./crypto.js";
import { StateNodeMissingError, WitnessDecodeError, WitnessMissingNodeError } from "./errors.js";
import { decodeByteLists } from "./rlp.js";

/**
 * Everything a stateless verifier reads, all of it content-addressed:
 * - `nodes`: pre-state trie nodes (account trie and storage tries) the block reads or rewrites,
 * - `codes`: the bytecode of every contract the block runs,
 * - `headers`: RLP ancestor headers, the parent first (BLOCKHASH and the base fee need them).
 *
 * Nothing in a witness is trusted: the verifier files each item under its own keccak hash, so an
 * altered item is simply absent under the hash the trie asks for.
 */
export interface Witness {
  nodes: Uint8Array[];
  codes: Uint8Array[];
  headers: Uint8Array[];
}

/** Encodes a witness as `RLP([nodes, codes, headers])` (the layout in docs/execute.md). */
export function encodeWitness(witness: Witness): Uint8Array {
  return RLP.encode([witness.nodes, witness.codes, witness.headers]);
}

/**
 * Decodes `RLP([nodes, codes, headers])`; rejects anything else with a `WitnessDecodeError`.
 * Linear in the input whatever it holds (see `decodeByteLists`); the items are views into it.
 */
export function decodeWitness(bytes: Uint8Array): Witness {
  let lists: Uint8Array[][];
  try {
    lists = decodeByteLists(bytes, 3, "witness [nodes, codes, headers]");
  } catch (error) {
    throw new WitnessDecodeError((error as Error).message);
  }
  return { nodes: lists[0]!, codes: lists[1]!, headers: lists[2]! };
}

/**
 * The root of the empty trie has no node: ethereumjs looks it up and expects its own
 * 'Missing node in DB' error, which it reads as "empty". That one miss is legitimate.
 */
const EMPTY_TRIE_ROOT = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

function emptyTrieMiss(): Error {
  return new Error("Missing node in DB");
}

/** The key prefix ethereumjs's MerkleStateManager puts before a code hash in the trie database. */
const CODE_KEY_PREFIX = "63"; // utf8 "c"

/**
 * The trie database of a stateless verifier: filled from a witness, keyed by the hash of each
 * item, and *throwing* on a miss. ethereumjs reads a missing node as "no such account" and a
 * missing code as empty code; throwing an error whose message is not its 'Missing node in DB'
 * makes every such read fail the execution instead (PITFALLS: the soundness hole).
 */
export class WitnessDB implements DB<string, Uint8Array> {
  private readonly entries: Map<string, Uint8Array>;

  constructor(witness: Pick<Witness, "nodes" | "codes">, entries?: Map<string, Uint8Array>) {
    this.entries = entries ?? new Map();
    if (entries !== undefined) return;
    // The engine's keccak (hash-wasm, as the trie's): the one hash of each item a verifier does.
    for (const node of witness.nodes) this.entries.set(bytesToUnprefixedHex(keccak256(node)), node);
    for (const code of witness.codes) {
      this.entries.set(CODE_KEY_PREFIX + bytesToUnprefixedHex(keccak256(code)), code);
    }
  }

  /** Whether the witness carries the node with this (unprefixed hex) hash. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  async get(key: string): Promise<Uint8Array> {
    const value = this.entries.get(key);
    if (value === undefined) throw key === EMPTY_TRIE_ROOT ? emptyTrieMiss() : new WitnessMissingNodeError(key);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value);
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === "put") this.entries.set(op.key, op.value);
      else this.entries.delete(op.key);
    }
  }

  shallowCopy(): DB<string, Uint8Array> {
    return new WitnessDB({ nodes: [], codes: [] }, this.entries);
  }

  async open(): Promise<void> {}
}

/**
 * Wraps the builder's state database and records every pre-state item the execution reads:
 * those reads are exactly the witness. Items written during this block are not recorded when
 * read back (the verifier recreates them). A miss is a corrupt local state and throws.
 */
export class RecordingDB implements DB<string, Uint8Array> {
  private readonly reads = new Map<string, Uint8Array>();
  // Key → value of every put: the block's new trie nodes and codes (what a co-located node adopts).
  private readonly written = new Map<string, Uint8Array>();

  constructor(private readonly inner: DB<string, Uint8Array>) {}

  async get(key: string): Promise<Uint8Array> {
    const value = await this.inner.get(key);
    if (value === undefined) throw key === EMPTY_TRIE_ROOT ? emptyTrieMiss() : new StateNodeMissingError(key);
    if (!this.written.has(key)) this.reads.set(key, value);
    return value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.written.set(key, value);
    await this.inner.put(key, value);
  }

  async del(key: string): Promise<void> {
    await this.inner.del(key);
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.written.set(op.key, op.value);
    await this.inner.batch(ops);
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }

  async open(): Promise<void> {}

  /**
   * Everything the execution wrote (trie nodes and codes, keyed as in the state database): every
   * node of the post-state that the pre-state lacks is among them, since a trie writes each node
   * on a changed path again.
   */
  writes(): ReadonlyMap<string, Uint8Array> {
    return this.written;
  }

  /** The recorded pre-state items, split into trie nodes and contract codes. */
  recorded(): Pick<Witness, "nodes" | "codes"> {
    const nodes: Uint8Array[] = [];
    const codes: Uint8Array[] = [];
    for (const [key, value] of this.reads) {
      // A code key is "63" + 64 hex chars; a node key is 64 hex chars.
      if (key.length === 66 && key.startsWith(CODE_KEY_PREFIX)) codes.push(value);
      else nodes.push(value);
    }
    return { nodes, codes };
  }
}
