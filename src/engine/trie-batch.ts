import { BranchMPTNode, ExtensionMPTNode, LeafMPTNode, type MerklePatriciaTrie, type MPTNode } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { equalsBytes, type BatchDBOp } from "@ethereumjs/util";
import { hexPrefix, toNibbles } from "./nibbles.js";
import { NO_SLICES, type Slicer } from "./slice.js";

/** One write of a batch: `value` undefined or empty deletes the key (as `MerklePatriciaTrie.put` does). */
export interface TrieWrite {
  /** The key as given to `MerklePatriciaTrie.put` (the trie applies its key hashing). */
  key: Uint8Array;
  value: Uint8Array | undefined;
}

type NestedBytes = Uint8Array | NestedBytes[];
/** A child as the parent holds it: a 32-byte hash, or a node under 32 bytes embedded raw. */
type Ref = { ref: Uint8Array | NestedBytes[] };
type Child = Ref | Node;
interface Leaf {
  kind: "leaf";
  path: number[];
  value: Uint8Array;
}
interface Extension {
  kind: "extension";
  path: number[];
  child: Child;
}
interface Branch {
  kind: "branch";
  children: (Child | null)[];
  value: Uint8Array | null;
}
type Node = Leaf | Extension | Branch;
interface Update {
  path: number[];
  /** undefined: delete. */
  value: Uint8Array | undefined;
}

const EMPTY = new Uint8Array(0);

/**
 * Applies a batch of writes to `trie` and sets its new root: the same root as `put`/`del` of
 * each write in turn (a trie's root depends only on its contents), but each node on the
 * written paths is read, rebuilt, encoded and hashed once per batch instead of once per write —
 * `put` re-walks and re-hashes the whole path from the root for every key (issue 9: 1,020 slot
 * writes of one storage trie re-hashed its root branch 1,020 times).
 *
 * Nodes are read through `trie.lookupNode` (the trie's database, so a stateless verifier's
 * missing node throws, and a builder's recording database sees every read) and the new ones are
 * written with `trie.database().batch`. `slice` gives the thread back between nodes (a block's
 * state root rebuilds thousands of them: tens of ms). Reads: the nodes on each written path, down to where the
 * key's path leaves the trie, and — when a deletion leaves a branch with a single child — that
 * child, to merge it (as `del` does).
 */
export async function applyTrieWrites(
  trie: MerklePatriciaTrie,
  writes: TrieWrite[],
  keccak256: (data: Uint8Array) => Uint8Array,
  slice: Slicer = NO_SLICES,
): Promise<Uint8Array> {
  if (writes.length === 0) return trie.root();
  const appliedKey = (trie as unknown as { appliedKey(key: Uint8Array): Uint8Array }).appliedKey.bind(trie);
  // The last write of a key wins, as with writes in turn.
  const byKey = new Map<string, Update>();
  for (const write of writes) {
    const path = toNibbles(appliedKey(write.key));
    byKey.set(path.join(","), { path, value: write.value === undefined || write.value.length === 0 ? undefined : write.value });
  }
  const updates = [...byKey.values()];
  const root = trie.root();
  const start = equalsBytes(root, trie.EMPTY_TRIE_ROOT) ? null : fromMPT(await trie.lookupNode(root));
  const updated = await apply(trie, start, updates, slice);
  if (updated === null) {
    trie.root(trie.EMPTY_TRIE_ROOT);
    return trie.EMPTY_TRIE_ROOT;
  }
  const ops: BatchDBOp<Uint8Array, Uint8Array>[] = [];
  const newRoot = (await encode(updated, true, ops, keccak256, slice)) as Uint8Array;
  // Stored under the trie's database keys (its key prefix, if it has one), as `put` stores them.
  const dbKey = (trie as unknown as { _getDbKey(hash: Uint8Array): Uint8Array })._getDbKey.bind(trie);
  await trie.database().batch(ops.map((op) => ({ ...op, key: dbKey(op.key) })) as never);
  trie.root(newRoot);
  return newRoot;
}

