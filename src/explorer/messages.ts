/**
 * Messages and bundles, as the explorer shows them (docs/bridge.md, docs/rollups.md):
 *
 *   L1 → L2   queued (MessageQueued on L1) → delivered | failed (the L2 messenger's deliveredCount
 *             and failedMessages; the L2 block that delivered it is the first whose BlockAdvanced
 *             messageCount passes its index — delivery is a system call, in no receipt)
 *   L2 → L1   sent (MessageSent on L2) → verified (L1 verified its block: claimable) → claimed |
 *             forwarded (MessageClaimed / MessageForwarded on L1)
 *   bundle    one L1 transaction that verified blocks of several rollups (RollupBundler.bundle)
 */
import { hashL1Message, hashL2Message, type L1Message, type L2Message } from "../bridge/messages.js";
import { PREDEPLOYS } from "../engine/chain.js";
import { abiOf, plain } from "./abi.js";
import { NotFoundError, rollupAt, rollupOf, type ExplorerContext, type RpcObject } from "./context.js";
import { advanceRow } from "./views.js";
import type { ExplorerRollup } from "./rpc.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
/** Messages listed per direction and rollup (the newest). */
export const MESSAGES_SHOWN = 50;

async function messengerCall(rollup: ExplorerRollup, name: string, args: unknown[] = []): Promise<unknown> {
  const messenger = abiOf("L2Messenger");
  const data = await rollup.l2.call<string>("eth_call", [{ to: PREDEPLOYS.messenger, data: messenger.encodeFunctionData(name, args) }, "latest"]);
  return messenger.decodeFunctionResult(name, data)[0];
}

/** The L1→L2 messages of a rollup with their state, newest first. */
export async function l1ToL2Messages(ctx: ExplorerContext, rollup: ExplorerRollup, filter?: (hash: string) => boolean) {
  await ctx.index.refresh();
  const advances = ctx.index.advances.filter((a) => a.rollup === rollup.address);
  const delivered = (await messengerCall(rollup, "deliveredCount")) as bigint;
  const all = ctx.index.queued.filter((q) => q.rollup === rollup.address).map((q) => ({ q, hash: hashL1Message(q.message as unknown as L1Message) }));
  const chosen = (filter === undefined ? all.slice(-MESSAGES_SHOWN) : all.filter((m) => filter(m.hash))).reverse();
  return Promise.all(
    chosen.map(async ({ q, hash }) => {
      const inBlock = advances.find((a) => a.messageCount > q.index);
      const status = q.index >= delivered ? "queued" : ((await messengerCall(rollup, "failedMessages", [hash])) as boolean) ? "failed" : "delivered";
      const source = String(q.message.sourceRollup).toLowerCase();
      return {
        direction: "L1→L2",
        chainId: rollup.chainId,
        hash,
        index: q.index,
        status,
        message: q.message,
        from: source === ZERO_ADDRESS ? "L1" : `rollup ${rollupAt(ctx, source)?.chainId ?? source}`,
        queuedIn: { l1Block: q.l1.number, l1Tx: q.l1.txHash },
        deliveredIn: status === "queued" || inBlock === undefined ? null : advanceRow(ctx, inBlock),
      };
    }),
  );
}

/** The L2→L1 (and L2→rollup) messages of a rollup with their state, newest first. */
export async function l2ToL1Messages(ctx: ExplorerContext, rollup: ExplorerRollup, hash?: string) {
  await ctx.index.refresh();
  const messenger = abiOf("L2Messenger");
  const topic = messenger.getEvent("MessageSent")!.topicHash;
  const logs = await rollup.l2.call<RpcObject[]>("eth_getLogs", [{ fromBlock: "0x0", toBlock: "latest", address: PREDEPLOYS.messenger, topics: hash === undefined ? [topic] : [topic, null, hash] }]);
  const verifiedHead = ctx.index.advances.filter((a) => a.rollup === rollup.address).reduce((max, a) => (a.number > max ? a.number : max), 0n);
  return logs
    .slice(-MESSAGES_SHOWN)
    .reverse()
    .map((log) => {
      const message = plain(messenger.parseLog(log as { topics: string[]; data: string })!.args.message) as Record<string, unknown>;
      const messageHash = hashL2Message(message as unknown as L2Message);
      const consumed = ctx.index.consumed.find((c) => c.rollup === rollup.address && c.hash === messageHash);
      const block = BigInt(log.blockNumber);
      const destination = String(message.destination).toLowerCase();
      return {
        direction: destination === ZERO_ADDRESS ? "L2→L1" : "L2→rollup",
        chainId: rollup.chainId,
        hash: messageHash,
        nonce: message.nonce,
        status: consumed?.kind ?? (verifiedHead >= block ? "verified" : "sent"),
        message,
        to: destination === ZERO_ADDRESS ? "L1" : `rollup ${rollupAt(ctx, destination)?.chainId ?? destination}`,
        sentIn: { l2Block: block, l2Tx: log.transactionHash },
        consumedIn: consumed === undefined ? null : { l1Block: consumed.l1.number, l1Tx: consumed.l1.txHash },
      };
    });
}

/** Both directions of a rollup's messages. */
export async function messagesView(ctx: ExplorerContext, chainId: bigint) {
  const rollup = rollupOf(ctx, chainId);
  const [toL2, fromL2] = await Promise.all([l1ToL2Messages(ctx, rollup), l2ToL1Messages(ctx, rollup)]);
  return { chainId, rollup: rollup.address, toL2, fromL2 };
}

/** One message by its hash, looked for in every rollup's queue and every rollup's sent messages. */
export async function messageView(ctx: ExplorerContext, hash: string) {
  const found = await findMessages(ctx, hash);
  if (found.length === 0) throw new NotFoundError("No L1→L2 or L2→L1 message with this hash", { hash });
  return { hash, messages: found };
}

/** Every message with this hash (a forwarded one is both a rollup's sent message and another's queued one). */
export async function findMessages(ctx: ExplorerContext, hash: string) {
  const lower = hash.toLowerCase();
  const found = await Promise.all(
    ctx.rollups().slice(0, 32).map(async (rollup) => [
      ...(await l1ToL2Messages(ctx, rollup, (h) => h.toLowerCase() === lower).catch(() => [])),
      ...(await l2ToL1Messages(ctx, rollup, lower).catch(() => [])),
    ]),
  );
  return found.flat();
}

/** The bundles on L1, newest first: transactions that verified blocks of more than one rollup, with their forwards. */
export async function bundlesView(ctx: ExplorerContext) {
  await ctx.index.refresh();
  const byTx = new Map<string, typeof ctx.index.advances>();
  for (const a of ctx.index.advances) byTx.set(a.l1.txHash, [...(byTx.get(a.l1.txHash) ?? []), a]);
  const bundles = [...byTx.entries()]
    .filter(([, legs]) => new Set(legs.map((l) => l.rollup)).size > 1)
    .reverse()
    .slice(0, 50)
    .map(([txHash, legs]) => ({
      l1Tx: txHash,
      l1Block: legs[0]!.l1.number,
      legs: legs.map((l) => advanceRow(ctx, l)),
      forwards: ctx.index.consumed
        .filter((c) => c.l1.txHash === txHash && c.kind === "forwarded")
        .map((c) => ({ hash: c.hash, from: rollupAt(ctx, c.rollup)?.chainId ?? c.rollup, to: rollupAt(ctx, c.destination)?.chainId ?? c.destination })),
    }));
  return { bundles };
}

