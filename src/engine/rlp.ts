/**
 * Strict, linear-time RLP readers for the shapes EXECUTE takes from untrusted callers.
 *
 * `@ethereumjs/rlp` copies the rest of its input at every level of list nesting, so hostile
 * nesting makes it quadratic (5,000 nested lists in 620 KB took 4.7 s and 3.4 GB). The input
 * fields have fixed, shallow shapes — a list of byte strings, a list of such lists — so they are
 * read here in one pass with views into the input (no copies), and anything deeper is refused
 * before the library ever sees it. Only canonical encodings are accepted, as the library does.
 */

/** Why some bytes are not the RLP shape expected; `position` is the byte offset. */
export class RlpShapeError extends Error {
  override name = "RlpShapeError";
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at byte ${position}`);
  }
}

/** One RLP item's header: whether it is a list, where its payload starts and ends. */
export interface Item {
  list: boolean;
  start: number;
  end: number;
}

/**
 * Reads the header of the item starting at `at` (which must lie inside `bytes[..limit]`): whether
 * it is a list, where its payload starts and ends. Nothing is decoded or copied.
 */
export function readItem(bytes: Uint8Array, at: number, limit: number): Item {
  const prefix = bytes[at];
  if (prefix === undefined || at >= limit) throw new RlpShapeError("unexpected end of input", at);
  if (prefix < 0x80) return { list: false, start: at, end: at + 1 };
  const list = prefix >= 0xc0;
  const short = prefix - (list ? 0xc0 : 0x80);
  let length: number;
  let start: number;
  if (short <= 55) {
    length = short;
    start = at + 1;
    if (!list && length === 1 && (bytes[start] ?? 0x80) < 0x80) {
      throw new RlpShapeError("single byte below 0x80 must not be prefixed", at);
    }
  } else {
    const lengthOfLength = short - 55;
    if (lengthOfLength > 4) throw new RlpShapeError(`length of length ${lengthOfLength} too large`, at);
    if (at + 1 + lengthOfLength > limit) throw new RlpShapeError("unexpected end of input in a length", at);
    if (bytes[at + 1] === 0) throw new RlpShapeError("length has leading zeros", at);
    length = 0;
    for (let i = 0; i < lengthOfLength; i++) length = length * 256 + bytes[at + 1 + i]!;
    if (length < 56) throw new RlpShapeError("long form used for a length below 56", at);
    start = at + 1 + lengthOfLength;
  }
  const end = start + length;
  if (end > limit) throw new RlpShapeError(`item of ${length} bytes runs past the end of its container`, at);
  return { list, start, end };
}

/** The byte strings of the list `bytes[start..end]`; a nested list is an error. */
function byteStrings(bytes: Uint8Array, start: number, end: number, what: string): Uint8Array[] {
  const items: Uint8Array[] = [];
  for (let at = start; at < end; ) {
    const item = readItem(bytes, at, end);
    if (item.list) throw new RlpShapeError(`${what}: item ${items.length} is a list, expected bytes`, at);
    items.push(bytes.subarray(item.start, item.end));
    at = item.end;
  }
  return items;
}

/** The outer list of `bytes`, which must span it exactly. */
function outerList(bytes: Uint8Array, what: string): Item {
  const outer = readItem(bytes, 0, bytes.length);
  if (!outer.list) throw new RlpShapeError(`${what}: expected a list`, 0);
  if (outer.end !== bytes.length) throw new RlpShapeError(`${what}: ${bytes.length - outer.end} bytes after the list`, outer.end);
  return outer;
}

/** Decodes `RLP([bytes, …])`: a list of byte strings, as views into `bytes`. */
export function decodeByteList(bytes: Uint8Array, what = "list"): Uint8Array[] {
  const outer = outerList(bytes, what);
  return byteStrings(bytes, outer.start, outer.end, what);
}

/** Decodes `RLP([[bytes, …], …])` with exactly `count` inner lists of byte strings. */
export function decodeByteLists(bytes: Uint8Array, count: number, what = "list"): Uint8Array[][] {
  const outer = outerList(bytes, what);
  const lists: Uint8Array[][] = [];
  for (let at = outer.start; at < outer.end; ) {
    const item = readItem(bytes, at, outer.end);
    if (!item.list) throw new RlpShapeError(`${what}: item ${lists.length} is not a list`, at);
    lists.push(byteStrings(bytes, item.start, item.end, `${what} item ${lists.length}`));
    at = item.end;
  }
  if (lists.length !== count) throw new RlpShapeError(`${what}: expected ${count} lists, got ${lists.length}`, 0);
  return lists;
}

/**
 * Throws unless `bytes` is one RLP item whose lists nest at most `maxDepth` deep (a byte
 * string has depth 0, a list of byte strings depth 1). Linear, iterative (no recursion to blow).
 */
export function assertRlpDepth(bytes: Uint8Array, maxDepth: number, what = "item"): void {
  // Ends of the lists we are inside, innermost last.
  const ends: number[] = [];
  let at = 0;
  let first = true;
  while (first || ends.length > 0) {
    const limit = ends.length > 0 ? ends[ends.length - 1]! : bytes.length;
    if (at === limit && ends.length > 0) {
      ends.pop();
      continue;
    }
    const item = readItem(bytes, at, limit);
    first = false;
    if (item.list) {
      if (ends.length + 1 > maxDepth) throw new RlpShapeError(`${what}: lists nested deeper than ${maxDepth}`, at);
      ends.push(item.end);
      at = item.start;
    } else {
      at = item.end;
    }
  }
  if (at !== bytes.length) throw new RlpShapeError(`${what}: ${bytes.length - at} bytes after the item`, at);
}
