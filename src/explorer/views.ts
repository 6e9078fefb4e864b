/**
 * The explorer's pages as JSON: L1 blocks and transactions, L2 blocks and transactions with the
 * L1 transaction that verified them (the `advance`, EXECUTE's verdict, its L1, L2 and blob gas,
 * its blobs), and what the front page shows. Bigints are turned into decimal strings by the
 * server when it writes the JSON.
 */
import { decodeCall, decodeError, decodeLog, type Decoded } from "./abi.js";
import { blockId, NotFoundError, rollupAt, rollupOf, type ExplorerContext, type RpcObject } from "./context.js";
import type { AdvanceEntry } from "./l1-index.js";
import { ExplorerRpcError, quantity, type ExplorerRollup } from "./rpc.js";

/** Blob gas of one blob (EIP-4844's GAS_PER_BLOB). */
export const GAS_PER_BLOB = 131_072n;

const big = (hex: string | null | undefined): bigint | null => (hex === null || hex === undefined ? null : BigInt(hex));

/** A log with its decoding (if its ABI is known) and, on L1, the rollup that emitted it. */
function logView(ctx: ExplorerContext, log: RpcObject, onL1: boolean) {
  const rollup = onL1 ? rollupAt(ctx, log.address) : undefined;
  return { address: log.address, logIndex: big(log.logIndex), topics: log.topics, data: log.data, decoded: decodeLog(log as { topics: string[]; data: string }) ?? null, rollup: rollup?.chainId ?? null };
}

/** A transaction's row in a block: who, what (the decoded function's name), and how it went. */
function txRow(ctx: ExplorerContext, tx: RpcObject, receipt: RpcObject | null, onL1: boolean) {
  const rollup = onL1 ? rollupAt(ctx, tx.to) : undefined;
  return {
    hash: tx.hash,
    from: tx.from,
    to: tx.to,
    value: big(tx.value),
    type: big(tx.type),
    function: decodeCall(tx.input)?.name ?? (tx.to === null ? "create" : tx.input === "0x" ? "transfer" : null),
    rollup: rollup?.chainId ?? null,
    blobs: (tx.blobVersionedHashes ?? []).length,
    status: receipt === null ? null : big(receipt.status),
    gasUsed: receipt === null ? null : big(receipt.gasUsed),
  };
}

async function receiptsOf(client: ExplorerContext["l1"], block: RpcObject): Promise<(RpcObject | null)[]> {
  return Promise.all((block.transactions as RpcObject[]).map((tx) => client.call<RpcObject | null>("eth_getTransactionReceipt", [tx.hash])));
}

/** An L1 block: header fields, its transactions (decoded function, rollup, status) and the L2 blocks it verified. */
export async function l1BlockView(ctx: ExplorerContext, id: string) {
  const param = blockId(id);
  const block = await ("byHash" in param ? ctx.l1.call<RpcObject | null>("eth_getBlockByHash", [param.byHash, true]) : ctx.l1.call<RpcObject | null>("eth_getBlockByNumber", [param.byNumber, true]));
  if (block === null) throw new NotFoundError("No such L1 block", { block: id });
  const receipts = await receiptsOf(ctx.l1, block);
  await ctx.index.refresh();
  const number = BigInt(block.number);
  return {
    number,
    hash: block.hash,
    parentHash: block.parentHash,
    timestamp: big(block.timestamp),
    miner: block.miner,
    gasUsed: big(block.gasUsed),
    gasLimit: big(block.gasLimit),
    baseFeePerGas: big(block.baseFeePerGas),
    blobGasUsed: big(block.blobGasUsed),
    excessBlobGas: big(block.excessBlobGas),
    transactions: (block.transactions as RpcObject[]).map((tx, i) => txRow(ctx, tx, receipts[i]!, true)),
    verified: ctx.index.advances.filter((a) => a.l1.number === number).map((a) => advanceRow(ctx, a)),
  };
}

/** One verified L2 block as a row: which rollup, which block, its L1 transaction. */
export function advanceRow(ctx: ExplorerContext, a: AdvanceEntry) {
  return {
    chainId: rollupAt(ctx, a.rollup)?.chainId ?? null,
    rollup: a.rollup,
    number: a.number,
    blockHash: a.blockHash,
    gasUsed: a.gasUsed,
    blobs: a.blobHashes.length,
    messageCount: a.messageCount,
    l1Block: a.l1.number,
    l1Tx: a.l1.txHash,
  };
}

