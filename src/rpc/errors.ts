/**
 * A JSON-RPC error with its standard code: -32700 parse error, -32600 invalid request, -32601
 * method not found, -32602 invalid params, -32603 internal, -32000 a server-side refusal (geth's
 * code for "nonce too low", "header not found", …), 3 a reverted call (with the revert data).
 * The message is one line a human can act on; it never echoes more than a short excerpt of input.
 */
export class RpcError extends Error {
  override name = "RpcError";
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

/** A short, single-line rendering of a client's value for an error message. */
export function excerpt(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? "undefined" : (JSON.stringify(value) ?? String(value));
  } catch {
    text = typeof value;
  }
  text = text.replace(/\s+/g, " ");
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/**
 * The JSON-RPC error of a raw transaction the mempool refused (`reason` in geth's words):
 * bytes that are no transaction this chain takes — not decodable, an unknown or unsupported
 * type, a signature no sender can be recovered from — are invalid params (-32602, as EDR
 * answers); every other refusal keeps geth's -32000 and wording, which ethers and viem classify
 * ("nonce too low", "insufficient funds for gas * price + value", …).
 */
export function rawTransactionError(reason: string, details: Record<string, unknown> = {}): RpcError {
  if (reason === "transaction type not supported" && typeof details.type === "number") {
    const blob = details.type === 3 ? " (blob transactions are not taken on this L2)" : "";
    return new RpcError(-32602, `transaction type not supported: type ${details.type}${blob}`);
  }
  if (reason === "invalid sender" && typeof details.reason === "string") return new RpcError(-32602, `invalid sender: ${details.reason}`);
  const malformed = reason.startsWith("transaction does not decode") || reason.startsWith("transaction type not supported") || reason.startsWith("invalid sender");
  return new RpcError(malformed ? -32602 : -32000, reason);
}
