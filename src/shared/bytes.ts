import { bytesToHex, hexToBytes } from "@ethereumjs/util";

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`;

/** Bytes to 0x-hex (lowercase). */
export const toHex = (bytes: Uint8Array): Hex => bytesToHex(bytes) as Hex;

/** 0x-hex to bytes; throws on odd length or non-hex characters. */
export const fromHex = (hex: string): Uint8Array => hexToBytes(hex as Hex);

/** Byte-wise equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
