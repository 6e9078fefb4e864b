import { createBlock } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { ValueEncoding } from "@ethereumjs/util";
import { createVM, runBlock } from "@ethereumjs/vm";
import { chainHead, createL2Common, decodeTransactions, execute, type BuiltBlock, type L2Chain } from "../src/engine/index.js";
import { buildBench } from "./workloads.js";

/**
 * Plain @ethereumjs/vm `runBlock` of the same block on the full (stateful) pre-state, with
 * ethereumjs's defaults (the same `Common`, so the same crypto as the engine). Returns ms.
 */
export async function timeRunBlock(chain: L2Chain, block: BuiltBlock): Promise<number> {
  const common = createL2Common(chain.genesis.chainId);
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
