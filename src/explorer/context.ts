/** What every explorer view reads: the L1, its rollup-event index, the rollups, the blob archive. */
import { UltrasoundError } from "../shared/errors.js";
import type { L1Index } from "./l1-index.js";
import type { ExplorerRollup, RpcClient } from "./rpc.js";

/** A JSON-RPC object as a node returns it (hex quantities, nested objects). */
export type RpcObject = Record<string, any>;

/** The explorer's sources. */
export interface ExplorerContext {
  l1: RpcClient;
  /** The blob archive's beacon API base URL, if there is one (links to blobs). */
  blobUrl?: string;
  index: L1Index;
  /** The rollups known now (refreshed as the factory creates more). */
  rollups(): ExplorerRollup[];
}

/** Something asked for is not there (HTTP 404): the details say what was looked for. */
export class NotFoundError extends UltrasoundError {
  override name = "NotFoundError";
}

/** A request the explorer cannot read (HTTP 400): a malformed hash, number or chain id. */
export class BadRequestError extends UltrasoundError {
  override name = "BadRequestError";
}

/** The rollup of a chain id; `NotFoundError` if the explorer does not know it. */
export function rollupOf(ctx: ExplorerContext, chainId: bigint): ExplorerRollup {
  const rollup = ctx.rollups().find((r) => r.chainId === chainId);
  if (rollup === undefined) throw new NotFoundError("No rollup with this chain id", { chainId, known: ctx.rollups().map((r) => r.chainId.toString()).join(", ") });
  return rollup;
}

/** The rollup whose L1 contract is `address`, if any. */
export function rollupAt(ctx: ExplorerContext, address: string | null | undefined): ExplorerRollup | undefined {
  if (address === null || address === undefined) return undefined;
  const lower = address.toLowerCase();
  return ctx.rollups().find((r) => r.address === lower);
}

/** A block parameter from a path segment: a decimal or 0x number, `latest`, or a 32-byte hash. */
export function blockId(text: string): { byHash: string } | { byNumber: string } {
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return { byHash: text.toLowerCase() };
  if (text === "latest") return { byNumber: "latest" };
  if (/^\d{1,20}$/.test(text)) return { byNumber: "0x" + BigInt(text).toString(16) };
  if (/^0x[0-9a-fA-F]{1,16}$/.test(text)) return { byNumber: "0x" + BigInt(text).toString(16) };
  throw new BadRequestError("A block is a number, `latest` or a 32-byte 0x hash", { got: text });
}

/** A 32-byte hash from a path segment, lowercase; `BadRequestError` otherwise. */
export function hashParam(text: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(text)) throw new BadRequestError("A hash is 0x and 64 hex digits", { got: text });
  return text.toLowerCase();
}

/** An address from a path segment, lowercase; `BadRequestError` otherwise. */
export function addressParam(text: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(text)) throw new BadRequestError("An address is 0x and 40 hex digits", { got: text });
  return text.toLowerCase();
}
