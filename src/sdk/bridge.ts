/**
 * The bridge from a user's side, with ethers v6 signers (docs/bridge.md): ETH and messages into
 * a rollup, out of it with a storage proof, and from one rollup to another. Every wait polls with
 * a deadline and every refusal says why, with the block numbers involved.
 */
import { Contract, Interface, type ContractRunner, type Provider, type Signer, type TransactionReceipt } from "ethers";
import { PREDEPLOYS } from "../engine/chain.js";
import { hashL1Message, hashL2Message, sentMessageSlot, type L1Message, type L2Message } from "../bridge/messages.js";
import { artifactInterface } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import { nativeRollupAt, nativeRollupInterface } from "./contracts.js";

/** The ABI of the L2 messenger predeploy. */
export function l2MessengerInterface(): Interface {
  return artifactInterface("l2/L2Messenger.sol", "L2Messenger");
}

/** An ethers handle on the L2 messenger predeploy. */
export function l2MessengerAt(runner: ContractRunner): Contract {
  return new Contract(PREDEPLOYS.messenger, l2MessengerInterface(), runner);
}

/** A claim or forward cannot be made (yet, or ever): the details say which and why. */
export class ClaimRefusedError extends UltrasoundError {
  override name = "ClaimRefusedError";
}

/** A wait for a message ran out of time. */
export class MessageTimeoutError extends UltrasoundError {
  override name = "MessageTimeoutError";
}

/** An L1→L2 message as sent, with the L1 receipt that queued it. */
export interface QueuedMessage {
  message: L1Message;
  hash: string;
  receipt: TransactionReceipt;
}

/** An L2→L1 (or L2→rollup) message as sent, with the L2 receipt that recorded it. */
export interface SentMessage {
  message: L2Message;
  hash: string;
  receipt: TransactionReceipt;
  /** The L2 block that recorded it: claimable once L1 has verified this block. */
  l2BlockNumber: bigint;
}

type RollupRef = string | Contract;
const rollupOf = (rollup: RollupRef, runner: ContractRunner): Contract =>
  typeof rollup === "string" ? nativeRollupAt(rollup, runner) : (rollup.connect(runner) as Contract);

type RawLog = { topics: readonly string[]; data: string };

/** The `message` argument of every `event` log among `logs` (logs of other events or contracts are skipped). */
function messagesOf<T>(iface: Interface, event: string, logs: readonly RawLog[], convert: (message: T) => T): T[] {
  const out: T[] = [];
  for (const log of logs) {
    let parsed;
    try {
      parsed = iface.parseLog(log);
    } catch {
      continue; // another contract's log whose topic happens to be known: not ours
    }
    if (parsed?.name === event) out.push(convert(parsed.args.message as T));
  }
  return out;
}

/** The `MessageQueued` messages among L1 logs. */
export function parseQueuedMessages(logs: readonly RawLog[]): L1Message[] {
  return messagesOf(nativeRollupInterface(), "MessageQueued", logs, toL1Message);
}

/** The `MessageSent` messages among L2 logs. */
export function parseSentMessages(logs: readonly RawLog[]): L2Message[] {
  return messagesOf(l2MessengerInterface(), "MessageSent", logs, toL2Message);
}

/** Deposits `value` wei for `to` on L2 (default: the sender). Credited in the next L2 block that delivers the queue. */
export async function deposit(signer: Signer, rollup: RollupRef, options: { value: bigint; to?: string }): Promise<QueuedMessage> {
  const contract = rollupOf(rollup, signer);
  const to = options.to ?? (await signer.getAddress());
  const tx = await contract.getFunction("deposit")(to, { value: options.value });
  return queued(await tx.wait());
}

/**
 * Sends a message to `to` on L2: a call with `data` and `gasLimit`, carrying `value`, delivered by
 * the L2 block's proposer for `fee` (both in wei; the sender pays value + fee on L1).
 */
export async function sendMessageToL2(
  signer: Signer,
  rollup: RollupRef,
  options: { to: string; data?: string; gasLimit?: bigint; value?: bigint; fee?: bigint },
): Promise<QueuedMessage> {
  const contract = rollupOf(rollup, signer);
  const fee = options.fee ?? 0n;
  const tx = await contract.getFunction("sendMessage")(options.to, options.data ?? "0x", options.gasLimit ?? 200_000n, fee, {
    value: (options.value ?? 0n) + fee,
  });
  return queued(await tx.wait());
}

function queued(receipt: TransactionReceipt | null): QueuedMessage {
  const [message] = parseQueuedMessages(receipt!.logs);
  if (message === undefined) throw new UltrasoundError("The L1 transaction queued no message", { tx: receipt!.hash });
  return { message, hash: hashL1Message(message), receipt: receipt! };
}

