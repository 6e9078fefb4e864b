import { ExecutionRejectedError } from "./errors.js";

/**
 * EXECUTE's `messages` field is not the canonical `abi.encode` of `deliverMessages`' arguments.
 * Solidity's decoder accepts trailing bytes, moved offsets, a cut final padding byte: without
 * this check one block had many inputs (issue 15). Exactly one encoding is accepted.
 */
export class MessagesDecodeError extends ExecutionRejectedError {
  override name = "MessagesDecodeError";
  constructor(reason: string, length: number) {
    super("EXECUTE's messages are not the canonical encoding of deliverMessages' arguments", { reason, length });
  }
}

/** Head words of one `L1Message` tuple: index, sender, sourceRollup, to, value, fee, gasLimit, offset of data. */
const MESSAGE_HEAD_WORDS = 8;
/** Bytes of each head word that must be zero: addresses (12), the uint64 gas limit (24). */
const MESSAGE_ZERO_BYTES = [0, 12, 12, 12, 0, 0, 24] as const;

/**
 * Checks that `bytes` is exactly `abi.encode(bytes32 l1BlockHash, uint256 count, bytes32
 * rollingHash, L1Message[] messages)` — every offset where the canonical encoding puts it, every
 * high byte of an address or uint64 and every padding byte zero, no byte after the end — and
 * returns the number of messages. One pass, no copies: linear in the input, which any L1 caller
 * chooses (and pays 8 gas a byte for). Empty bytes (no delivery) are not checked here.
 */
export function checkCanonicalMessages(bytes: Uint8Array): number {
  const fail = (reason: string): never => {
    throw new MessagesDecodeError(reason, bytes.length);
  };
  // A word's value when it fits 6 bytes (every length and offset of a real input does).
  const small = (at: number, what: string): number => {
    if (at + 32 > bytes.length) fail(`input ends inside ${what} (word at byte ${at})`);
    for (let i = at; i < at + 26; i++) if (bytes[i] !== 0) fail(`${what} at byte ${at} is too large`);
    let value = 0;
    for (let i = at + 26; i < at + 32; i++) value = value * 256 + bytes[i]!;
    return value;
  };
  const expectWord = (at: number, expected: number, what: string) => {
    const value = small(at, what);
    if (value !== expected) fail(`${what} is ${value}, expected ${expected}`);
  };
  const zeroes = (from: number, to: number, what: string) => {
    for (let i = from; i < to; i++) if (bytes[i] !== 0) fail(`non-zero byte ${i} in ${what}`);
  };

  if (bytes.length < 5 * 32) fail(`${bytes.length} bytes: shorter than the head and an empty array`);
  expectWord(96, 128, "the offset of the messages array");
  const count = small(128, "the number of messages");
  const arrayAt = 160; // element offsets are relative to here
  if (arrayAt + 32 * count > bytes.length) fail(`${count} messages cannot fit`);
  let elementAt = arrayAt + 32 * count;
  for (let i = 0; i < count; i++) {
    expectWord(arrayAt + 32 * i, elementAt - arrayAt, `the offset of message ${i}`);
    if (elementAt + 32 * (MESSAGE_HEAD_WORDS + 1) > bytes.length) fail(`message ${i} runs past the input`);
    MESSAGE_ZERO_BYTES.forEach((zero, word) => zeroes(elementAt + 32 * word, elementAt + 32 * word + zero, `the high bytes of message ${i}'s field ${word}`));
    expectWord(elementAt + 32 * 7, 32 * MESSAGE_HEAD_WORDS, `the offset of message ${i}'s data`);
    const dataAt = elementAt + 32 * MESSAGE_HEAD_WORDS;
    const length = small(dataAt, `the length of message ${i}'s data`);
    const end = dataAt + 32 + length;
    const padded = dataAt + 32 + Math.ceil(length / 32) * 32;
    if (padded > bytes.length) fail(`message ${i}'s data of ${length} bytes runs past the input`);
    zeroes(end, padded, `the padding of message ${i}'s data`);
    elementAt = padded;
  }
  if (elementAt !== bytes.length) fail(`${bytes.length - elementAt} bytes after the encoding`);
  return count;
}
