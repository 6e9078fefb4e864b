/**
 * Log queries, polled filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_getFilterChanges`)
 * and WebSocket subscriptions (`eth_subscribe` newHeads / logs), over a {@link ChainView}.
 *
 * Subscriptions watch the head on a short timer (only while some exist) rather than hooking the
 * chain's writers: any view works the same way, whoever appends its blocks.
 */
import { randomBytes } from "node:crypto";
import { bytesToHex } from "@ethereumjs/util";
import { excerpt, RpcError } from "./errors.js";
import { formatHeader, formatLog } from "./format.js";
import { blockParam, logFilterParam, type LogFilterSpec } from "./params.js";
import { logMatches, type ChainLog, type ChainView, type LogQuery } from "./view.js";

/** Limits on log queries. */
export interface LogLimits {
  /** Most blocks one query may span (`-32005 query exceeds max block range`). */
  logRange: bigint;
  /** Most logs one answer may carry (`-32005 query returned more than … results`). */
  logCount: number;
}

/** Filters and subscriptions of one server (see the module comment). */
export interface Filters {
  /** `eth_getLogs`. */
  getLogs(spec: LogFilterSpec): ChainLog[];
  newLogFilter(spec: LogFilterSpec): string;
  newBlockFilter(): string;
  /** Block hashes or formatted logs since the last poll. Unknown id → -32000 "filter not found". */
  changes(id: string): unknown[];
  /** Every log a log filter matches over its whole range. */
  filterLogs(id: string): ChainLog[];
  uninstall(id: string): boolean;
  /** `eth_subscribe("newHeads" | "logs", options?)`: `notify` gets geth's `eth_subscription` messages. */
  subscribe(kind: unknown, options: unknown, notify: (message: object) => void): string;
  unsubscribe(id: string): boolean;
  /** Stops the head watcher. */
  close(): void;
}

/** A filter not polled for this long is removed (geth's 5 minutes). */
const FILTER_TIMEOUT_MS = 5 * 60_000;
/** Most filters and subscriptions alive at once. */
const MAX_FILTERS = 10_000;
/** Deepest reorg a subscription walks back over to find where its chain and the view's meet. */
const MAX_REORG_WALK = 256n;

/**
 * A polled filter. `seen`: the recent blocks it scanned (at most {@link MAX_REORG_WALK}), by
 * number, with their hash and the logs it reported from them: a poll that finds one of these
 * hashes replaced reports those logs again with `removed: true` (geth's behaviour).
 */
type Filter = { kind: "logs" | "blocks"; spec?: LogFilterSpec; last: bigint; polled: number; seen: Map<bigint, { hash: string; logs: ChainLog[] }> };

interface Subscription {
  kind: "newHeads" | "logs";
  query?: Pick<LogQuery, "address" | "topics">;
  notify: (message: object) => void;
}

