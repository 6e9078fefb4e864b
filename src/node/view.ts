/**
 * What the node's JSON-RPC serves of one rollup: its chain as the methods read it
 * (`nodeChainView`), what its mempool reads (`nodeMempoolChain`), block witnesses, and the
 * methods beyond Ethereum's (`rollup_status`, `rollup_getWitness`). The server is `serve.ts`.
 */
import { bytesToHex } from "@ethereumjs/util";
import { applyBlockBody, type BlockEnv } from "../engine/apply.js";
import { createEngineVM } from "../engine/vm.js";
import { createL2Common } from "../engine/chain.js";
import { WitnessMissingHeaderError } from "../engine/errors.js";
import { encodeWitness, RecordingDB } from "../engine/witness.js";
import type { Mempool, MempoolChain } from "../proposer/mempool.js";
import { RpcError, toQuantity, type ChainView, type Handler } from "../rpc/index.js";
import { blockParam } from "../rpc/params.js";
import { bytesEqual } from "../shared/bytes.js";
import type { RollupNode } from "./types.js";

/** The node's chain as the JSON-RPC methods read it: `safe` is every derived block (each was checked against L1), `finalized` counts L1 depth. */
export function nodeChainView(node: RollupNode): ChainView {
  return {
    chainId: node.genesis.chainId,
    nestingDepth: node.genesis.nestingDepth,
    heads: () => ({ latest: node.blockNumber("latest"), safe: node.blockNumber("safe"), finalized: node.blockNumber("finalized") }),
    header: (number) => (number < 0n ? undefined : node.header(number)),
    numberOfHash: (hash) => node.getBlockByHash(hash)?.number,
    block: (number) => (number < 0n ? undefined : node.getBlock(number)),
    receipts: (number) => (number < 0n ? undefined : node.getReceipts(number)),
    transaction: (hash) => node.getTransaction(hash),
    logs: (query) => node.getLogs({ fromBlock: query.fromBlock, toBlock: query.toBlock, address: query.address, topics: query.topics }),
    stateDb: () => node.stateDb(),
    syncing() {
      // Behind while L1 holds blocks the node has not scanned (one block of slack: the poll).
      const { l1 } = node.status();
      if (l1.followed.number + 1n >= l1.head) return false;
      const head = node.blockNumber("latest");
      return { startingBlock: 0n, currentBlock: head, highestBlock: head };
    },
  };
}

/** What a mempool reads of the node: its head and state. */
export function nodeMempoolChain(node: RollupNode): MempoolChain {
  const db = node.stateDb();
  return {
    chainId: node.genesis.chainId,
    head: () => node.header("latest")!,
    db,
    includedAt(hash) {
      const found = node.transactionPlace(hash);
      return found === undefined ? undefined : { blockNumber: Number(found.blockNumber), index: found.index };
    },
  };
}

/**
 * The witness of block `number` — every pre-state trie node and code its execution reads, and
 * the ancestor headers BLOCKHASH needs, parent first — as EXECUTE takes it: the block re-run on
 * its parent's state with the reads recorded, its state root checked against the header.
 */
export async function blockWitness(node: RollupNode, number: bigint): Promise<{ witness: Uint8Array; nodes: number; codes: number; headers: number }> {
  const block = node.getBlock(number);
  const parent = number > 0n ? node.header(number - 1n) : undefined;
  if (block === undefined || parent === undefined) throw new RpcError(-32000, number === 0n ? "the genesis block has no witness" : "header not found");
  const recording = new RecordingDB(node.stateDb());
  const ancestorsRead = new Set<bigint>();
  const vm = await createEngineVM({
    common: createL2Common(node.genesis.chainId),
    db: recording,
    stateRoot: parent.stateRoot,
    ancestors: (n) => {
      const header = n <= parent.number ? node.header(n) : undefined;
      if (header === undefined) throw new WitnessMissingHeaderError({ number: n });
      ancestorsRead.add(n);
      return header;
    },
    nestingDepth: node.genesis.nestingDepth,
  });
  const h = block.header;
  const env: BlockEnv = {
    number: h.number,
    parentHash: h.parentHash,
    timestamp: h.timestamp,
    coinbase: h.coinbase.bytes,
    gasLimit: h.gasLimit,
    baseFeePerGas: h.baseFeePerGas ?? 0n,
    prevRandao: h.mixHash,
    anchor: h.parentBeaconBlockRoot!,
  };
  const result = await applyBlockBody(vm, env, block.rawTransactions, "verify", { messages: block.messages });
  if (!bytesEqual(result.stateRoot, h.stateRoot)) {
    throw new RpcError(-32603, `internal error: block ${number} re-executed to state root ${bytesToHex(result.stateRoot)}, not ${bytesToHex(h.stateRoot)}`);
  }
  const oldest = [...ancestorsRead].reduce((a, b) => (a < b ? a : b), parent.number);
  const headers: Uint8Array[] = [];
  for (let n = parent.number; n >= oldest; n--) headers.push(node.header(n)!.serialize());
  const recorded = recording.recorded();
  return { witness: encodeWitness({ ...recorded, headers }), nodes: recorded.nodes.length, codes: recorded.codes.length, headers: headers.length };
}

/** The node's methods beyond Ethereum's: `rollup_status` and `rollup_getWitness`. */
export function rollupMethods(node: RollupNode, view: ChainView, mempool: Mempool | undefined): Map<string, Handler> {
  return new Map<string, Handler>([
    [
      "rollup_status",
      async () => {
        const { l1, l2, halted, finalityViolations } = node.status();
        const pool = mempool?.counts();
        return {
          rollup: node.rollup,
          l1: { chainId: toQuantity(l1.chainId), head: toQuantity(l1.head), followed: { number: toQuantity(l1.followed.number), hash: l1.followed.hash } },
          l2: { chainId: toQuantity(l2.chainId), head: toQuantity(l2.head), headHash: l2.headHash, safe: toQuantity(l2.safe), finalized: toQuantity(l2.finalized) },
          mempool: pool === undefined ? null : { pending: toQuantity(pool.pending), queued: toQuantity(pool.queued) },
          ...(halted === undefined ? {} : { halted: halted.message.split("\n")[0] }),
          // Finalized blocks a reorg deeper than the finality depth took out (incidents; empty when none).
          finalityViolations: finalityViolations.map((v) => ({
            l2: { number: toQuantity(v.l2.number), hash: v.l2.hash },
            l1: { number: toQuantity(v.l1.number), hash: v.l1.hash },
            unwoundTo: { l2: toQuantity(v.unwoundTo.l2), l1: toQuantity(v.unwoundTo.l1) },
            finalityDepth: v.finalityDepth,
            at: v.at,
          })),
        };
      },
    ],
    [
      "rollup_getWitness",
      async ([block]) => {
        const number = blockParam(view, block).number;
        const { witness, nodes, codes, headers } = await blockWitness(node, number);
        return { blockNumber: toQuantity(number), blockHash: node.getBlock(number)!.hash, witness: bytesToHex(witness), nodes, codes, headers };
      },
    ],
  ]);
}
