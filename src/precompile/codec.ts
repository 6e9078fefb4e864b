import { AbiCoder, getBytes, hexlify } from "ethers";
import { ExecutionRejectedError } from "../engine/errors.js";
import type { ExecuteInput } from "../engine/types.js";
import { bytesEqual } from "../shared/bytes.js";

/** Where EXECUTE lives: the ethrex proof of concept's address (EIP-8079 leaves it TBD; 0x100 is P256VERIFY). */
export const EXECUTE_ADDRESS = "0x0000000000000000000000000000000000000101";

/** The static header of the input: 13 words, inline at the start of the encoding. */
const HEADER_TYPE =
  "tuple(uint64 chainId, uint64 number, bytes32 parentHash, bytes32 blockHash, bytes32 preStateRoot, " +
  "bytes32 postStateRoot, bytes32 receiptsRoot, uint64 gasLimit, uint64 gasUsed, address coinbase, " +
  "uint64 timestamp, bytes32 prevRandao, bytes32 anchor)";

/** `abi.encode(ExecuteHeader header, bytes transactions, bytes32[] blobVersionedHashes, bytes witness)`. */
const INPUT_TYPES = [HEADER_TYPE, "bytes", "bytes32[]", "bytes"] as const;

/** Byte offset of `gasUsed` in the input (word 8): the gas formula reads it there. */
export const GAS_USED_OFFSET = 8 * 32;

const abi = AbiCoder.defaultAbiCoder();

/** The input does not follow the documented layout. */
export class ExecuteInputDecodeError extends ExecutionRejectedError {
  override name = "ExecuteInputDecodeError";
  constructor(reason: string, length: number) {
    super("EXECUTE input does not decode", { reason, length });
  }
}

/** Encodes an EXECUTE input (the layout of docs/execute.md, identical to Solidity's `abi.encode`). */
export function encodeExecuteInput(input: ExecuteInput): Uint8Array {
  const header = {
    chainId: input.chainId,
    number: input.number,
    parentHash: hexlify(input.parentHash),
    blockHash: hexlify(input.blockHash),
    preStateRoot: hexlify(input.preStateRoot),
    postStateRoot: hexlify(input.postStateRoot),
    receiptsRoot: hexlify(input.receiptsRoot),
    gasLimit: input.gasLimit,
    gasUsed: input.gasUsed,
    coinbase: hexlify(input.coinbase),
    timestamp: input.timestamp,
    prevRandao: hexlify(input.prevRandao),
    anchor: hexlify(input.anchor),
  };
  return getBytes(
    abi.encode(INPUT_TYPES, [
      header,
      hexlify(input.transactions),
      input.blobVersionedHashes.map((h) => hexlify(h)),
      hexlify(input.witness),
    ]),
  );
}

/**
 * Decodes an EXECUTE input. Only the canonical encoding is accepted (the one `abi.encode`
 * produces): dirty high bits, odd offsets or trailing bytes are rejected, so one block has
 * exactly one input.
 */
export function decodeExecuteInput(bytes: Uint8Array): ExecuteInput {
  let input: ExecuteInput;
  try {
    // ethers defers some decoding errors (a dirty address word) to the first read of the value:
    // every read happens inside this try.
    const [h, transactions, blobVersionedHashes, witness] = abi.decode(INPUT_TYPES, bytes);
    input = {
      chainId: h.chainId,
      number: h.number,
      parentHash: getBytes(h.parentHash),
      blockHash: getBytes(h.blockHash),
      preStateRoot: getBytes(h.preStateRoot),
      postStateRoot: getBytes(h.postStateRoot),
      receiptsRoot: getBytes(h.receiptsRoot),
      gasLimit: h.gasLimit,
      gasUsed: h.gasUsed,
      coinbase: getBytes(h.coinbase),
      timestamp: h.timestamp,
      prevRandao: getBytes(h.prevRandao),
      anchor: getBytes(h.anchor),
      transactions: getBytes(transactions),
      blobVersionedHashes: (blobVersionedHashes as string[]).map((x) => getBytes(x)),
      witness: getBytes(witness),
    };
  } catch (error) {
    throw new ExecuteInputDecodeError((error as Error).message.split("(")[0]!.trim(), bytes.length);
  }
  if (!bytesEqual(encodeExecuteInput(input), bytes)) {
    throw new ExecuteInputDecodeError("non-canonical ABI encoding", bytes.length);
  }
  return input;
}

/** EXECUTE's output on success: `abi.encode(bytes32 blockHash)`. */
export function encodeExecuteOutput(blockHash: Uint8Array): Uint8Array {
  return getBytes(abi.encode(["bytes32"], [hexlify(blockHash)]));
}
