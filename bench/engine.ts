import { createBlock } from "@ethereumjs/block";
import { createCustomCommon, Mainnet, type Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { chainHead, decodeTransactions, execute, L2_HARDFORK, type BuiltBlock, type L2Chain } from "../src/engine/index.js";
import { nativeEcrecover } from "../src/engine/crypto.js";
import { buildBench } from "./workloads.js";

/**
 * The baseline's `Common`: ethereumjs's defaults (keccak from @noble/hashes) except sender
 * recovery on the native libsecp256k1, as the engine had before issue 9 — so the baseline is
 * plain ethereumjs and does not move when the engine's own settings do.
 */
function baselineCommon(chainId: bigint): Common {
  return createCustomCommon({ chainId: chainId.toString() }, Mainnet, {
    hardfork: L2_HARDFORK,
    customCrypto: nativeEcrecover === undefined ? {} : { ecrecover: nativeEcrecover },
  });
}

/**
 * Plain @ethereumjs/vm `runBlock` of the same block on the full (stateful) pre-state, with
 * ethereumjs's own `MerkleStateManager` and defaults (see {@link baselineCommon}). Returns ms.
 */
export async function timeRunBlock(chain: L2Chain, block: BuiltBlock): Promise<number> {
  const common = baselineCommon(chain.genesis.chainId);
  const parent = chainHead(chain);
  const trie = new MerklePatriciaTrie({ db: chain.db, root: parent.stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  const vm = await createVM({ common, stateManager: new MerkleStateManager({ trie, common, caches: new Caches() }) });
  // Decoded afresh, as execute() does: both pay sender recovery (createBlock drops recovered senders).
  const transactions = decodeTransactions(block.input.transactions, common);
  const full = createBlock({ header: block.header.toJSON(), transactions }, { common, setHardfork: false });
  const started = performance.now();
  await runBlock(vm, { block: full, skipBlockValidation: true, skipHeaderValidation: true, generate: true });
  return performance.now() - started;
}

/** `execute` of a built block, from the EXECUTE input bytes' fields (decode included). Returns ms. */
export async function timeExecute(block: BuiltBlock): Promise<number> {
  const started = performance.now();
  await execute(block.input);
  return performance.now() - started;
}

/** `buildBlock` (with its witness) of `transactions` on the chain's head. Returns the block and ms. */
export async function timeBuild(chain: L2Chain, transactions: Uint8Array[]): Promise<{ block: BuiltBlock; ms: number }> {
  const started = performance.now();
  const block = await buildBench(chain, transactions);
  return { block, ms: performance.now() - started };
}
