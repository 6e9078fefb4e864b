/**
 * The rollup node: derives every L2 block from L1 alone, keeps the chain on disk, and survives
 * kill -9 and L1 reorgs. One path for one rollup or many: `startMultiNode` (multi.ts) follows a
 * set of rollups — given, or named by a factory's events — from one L1 scan into one LMDB store
 * (store.ts), each rollup's part running the stages derive → execute (stage.ts, run.ts) with one
 * reorg walk; `startNode` (single.ts) is the set of one. The JSON-RPC server is `rpc.ts`.
 *
 * ```ts
 * const node = await startNode({ l1Url: "http://127.0.0.1:8545", rollup, blobSource: "http://127.0.0.1:5052", dataDir: ".devnet/node" });
 * await node.sync();                       // caught up with L1's head
 * node.status().l2.head;                   // the L2 head, re-executed and checked against L1
 * await node.stop();
 * ```
 */

export * from "./errors.js";
export type { Eip1193Provider } from "./l1.js";
export type { Reorg } from "./pipeline.js";
export type { LogFilter, NodeBlock, NodeLog, NodeReceipt, NodeTransaction, StateView } from "./read.js";
export type { L1Origin } from "./records.js";
export type { StageId, UnwoundBlock } from "./stage.js";
export { openNodeStore, STORE_SCHEMA_VERSION, type NodeStore } from "./store.js";
export { transactionJournal, type TransactionJournal } from "./journal.js";
export { startMultiNode, ROLLUP_CREATED_EVENT, RETIRED_EVENT, type MultiNode, type MultiNodeOptions, type MultiNodeStatus, type MultiRollupInfo, type MultiRollupSpec, type UnwoundListener } from "./multi.js";
export type { BlockTag, FinalityViolation, NodeOptions, NodeStatus, RollupNode } from "./types.js";
export { startNode, wholeNodeView } from "./single.js";
