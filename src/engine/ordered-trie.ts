import { RLP } from "@ethereumjs/rlp";
import { KECCAK256_RLP } from "@ethereumjs/util";
import { hexPrefix, toNibbles } from "./nibbles.js";
import type { Slicer } from "./slice.js";

type NestedBytes = Uint8Array | NestedBytes[];

/**
 * The root of the Merkle-Patricia trie holding `entries` (keys → values, keys distinct), as
 * `MerklePatriciaTrie` computes it, in one pass: each node is built and hashed once. For the
 * transactions and receipts tries of a block (keys `RLP(index)`): `MerklePatriciaTrie.put` walks
 * and re-hashes the path from the root for every entry, 90–150 ms for 1,000 receipts; this takes
 * a few ms (issue 9).
 *
 * Nodes as in the Yellow Paper, appendix D: a leaf `[hexPrefix(rest, leaf), value]`, an
 * extension `[hexPrefix(shared), child]`, a branch `[child × 16, value]`; a child whose encoding
 * is under 32 bytes is embedded, any other is referenced by its keccak; the root is always hashed.
 */
export function orderedTrieRoot(entries: [key: Uint8Array, value: Uint8Array][], keccak256: (data: Uint8Array) => Uint8Array): Uint8Array {
  if (entries.length === 0) return KECCAK256_RLP;
  const keys = entries.map(([key]) => toNibbles(key));
  const values = entries.map(([, value]) => value);
  const encoded = encodeNode(keys, values, entries.map((_, i) => i), 0, keccak256);
  return keccak256(encoded);
}

/** The RLP encoding of the node holding entries `items` (indexes), whose keys agree before `depth`. */
function encodeNode(keys: number[][], values: Uint8Array[], items: number[], depth: number, keccak256: (data: Uint8Array) => Uint8Array): Uint8Array {
  if (items.length === 1) {
    const only = items[0]!;
    return RLP.encode([hexPrefix(keys[only]!.slice(depth), true), values[only]!]);
  }
  // The nibbles every key shares from `depth` on (none of them ending inside the shared part).
  let shared = 0;
  const first = keys[items[0]!]!;
  for (;;) {
    const at = depth + shared;
    if (items.some((i) => keys[i]!.length <= at || keys[i]![at] !== first[at])) break;
    shared++;
  }
  if (shared > 0) {
    const branch = encodeNode(keys, values, items, depth + shared, keccak256);
    return RLP.encode([hexPrefix(first.slice(depth, depth + shared), false), reference(branch, keccak256)]);
  }
  const groups: number[][] = Array.from({ length: 16 }, () => []);
  let value: Uint8Array = new Uint8Array(0);
  for (const i of items) {
    if (keys[i]!.length === depth) value = values[i]!; // a key that ends here: the branch's own value
    else groups[keys[i]![depth]!]!.push(i);
  }
  const children: NestedBytes[] = groups.map((group) =>
    group.length === 0 ? new Uint8Array(0) : reference(encodeNode(keys, values, group, depth + 1, keccak256), keccak256),
  );
  return RLP.encode([...children, value]);
}

/** How a parent refers to a child node: embedded when its encoding is under 32 bytes, else by hash. */
function reference(encoded: Uint8Array, keccak256: (data: Uint8Array) => Uint8Array): NestedBytes {
  return encoded.length < 32 ? (RLP.decode(encoded) as NestedBytes) : keccak256(encoded);
}

/**
 * {@link orderedTrieRoot}, giving the thread back through `slice` between subtrees of more than
 * {@link SLICED_SUBTREE} entries (the roots of a 1,000-transaction block held the thread
 * 15–25 ms on a loaded machine). The same root.
 */
export async function orderedTrieRootSliced(
  entries: [key: Uint8Array, value: Uint8Array][],
  keccak256: (data: Uint8Array) => Uint8Array,
  slice: Slicer,
): Promise<Uint8Array> {
  if (entries.length === 0) return KECCAK256_RLP;
  const keys = entries.map(([key]) => toNibbles(key));
  const values = entries.map(([, value]) => value);
  const encoded = await encodeNodeSliced(keys, values, entries.map((_, i) => i), 0, keccak256, slice);
  return keccak256(encoded);
}

/** Subtrees this small are encoded in one go. */
const SLICED_SUBTREE = 64;

/** {@link encodeNode}, yielding through `slice` before each subtree above {@link SLICED_SUBTREE} entries. */
async function encodeNodeSliced(keys: number[][], values: Uint8Array[], items: number[], depth: number, keccak256: (data: Uint8Array) => Uint8Array, slice: Slicer): Promise<Uint8Array> {
  if (items.length <= SLICED_SUBTREE) return encodeNode(keys, values, items, depth, keccak256);
  await slice();
  let shared = 0;
  const first = keys[items[0]!]!;
  for (;;) {
    const at = depth + shared;
    if (items.some((i) => keys[i]!.length <= at || keys[i]![at] !== first[at])) break;
    shared++;
  }
  if (shared > 0) {
    const branch = await encodeNodeSliced(keys, values, items, depth + shared, keccak256, slice);
    return RLP.encode([hexPrefix(first.slice(depth, depth + shared), false), reference(branch, keccak256)]);
  }
  const groups: number[][] = Array.from({ length: 16 }, () => []);
  let value: Uint8Array = new Uint8Array(0);
  for (const i of items) {
    if (keys[i]!.length === depth) value = values[i]!;
    else groups[keys[i]![depth]!]!.push(i);
  }
  const children: NestedBytes[] = [];
  for (const group of groups) {
    children.push(group.length === 0 ? new Uint8Array(0) : reference(await encodeNodeSliced(keys, values, group, depth + 1, keccak256, slice), keccak256));
  }
  return RLP.encode([...children, value]);
}