/** The subtree `node` with `updates` (paths relative to it) applied; null when it becomes empty. */
async function apply(trie: MerklePatriciaTrie, node: Node | null, updates: Update[], slice: Slicer): Promise<Node | null> {
  if (updates.length === 0) return node;
  await slice();
  if (node === null) return build(inserts(updates));

  if (node.kind === "leaf") {
    // A leaf is one entry: merge it with the updates and build the subtree afresh.
    const entries = new Map<string, Update>([[node.path.join(","), { path: node.path, value: node.value }]]);
    for (const update of updates) entries.set(update.path.join(","), update);
    return build(inserts([...entries.values()]));
  }

  if (node.kind === "extension") {
    const inside: Update[] = [];
    let split = node.path.length;
    for (const update of updates) {
      const shared = sharedLength(node.path, update.path);
      if (shared === node.path.length) inside.push({ path: update.path.slice(shared), value: update.value });
      else if (update.value !== undefined) split = Math.min(split, shared); // deleting a key that is not there does nothing
    }
    if (split < node.path.length) {
      // An inserted key leaves the extension's path at `split`: a branch goes there, holding the
      // rest of the extension under its next nibble; then the updates apply to that shape.
      const rest = node.path.slice(split + 1);
      const children: (Child | null)[] = new Array(16).fill(null);
      children[node.path[split]!] = rest.length > 0 ? { kind: "extension", path: rest, child: node.child } : node.child;
      const branch: Branch = { kind: "branch", children, value: null };
      const reshaped: Node = split > 0 ? { kind: "extension", path: node.path.slice(0, split), child: branch } : branch;
      return apply(trie, reshaped, updates, slice);
    }
    if (inside.length === 0) return node;
    const child = await apply(trie, await resolve(trie, node.child), inside, slice);
    return extendedBy(node.path, child, child === null ? null : child);
  }

  // A branch: the updates ending here set its value, the others go to the child of their nibble.
  const children = node.children.slice();
  let value = node.value;
  const groups: Update[][] = Array.from({ length: 16 }, () => []);
  for (const update of updates) {
    if (update.path.length === 0) value = update.value ?? null;
    else groups[update.path[0]!]!.push({ path: update.path.slice(1), value: update.value });
  }
  for (let nibble = 0; nibble < 16; nibble++) {
    const group = groups[nibble]!;
    if (group.length === 0) continue;
    const current = children[nibble];
    children[nibble] = await apply(trie, current === null || current === undefined ? null : await resolve(trie, current), group, slice);
  }
  return normalizeBranch(trie, children, value);
}

/** A branch after updates, in canonical form: fewer than two entries are not a branch. */
async function normalizeBranch(trie: MerklePatriciaTrie, children: (Child | null)[], value: Uint8Array | null): Promise<Node | null> {
  const present = children.flatMap((child, nibble) => (child === null ? [] : [nibble]));
  if (value !== null && value.length === 0) value = null;
  if (present.length === 0) return value === null ? null : { kind: "leaf", path: [], value };
  if (present.length === 1 && value === null) {
    // The lone child merges into this position (reading it, if it is a reference).
    const nibble = present[0]!;
    const only = children[nibble]!;
    const child = await resolve(trie, only);
    return extendedBy([nibble], child, child.kind === "branch" ? only : child);
  }
  return { kind: "branch", children, value };
}

/**
 * `path` followed by `child` (null: nothing), in canonical form: a path before a leaf or an
 * extension joins theirs; before a branch it is an extension to `asChild` (the branch, or the
 * reference it came by, so an unchanged branch is not re-encoded).
 */