/** Decoded calldata with its long byte arguments (a witness, the transactions) cut to their size. */
function callView(input: string): (Decoded & { bytes: number }) | { bytes: number } {
  const decoded = decodeCall(input);
  return decoded === undefined ? { bytes: (input.length - 2) / 2 } : { ...decoded, bytes: (input.length - 2) / 2 };
}

/**
 * Why an L1 transaction reverted: it is run again with `eth_call` on its block's parent state, and
 * the revert data decoded (`NativeRollup_ExecutionFailed` is EXECUTE's "invalid").
 */
async function revertReason(ctx: ExplorerContext, tx: RpcObject): Promise<{ error: Decoded | null; message: string }> {
  const call: RpcObject = { from: tx.from, to: tx.to, data: tx.input, value: tx.value, gas: tx.gas };
  if (tx.blobVersionedHashes !== undefined) call.blobVersionedHashes = tx.blobVersionedHashes;
  try {
    await ctx.l1.call("eth_call", [call, quantity(BigInt(tx.blockNumber) - 1n)]);
    return { error: null, message: "the same call succeeds on the parent block's state: another transaction of its block changed what it read" };
  } catch (error) {
    const data = error instanceof ExplorerRpcError ? error.details.data : undefined;
    const hex = typeof data === "string" ? data : typeof (data as RpcObject | undefined)?.data === "string" ? (data as RpcObject).data : undefined;
    return { error: hex === undefined ? null : (decodeError(hex) ?? null), message: (error as Error).message.split("\n")[0]! };
  }
}

/** The blobs of an L1 transaction, each with its URL on the blob archive's beacon API. */
function blobsOf(ctx: ExplorerContext, l1Block: bigint, versionedHashes: string[]) {
  return versionedHashes.map((versionedHash, index) => ({
    index,
    versionedHash,
    url: ctx.blobUrl === undefined ? null : `${ctx.blobUrl}/eth/v1/beacon/blobs/${l1Block}?versioned_hashes=${versionedHash}`,
  }));
}

/** An L1 transaction: decoded call, receipt, decoded logs, the L2 blocks it verified, its blobs, why it reverted. */
export async function l1TxView(ctx: ExplorerContext, hash: string) {
  const [tx, receipt] = await Promise.all([ctx.l1.call<RpcObject | null>("eth_getTransactionByHash", [hash]), ctx.l1.call<RpcObject | null>("eth_getTransactionReceipt", [hash])]);
  if (tx === null) throw new NotFoundError("No such L1 transaction", { hash });
  await ctx.index.refresh();
  const advances = ctx.index.advances.filter((a) => a.l1.txHash === hash);
  const rollup = rollupAt(ctx, tx.to);
  const status = receipt === null ? null : BigInt(receipt.status);
  const blobHashes: string[] = tx.blobVersionedHashes ?? [];
  const blobGasUsed = big(receipt?.blobGasUsed) ?? BigInt(blobHashes.length) * GAS_PER_BLOB;
  return {
    hash,
    from: tx.from,
    to: tx.to,
    rollup: rollup?.chainId ?? null,
    value: big(tx.value),
    nonce: big(tx.nonce),
    type: big(tx.type),
    blockNumber: big(tx.blockNumber),
    blockHash: tx.blockHash,
    call: callView(tx.input),
    status,
    gas: {
      limit: big(tx.gas),
      used: big(receipt?.gasUsed),
      price: big(receipt?.effectiveGasPrice),
      blobGasUsed,
      blobGasPrice: big(receipt?.blobGasPrice),
    },
    blobs: tx.blockNumber === null ? [] : blobsOf(ctx, BigInt(tx.blockNumber), blobHashes),
    logs: ((receipt?.logs ?? []) as RpcObject[]).map((log) => logView(ctx, log, true)),
    verified: advances.map((a) => advanceRow(ctx, a)),
    // A bundle: one transaction verifying blocks of several rollups (RollupBundler.bundle).
    bundle: new Set(advances.map((a) => a.rollup)).size > 1 || decodeCall(tx.input)?.name === "bundle",
    revert: status === 0n && tx.to !== null ? await revertReason(ctx, tx) : null,
  };
}

