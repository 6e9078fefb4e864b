import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import type { Contract, JsonRpcApiProvider, TransactionReceipt } from "ethers";
import { buildBlock, type BuiltBlock } from "../engine/build.js";
import { appendBlock, chainHead, type L2Chain } from "../engine/state.js";
import { executeGas } from "../precompile/gas.js";
import { encodeExecuteInput } from "../precompile/codec.js";
import { UltrasoundError } from "../shared/errors.js";
import { parseBlockAdvanced, type BlockAdvancedEvent } from "../sdk/contracts.js";

/** EIP-7825 (osaka): no L1 transaction may ask for more gas than this. */
export const L1_TRANSACTION_GAS_CAP = 16_777_216n;

/** The block and its witness are too large for one L1 transaction. */
export class BlockTooLargeForL1Error extends UltrasoundError {
  override name = "BlockTooLargeForL1Error";
}

/** Another proposer advanced the rollup first (or the head moved): rebuild on the new head. */
export class LostRaceError extends UltrasoundError {
  override name = "LostRaceError";
}

/** A proposed, L1-verified L2 block. */
export interface ProposedBlock {
  block: BuiltBlock;
  l1Receipt: TransactionReceipt;
  event: BlockAdvancedEvent;
}

/**
 * An upper bound on the L1 gas of `advance` for a block: intrinsic gas with calldata at the
 * EIP-7623 floor price (40 per byte), EXECUTE's formula, the 1/64 kept back by the call, the
 * memory of the two copies of the input (the contract's and the shim's), storage and the event.
 */
export function advanceGasLimit(block: BuiltBlock): bigint {
  const inputLength = encodeExecuteInput(block.input).length;
  const calldataLength = BigInt(block.input.transactions.length + block.input.witness.length + 512);
  const words = BigInt(Math.ceil(inputLength / 32));
  const memory = 2n * (3n * words + (words * words) / 512n);
  const execute = (executeGas(inputLength, block.input.gasUsed) * 64n) / 63n;
  return 21_000n + 40n * calldataLength + execute + memory + 150_000n;
}

/**
 * Builds the next L2 block from `transactions`, publishes it with `advance` (calldata data
 * availability) and, once L1 has verified it, appends it to `chain`.
 *
 * The block is anchored to the latest L1 block (its hash is the L2 anchor and prevRandao) and
 * timestamped with that block's time, so everything EXECUTE will see is known while building.
 * Throws `LostRaceError` when another proposer advanced first.
 */
export async function proposeBlock(options: {
  chain: L2Chain;
  rollup: Contract;
  provider: JsonRpcApiProvider;
  transactions: TypedTransaction[];
  coinbase: string;
  /** The most gas one L1 transaction may use (default: EIP-7825's 2^24; raise it on a pre-Osaka L1). */
  l1GasCap?: bigint;
}): Promise<ProposedBlock> {
  const { chain, rollup, provider } = options;
  // Read with a raw call: ethers caches block reads (PITFALLS).
  const l1Head = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { number: string; hash: string; timestamp: string };
  const parent = chainHead(chain);
  const l1Time = BigInt(l1Head.timestamp);
  const timestamp = l1Time > parent.timestamp ? l1Time : parent.timestamp;
  const anchor = hexToBytes(l1Head.hash as `0x${string}`);
  const block = await buildBlock(chain, {
    transactions: options.transactions,
    timestamp,
    coinbase: hexToBytes(options.coinbase as `0x${string}`),
    prevRandao: anchor,
    anchor,
  });
  const gasLimit = advanceGasLimit(block);
  const cap = options.l1GasCap ?? L1_TRANSACTION_GAS_CAP;
  if (gasLimit > cap) {
    throw new BlockTooLargeForL1Error("advance() would exceed the L1 transaction gas cap (EIP-7825)", {
      gasLimit,
      cap,
      transactions: block.transactions.length,
      witnessBytes: block.input.witness.length,
    });
  }
  const claim = {
    parentHash: bytesToHex(block.header.parentHash),
    blockHash: bytesToHex(block.header.hash()),
    stateRoot: bytesToHex(block.header.stateRoot),
    receiptsRoot: bytesToHex(block.header.receiptTrie),
    gasUsed: block.header.gasUsed,
    coinbase: options.coinbase,
    timestamp: block.header.timestamp,
    anchorBlockNumber: BigInt(l1Head.number),
  };
  let l1Receipt: TransactionReceipt | null;
  try {
    const tx = await rollup.getFunction("advance")(claim, block.input.transactions, block.input.witness, { gasLimit });
    l1Receipt = await tx.wait();
  } catch (error) {
    const data = (error as { data?: string }).data;
    const decoded = data ? rollup.interface.parseError(data) : null;
    if (decoded?.name === "NativeRollup_ParentMismatch") {
      throw new LostRaceError("Another block was verified on this parent first", {
        head: decoded.args[0],
        claimed: decoded.args[1],
      });
    }
    throw error;
  }
  const event = parseBlockAdvanced(l1Receipt!.logs)[0]!;
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return { block, l1Receipt: l1Receipt!, event };
}