/** Withdraws `value` wei from L2 to `to` on L1 (default: the sender): claim it with {@link proveAndClaim}. */
export async function withdraw(l2Signer: Signer, options: { value: bigint; to?: string }): Promise<SentMessage> {
  return sendMessageToL1(l2Signer, { to: options.to ?? (await l2Signer.getAddress()), value: options.value });
}

/** Sends a message from L2 to `to` on L1 (a call with `data` and `value` once claimed). */
export async function sendMessageToL1(l2Signer: Signer, options: { to: string; data?: string; value?: bigint }): Promise<SentMessage> {
  const tx = await l2MessengerAt(l2Signer).getFunction("sendMessageToL1")(options.to, options.data ?? "0x", { value: options.value ?? 0n });
  return sent(await tx.wait());
}

/**
 * Sends a message from this rollup to `to` on the rollup whose L1 contract is `destination`:
 * forwarded on L1 by {@link forwardToRollup}, then delivered on the destination like an L1 message.
 */
export async function sendMessageToRollup(
  l2Signer: Signer,
  options: { destination: string; to: string; data?: string; gasLimit?: bigint; value?: bigint; fee?: bigint },
): Promise<SentMessage> {
  const fee = options.fee ?? 0n;
  const tx = await l2MessengerAt(l2Signer).getFunction("sendMessageToRollup")(
    options.destination,
    options.to,
    options.data ?? "0x",
    options.gasLimit ?? 200_000n,
    fee,
    { value: (options.value ?? 0n) + fee },
  );
  return sent(await tx.wait());
}

function sent(receipt: TransactionReceipt | null): SentMessage {
  const [message] = parseSentMessages(receipt!.logs);
  if (message === undefined) throw new UltrasoundError("The L2 transaction sent no message", { tx: receipt!.hash });
  return { message, hash: hashL2Message(message), receipt: receipt!, l2BlockNumber: BigInt(receipt!.blockNumber) };
}

/** What {@link proofFor} gives `claim` / `forward`. */
export interface MessageProof {
  l2BlockNumber: bigint;
  accountProof: string[];
  storageProof: string[];
}

/**
 * The storage proof that the messenger recorded `message`, at the newest L2 block L1 has
 * verified (from the node's `eth_getProof`), checked against the state root L1 holds for it.
 */
export async function proofFor(
  rollup: Contract,
  l2: Provider & { send(method: string, params: unknown[]): Promise<unknown> },
  sentMessage: Pick<SentMessage, "hash" | "l2BlockNumber">,
): Promise<MessageProof> {
  const head = (await rollup.getFunction("head")()) as { number: bigint };
  if (head.number < sentMessage.l2BlockNumber) {
    throw new ClaimRefusedError("The L2 block that sent the message is not verified on L1 yet", {
      messageBlock: sentMessage.l2BlockNumber,
      verifiedHead: head.number,
      hash: sentMessage.hash,
    });
  }
  const l1Root = (await rollup.getFunction("stateRootAt")(head.number)) as string;
  const tag = "0x" + head.number.toString(16);
  const proof = (await l2.send("eth_getProof", [PREDEPLOYS.messenger, [sentMessageSlot(sentMessage.hash)], tag])) as {
    accountProof: string[];
    storageProof: { value: string; proof: string[] }[];
  };
  const block = (await l2.send("eth_getBlockByNumber", [tag, false])) as { stateRoot: string } | null;
  if (block === null || block.stateRoot.toLowerCase() !== l1Root.toLowerCase()) {
    throw new ClaimRefusedError("The L2 node's block differs from the one L1 verified (is the node synced?)", {
      l2Block: head.number,
      l1StateRoot: l1Root,
      nodeStateRoot: block?.stateRoot ?? "none",
    });
  }
  if (BigInt(proof.storageProof[0]!.value) !== 1n) {
    throw new ClaimRefusedError("The messenger has no record of this message at the verified head", { hash: sentMessage.hash, l2Block: head.number });
  }
  return { l2BlockNumber: head.number, accountProof: proof.accountProof, storageProof: proof.storageProof[0]!.proof };
}

/**
 * Claims an L2→L1 message (a withdrawal) on L1: proves it against the latest verified state root,
 * then pays or calls its recipient. Refused with the block numbers when the message's block is
 * not verified yet, and with its hash when it was claimed already.
 */
