/**
 * Sending blob (type-3) transactions.
 *
 * Hardhat refuses `eth_sendTransaction` for type 3 and rejects the EIP-7594 cell-proof sidecar, so
 * the transaction is signed here and sent with `eth_sendRawTransaction` in the EIP-4844 network
 * wrapper `0x03 ‖ rlp([tx_payload_body, blobs, commitments, proofs])` — one proof per blob. ethers
 * v6 builds exactly that wrapper from `Transaction.blobs` when `blobWrapperVersion` is unset.
 */
import { keccak256, SigningKey, Transaction, type Signer } from "ethers";
import { devAccounts } from "../engine/chain.js";
import { MAX_BLOBS_PER_BLOCK } from "../engine/types.js";
import type { BlobArchive } from "./archive.js";
import { BlobSignerError, BlobTransactionError, BlobTransactionRevertedError } from "./errors.js";
import { bytesToHex } from "../shared/bytes.js";
import { makeSidecar, toVersionedHash, type BlobSidecar } from "./kzg.js";
import { RLP } from "@ethereumjs/rlp";

/**
 * Most blobs one transaction may carry: EIP-7594 (Osaka) caps it at 6. The in-process Hardhat node
 * accepts up to the block's 9, but a real L1 would not, so we refuse more here.
 */
export const MAX_BLOBS_PER_TRANSACTION = MAX_BLOBS_PER_BLOCK;

/** Blob transaction parameters. `blobs` (raw 131072-byte blobs) or a precomputed `sidecar`. */
export interface SendBlobTransactionParams {
  to: string;
  data?: string | Uint8Array;
  value?: bigint;
  blobs?: readonly Uint8Array[];
  sidecar?: BlobSidecar;
  /** Default: `eth_estimateGas` of the call (with the blob hashes) plus 20 %. */
  gasLimit?: bigint;
  /** Default: twice the node's blob base fee (at least 1 wei). */
  maxFeePerBlobGas?: bigint;
  maxFeePerGas?: bigint;
  maxPriorityFeePerGas?: bigint;
  nonce?: number;
  /** Stores the sidecar under the inclusion block once the receipt is in (reverted or not). */
  archive?: BlobArchive;
  /** Throw `BlobTransactionRevertedError` when the receipt has status 0. Default true. */
  requireSuccess?: boolean;
  /** How long to poll for the receipt. Default 60 000 ms. */
  timeoutMs?: number;
}

/** JSON-RPC receipt as returned by the node (hex quantities). */
export interface RpcReceipt {
  transactionHash: string;
  blockNumber: string;
  blockHash: string;
  transactionIndex: string;
  status: string;
  gasUsed: string;
  blobGasUsed?: string;
  blobGasPrice?: string;
  [key: string]: unknown;
}

/** What `sendBlobTransaction` returns once the transaction is included. */
export interface SentBlobTransaction {
  hash: string;
  versionedHashes: string[];
  blockNumber: number;
  blockHash: string;
  transactionIndex: number;
  sidecar: BlobSidecar;
  receipt: RpcReceipt;
}

/** A provider we can send raw JSON-RPC through (ethers JsonRpcProvider, HardhatEthersProvider). */
interface RpcProvider {
  send(method: string, params: unknown[]): Promise<any>;
}

/**
 * Signs and sends a blob transaction, waits for its receipt and returns it with the versioned
 * hashes. `signer` must have a provider; it may be an ethers Wallet, or any signer whose address is
 * one of Hardhat's 20 default accounts (their keys are derived from the public default mnemonic).
 * Throws `BlobSignerError` for other signers, `BlobTransactionError` if the node rejects the
 * transaction or no receipt comes in `timeoutMs`, `BlobTransactionRevertedError` on status 0.
 */
