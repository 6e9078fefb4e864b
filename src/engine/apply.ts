import { createBlock, createBlockHeader, type Block, type BlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { CustomPrecompile, EVM, EVMMockBlockchainInterface } from "@ethereumjs/evm";
import { RLP } from "@ethereumjs/rlp";
import { Caches } from "@ethereumjs/statemanager";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { DB } from "@ethereumjs/util";
import { bytesToHex, KECCAK256_RLP, ValueEncoding } from "@ethereumjs/util";
import { createVM, encodeReceipt, runTx, Bloom, type TxReceipt, type VM } from "@ethereumjs/vm";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { EngineStateManager } from "./state-manager.js";
import { EngineTrie } from "./trie.js";
import { ExecutionRejectedError, InvalidTransactionError } from "./errors.js";
import { createGasMeter, GasBudgetExceededError, type GasMeter } from "./meter.js";
import { decodeTransaction } from "./transactions.js";
import { orderedTrieRootSliced } from "./ordered-trie.js";
import { createSlicer } from "./slice.js";
import { createL2EVM } from "./precompiles.js";
import { checkCanonicalMessages } from "./messages.js";
import { anchorSystemCall, deliverySystemCall, refusePrecompilesInAnchorCall, SYSTEM_CALL_GAS, type EvmLog } from "./system-calls.js";

/** The environment of one L2 block: every header field the proposer chooses or L1 imposes. */
export interface BlockEnv {
  number: bigint;
  parentHash: Uint8Array;
  timestamp: bigint;
  coinbase: Uint8Array;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  prevRandao: Uint8Array;
  /** The L1 anchor: the L1 block hash the L2 block builds on; also the header's parentBeaconBlockRoot. */
  anchor: Uint8Array;
}

/** Serves ancestor headers by number to BLOCKHASH. Throws when it cannot (never answers zero). */
export type AncestorLookup = (number: bigint) => BlockHeader;



/** Options of `createEngineVM` (vm.ts). */
export interface EngineVMOptions {
  common: Common;
  db: DB<string, Uint8Array>;
  stateRoot: Uint8Array;
  ancestors: AncestorLookup;
  /**
   * How many EXECUTEs deep this VM runs (0 for an L2 block; 1 for a child block an L2
   * transaction verifies): it serves EXECUTE at 0x…0101 below `MAX_EXECUTE_NESTING` (nested.ts).
   */
  nestingDepth?: number;
}

/**
 * A VM over a trie database at a given state root, with BLOCKHASH served by `ancestors`, and
 * `customPrecompiles` besides the L2's own. Use `createEngineVM` (vm.ts), which adds the L2's
 * EXECUTE: this module cannot, since EXECUTE's `execute` runs its block through this one (the
 * precompile gets `execute` given, so no module imports back).
 * @internal
 */
export async function createEngineVMWith(options: EngineVMOptions, customPrecompiles: CustomPrecompile[]): Promise<VM> {
  // EngineTrie: MerklePatriciaTrie keeping the nodes it has decoded (issue 9).
  const trie = new EngineTrie({
    db: options.db,
    root: options.stateRoot,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    common: options.common,
  });
  const stateManager = new EngineStateManager({ trie, common: options.common, caches: new Caches() });
  const blockchain: EVMMockBlockchainInterface = {
    getBlock: async (number: number) => options.ancestors(BigInt(number)),
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  };
  const meter = createGasMeter(options.common);
  // WebAssembly BLS12-381 and BN254: ethereumjs's JavaScript ones work far beyond their L1 price (issue 15).
  const evm = createL2EVM({ common: options.common, stateManager, blockchain, customOpcodes: meter.customOpcodes, customPrecompiles });
  const vm = await createVM({ common: options.common, stateManager, blockchain, evm });
  meter.attach(vm.evm as EVM);
  meters.set(vm, meter);
  // The anchor call calls no precompile (see `SYSTEM_CALL_GAS`).
  refusePrecompilesInAnchorCall(vm);
  return vm;
}

/** The gas meter of each engine VM (see `createGasMeter`). */
const meters = new WeakMap<VM, GasMeter>();

/** A transaction the builder left out of a block, and why. */
export interface SkippedTransaction {
  /** 0x-hex transaction hash (keccak of the raw bytes when it did not decode). */
  hash: string;
  reason: string;
  tx?: TypedTransaction;
}

/** What applying a block body produced. */
export interface ApplyResult {
  /** The transactions that are in the block (in build mode, the ones that applied). */
  included: TypedTransaction[];
  /** Their canonical encodings, as in the transactions root (the builder puts them in the EXECUTE input). */
  includedBytes: Uint8Array[];
  /** Build mode only: transactions left out, with the reason. */
  skipped: SkippedTransaction[];
  receipts: TxReceipt[];
  /** The block's gas: the message delivery's, then every transaction's. */
  gasUsed: bigint;
  /**
   * Gas of the message-delivery system call (0 without messages). It is in `gasUsed` but in no
   * receipt: the receipts' cumulative gas counts the transactions only.
   */
  deliveryGasUsed: bigint;
  /**
   * The logs of the message-delivery system call (empty without messages): in no receipt, but
   * the builder reads its own delivery's outcome from them (a sync call's result, docs/sync.md).
   */
  deliveryLogs: EvmLog[];
  /** Σ over the transactions of baseFeePerGas × receipt gas: the base fee the block burned (EXECUTE's second output word). */
  burnedFees: bigint;
  receiptsRoot: Uint8Array;
  transactionsRoot: Uint8Array;
  logsBloom: Uint8Array;
  stateRoot: Uint8Array;
}

/** Options of {@link applyBlockBody}. */
export interface ApplyOptions {
  /**
   * Verify mode: the gas the input claims (and EXECUTE charged for). Execution stops with a
   * `GasBudgetExceededError` as soon as the block's gas must pass it, mid-transaction if need
   * be, so no input makes the verifier work beyond what was paid.
   */
  gasBudget?: bigint;
  /**
   * EXECUTE's `messages` field: the ABI arguments of `L2Messenger.deliverMessages`. When
   * non-empty, they are delivered by a system call after the anchor's, before the transactions.
   */
  messages?: Uint8Array;
  /**
   * The anchor system call's gas (default `SYSTEM_CALL_GAS`). EXECUTE over k blocks gives each
   * block `BATCH_ANCHOR_CALL_GAS` (docs/execute.md, "Batches"): its fixed work is then paid by a
   * smaller per-block charge.
   */
  anchorGas?: bigint;
}

/** The least gas an Osaka transaction adds to its block (intrinsic gas; EIP-7623's floor). */
const MIN_TRANSACTION_GAS = 21_000n;

/** How long block work may hold the thread before it gives it back (between two transactions; see slice.ts). */
export { SLICE_MS } from "./slice.js";

/**
 * The state transition of an L2 block, shared by the builder and the stateless verifier so the
 * two cannot drift: the L1-anchor system call, the message delivery (when there are messages),
 * then each transaction, then the roots.
 *
 * - `"build"`: a transaction that cannot be applied (or does not fit) is left out.
 * - `"verify"`: any transaction that cannot be applied rejects the whole block.
 *
 * In both modes a delivery that reverts or halts throws `MessageDeliveryFailedError`: the block
 * cannot exist with those messages.
 */
export async function applyBlockBody(
  vm: VM,
  env: BlockEnv,
  transactions: (TypedTransaction | Uint8Array)[],
  mode: "build" | "verify",
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const block = envBlock(vm.common, env);
  const meter = meters.get(vm);
  const budget = options.gasBudget;
  const messages = options.messages ?? new Uint8Array(0);
  // One block, one input: only the canonical encoding of the delivery's arguments (issue 15).
  if (messages.length > 0) checkCanonicalMessages(messages);
  await anchorSystemCall(vm, block, env.anchor, options.anchorGas ?? SYSTEM_CALL_GAS);
  const delivery = messages.length === 0 ? { gasUsed: 0n, logs: [] } : await deliverySystemCall(vm, block, messages, meter, budget);
  const deliveryGasUsed = delivery.gasUsed;

  const included: TypedTransaction[] = [];
  const skipped: ApplyResult["skipped"] = [];
  const receipts: TxReceipt[] = [];
  const bloom = new Bloom(undefined, vm.common);
  let gasUsed = deliveryGasUsed;
  let cumulativeReceiptGas = 0n;
  let burnedFees = 0n;
  const stateManager = vm.stateManager as EngineStateManager;
  const slice = createSlicer();
  for (const [index, item] of transactions.entries()) {
    // A block of hundreds of transactions takes seconds: the thread is given back between
    // transactions every few ms, so the RPC on the same thread keeps answering (issue 14 item 8).
    await slice();
    if (budget !== undefined && budget - gasUsed < MIN_TRANSACTION_GAS) {
      // Every Osaka transaction adds at least 21,000 to the block's gas (EIP-7623's floor):
      // the claimed gas cannot cover this one, so do not even decode it.
      throw new GasBudgetExceededError(`transaction ${index}`, gasUsed + MIN_TRANSACTION_GAS, budget);
    }
    // The verifier decodes (and recovers the sender of) each transaction only when it is reached.
    const tx = item instanceof Uint8Array ? decodeTransaction(item, vm.common, index) : item;
    if (tx.gasLimit > env.gasLimit - gasUsed) {
      const reason = `gas limit ${tx.gasLimit} above the ${env.gasLimit - gasUsed} left in the block`;
      if (mode === "verify") throw new InvalidTransactionError(index, reason);
      skipped.push({ hash: bytesToHex(tx.hash()), tx, reason });
      continue;
    }
    // The limit is sound (no block the builder built is refused) because of two bounds:
    // - A transaction's receipt gas G is max(C − refund, EIP-7623's calldata floor), C its
    //   consumption before the refund and the refund at most ⌊C/5⌋ (EIP-3529), so G ≥ 4C/5 and
    //   C ≤ ⌊5G/4⌋. The floor only raises G. G ≤ budget − gasUsed, as later transactions add ≥ 0.
    // - The meter never measures more than C: what it measures never decreases during the
    //   transaction (it counts a value CALL's 2,300 stipend at the CALL, see `createGasMeter`).
    // So once the meter passes ⌊5/4 × (budget − gasUsed)⌋, the block's gas must pass the budget.
    meter?.begin(`transaction ${index}`, tx.gasLimit, budget === undefined ? undefined : ((budget - gasUsed) * 5n) / 4n);
    const checkpoints = stateManager.openCheckpoints();
    let result;
    try {
      result = await runTx(vm, { tx, block, blockGasUsed: cumulativeReceiptGas, skipHardForkValidation: true });
    } catch (error) {
      // Whatever threw inside the EVM (a precompile, a state read, the meter) left its inner
      // checkpoints open: close them all, so the builder's state is exactly the state before
      // this transaction — the state the verifier, which never sees the transaction, starts from.
      while (stateManager.openCheckpoints() > checkpoints) await stateManager.revert();
      // Witness misses and the budget are verdicts in their own right: pass them through unchanged.
      if (error instanceof ExecutionRejectedError) throw error;
      const reason = (error as Error).message;
      if (mode === "verify") throw new InvalidTransactionError(index, reason);
      skipped.push({ hash: bytesToHex(tx.hash()), tx, reason });
      continue;
    } finally {
      meter?.begin("", 0n, undefined);
    }
    included.push(tx);
    gasUsed += result.blockGasSpent ?? result.totalGasSpent;
    if (budget !== undefined && gasUsed > budget) throw new GasBudgetExceededError(`transaction ${index}`, gasUsed, budget);
    cumulativeReceiptGas += result.totalGasSpent;
    burnedFees += env.baseFeePerGas * result.totalGasSpent;
    bloom.or(result.bloom);
    receipts.push(result.receipt);
  }

  const receiptsRoot = await trieRoot(
    vm.common,
    receipts.map((receipt, i) => encodeReceipt(receipt, included[i]!.type)),
    slice,
  );
  const includedBytes = included.map((tx) => tx.serialize());
  const transactionsRoot = await trieRoot(vm.common, includedBytes, slice);
  const stateRoot = await vm.stateManager.getStateRoot();
  return {
    included,
    includedBytes,
    skipped,
    receipts,
    gasUsed,
    deliveryGasUsed,
    deliveryLogs: delivery.logs,
    burnedFees,
    receiptsRoot,
    transactionsRoot,
    logsBloom: bloom.bitvector,
    stateRoot,
  };
}

/** The full L2 header once the body has been applied. Its hash is the L2 block hash. */
export function sealHeader(common: Common, env: BlockEnv, result: ApplyResult): BlockHeader {
  return createBlockHeader(
    {
      parentHash: env.parentHash,
      coinbase: env.coinbase,
      stateRoot: result.stateRoot,
      transactionsTrie: result.transactionsRoot,
      receiptTrie: result.receiptsRoot,
      logsBloom: result.logsBloom,
      number: env.number,
      gasLimit: env.gasLimit,
      gasUsed: result.gasUsed,
      timestamp: env.timestamp,
      mixHash: env.prevRandao,
      baseFeePerGas: env.baseFeePerGas,
      withdrawalsRoot: KECCAK256_RLP,
      blobGasUsed: 0n,
      excessBlobGas: 0n,
      parentBeaconBlockRoot: env.anchor,
      requestsHash: EMPTY_REQUESTS_HASH,
    },
    { common, setHardfork: false },
  );
}

/** EIP-7685 hash of an empty request list: L2 blocks carry no consensus-layer requests. */
const EMPTY_REQUESTS_HASH = sha256(new Uint8Array(0));

function envBlock(common: Common, env: BlockEnv): Block {
  return createBlock(
    {
      header: {
        number: env.number,
        parentHash: env.parentHash,
        timestamp: env.timestamp,
        coinbase: env.coinbase,
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        mixHash: env.prevRandao,
        parentBeaconBlockRoot: env.anchor,
        excessBlobGas: 0n,
      },
    },
    { common, setHardfork: false },
  );
}


/** The root of the trie `RLP(i) → values[i]` (transactions, receipts), built in one pass (issue 9). */
async function trieRoot(common: Common, values: Uint8Array[], slice: () => Promise<void>): Promise<Uint8Array> {
  if (values.length === 0) return KECCAK256_RLP;
  return orderedTrieRootSliced(values.map((value, i) => [RLP.encode(i), value]), common.customCrypto.keccak256 ?? keccak_256, slice);
}
