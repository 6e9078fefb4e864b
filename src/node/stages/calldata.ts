/**
 * Reading one `bytes` argument out of an advance's calldata in place, without decoding the rest:
 * shared by the derive stage and the shared-blob reader (blob-range.ts).
 */
import { hexToBytes } from "../../shared/bytes.js";

/**
 * A `bytes` argument of `advance(BlockClaim, bytes _transactions, bytes _witness, bytes _messages)`
 * (or `advanceWithBlobs`) calldata (0x-hex), read in place: the static 9-word claim, then the
 * offsets of the dynamic arguments; `offsetWord` is the word holding the wanted one's offset.
 * Only that argument is converted — the witness, most of the input, is skipped (ethers' full
 * decode of it was a third of re-derivation time). Undefined if `selector` does not match or
 * the calldata is malformed; the caller checks the bytes against L1's commitments anyway.
 */
export function advanceArgument(input: string, selector: string, offsetWord: number): Uint8Array | undefined {
  const hex = input.startsWith("0x") ? input.slice(2) : input;
  if (hex.slice(0, 8).toLowerCase() !== selector.toLowerCase()) return undefined;
  const word = (byteOffset: number): bigint | undefined => {
    const at = 8 + byteOffset * 2;
    return at + 64 <= hex.length ? BigInt("0x" + hex.slice(at, at + 64)) : undefined;
  };
  const offset = word(offsetWord * 32);
  if (offset === undefined || offset > BigInt(hex.length)) return undefined;
  const length = word(Number(offset));
  if (length === undefined) return undefined;
  const start = 8 + (Number(offset) + 32) * 2;
  if (length > BigInt(hex.length) || start + Number(length) * 2 > hex.length) return undefined;
  return hexToBytes("0x" + hex.slice(start, start + Number(length) * 2))!;
}
