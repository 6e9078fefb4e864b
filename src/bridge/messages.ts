/**
 * The bridge's messages, hashed and encoded exactly as the contracts do (docs/bridge.md):
 * L1→L2 messages and their rolling hash, the anchor that commits to the queue, the delivery
 * the engine hands to `L2Messenger`, and L2→L1 (or rollup→rollup) messages with the storage
 * slot that records them. Tests check each function against the Solidity it mirrors.
 */
import { AbiCoder, keccak256, type BytesLike } from "ethers";

/** A message in a rollup's L1→L2 queue (`INativeRollup.L1Message`). */
export interface L1Message {
  /** Position in the rollup's queue, from 0. */
  index: bigint;
  /** Who sent it: the L1 account, or the L2 account on the source rollup for a forwarded message. */
  sender: string;
  /** `0x0…0` for a message sent on L1; the source rollup's L1 contract for a forwarded one. */
  sourceRollup: string;
  to: string;
  /** Wei credited to `to` on L2. */
  value: bigint;
  /** Wei paid to the coinbase of the L2 block that delivers it. */
  fee: bigint;
  /** Gas given to the call to `to` (0: value only, with the 2,300 stipend). */
  gasLimit: bigint;
  data: string;
}

/** A message sent from L2 (`L2Messenger.L2Message`): to L1 (`destination` zero) or to another rollup. */
export interface L2Message {
  /** The messenger's count of sent messages when it was sent, from 0. */
  nonce: bigint;
  sender: string;
  /** `0x0…0`: L1; otherwise the L1 contract of the destination rollup. */
  destination: string;
  to: string;
  value: bigint;
  /** For a rollup destination: the fee of the forwarded L1 message. */
  fee: bigint;
  /** For a rollup destination: the gas of the forwarded L1 message. */
  gasLimit: bigint;
  data: string;
}

/** The ABI tuple of {@link L1Message}, field for field. */
export const L1_MESSAGE_TUPLE = "tuple(uint256 index, address sender, address sourceRollup, address to, uint256 value, uint256 fee, uint64 gasLimit, bytes data)";
/** The ABI tuple of {@link L2Message}, field for field. */
export const L2_MESSAGE_TUPLE = "tuple(uint256 nonce, address sender, address destination, address to, uint256 value, uint256 fee, uint64 gasLimit, bytes data)";

/** The storage slot of `L2Messenger.sentMessages` (a test reads it from the compiled layout). */
export const SENT_MESSAGES_SLOT = 2n;

const abi = AbiCoder.defaultAbiCoder();
const ZERO_HASH = "0x" + "00".repeat(32);

/** `keccak256(abi.encode(message))`: the message's identity in the queue and on L2. */
export function hashL1Message(message: L1Message): string {
  return keccak256(abi.encode([L1_MESSAGE_TUPLE], [message]));
}

/** `keccak256(abi.encode(message))`: the key of `sentMessages` and of `claimed` on L1. */
export function hashL2Message(message: L2Message): string {
  return keccak256(abi.encode([L2_MESSAGE_TUPLE], [message]));
}

/** The queue's rolling hash after one more message: `keccak256(abi.encode(previous, messageHash))`. */
export function nextRollingHash(previous: string, messageHash: string): string {
  return keccak256(abi.encode(["bytes32", "bytes32"], [previous, messageHash]));
}

/** The rolling hash after `messages`, starting from `start` (the empty queue's is zero). */
export function rollingHashOf(messages: readonly L1Message[], start: string = ZERO_HASH): string {
  return messages.reduce((rolling, message) => nextRollingHash(rolling, hashL1Message(message)), start);
}

/**
 * The L1 anchor of an L2 block (the `bytes32` of EIP-8079's system call): it commits to the L1
 * block the L2 block is anchored to and to how far the block delivers the queue.
 */
export function anchorCommitment(l1BlockHash: string, messageCount: bigint, rollingHash: string): string {
  return keccak256(abi.encode(["bytes32", "uint256", "bytes32"], [l1BlockHash, messageCount, rollingHash]));
}

/** What one L2 block delivers: the anchor's preimage and the messages it adds. */
export interface Delivery {
  l1BlockHash: string;
  /** The queue length delivered once the block is applied. */
  count: bigint;
  /** The queue's rolling hash at `count`. */
  rollingHash: string;
  /** The messages from the parent's count up to `count`. */
  messages: L1Message[];
}

/** EXECUTE's `messages` field: the ABI arguments of `L2Messenger.deliverMessages`. */
export function encodeDelivery(delivery: Delivery): string {
  return abi.encode(
    ["bytes32", "uint256", "bytes32", `${L1_MESSAGE_TUPLE}[]`],
    [delivery.l1BlockHash, delivery.count, delivery.rollingHash, delivery.messages],
  );
}

/** The inverse of {@link encodeDelivery} (throws on bytes that are not one). */
export function decodeDelivery(bytes: BytesLike): Delivery {
  const [l1BlockHash, count, rollingHash, messages] = abi.decode(["bytes32", "uint256", "bytes32", `${L1_MESSAGE_TUPLE}[]`], bytes);
  return {
    l1BlockHash,
    count,
    rollingHash,
    messages: (messages as unknown as L1Message[]).map((m) => ({
      index: m.index, sender: m.sender, sourceRollup: m.sourceRollup, to: m.to,
      value: m.value, fee: m.fee, gasLimit: m.gasLimit, data: m.data,
    })),
  };
}

/** The storage key of `sentMessages[hash]` in `L2Messenger` (what `claim` proves is 1). */
export function sentMessageSlot(messageHash: string): string {
  return keccak256(abi.encode(["bytes32", "uint256"], [messageHash, SENT_MESSAGES_SLOT]));
}