export async function sendBlobTransaction(
  signer: Signer,
  params: SendBlobTransactionParams,
): Promise<SentBlobTransaction> {
  const provider = signer.provider as unknown as RpcProvider | null;
  if (!provider || typeof provider.send !== "function") {
    throw new BlobSignerError(await signer.getAddress(), "the signer needs a JSON-RPC provider with send()");
  }
  const from = await signer.getAddress();
  const key = await signingKeyOf(signer, from);
  const sidecar = params.sidecar ?? makeSidecar(params.blobs ?? []);
  if (sidecar.blobs.length === 0) throw new BlobTransactionError("a blob transaction needs at least one blob");
  if (sidecar.blobs.length > MAX_BLOBS_PER_TRANSACTION) {
    throw new BlobTransactionError(`${sidecar.blobs.length} blobs exceed the ${MAX_BLOBS_PER_TRANSACTION} a transaction may carry (EIP-7594)`);
  }
  const data = params.data === undefined ? "0x" : typeof params.data === "string" ? params.data : bytesToHex(params.data);

  const [chainIdHex, nonceHex, blobBaseFeeHex, block, priorityHex] = await Promise.all([
    provider.send("eth_chainId", []),
    params.nonce === undefined ? provider.send("eth_getTransactionCount", [from, "pending"]) : null,
    params.maxFeePerBlobGas === undefined ? provider.send("eth_blobBaseFee", []) : null,
    provider.send("eth_getBlockByNumber", ["latest", false]),
    params.maxPriorityFeePerGas === undefined ? provider.send("eth_maxPriorityFeePerGas", []).catch(() => "0x3b9aca00") : null,
  ]);
  const maxPriorityFeePerGas = params.maxPriorityFeePerGas ?? BigInt(priorityHex);
  // Twice the base fee survives six full blocks of base-fee growth before the tx is underpriced.
  const maxFeePerGas = params.maxFeePerGas ?? 2n * BigInt(block.baseFeePerGas ?? 0) + maxPriorityFeePerGas;
  const maxFeePerBlobGas = params.maxFeePerBlobGas ?? max(2n * BigInt(blobBaseFeeHex), 1n);
  const gasLimit =
    params.gasLimit ??
    (await estimateGas(provider, { from, to: params.to, data, value: params.value ?? 0n }, sidecar, maxFeePerBlobGas));

  const tx = Transaction.from({
    type: 3,
    chainId: BigInt(chainIdHex),
    nonce: params.nonce ?? Number(BigInt(nonceHex)),
    to: params.to,
    value: params.value ?? 0n,
    data,
    gasLimit,
    maxFeePerGas,
    maxPriorityFeePerGas,
    maxFeePerBlobGas,
    // Only the hashes: ethers takes ≈ 70 ms per blob to build and serialize full blob objects
    // (hex strings of 131,072 bytes), on the thread that also serves the L2 JSON-RPC in the
    // devnet; the network wrapper is encoded from bytes below (blobNetworkWrapper).
    blobVersionedHashes: sidecar.versionedHashes,
  });
  const derived = sidecar.commitments.map(toVersionedHash);
  if (derived.join() !== sidecar.versionedHashes.join()) {
    // Only possible with a hand-made sidecar whose hashes do not match its commitments.
    throw new BlobTransactionError(`sidecar versioned hashes [${sidecar.versionedHashes}] do not match its commitments [${derived}]`);
  }
  tx.signature = key.sign(tx.unsignedHash);
  // Serialized once: ethers re-encodes the transaction for each getter (`hash` too), ≈ 45 ms for
  // a shared advance's 50 KB of calldata. The hash is keccak256 of the canonical encoding.
  const canonical = tx.serialized;
  const raw = blobNetworkWrapper(canonical, sidecar);

  let hash = keccak256(canonical);
  try {
    hash = await provider.send("eth_sendRawTransaction", [raw]);
  } catch (e) {
    // Hardhat automining throws on a revert although the tx was mined (its blobs are on L1):
    // only a tx without a receipt was really rejected.
    const mined = await provider.send("eth_getTransactionReceipt", [hash]).catch(() => null);
    if (!mined) {
      throw new BlobTransactionError(`eth_sendRawTransaction rejected it: ${(e as Error).message}`, hash, { cause: e });
    }
  }
  const receipt = await waitForReceipt(provider, hash, params.timeoutMs ?? 60_000);
  const result: SentBlobTransaction = {
    hash,
    versionedHashes: sidecar.versionedHashes,
    blockNumber: Number(BigInt(receipt.blockNumber)),
    blockHash: receipt.blockHash,
    transactionIndex: Number(BigInt(receipt.transactionIndex)),
    sidecar,
    receipt,
  };
  // Archive before judging the status: a reverted blob transaction still put its blobs on L1.
  params.archive?.put({
    blockNumber: result.blockNumber,
    blockHash: result.blockHash,
    txHash: hash,
    txIndex: result.transactionIndex,
    sidecar,
  });
  if ((params.requireSuccess ?? true) && BigInt(receipt.status) !== 1n) {
    throw new BlobTransactionRevertedError(hash, result.blockNumber, sidecar.versionedHashes);
  }
  return result;
}

