/**
 * Helpers shared by the contract and precompile tests: build the next L2 block by hand (so a
 * test can choose its anchor and timestamp, or tamper with the claim) and read L1 blocks without
 * ethers' cache. No side effects on import (mocha loads every file under test/).
 */
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import type { Wallet } from "ethers";
import { buildBlock, type BuiltBlock } from "../../src/engine/build.js";
import { appendBlock, chainHead, type L2Chain } from "../../src/engine/state.js";
import { advanceGasLimit } from "../../src/proposer/propose.js";
import { executeFee } from "../../src/sdk/execute-market.js";
import { signL2Transaction, type L2TransactionRequest } from "../../src/sdk/transactions.js";
import { anchorCommitment, encodeDelivery } from "../../src/bridge/messages.js";
import type { NextDelivery } from "../../src/bridge/queue.js";

const ZERO_HASH = "0x" + "00".repeat(32);

/** What the helpers need of a Hardhat connection's `ethers`. */
export interface RawProvider {
  provider: { send(method: string, params: unknown[]): Promise<unknown> };
}

/** An L1 block as the node reports it (read raw: ethers caches block reads, see PITFALLS). */
export interface L1Block {
  number: bigint;
  hash: string;
  timestamp: bigint;
}

/** Reads an L1 block by number or tag, bypassing ethers' cache. */
export async function l1Block(ethers: RawProvider, tag: bigint | "latest" = "latest"): Promise<L1Block> {
  const param = tag === "latest" ? "latest" : "0x" + tag.toString(16);
  const block = (await ethers.provider.send("eth_getBlockByNumber", [param, false])) as {
    number: string;
    hash: string;
    timestamp: string;
  } | null;
  if (block === null) throw new Error(`L1 block ${String(tag)} not found`);
  return { number: BigInt(block.number), hash: block.hash, timestamp: BigInt(block.timestamp) };
}

export type { BlockClaim } from "../../src/sdk/contracts.js";
import { blockClaim, type BlockClaim } from "../../src/sdk/contracts.js";

/** A block built by hand, with everything `advance` takes. */
export interface PreparedBlock {
  block: BuiltBlock;
  claim: BlockClaim;
  /** `advance`'s second, third and fourth arguments, 0x-hex. */
  transactions: string;
  witness: string;
  messages: string;
  /** Enough L1 gas for `advance` (the proposer's bound). */
  gasLimit: bigint;
  /** EXECUTE's fee for the block at the next L1 block (`value` of `advance`; 0 under 1:1 pricing). */
  fee: bigint;
  anchor: L1Block;
}

/**
 * Builds the next L2 block on `chain`'s head the way the proposer does, but with the anchor and
 * timestamp chosen by the test (default: the latest L1 block, and its time). The chain is not
 * changed: call {@link commit} once L1 has accepted the block.
 */
export async function prepareBlock(
  ethers: RawProvider,
  chain: L2Chain,
  options: {
    transactions?: (string | Uint8Array | TypedTransaction)[];
    anchorNumber?: bigint;
    timestamp?: bigint;
    coinbase?: string;
    /** What the block delivers of the L1→L2 queue (default: nothing, on a rollup whose queue was never used). */
    delivery?: NextDelivery;
  } = {},
): Promise<PreparedBlock> {
  const anchor = await l1Block(ethers, options.anchorNumber ?? "latest");
  const parent = chainHead(chain);
  const timestamp = options.timestamp ?? (anchor.timestamp > parent.timestamp ? anchor.timestamp : parent.timestamp);
  const coinbase = options.coinbase ?? "0x00000000000000000000000000000000000c0ffe";
  const delivery = options.delivery ?? { messageCount: 0n, anchor: anchorCommitment(anchor.hash, 0n, ZERO_HASH) };
  const block = await buildBlock(chain, {
    transactions: (options.transactions ?? []).map((tx) => (typeof tx === "string" ? hexToBytes(tx as `0x${string}`) : tx)),
    timestamp,
    coinbase: hexToBytes(coinbase as `0x${string}`),
    prevRandao: hexToBytes(anchor.hash as `0x${string}`),
    anchor: hexToBytes(delivery.anchor as `0x${string}`),
    messages: delivery.delivery === undefined ? undefined : hexToBytes(encodeDelivery(delivery.delivery) as `0x${string}`),
  });
  if (block.skipped.length > 0) throw new Error(`transaction skipped while building: ${block.skipped[0]!.reason}`);
  const claim: BlockClaim = { ...blockClaim(block.header, anchor.number, delivery.messageCount), coinbase };
  return {
    block,
    claim,
    transactions: bytesToHex(block.input.transactions),
    witness: bytesToHex(block.input.witness),
    messages: bytesToHex(block.input.messages),
    gasLimit: advanceGasLimit(block.input),
    fee: (await executeFee(ethers.provider, block.header.gasUsed)).fee,
    anchor,
  };
}

/** Appends a block L1 accepted to the local chain (what the proposer does after `advance`). */
export function commit(chain: L2Chain, prepared: PreparedBlock): void {
  const { block } = prepared;
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
}

/** Signs an L2 transaction from `wallet` with an explicit nonce (0x-hex raw transaction). */
export function signL2(chain: L2Chain, wallet: Wallet, request: L2TransactionRequest & { nonce: number }): Promise<string> {
  return signL2Transaction(chain, wallet, request);
}

/** Memory-expansion gas of `bytes` bytes of fresh memory: 3·words + words²/512. */
export function memoryGas(bytes: number): bigint {
  const words = BigInt(Math.ceil(bytes / 32));
  return 3n * words + (words * words) / 512n;
}
