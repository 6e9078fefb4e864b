/**
 * The L2 mempool (see `Mempool`, mempool-types.ts): geth's rules for what comes in, nonce order
 * and gaps, replacement and eviction. Its types are mempool-types.ts, its helpers mempool-util.ts.
 */
import type { BlockHeader } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import type { L2Chain } from "../engine/state.js";
import { decodeTransaction } from "../engine/transactions.js";
import { presetSender, recoverSenderOffThread, type RecoveredSender } from "./senders-offthread.js";
import { MAX_INITCODE_SIZE, mempoolChainOf, TRANSACTION_GAS_CAP, TransactionRejectedError, type DroppedTransaction, type Entry, type Mempool, type MempoolChain, type MempoolContent, type MempoolOptions, type Sender } from "./mempool-types.js";
import { ceilPercent, cheaper, createAccountReader, feesOf, Heap, oneLine, parseHex, peekFields, reasonOf } from "./mempool-util.js";

export * from "./mempool-types.js";
export { feesOf, oneLine } from "./mempool-util.js";

/** A mempool for one L2 chain (see {@link Mempool}): an in-memory chain or a node's view of one. */
export function createMempool(l2: L2Chain | MempoolChain, options: MempoolOptions = {}): Mempool {
  const chain = "headers" in l2 ? mempoolChainOf(l2) : l2;
  const common = createL2Common(chain.chainId);
  const chainId = chain.chainId;
  const limits = {
    total: options.maxTransactions ?? 8192,
    perSender: options.maxPerSender ?? 1024,
    queuedPerSender: options.maxQueuedPerSender ?? 64,
    bump: BigInt(options.priceBumpPercent ?? 10),
    bytes: options.maxTransactionBytes ?? 131_072,
    queueLifetimeMs: options.queueLifetimeMs ?? 3 * 60 * 60 * 1000,
    droppedHistory: options.droppedHistory ?? 4096,
  };
  const senders = new Map<string, Sender>();
  const byHash = new Map<string, Entry>();
  const dropped = new Map<string, DroppedTransaction>();
  let sequence = 0;
  let syncedHead = bytesToHex(chain.head().hash());
  // The head at which the pool is known to hold no included transaction (a sync's re-check
  // finished there; adds at that head check their own): `pending()` then asks the chain's index
  // about none of its entries. Until then (a head moved, the pool not synced yet) it asks about
  // each — one store read per entry on a node, and the proposer loop's wanted check calls it on
  // every tick: with a thousand pending, ≈ 1,000 reads per tick on the RPC's thread.
  let cleanHead: string | undefined = syncedHead;
  // When the first entry may expire (ms since the epoch): the expiry sweep waits until then.
  let nextExpiry = Infinity;
  // add() and sync() read state and then write the pool: one at a time.
  let lock: Promise<unknown> = Promise.resolve();
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = lock.then(work);
    lock = run.catch(() => undefined);
    return run;
  };

  // The next base fee of the last head asked about: one add reads the head once (a node's head
  // is a checked store read, ≈ 0.1 ms under load, and it was read three times per add).
  let baseFeeOf: { header: BlockHeader; baseFee: bigint } | undefined;
  const nextBaseFee = (head: BlockHeader = chain.head()) => {
    if (baseFeeOf?.header !== head) baseFeeOf = { header: head, baseFee: head.calcNextBaseFee() };
    return baseFeeOf.baseFee;
  };
  const readAccount = createAccountReader(chain);

  async function senderState(address: string, head: BlockHeader): Promise<Sender> {
    let sender = senders.get(address);
    if (sender === undefined) {
      const account = await readAccount(address, head);
      sender = { nonce: account.nonce, balance: account.balance, txs: new Map() };
    }
    return sender;
  }

  /** The end of `sender`'s gapless run: the first nonce it has no transaction for. */
  function runEnd(sender: Sender): bigint {
    let nonce = sender.nonce;
    while (sender.txs.has(nonce)) nonce++;
    return nonce;
  }

  function remember(entry: Entry, reason: string): DroppedTransaction {
    const record: DroppedTransaction = { hash: entry.hash, sender: entry.sender, nonce: entry.nonce, reason };
    dropped.delete(entry.hash);
    dropped.set(entry.hash, record);
    while (dropped.size > limits.droppedHistory) dropped.delete(dropped.keys().next().value!);
    return record;
  }

  function unlink(entry: Entry): void {
    byHash.delete(entry.hash);
    const sender = senders.get(entry.sender);
    if (sender === undefined) return;
    if (sender.txs.get(entry.nonce) === entry) sender.txs.delete(entry.nonce);
    if (sender.txs.size === 0) senders.delete(entry.sender);
  }

  function evict(entry: Entry, reason: string): DroppedTransaction {
    unlink(entry);
    return remember(entry, reason);
  }

  async function syncLocked(fromState = false, header: BlockHeader = chain.head()): Promise<DroppedTransaction[]> {
    const head = bytesToHex(header.hash());
    const out: DroppedTransaction[] = [];
    const now = Date.now();
    // `remove` moves a sender's nonce past what a proposer took; `fromState` takes it back from
    // the chain's state even on the same head (the proposer's block never reached the node).
    if (head !== syncedHead || fromState) {
      syncedHead = head;
      // Not clean until every sender is re-checked (the reads below await: pending() may run between).
      cleanHead = undefined;
      // A fee cap below the new base fee is no reason to drop: the transaction waits (pending()).
      for (const [address, sender] of [...senders]) {
        const account = await readAccount(address, header);
        sender.nonce = account.nonce;
        sender.balance = account.balance;
        for (const entry of [...sender.txs.values()].sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
          if (entry.nonce < sender.nonce) {
            // Included, or its nonce was used by another transaction: either way it is over.
            if (chain.includedAt(entry.hash) !== undefined) unlink(entry);
            else out.push(evict(entry, `nonce too low: nonce ${entry.nonce} was used by another transaction`));
          } else if (entry.cost > sender.balance) {
            out.push(evict(entry, `insufficient funds for gas * price + value: balance ${sender.balance}, tx cost ${entry.cost}`));
          }
        }
      }
      cleanHead = head;
    }
    // The expiry sweep visits every entry: only when one may have expired (it ran on every add,
    // quadratic in the pool's size — ≈ 0.2 ms per add with a thousand pending).
    if (now > nextExpiry) {
      nextExpiry = Infinity;
      for (const sender of [...senders.values()]) {
        const end = runEnd(sender);
        for (const entry of [...sender.txs.values()]) {
          if (entry.nonce > end && now - entry.addedAt > limits.queueLifetimeMs) {
            out.push(evict(entry, `expired: waited ${Math.round((now - entry.addedAt) / 1000)} s for nonce ${end}`));
          } else nextExpiry = Math.min(nextExpiry, entry.addedAt + limits.queueLifetimeMs);
        }
      }
    }
    return out;
  }

  async function addLocked(raw: string | Uint8Array, recovered: Promise<RecoveredSender | undefined>): Promise<string> {
    // The head once for this add: what it syncs to is what it checks against.
    const head = chain.head();
    await syncLocked(false, head);
    const bytes = typeof raw === "string" ? parseHex(raw) : raw;
    const entry = admit(bytes, await recovered, head);
    if (byHash.has(entry.hash)) throw new TransactionRejectedError("already known", { hash: entry.hash });
    if (chain.includedAt(entry.hash) !== undefined) throw new TransactionRejectedError("already known", { hash: entry.hash });

    const sender = await senderState(entry.sender, head);
    if (entry.nonce < sender.nonce) {
      throw new TransactionRejectedError(`nonce too low: next nonce ${sender.nonce}, tx nonce ${entry.nonce}`, { sender: entry.sender });
    }
    const replaced = sender.txs.get(entry.nonce);
    if (replaced !== undefined) {
      const enough = (next: bigint, old: bigint) => next * 100n >= old * (100n + limits.bump);
      if (!enough(entry.feeCap, replaced.feeCap) || !enough(entry.tipCap, replaced.tipCap)) {
        throw new TransactionRejectedError("replacement transaction underpriced", {
          replaces: replaced.hash,
          needs: `max fee ≥ ${ceilPercent(replaced.feeCap, limits.bump)} and tip ≥ ${ceilPercent(replaced.tipCap, limits.bump)}`,
        });
      }
    }
    if (sender.balance < entry.cost) {
      throw new TransactionRejectedError(
        `insufficient funds for gas * price + value: balance ${sender.balance}, tx cost ${entry.cost}, overshot ${entry.cost - sender.balance}`,
        { sender: entry.sender },
      );
    }
    let queuedCost = 0n;
    for (const other of sender.txs.values()) if (other !== replaced) queuedCost += other.cost;
    if (sender.balance < queuedCost + entry.cost) {
      throw new TransactionRejectedError(
        `insufficient funds for gas * price + value: balance ${sender.balance}, queued cost ${queuedCost}, tx cost ${entry.cost}, ` +
          `overshot ${queuedCost + entry.cost - sender.balance}`,
        { sender: entry.sender },
      );
    }
    if (replaced === undefined) {
      if (sender.txs.size >= limits.perSender) {
        throw new TransactionRejectedError(`account limit exceeded: ${sender.txs.size} transactions pending, limit ${limits.perSender}`, {
          sender: entry.sender,
        });
      }
      const end = runEnd(sender);
      if (entry.nonce > end) {
        let queued = 0;
        for (const nonce of sender.txs.keys()) if (nonce > end) queued++;
        if (queued >= limits.queuedPerSender) {
          throw new TransactionRejectedError(
            `account limit exceeded: ${queued} transactions already wait for nonce ${end}, limit ${limits.queuedPerSender}`,
            { sender: entry.sender },
          );
        }
      }
      if (byHash.size >= limits.total) makeRoomFor(entry);
    }
    if (replaced !== undefined) evict(replaced, `replaced by ${entry.hash}`);
    senders.set(entry.sender, sender);
    sender.txs.set(entry.nonce, entry);
    byHash.set(entry.hash, entry);
    nextExpiry = Math.min(nextExpiry, entry.addedAt + limits.queueLifetimeMs);
    dropped.delete(entry.hash);
    return entry.hash;
  }

  /**
   * The pool is full: evict the cheapest transaction that leaves no gap behind — the last one of
   * some other sender, gapped ones first — if `incoming` pays more; otherwise refuse it.
   */
  function makeRoomFor(incoming: Entry): void {
    let cheapest: { entry: Entry; queued: boolean } | undefined;
    for (const [address, sender] of senders) {
      if (address === incoming.sender) continue;
      let last: Entry | undefined;
      for (const entry of sender.txs.values()) if (last === undefined || entry.nonce > last.nonce) last = entry;
      if (last === undefined) continue;
      const queued = last.nonce > runEnd(sender);
      if (cheapest === undefined || (queued && !cheapest.queued) || (queued === cheapest.queued && cheaper(last, cheapest.entry))) {
        cheapest = { entry: last, queued };
      }
    }
    if (cheapest === undefined || !cheaper(cheapest.entry, incoming)) {
      throw new TransactionRejectedError(`transaction underpriced: the pool is full (${limits.total}) and this pays no more than what it holds`);
    }
    evict(cheapest.entry, `evicted: the pool was full and ${incoming.hash} paid more`);
  }

  /**
   * Decodes and checks what needs no state: everything but nonce, balance and duplicates.
   * `recovered`: the sender's public key and the hash the worker computed from these bytes, if it did.
   */
  function admit(bytes: Uint8Array, recovered: RecoveredSender | undefined, head: BlockHeader): Entry {
    if (bytes.length > limits.bytes) {
      throw new TransactionRejectedError(`oversized data: transaction size ${bytes.length}, limit ${limits.bytes}`);
    }
    if (bytes.length === 0) throw new TransactionRejectedError("transaction does not decode: empty");
    const type = bytes[0]! >= 0xc0 ? 0 : bytes[0]!;
    if (type !== 0 && type !== 1 && type !== 2 && type !== 4) {
      throw new TransactionRejectedError("transaction type not supported", { type });
    }
    const peeked = peekFields(bytes, type);
    if (peeked === undefined) throw new TransactionRejectedError("transaction does not decode: not an RLP list of transaction fields");
    if (peeked.chainId === "unprotected") {
      if (options.allowUnprotected !== true) {
        throw new TransactionRejectedError("only replay-protected (EIP-155) transactions allowed over RPC");
      }
    } else if (peeked.chainId !== chainId) {
      throw new TransactionRejectedError(`invalid chain id for signer: have ${peeked.chainId} want ${chainId}`);
    }
    const gasLimit = peeked.gasLimit;
    const blockGasLimit = head.gasLimit;
    if (gasLimit > blockGasLimit) throw new TransactionRejectedError("exceeds block gas limit", { gasLimit, blockGasLimit });
    if (gasLimit > TRANSACTION_GAS_CAP) {
      throw new TransactionRejectedError(`transaction gas limit too high (cap: ${TRANSACTION_GAS_CAP}, tx: ${gasLimit})`);
    }
    if (peeked.initCodeSize !== undefined && peeked.initCodeSize > MAX_INITCODE_SIZE) {
      throw new TransactionRejectedError(`max initcode size exceeded: code size ${peeked.initCodeSize}, limit ${MAX_INITCODE_SIZE}`);
    }
    let tx: TypedTransaction;
    try {
      tx = decodeTransaction(bytes, common);
    } catch (error) {
      throw new TransactionRejectedError(`transaction does not decode: ${oneLine(reasonOf(error))}`, {}, { cause: error });
    }
    if (recovered !== undefined) presetSender(tx, recovered);
    let sender: string;
    try {
      sender = tx.getSenderAddress().toString();
    } catch (error) {
      throw new TransactionRejectedError("invalid sender", { reason: oneLine(reasonOf(error)) }, { cause: error });
    }
    const hash = bytesToHex(tx.hash());
    // A tip above the fee cap does not decode (ethereumjs refuses it): nothing to check here.
    const { feeCap, tipCap } = feesOf(tx);
    const intrinsic = tx.getIntrinsicGas();
    if (gasLimit < intrinsic) throw new TransactionRejectedError(`intrinsic gas too low: gas ${gasLimit}, minimum needed ${intrinsic}`);
    const floor = tx.getMinimumGasLimit();
    if (gasLimit < floor) {
      throw new TransactionRejectedError(`insufficient gas for floor data gas cost: gas ${gasLimit}, minimum needed ${floor}`);
    }
    const baseFee = nextBaseFee(head);
    if (feeCap < baseFee) {
      throw new TransactionRejectedError(`max fee per gas less than block base fee: address ${sender}, maxFeePerGas: ${feeCap}, baseFee: ${baseFee}`);
    }
    return {
      tx,
      hash,
      sender,
      nonce: tx.nonce,
      cost: gasLimit * feeCap + tx.value,
      feeCap,
      tipCap,
      sequence: sequence++,
      addedAt: Date.now(),
    };
  }

  function pending(): TypedTransaction[] {
    const head = chain.head();
    const baseFee = nextBaseFee(head);
    const clean = cleanHead !== undefined && bytesToHex(head.hash()) === cleanHead;
    // One executable run per sender, each in nonce order; included ones never come back.
    const runs: Entry[][] = [];
    for (const sender of senders.values()) {
      const run: Entry[] = [];
      for (let nonce = sender.nonce; ; nonce++) {
        const entry = sender.txs.get(nonce);
        // Below the base fee, it and what follows wait for the fee to come down.
        if (entry === undefined || entry.feeCap < baseFee) break;
        // Included by a block the pool has not synced with yet: not offered again (its successors are).
        if (clean || chain.includedAt(entry.hash) === undefined) run.push(entry);
      }
      if (run.length > 0) runs.push(run);
    }
    // Merge the runs: always the best-paying head next (geth's price-and-nonce order).
    const tip = (e: Entry) => (e.feeCap - baseFee < e.tipCap ? e.feeCap - baseFee : e.tipCap);
    const better = (a: Entry[], b: Entry[]) => {
      const ta = tip(a[0]!);
      const tb = tip(b[0]!);
      return ta !== tb ? ta > tb : a[0]!.sequence < b[0]!.sequence;
    };
    const heap = new Heap<Entry[]>(better);
    for (const run of runs) heap.push(run);
    const out: TypedTransaction[] = [];
    for (let run = heap.pop(); run !== undefined; run = heap.pop()) {
      out.push(run.shift()!.tx);
      if (run.length > 0) heap.push(run);
    }
    return out;
  }

  return {
    add(raw) {
      // The sender is recovered on a worker thread while earlier adds run; adds still take the
      // lock in call order, each waiting for its own key there.
      const bytes = typeof raw === "string" ? (/^0x([0-9a-fA-F]{2})*$/.test(raw) ? hexToBytes(raw as `0x${string}`) : undefined) : raw;
      const senderKey = bytes === undefined || bytes.length === 0 || bytes.length > limits.bytes ? Promise.resolve(undefined) : recoverSenderOffThread(bytes, chainId);
      // Bytes parsed once (a string that is not hex goes on as it is: addLocked refuses it in its words).
      return serialized(() => addLocked(bytes ?? raw, senderKey));
    },
    pending,
    queued() {
      const out: TypedTransaction[] = [];
      for (const sender of senders.values()) {
        const end = runEnd(sender);
        for (const entry of sender.txs.values()) if (entry.nonce > end) out.push(entry.tx);
      }
      return out;
    },
    nextNonce: (address) =>
      serialized(async () => {
        await syncLocked();
        const sender = senders.get(address.toLowerCase());
        if (sender !== undefined) return runEnd(sender);
        return (await readAccount(address.toLowerCase())).nonce;
      }),
    remove(hashes) {
      for (const hash of hashes) {
        const entry = byHash.get(hash.toLowerCase());
        if (entry === undefined) continue;
        const sender = senders.get(entry.sender);
        if (sender !== undefined && sender.nonce <= entry.nonce) sender.nonce = entry.nonce + 1n;
        unlink(entry);
      }
    },
    drop(hash, reason) {
      const entry = byHash.get(hash.toLowerCase());
      return entry === undefined ? undefined : evict(entry, oneLine(reason));
    },
    sync: (options) => serialized(() => syncLocked(options?.fromState === true)),
    status(hash) {
      const key = hash.toLowerCase();
      const entry = byHash.get(key);
      if (entry !== undefined) {
        const sender = senders.get(entry.sender)!;
        return entry.nonce < runEnd(sender) ? { status: "pending", tx: entry.tx } : { status: "queued", tx: entry.tx };
      }
      const at = chain.includedAt(key);
      if (at !== undefined) return { status: "included", ...at };
      const record = dropped.get(key);
      if (record !== undefined) return { status: "dropped", reason: record.reason, sender: record.sender, nonce: record.nonce };
      return { status: "unknown" };
    },
    content() {
      const content: MempoolContent = { pending: new Map(), queued: new Map() };
      for (const [address, sender] of senders) {
        const end = runEnd(sender);
        for (const entry of sender.txs.values()) {
          const side = entry.nonce < end ? content.pending : content.queued;
          let byNonce = side.get(address);
          if (byNonce === undefined) side.set(address, (byNonce = new Map()));
          byNonce.set(entry.nonce, entry.tx);
        }
      }
      return content;
    },
    counts() {
      let pendingCount = 0;
      for (const sender of senders.values()) pendingCount += Number(runEnd(sender) - sender.nonce);
      return { pending: pendingCount, queued: byHash.size - pendingCount };
    },
    size: () => byHash.size,
  };
}
