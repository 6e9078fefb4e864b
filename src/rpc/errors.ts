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