/** Where L1 verified L2 block `number` of `rollup`: the advance's L1 transaction, EXECUTE's verdict, gas and blobs. */
export async function l1Verification(ctx: ExplorerContext, rollup: ExplorerRollup, number: bigint, nodeHash: string) {
  await ctx.index.refresh();
  const entry = ctx.index.advances.findLast((a) => a.rollup === rollup.address && a.number === number);
  if (entry === undefined) return null;
  const [tx, receipt] = await Promise.all([ctx.l1.call<RpcObject>("eth_getTransactionByHash", [entry.l1.txHash]), ctx.l1.call<RpcObject>("eth_getTransactionReceipt", [entry.l1.txHash])]);
  const call = decodeCall(tx.input);
  const sizeOf = (name: string) => {
    const value = call?.args.find((a) => a.name === name)?.value;
    return typeof value === "string" ? (value.length - 2) / 2 : null;
  };
  const sameTx = ctx.index.advances.filter((a) => a.l1.txHash === entry.l1.txHash);
  return {
    l1Block: entry.l1.number,
    l1BlockHash: entry.l1.hash,
    l1Tx: entry.l1.txHash,
    l1Depth: ctx.index.head - entry.l1.number + 1n,
    proposer: entry.proposer,
    function: call?.name ?? null,
    // BlockAdvanced is emitted only after EXECUTE returned success and its block hash equalled the claim.
    execute: { verdict: "valid", claimedHash: entry.blockHash, nodeHash, matches: entry.blockHash.toLowerCase() === nodeHash.toLowerCase() },
    gas: {
      l2: entry.gasUsed,
      l1: BigInt(receipt.gasUsed),
      l1Price: big(receipt.effectiveGasPrice),
      blob: big(receipt.blobGasUsed) ?? BigInt(entry.blobHashes.length) * GAS_PER_BLOB,
      blobPrice: big(receipt.blobGasPrice),
    },
    dataAvailability: entry.blobHashes.length > 0 ? "blobs" : "calldata",
    dataHash: entry.dataHash,
    witnessBytes: sizeOf("_witness"),
    blobs: blobsOf(ctx, entry.l1.number, entry.blobHashes),
    sidecarsUrl: ctx.blobUrl === undefined || entry.blobHashes.length === 0 ? null : `${ctx.blobUrl}/eth/v1/beacon/blob_sidecars/${entry.l1.number}`,
    messageCount: entry.messageCount,
    anchorBlockNumber: entry.anchorBlockNumber,
    bundle: new Set(sameTx.map((a) => a.rollup)).size > 1,
  };
}

/** Head, safe and finalized of a rollup, from its node's `rollup_status`. */
async function heads(rollup: ExplorerRollup) {
  const status = await rollup.l2.call<RpcObject>("rollup_status");
  return { head: BigInt(status.l2.head), safe: BigInt(status.l2.safe), finalized: BigInt(status.l2.finalized), l1Followed: BigInt(status.l1.followed.number), mempool: status.mempool === null ? null : { pending: BigInt(status.mempool.pending), queued: BigInt(status.mempool.queued) } };
}

/**
 * The operator's signed commitment to L2 block `number` if its node preconfirms (`preconf_getCommitment`)
 * and the commitment is to this very block; null otherwise (a node without preconfirmations has no such method).
 */
async function preconfirmationOf(rollup: ExplorerRollup, number: bigint, hash: string) {
  const given = await rollup.l2.call<RpcObject | null>("preconf_getCommitment", [`0x${number.toString(16)}`]).catch(() => null);
  if (given === null || given === undefined || String(given.hash).toLowerCase() !== hash.toLowerCase()) return null;
  const status = await rollup.l2.call<RpcObject>("preconf_getStatus").catch(() => null);
  return { operator: (status?.operator as string | undefined) ?? null, signature: given.signature as string, anchor: given.commitment.anchor as string };
}

/** An L2 block: header, transactions (decoded, with status), finality, and its L1 verification. */
export async function l2BlockView(ctx: ExplorerContext, chainId: bigint, id: string) {
  const rollup = rollupOf(ctx, chainId);
  const param = blockId(id);
  const block = await ("byHash" in param ? rollup.l2.call<RpcObject | null>("eth_getBlockByHash", [param.byHash, true]) : rollup.l2.call<RpcObject | null>("eth_getBlockByNumber", [param.byNumber, true]));
  if (block === null) throw new NotFoundError("No such L2 block", { chainId, block: id });
  const receipts = (await rollup.l2.call<RpcObject[] | null>("eth_getBlockReceipts", [block.hash])) ?? [];
  const number = BigInt(block.number);
  const h = await heads(rollup);
  const preconfirmation = number > h.safe ? await preconfirmationOf(rollup, number, block.hash) : null;
  return {
    chainId,
    rollup: rollup.address,
    number,
    hash: block.hash,
    parentHash: block.parentHash,
    timestamp: big(block.timestamp),
    miner: block.miner,
    stateRoot: block.stateRoot,
    gasUsed: big(block.gasUsed),
    gasLimit: big(block.gasLimit),
    baseFeePerGas: big(block.baseFeePerGas),
    // Above safe, a block the operator signed is "preconfirmed" (docs/preconf.md): promised, backed by its bond, not yet verified by L1.
    finality: number <= h.finalized ? "finalized" : number <= h.safe ? "safe" : preconfirmation !== null ? "preconfirmed" : "latest",
    preconfirmation,
    transactions: (block.transactions as RpcObject[]).map((tx, i) => txRow(ctx, tx, receipts[i] ?? null, false)),
    verification: number === 0n ? null : await l1Verification(ctx, rollup, number, block.hash),
  };
}