export async function proveAndClaim(
  l1Signer: Signer,
  rollup: RollupRef,
  l2: Provider & { send(method: string, params: unknown[]): Promise<unknown> },
  sentMessage: SentMessage,
): Promise<TransactionReceipt> {
  const contract = rollupOf(rollup, l1Signer);
  if (sentMessage.message.destination !== "0x0000000000000000000000000000000000000000") {
    throw new ClaimRefusedError("The message is for a rollup, not L1: use forwardToRollup", { destination: sentMessage.message.destination });
  }
  await refuseClaimed(contract, sentMessage.hash);
  const proof = await proofFor(contract, l2, sentMessage);
  const tx = await contract.getFunction("claim")(sentMessage.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof);
  return (await tx.wait())!;
}

/**
 * Forwards a rollup→rollup message on L1: proves it against the source rollup's verified state
 * root and enqueues it in the destination rollup's queue (with its value and fee).
 */
export async function forwardToRollup(
  l1Signer: Signer,
  sourceRollup: RollupRef,
  sourceL2: Provider & { send(method: string, params: unknown[]): Promise<unknown> },
  sentMessage: SentMessage,
): Promise<QueuedMessage> {
  const contract = rollupOf(sourceRollup, l1Signer);
  await refuseClaimed(contract, sentMessage.hash);
  const proof = await proofFor(contract, sourceL2, sentMessage);
  const tx = await contract.getFunction("forward")(sentMessage.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof);
  return queued(await tx.wait());
}

async function refuseClaimed(rollup: Contract, hash: string): Promise<void> {
  if ((await rollup.getFunction("claimed")(hash)) as boolean) throw new ClaimRefusedError("The message was claimed already", { hash });
}

/** Where an L1→L2 message is: waiting in the queue, delivered, or delivered but its call failed (retryable on L2). */
export type L1MessageStatus = "queued" | "delivered" | "failed";
/** Where an L2→L1 message is: sent on L2, its block verified on L1 (claimable), or claimed. */
export type L2MessageStatus = "sent" | "claimable" | "claimed";

/** The status of an L1→L2 message, read from the L2 messenger. */
export async function l1MessageStatus(l2: ContractRunner, message: L1Message): Promise<L1MessageStatus> {
  const messenger = l2MessengerAt(l2);
  const delivered = (await messenger.getFunction("deliveredCount")()) as bigint;
  if (delivered <= message.index) return "queued";
  return ((await messenger.getFunction("failedMessages")(hashL1Message(message))) as boolean) ? "failed" : "delivered";
}

/** The status of an L2→L1 message, read from the rollup's L1 contract. */
export async function l2MessageStatus(l1: ContractRunner, rollup: RollupRef, sentMessage: SentMessage): Promise<L2MessageStatus> {
  const contract = rollupOf(rollup, l1);
  if ((await contract.getFunction("claimed")(sentMessage.hash)) as boolean) return "claimed";
  const head = (await contract.getFunction("head")()) as { number: bigint };
  return head.number >= sentMessage.l2BlockNumber ? "claimable" : "sent";
}

/** Both statuses, by the message's kind. */
export async function messageStatus(runner: ContractRunner, message: QueuedMessage | SentMessage, rollup?: RollupRef): Promise<L1MessageStatus | L2MessageStatus> {
  if ("l2BlockNumber" in message) {
    if (rollup === undefined) throw new UltrasoundError("An L2→L1 message's status needs the rollup's L1 contract", {});
    return l2MessageStatus(runner, rollup, message);
  }
  return l1MessageStatus(runner, message.message);
}

/**
 * Waits until an L1→L2 message is delivered on L2 (polling the node every `pollMs`, default 250)
 * and returns its status there: "delivered", or "failed" when its call reverted (retryable with
 * `L2Messenger.retryMessage`). Throws `MessageTimeoutError` after `timeoutMs` (default 60 s).
 */
export async function waitForL2(l2: ContractRunner, queuedMessage: QueuedMessage, options: { timeoutMs?: number; pollMs?: number } = {}): Promise<L1MessageStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const status = await l1MessageStatus(l2, queuedMessage.message);
    if (status !== "queued") return status;
    if (Date.now() > deadline) {
      throw new MessageTimeoutError("The message was not delivered on L2 in time", { index: queuedMessage.message.index, hash: queuedMessage.hash, timeoutMs: options.timeoutMs ?? 60_000 });
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
  }
}

function toL1Message(m: L1Message): L1Message {
  return { index: m.index, sender: m.sender, sourceRollup: m.sourceRollup, to: m.to, value: m.value, fee: m.fee, gasLimit: m.gasLimit, data: m.data };
}

function toL2Message(m: L2Message): L2Message {
  return { nonce: m.nonce, sender: m.sender, destination: m.destination, to: m.to, value: m.value, fee: m.fee, gasLimit: m.gasLimit, data: m.data };
}
