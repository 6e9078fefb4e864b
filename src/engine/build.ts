import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import type { Common } from "@ethereumjs/common";
import { TransactionType, type TypedTransaction } from "@ethereumjs/tx";
import { createL2Common } from "./chain.js";
import { applyBlockBody, sealHeader, type BlockEnv, type SkippedTransaction } from "./apply.js";
import { createEngineVM } from "./vm.js";
import { decodeTransaction, encodeTransactions } from "./transactions.js";
import { prefetchSenders } from "./senders.js";
import { chainHead, type L2Chain } from "./state.js";
import type { ExecuteInput } from "./types.js";
import { encodeWitness, RecordingDB, type Witness } from "./witness.js";
import { InvalidBuildOptionsError, WitnessMissingHeaderError } from "./errors.js";
import type { BuildOptions, BuiltBlock } from "./build-types.js";
import { builtOffThread } from "./build-offthread.js";
export type { BuildOptions, BuiltBlock } from "./build-types.js";
export { InvalidBuildOptionsError } from "./errors.js";

/**
 * Builds the next block on the chain's head and records its witness. The chain itself is not
 * changed (see `appendBlock`): the block becomes canonical only once L1 has accepted it. Linear
 * in the number of transactions (each is applied once; no rebuild per added transaction).
 */
export async function buildBlock(chain: L2Chain, options: BuildOptions): Promise<BuiltBlock> {
  // A chain whose state the builder thread shares is built there, by this same function
  // (build-offthread.ts): the calling thread — the devnet's L2 JSON-RPC — keeps answering.
  const elsewhere = builtOffThread(chain, options, () => buildBlockHere(chain, options));
  if (elsewhere !== undefined) return elsewhere;
  return buildBlockHere(chain, options);
}

/** {@link buildBlock} on the calling thread, whatever the chain: what the builder thread runs. */
export async function buildBlockHere(chain: L2Chain, options: BuildOptions): Promise<BuiltBlock> {
  const parent = chainHead(chain);
  checkBuildOptions(options, parent);
  const common = createL2Common(chain.genesis.chainId);
  const recording = new RecordingDB(chain.db);
  const ancestorsRead = new Set<bigint>();
  const vm = await createEngineVM({
    common,
    db: recording,
    stateRoot: parent.stateRoot,
    ancestors: (number) => {
      const header = chain.headers[Number(number)];
      if (header === undefined || number > parent.number) throw new WitnessMissingHeaderError({ number });
      ancestorsRead.add(number);
      return header;
    },
    // The chain's own depth unless told otherwise (docs/nested.md): an L3's builder builds as the L2 verifies.
    nestingDepth: options.nestingDepth ?? chain.genesis.nestingDepth ?? 0,
  });
  // A transaction that does not decode for this chain is left out, like one that does not apply.
  const transactions: TypedTransaction[] = [];
  // The raw bytes of the transactions whose sender is still to be recovered, in block order.
  const raws: Uint8Array[] = [];
  const undecodable: SkippedTransaction[] = [];
  for (const item of options.transactions) {
    if (!(item instanceof Uint8Array) && decodedForChain(item, common) && item.cache.senderPubKey !== undefined) {
      // Already decoded for this chain, sender recovered (the mempool's objects): used as they
      // are, neither serialised, decoded nor recovered again (issue 14 item 8). One without its
      // sender takes the decode path, where the prefetch below recovers it on the second core.
      transactions.push(item);
      continue;
    }
    const raw = item instanceof Uint8Array ? item : item.serialize();
    try {
      transactions.push(decodeTransaction(raw, common));
      raws.push(raw);
    } catch (error) {
      undecodable.push({ hash: bytesToHex(keccak256(raw)), reason: (error as Error).message });
    }
  }
  const env: BlockEnv = {
    number: parent.number + 1n,
    parentHash: parent.hash(),
    timestamp: options.timestamp,
    coinbase: options.coinbase,
    gasLimit: parent.gasLimit,
    baseFeePerGas: parent.calcNextBaseFee(),
    prevRandao: options.prevRandao,
    anchor: options.anchor,
  };
  const messages = options.messages ?? new Uint8Array(0);
  // Senders recovered ahead on a second core (issue 9).
  const senders = prefetchSenders(common, raws);
  const result = await senders.during(() => applyBlockBody(vm, env, transactions, "build", { messages }));
  const header = sealHeader(common, env, result);

  // Headers from the parent back to the oldest one BLOCKHASH read: a hash chain the verifier
  // can check link by link from the parent hash.
  const oldest = ancestorsRead.size > 0 ? [...ancestorsRead].reduce((a, b) => (a < b ? a : b)) : parent.number;
  const headers: Uint8Array[] = [];
  for (let n = parent.number; n >= oldest; n--) headers.push(chain.headers[Number(n)]!.serialize());
  const witness: Witness = { ...recording.recorded(), headers };

  const input: ExecuteInput = {
    chainId: chain.genesis.chainId,
    number: header.number,
    parentHash: header.parentHash,
    blockHash: header.hash(),
    preStateRoot: parent.stateRoot,
    postStateRoot: header.stateRoot,
    receiptsRoot: header.receiptTrie,
    gasLimit: header.gasLimit,
    gasUsed: header.gasUsed,
    coinbase: header.coinbase.bytes,
    timestamp: header.timestamp,
    prevRandao: header.mixHash,
    anchor: options.anchor,
    // The bytes of the transactions root: each transaction serialised once (issue 14 item 8).
    transactions: encodeTransactions(result.includedBytes),
    blobVersionedHashes: [],
    witness: encodeWitness(witness),
    messages,
  };
  return {
    header,
    transactions: result.included,
    skipped: [...undecodable, ...result.skipped],
    receipts: result.receipts,
    witness,
    input,
    burnedFees: result.burnedFees,
    deliveryGasUsed: result.deliveryGasUsed,
    deliveryLogs: result.deliveryLogs,
    writes: recording.writes(),
  };
}