/** An L2 transaction: decoded call and logs, receipt, and the L1 verification of its block. */
export async function l2TxView(ctx: ExplorerContext, chainId: bigint, hash: string) {
  const rollup = rollupOf(ctx, chainId);
  const [tx, receipt] = await Promise.all([rollup.l2.call<RpcObject | null>("eth_getTransactionByHash", [hash]), rollup.l2.call<RpcObject | null>("eth_getTransactionReceipt", [hash])]);
  if (tx === null) throw new NotFoundError("No such L2 transaction", { chainId, hash });
  const status = await rollup.l2.call<{ status: string; reason?: string }>("ultrasound_getTransactionStatus", [hash]).catch(() => null);
  return {
    chainId,
    hash,
    from: tx.from,
    to: tx.to,
    value: big(tx.value),
    nonce: big(tx.nonce),
    type: big(tx.type),
    blockNumber: big(tx.blockNumber),
    blockHash: tx.blockHash,
    call: callView(tx.input),
    pool: status,
    status: receipt === null ? null : BigInt(receipt.status),
    contractAddress: receipt?.contractAddress ?? null,
    gas: { limit: big(tx.gas), used: big(receipt?.gasUsed), price: big(receipt?.effectiveGasPrice) },
    logs: ((receipt?.logs ?? []) as RpcObject[]).map((log) => logView(ctx, log, false)),
    verification: tx.blockNumber === null ? null : await l1Verification(ctx, rollup, BigInt(tx.blockNumber), tx.blockHash),
  };
}

/** An address on L1 and on every rollup (balance, nonce, code size); which rollup it is, if one. */
export async function addressView(ctx: ExplorerContext, address: string) {
  const on = async (client: ExplorerContext["l1"]) => {
    const [balance, nonce, code] = await Promise.all([
      client.call<string>("eth_getBalance", [address, "latest"]),
      client.call<string>("eth_getTransactionCount", [address, "latest"]),
      client.call<string>("eth_getCode", [address, "latest"]),
    ]);
    return { balance: BigInt(balance), nonce: BigInt(nonce), codeBytes: (code.length - 2) / 2 };
  };
  const rollups = ctx.rollups().slice(0, 32);
  const l2 = await Promise.all(rollups.map(async (r) => ({ chainId: r.chainId, ...(await on(r.l2).catch(() => ({ balance: null, nonce: null, codeBytes: null }))) })));
  return { address, l1: await on(ctx.l1), rollup: rollupAt(ctx, address)?.chainId ?? null, l2, shownRollups: rollups.length, rollupCount: ctx.rollups().length };
}

/** The front page: the L1 head and its latest blocks, every rollup's heads, the latest verified L2 blocks. */
export async function overviewView(ctx: ExplorerContext) {
  await ctx.index.refresh();
  const head = ctx.index.head;
  const latestL1 = await Promise.all(
    Array.from({ length: Number(head + 1n < 10n ? head + 1n : 10n) }, (_, i) => head - BigInt(i)).map(async (n) => {
      const b = await ctx.l1.call<RpcObject>("eth_getBlockByNumber", [quantity(n), false]);
      return { number: n, hash: b.hash, timestamp: big(b.timestamp), transactions: b.transactions.length, gasUsed: big(b.gasUsed), blobGasUsed: big(b.blobGasUsed) };
    }),
  );
  const rollups = await Promise.all(
    ctx.rollups().slice(0, 100).map(async (r) => ({ chainId: r.chainId, address: r.address, url: r.url, ...(await heads(r).catch(() => ({ head: null, safe: null, finalized: null, l1Followed: null, mempool: null }))) })),
  );
  return {
    l1: { url: ctx.l1.url, head },
    blobUrl: ctx.blobUrl ?? null,
    rollups,
    rollupCount: ctx.rollups().length,
    latestL1,
    latestL2: ctx.index.advances.slice(-20).reverse().map((a) => advanceRow(ctx, a)),
  };
}