/**
 * The EIP-4844 network wrapper of a signed type-3 transaction: `0x03 ‖ rlp([tx_payload_body,
 * blobs, commitments, proofs])` from its canonical encoding `0x03 ‖ rlp(tx_payload_body)` and the
 * sidecar — the bytes ethers' `serialized` gives when the transaction holds its blobs, built with
 * byte RLP instead of hex strings. The transaction hash stays keccak256 of the canonical encoding.
 */
export function blobNetworkWrapper(canonical: string, sidecar: Pick<BlobSidecar, "blobs" | "commitments" | "proofs">): string {
  const bytes = Buffer.from(canonical.slice(2), "hex");
  if (bytes[0] !== 3) throw new BlobTransactionError(`not a type-3 transaction: starts with 0x${bytes.subarray(0, 1).toString("hex")}`);
  const body = RLP.decode(bytes.subarray(1)) as Uint8Array[];
  const wrapper = RLP.encode([body, [...sidecar.blobs], [...sidecar.commitments], [...sidecar.proofs]]);
  return "0x03" + Buffer.from(wrapper.buffer, wrapper.byteOffset, wrapper.byteLength).toString("hex");
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

let defaultKeys: Map<string, SigningKey> | undefined;

/** The signing key of `signer`: its own (a Wallet), or a Hardhat default account's. */
async function signingKeyOf(signer: Signer, address: string): Promise<SigningKey> {
  const own = (signer as { signingKey?: SigningKey }).signingKey;
  if (own) return own;
  defaultKeys ??= new Map(devAccounts().map((a) => [a.address.toLowerCase(), new SigningKey(a.privateKey)]));
  const key = defaultKeys.get(address.toLowerCase());
  if (!key) {
    throw new BlobSignerError(
      address,
      "it is not a Hardhat default account and the signer exposes no key; pass an ethers Wallet " +
        "(nodes refuse eth_sendTransaction for type-3 transactions, so it must be signed locally)",
    );
  }
  return key;
}

async function estimateGas(
  provider: RpcProvider,
  call: { from: string; to: string; data: string; value: bigint },
  sidecar: BlobSidecar,
  maxFeePerBlobGas: bigint,
): Promise<bigint> {
  // The blob hashes go with the call so that BLOBHASH in the callee sees them while estimating.
  const request = {
    from: call.from,
    to: call.to,
    data: call.data,
    value: "0x" + call.value.toString(16),
    type: "0x3",
    blobVersionedHashes: sidecar.versionedHashes,
    maxFeePerBlobGas: "0x" + maxFeePerBlobGas.toString(16),
  };
  try {
    const gas = BigInt(await provider.send("eth_estimateGas", [request]));
    return gas + gas / 5n;
  } catch (e) {
    throw new BlobTransactionError(`eth_estimateGas failed (pass gasLimit to skip it): ${(e as Error).message}`, undefined, {
      cause: e,
    });
  }
}

async function waitForReceipt(provider: RpcProvider, hash: string, timeoutMs: number): Promise<RpcReceipt> {
  const deadline = Date.now() + timeoutMs;
  // Hardhat automines, so the first poll usually has it; with interval mining we poll.
  for (let delay = 0; ; delay = Math.min(Math.max(delay * 2, 25), 500)) {
    const receipt = (await provider.send("eth_getTransactionReceipt", [hash])) as RpcReceipt | null;
    if (receipt) return receipt;
    if (Date.now() + delay > deadline) {
      throw new BlobTransactionError(`no receipt after ${timeoutMs} ms`, hash);
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}
