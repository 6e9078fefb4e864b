/**
 * An ethers `JsonRpcProvider` whose transport is Node's own `fetch` (issue 14 item 8). ethers
 * turns each request body into bytes, and each response back into a string, with a JavaScript
 * loop over the characters (`toUtf8Bytes`, `toUtf8String`): ≈ 40 ms of the devnet's RPC thread
 * for one blob `advance` (its sidecar is about a megabyte of hex) and as much again for a large
 * L1 block read back, time in which the L2 JSON-RPC answered nothing. Node encodes and parses in
 * native code, and the bodies are the same bytes.
 */
import { JsonRpcProvider, makeError, type JsonRpcApiProviderOptions, type JsonRpcPayload, type JsonRpcResult, type Networkish } from "ethers";

/** Options of {@link nativeJsonRpcProvider}: ethers' own, and how long one request may take. */
export interface NativeJsonRpcOptions extends JsonRpcApiProviderOptions {
  /** A request that takes longer fails with ethers' `TIMEOUT` error (default: ethers' 300 s). */
  timeoutMs?: number;
}

/** A `JsonRpcProvider` for `url` that sends through Node's `fetch` (see the file's comment); otherwise ethers' in every way. */
export function nativeJsonRpcProvider(url: string, network?: Networkish, options: NativeJsonRpcOptions = {}): JsonRpcProvider {
  const { timeoutMs = 300_000, ...rest } = options;
  return new NativeJsonRpcProvider(url, timeoutMs, network, rest);
}

class NativeJsonRpcProvider extends JsonRpcProvider {
  readonly #url: string;
  readonly #timeoutMs: number;

  constructor(url: string, timeoutMs: number, network: Networkish | undefined, options: JsonRpcApiProviderOptions) {
    super(url, network, options);
    this.#url = url;
    this.#timeoutMs = timeoutMs;
  }

  // ethers reads error answers from the same array (its type says results only).
  override async _send(payload: JsonRpcPayload | JsonRpcPayload[]): Promise<JsonRpcResult[]> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.#url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if ((error as Error).name === "TimeoutError") throw makeError(`timeout: ${this.#url} did not answer within ${this.#timeoutMs} ms`, "TIMEOUT", { operation: "request", reason: "timeout" });
      throw error;
    }
    if (!response.ok) {
      throw makeError(`server response ${response.status} ${response.statusText}`, "SERVER_ERROR", { request: this.#url, info: { status: response.status, body: text.slice(0, 200) } });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw makeError(`invalid JSON from ${this.#url}: ${text.slice(0, 100)}`, "SERVER_ERROR", { request: this.#url, info: { status: response.status }, error: error as Error });
    }
    return (Array.isArray(json) ? json : [json]) as JsonRpcResult[];
  }
}