/** Creates the filters of one server over `view`; `pollMs` is how often subscriptions look at the head (default 100). */
export function createFilters(view: ChainView, limits: LogLimits, pollMs = 100): Filters {
  const filters = new Map<string, Filter>();
  const subscriptions = new Map<string, Subscription>();
  const newId = () => {
    if (filters.size + subscriptions.size >= MAX_FILTERS) throw new RpcError(-32005, `too many filters and subscriptions (limit ${MAX_FILTERS})`);
    return "0x" + randomBytes(16).toString("hex");
  };

  /** A filter's range as numbers: tags resolved now, the top clamped to the head. */
  const range = (spec: LogFilterSpec): { from: bigint; to: bigint } | undefined => {
    const head = view.heads().latest;
    if (spec.blockHash !== undefined) {
      const number = view.numberOfHash(spec.blockHash);
      if (number === undefined) throw new RpcError(-32000, "unknown block");
      return { from: number, to: number };
    }
    const resolve = (tag: string | undefined) => {
      if (tag === undefined) return head;
      if (tag.startsWith("0x")) return BigInt(tag);
      return blockParam(view, tag).number;
    };
    const from = resolve(spec.fromBlock);
    let to = resolve(spec.toBlock);
    if (from > to && spec.toBlock !== undefined) throw new RpcError(-32000, "invalid block range params");
    if (to > head) to = head;
    return from > to ? undefined : { from, to };
  };
  const query = (spec: LogFilterSpec, from: bigint, to: bigint): ChainLog[] => {
    if (to - from + 1n > limits.logRange) throw new RpcError(-32005, `query exceeds max block range ${limits.logRange}`);
    const logs = view.logs({ fromBlock: from, toBlock: to, address: spec.address, topics: spec.topics });
    if (logs.length > limits.logCount) throw new RpcError(-32005, `query returned more than ${limits.logCount} results`);
    return logs;
  };
  const get = (id: string): Filter => {
    expire();
    const filter = filters.get(id);
    if (filter === undefined) throw new RpcError(-32000, "filter not found");
    filter.polled = Date.now();
    return filter;
  };
  /**
   * A block's hash, from its header alone: the filters compare hashes several times a second,
   * and reading the block read its body too (600 transactions split on every subscription tick).
   */
  const hashOf = (n: bigint): string | undefined => {
    const header = view.header(n);
    return header === undefined ? undefined : bytesToHex(header.hash());
  };
  /** A new filter: it reports what comes after the head, and remembers the head's hash. */
  const startAt = () => {
    const last = view.heads().latest;
    return { last, polled: Date.now(), seen: new Map([[last, { hash: hashOf(last)!, logs: [] as ChainLog[] }]]) };
  };
  const expire = () => {
    const now = Date.now();
    for (const [id, filter] of filters) if (now - filter.polled > FILTER_TIMEOUT_MS) filters.delete(id);
  };

  // The blocks subscriptions were last told of (the recent ones), with their logs: a block whose
  // hash differs now was replaced by a reorg; its logs are sent again with `removed: true`, then
  // the new chain is announced from the fork (geth's behaviour).
  const announced = new Map<bigint, { hash: string; logs: ChainLog[] }>();
  let seen = 0n;
  let timer: NodeJS.Timeout | undefined;
  // A block's logs are read only while a logs subscription listens (issue 14 item 8): on the node
  // they come from the block's decoded receipts — ≈ 40–60 ms of the RPC's thread for a
  // 1,000-transaction block — and the explorer's newHeads subscription alone made every block pay
  // it. A block announced with none read has none to take back at a reorg: no logs subscriber was
  // sent any of them.
  const blockLogs = (n: bigint): ChainLog[] => {
    for (const sub of subscriptions.values()) if (sub.kind === "logs") return view.logs({ fromBlock: n, toBlock: n, address: [], topics: [] });
    return [];
  };
  const watch = () => {
    if (timer !== undefined) return;
    seen = view.heads().latest;
    announced.clear();
    announced.set(seen, { hash: hashOf(seen)!, logs: blockLogs(seen) });
    timer = setInterval(tick, pollMs);
    timer.unref();
  };
  const tick = () => {
    if (subscriptions.size === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    try {
      const head = view.heads().latest;
      let start = (seen < head ? seen : head) + 1n;
      while (start > 1n && announced.has(start - 1n) && announced.get(start - 1n)!.hash !== hashOf(start - 1n)) start--;
      // Blocks taken out, newest first: their logs are no longer in the chain.
      for (let n = seen; n >= start; n--) {
        const gone = announced.get(n);
        announced.delete(n);
        if (gone === undefined) continue;
        for (const [id, sub] of subscriptions) {
          if (sub.kind !== "logs") continue;
          for (const log of [...gone.logs].reverse()) if (logMatches(log, sub.query!)) sub.notify(message(id, { ...formatLog(log), removed: true }));
        }
      }
      if (start - 1n < seen) seen = start - 1n;
      for (let n = start; n <= head; n++) {
        const header = view.header(n);
        if (header === undefined) break;
        const hash = bytesToHex(header.hash());
        const logs = blockLogs(n);
        for (const [id, sub] of subscriptions) {
          if (sub.kind === "newHeads") sub.notify(message(id, formatHeader(header)));
          else for (const log of logs) if (logMatches(log, sub.query!)) sub.notify(message(id, formatLog(log)));
        }
        announced.set(n, { hash, logs });
        announced.delete(n - MAX_REORG_WALK);
        seen = n;
      }
    } catch {
      // A view that cannot answer right now (a node closing): try again next tick.
    }
  };

  return {
    getLogs(spec) {
      const r = range(spec);
      return r === undefined ? [] : query(spec, r.from, r.to);
    },
    newLogFilter(spec) {
      range(spec); // refuses a bad range or hash now, not at the first poll
      const id = newId();
      filters.set(id, { kind: "logs", spec, ...startAt() });
      return id;
    },
    newBlockFilter() {
      const id = newId();
      filters.set(id, { kind: "blocks", ...startAt() });
      return id;
    },
    changes(id) {
      const filter = get(id);
      const head = view.heads().latest;
      // Where the filter's chain and the view's meet: the newest block it scanned that is still
      // canonical. Above it, a reorg replaced what the filter saw: its logs are taken back first.
      let fork = filter.last;
      while (fork >= 0n && filter.seen.has(fork) && filter.seen.get(fork)!.hash !== hashOf(fork)) fork--;
      const out: unknown[] = [];
      for (let n = filter.last; n > fork; n--) {
        const gone = filter.seen.get(n);
        filter.seen.delete(n);
        for (const log of [...(gone?.logs ?? [])].reverse()) out.push({ ...formatLog(log), removed: true });
      }
      filter.last = fork;
      if (head <= filter.last) return out;
      const from = filter.last + 1n;
      // The new blocks' hashes, kept for the next poll's reorg check (the recent ones only).
      const remember = (logs: ChainLog[]) => {
        const start = head - MAX_REORG_WALK + 1n > from ? head - MAX_REORG_WALK + 1n : from;
        for (let n = start; n <= head; n++) filter.seen.set(n, { hash: hashOf(n)!, logs: [] });
        for (const log of logs) filter.seen.get(log.blockNumber)?.logs.push(log);
        for (const n of filter.seen.keys()) if (n <= head - MAX_REORG_WALK) filter.seen.delete(n);
        filter.last = head;
      };
      if (filter.kind === "blocks") {
        for (let n = from; n <= head; n++) out.push(hashOf(n)!);
        remember([]);
        return out;
      }
      // New blocks only, within the filter's own numeric bounds (a tag bound moves with the chain).
      const { fromBlock, toBlock, blockHash } = filter.spec!;
      if (blockHash !== undefined) {
        remember([]);
        return out;
      }
      const start = fromBlock?.startsWith("0x") && BigInt(fromBlock) > from ? BigInt(fromBlock) : from;
      const to = toBlock?.startsWith("0x") && BigInt(toBlock) < head ? BigInt(toBlock) : head;
      const logs = start > to ? [] : query(filter.spec!, start, to);
      remember(logs);
      return [...out, ...logs.map(formatLog)];
    },
    filterLogs(id) {
      const filter = get(id);
      if (filter.kind !== "logs") throw new RpcError(-32000, "filter not found");
      const r = range(filter.spec!);
      return r === undefined ? [] : query(filter.spec!, r.from, r.to);
    },
    uninstall: (id) => filters.delete(id),
    subscribe(kind, options, notify) {
      let sub: Subscription;
      if (kind === "newHeads") {
        if (options !== undefined && options !== null && (typeof options !== "object" || Object.keys(options).length > 0)) {
          throw new RpcError(-32602, `invalid newHeads options: none are taken, got ${excerpt(options)}`);
        }
        sub = { kind: "newHeads", notify };
      } else if (kind === "logs") {
        const spec = logFilterParam(options);
        if (spec.fromBlock !== undefined || spec.toBlock !== undefined || spec.blockHash !== undefined) {
          throw new RpcError(-32602, "invalid logs options: a subscription takes address and topics only");
        }
        sub = { kind: "logs", query: { address: spec.address, topics: spec.topics }, notify };
      } else {
        throw new RpcError(-32602, `invalid subscription: expected "newHeads" or "logs", got ${excerpt(kind)}`);
      }
      const id = newId();
      subscriptions.set(id, sub);
      watch();
      return id;
    },
    unsubscribe: (id) => subscriptions.delete(id),
    close() {
      clearInterval(timer);
      timer = undefined;
      subscriptions.clear();
      filters.clear();
    },
  };
}

function message(subscription: string, result: unknown): object {
  return { jsonrpc: "2.0", method: "eth_subscription", params: { subscription, result } };
}