function extendedBy(path: number[], child: Node | null, asChild: Child | null): Node | null {
  if (child === null) return null;
  if (child.kind === "leaf") return { kind: "leaf", path: [...path, ...child.path], value: child.value };
  if (child.kind === "extension") return { kind: "extension", path: [...path, ...child.path], child: child.child };
  return { kind: "extension", path, child: asChild! };
}

interface Entry {
  path: number[];
  value: Uint8Array;
}

/** The updates that leave a value (not deletions). */
function inserts(updates: Update[]): Entry[] {
  return updates.filter((u): u is Entry => u.value !== undefined);
}

/** A fresh subtree holding `entries` (distinct paths, relative to it). */
function build(entries: Entry[]): Node | null {
  if (entries.length === 0) return null;
  if (entries.length === 1) return { kind: "leaf", path: entries[0]!.path, value: entries[0]!.value };
  let shared = 0;
  const first = entries[0]!.path;
  while (entries.every((e) => e.path.length > shared && e.path[shared] === first[shared])) shared++;
  if (shared > 0) {
    const below = build(entries.map((e) => ({ path: e.path.slice(shared), value: e.value })));
    return { kind: "extension", path: first.slice(0, shared), child: below! };
  }
  const groups: Entry[][] = Array.from({ length: 16 }, () => []);
  let value: Uint8Array | null = null;
  for (const entry of entries) {
    if (entry.path.length === 0) value = entry.value;
    else groups[entry.path[0]!]!.push({ path: entry.path.slice(1), value: entry.value });
  }
  return { kind: "branch", children: groups.map((group) => build(group)), value };
}

/** A child as a node: decoded from the trie when it is a reference. */
async function resolve(trie: MerklePatriciaTrie, child: Child): Promise<Node> {
  return "ref" in child ? fromMPT(await trie.lookupNode(child.ref as Uint8Array | Uint8Array[])) : child;
}

function fromMPT(node: MPTNode): Node {
  if (node instanceof LeafMPTNode) return { kind: "leaf", path: node.key().slice(), value: node.value()! };
  if (node instanceof ExtensionMPTNode) return { kind: "extension", path: node.key().slice(), child: { ref: node.value() as Uint8Array | NestedBytes[] } };
  if (node instanceof BranchMPTNode) {
    const children: (Child | null)[] = [];
    for (let nibble = 0; nibble < 16; nibble++) {
      const ref = node.getBranch(nibble) as Uint8Array | NestedBytes[] | null;
      children.push(ref === null || (ref instanceof Uint8Array && ref.length === 0) ? null : { ref });
    }
    const value = node.value();
    return { kind: "branch", children, value: value === null || value.length === 0 ? null : value };
  }
  throw new Error(`unexpected trie node ${(node as object).constructor.name}`);
}

/**
 * Encodes `node` and its new descendants; each encoding of 32 bytes or more (and the root's,
 * whatever its size) is stored under its hash and referenced by it, a shorter one is embedded.
 */
async function encode(
  node: Node,
  root: boolean,
  ops: BatchDBOp<Uint8Array, Uint8Array>[],
  keccak256: (data: Uint8Array) => Uint8Array,
  slice: Slicer,
): Promise<Uint8Array | NestedBytes[]> {
  await slice();
  const refOf = async (child: Child | null): Promise<Uint8Array | NestedBytes[]> =>
    child === null ? EMPTY : "ref" in child ? child.ref : encode(child, false, ops, keccak256, slice);
  let raw: NestedBytes[];
  if (node.kind === "leaf") raw = [hexPrefix(node.path, true), node.value];
  else if (node.kind === "extension") raw = [hexPrefix(node.path, false), await refOf(node.child)];
  else {
    raw = [];
    for (const child of node.children) raw.push(await refOf(child));
    raw.push(node.value ?? EMPTY);
  }
  const encoded = RLP.encode(raw);
  if (encoded.length < 32 && !root) return raw;
  const hash = keccak256(encoded);
  ops.push({ type: "put", key: hash, value: encoded });
  return hash;
}

function sharedLength(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
