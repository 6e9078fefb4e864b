/**
 * What a rollup's part of a store is written for, and how it starts: its identity (checked on
 * every start), its genesis as L1 holds it, its deployment block, and its first commit.
 */
import type { BlockHeader } from "@ethereumjs/block";
import { createBlobReader, type BlobReader } from "../blobs/reader.js";
import { nativeRollupInterface } from "../sdk/contracts.js";
import { DataDirMismatchError, NodeConfigError } from "./errors.js";
import { l1BlockNumber, toQuantity, type L1Client } from "./l1.js";
import { writeBlock } from "./stages/execute.js";
import { writeL1Checkpoint } from "./stages/follow-l1.js";
import { checkpointKey, type NodeContext } from "./stage.js";
import { commitTrieWrites, writeMeta, type BlockWriteDB } from "./store.js";
import type { NodeIdentity, NodeOptions } from "./types.js";

/** Writes the genesis state, block 0 and the stages' starting checkpoints, with the identity, in one transaction. @internal */
export function initialize(ctx: NodeContext, identity: NodeIdentity, genesis: BlockHeader, genesisDb: BlockWriteDB, deploymentBlock: bigint): void {
  ctx.store.transaction(() => {
    commitTrieWrites(ctx.store, genesisDb);
    const origin = { number: deploymentBlock, hash: identity.deploymentBlockHash, txHash: "0x" + "00".repeat(32), logIndex: 0 };
    writeBlock(ctx.store, { header: genesis, l1: origin }, [], []);
    writeL1Checkpoint(ctx, deploymentBlock, identity.deploymentBlockHash);
    writeMeta(ctx.store, checkpointKey("derive"), "0");
    writeMeta(ctx.store, checkpointKey("execute"), "0");
    writeMeta(ctx.store, "identity", identity);
  });
}

/** @internal */
export function checkIdentity(dir: string, stored: NodeIdentity, now: NodeIdentity): void {
  const differing = (Object.keys(now) as (keyof NodeIdentity)[]).filter((key) => String(stored[key]) !== String(now[key]));
  if (differing.length === 0) return;
  throw new DataDirMismatchError(
    `The data dir holds the chain of another L1, rollup or genesis (${differing.join(", ")} differ${differing.length === 1 ? "s" : ""}); start with --reset (reset: true) to discard it`,
    { dataDir: dir, ...Object.fromEntries(differing.map((key) => [key, `stored ${stored[key]}, now ${now[key]}`])) },
  );
}

/** The first L1 block holding the rollup's code: a binary search of `eth_getCode`. @internal */
export async function findDeploymentBlock(l1: L1Client, rollup: string): Promise<bigint> {
  const hasCode = async (n: bigint) => ((await l1.send<string>("eth_getCode", [rollup, toQuantity(n)])) ?? "0x") !== "0x";
  let high = await l1BlockNumber(l1);
  if (!(await hasCode(high))) throw new NodeConfigError("No contract at the rollup address on this L1", { rollup, l1: l1.description });
  let low = 0n;
  while (low < high) {
    const mid = (low + high) / 2n;
    if (await hasCode(mid)) high = mid;
    else low = mid + 1n;
  }
  return low;
}

/** The rollup's chain id, gas limit and genesis (hash, timestamp), read from L1 at its deployment block. @internal */
export async function readRollupGenesis(l1: L1Client, rollup: string, deploymentBlock: bigint) {
  const iface = nativeRollupInterface();
  const call = async (name: string) => {
    let data: string;
    try {
      data = await l1.send<string>("eth_call", [{ to: rollup, data: iface.encodeFunctionData(name, []) }, toQuantity(deploymentBlock)]);
    } catch (error) {
      throw new NodeConfigError("The rollup address is not a NativeRollup (its view functions fail)", { rollup, function: name }, { cause: error });
    }
    return iface.decodeFunctionResult(name, data);
  };
  const [chainId] = await call("CHAIN_ID");
  const [gasLimit] = await call("GAS_LIMIT");
  const [head] = await call("head");
  if (head.number !== 0n) {
    throw new NodeConfigError("The rollup advanced in its deployment block: pass the genesis and an earlier deploymentBlock", { rollup, deploymentBlock });
  }
  return { chainId: chainId as bigint, gasLimit: gasLimit as bigint, genesisHash: (head.blockHash as string).toLowerCase(), timestamp: head.timestamp as bigint };
}

/** @internal */
export function blobReaderOf(source: NodeOptions["blobSource"]): BlobReader | undefined {
  if (source === undefined) return undefined;
  if (typeof source === "string") return createBlobReader({ beaconUrl: source });
  if ("getBlobsByVersionedHashes" in source) return source;
  return createBlobReader(source);
}

/** @internal */
export function describeBlobSource(source: NodeOptions["blobSource"]): string {
  if (source === undefined) return "nowhere (calldata blocks only)";
  if (typeof source === "string") return source;
  if ("beaconUrl" in source) return source.beaconUrl;
  return "a blob reader given in process";
}
