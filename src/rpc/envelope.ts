/**
 * The JSON-RPC 2.0 envelope: which bodies are requests, notifications, batches or invalid, and
 * the response objects — apart from what the methods do. Geth and the JSON-RPC 2.0 spec decide
 * here: an invalid request is answered even when it has no id (`id: null`), a valid request
 * without an id is a notification and gets no answer, not even an error.
 */
import { excerpt, RpcError } from "./errors.js";
import type { Handler, RequestContext } from "./methods.js";

/** How long starting a batch's requests may hold the thread before it gives it back, in ms. */
const BATCH_SLICE_MS = 8;

/** A request's id as the spec allows it: a string, a number or null. */
type Id = string | number | null;

/**
 * A whole body (one request or a batch) → its answer, or undefined when nothing is to be
 * answered (notifications only). `[]` is one -32600; a batch above `maxBatch` is geth's answer
 * (an array of one -32600 "batch too large" carrying the first request's id); each bad entry of
 * a batch gets its own -32600.
 */
export async function handleBody(handlers: Map<string, Handler>, body: unknown, context: RequestContext, maxBatch: number): Promise<object | undefined> {
  if (!Array.isArray(body)) return handleRequest(handlers, body, context);
  if (body.length === 0) return errorResponse(null, invalidRequest("empty batch"));
  if (body.length > maxBatch) {
    const first = body.find((item) => readId(item).given);
    return [errorResponse(first === undefined ? null : readId(first).id, invalidRequest(`batch too large: ${body.length} requests, limit ${maxBatch}`))];
  }
  // Each request starts in turn, all run at once; the thread is given back every few ms between
  // starts, so a large batch of synchronous reads (500 receipts) does not hold it (issue 14 item 8).
  const started: ReturnType<typeof handleRequest>[] = [];
  let since = performance.now();
  for (const item of body) {
    if (performance.now() - since >= BATCH_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      since = performance.now();
    }
    started.push(handleRequest(handlers, item, context));
  }
  const answers = (await Promise.all(started)).filter((a) => a !== undefined);
  // Only notifications: nothing to answer (JSON-RPC 2.0 forbids an empty array).
  return answers.length === 0 ? undefined : answers;
}

/**
 * One request → its response object, or undefined for a notification (a valid request with no
 * `id` member: the client wants no answer, even to an error). A request that is not valid — not
 * an object, no string `method`, `jsonrpc` other than "2.0", an id that is not a string, number
 * or null — is answered -32600 with its id if that could be read, else null.
 */
export async function handleRequest(handlers: Map<string, Handler>, request: unknown, context: RequestContext): Promise<object | undefined> {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    return errorResponse(null, invalidRequest(`expected an object { jsonrpc, id, method, params }, got ${excerpt(request)}`));
  }
  const r = request as { id?: unknown; method?: unknown; params?: unknown; jsonrpc?: unknown };
  const { given, id, valid } = readId(r);
  if (!valid) return errorResponse(null, invalidRequest(`id must be a string, a number or null, got ${excerpt(r.id)}`));
  // Geth takes a request without `jsonrpc`; any other version than "2.0" is refused (as EDR does).
  if (r.jsonrpc !== undefined && r.jsonrpc !== "2.0") return errorResponse(id, invalidRequest(`jsonrpc must be "2.0", got ${excerpt(r.jsonrpc)}`));
  if (typeof r.method !== "string" || r.method === "") {
    return errorResponse(id, invalidRequest(`method must be a non-empty string, got ${"method" in r ? excerpt(r.method) : "none"}`));
  }
  let answer: object;
  try {
    const handler = handlers.get(r.method);
    if (handler === undefined) throw new RpcError(-32601, `the method ${excerpt(r.method)} does not exist/is not available`);
    const params = r.params === undefined || r.params === null ? [] : r.params;
    if (!Array.isArray(params)) throw new RpcError(-32602, `invalid params: params must be an array, got ${excerpt(params)}`);
    answer = { jsonrpc: "2.0", id, result: await handler(params, context) };
  } catch (error) {
    answer = errorResponse(id, error instanceof RpcError ? error : internalError(error));
  }
  return given ? answer : undefined;
}

/** A request's id: whether it has one, and whether it is one the spec allows. */
function readId(request: unknown): { given: boolean; id: Id; valid: boolean } {
  if (typeof request !== "object" || request === null || !("id" in request)) return { given: false, id: null, valid: true };
  const id = (request as { id: unknown }).id;
  const valid = id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
  return { given: true, id: valid ? (id as Id) : null, valid };
}

function invalidRequest(reason: string): RpcError {
  return new RpcError(-32600, `invalid request: ${reason}`);
}

/** An unexpected failure as -32603, one line of its message and no stack. */
export function internalError(error: unknown): RpcError {
  // One line of the message, no stack: it is for the client to report, not to read code from.
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0]!.slice(0, 200);
  return new RpcError(-32603, `internal error: ${line}`);
}

/** The response object of a failed request. */
export function errorResponse(id: unknown, error: RpcError): object {
  return { jsonrpc: "2.0", id, error: { code: error.code, message: error.message, ...(error.data !== undefined ? { data: error.data } : {}) } };
}