/**
 * Whether `tx` is exactly what decoding its own bytes with `common` would give, so the builder can
 * use it without the serialise-and-decode round trip: signed, no blobs, frozen (its fields, and
 * so the hash and sender it caches, cannot change after it was made), and made with a copy of an
 * L2 `Common` of this chain and hardfork (`createL2Common`'s `copy`, which only such copies carry,
 * marks the same parameter tables). Anything else takes the decode path, as before.
 *
 * A sender the object caches was recovered from its own signature — by ethereumjs on first
 * `getSenderAddress`, or by the mempool's worker from the same bytes (`presetSender`): the cache
 * is not writable by the transaction's author. And it cannot make a wrong block valid: `execute`
 * recovers every sender itself, so a wrong key could only get the proposer's own block refused.
 */
function decodedForChain(tx: TypedTransaction, common: Common): boolean {
  return (
    tx.type !== TransactionType.BlobEIP4844 &&
    Object.isFrozen(tx) &&
    tx.isSigned() &&
    tx.common.copy === common.copy &&
    tx.common.chainId() === common.chainId() &&
    tx.common.hardfork() === common.hardfork() &&
    tx.common.eips().length === common.eips().length &&
    tx.common.eips().every((eip) => common.eips().includes(eip))
  );
}

/** Refuses, before any work, header choices `execute` would reject (it checks the same rules). */
function checkBuildOptions(options: BuildOptions, parent: BlockHeader): void {
  const refuse = (field: string, expected: string, got: unknown) => {
    throw new InvalidBuildOptionsError(`Cannot build block ${parent.number + 1n}: ${field} must be ${expected}`, { field, expected, got });
  };
  if (options.timestamp < parent.timestamp) refuse("timestamp", `>= the parent's ${parent.timestamp}`, options.timestamp);
  if (options.timestamp >= 2n ** 64n) refuse("timestamp", "< 2^64", options.timestamp);
  if (options.coinbase.length !== 20) refuse("coinbase", "20 bytes", options.coinbase.length);
  if (options.prevRandao.length !== 32) refuse("prevRandao", "32 bytes", options.prevRandao.length);
  if (options.anchor.length !== 32) refuse("anchor", "32 bytes", options.anchor.length);
}
