/**
 * The devnet's relayer (src/relay): funded on L1, started once the L2 JSON-RPC serves, and its
 * work shown in `ultrasound_getTransactionStatus` — an included transaction that sent messages
 * lists each with where it is: "sent", "claimable" (its block is verified on L1), "claimed"
 * (withdrawn on L1) or "forwarded" (enqueued on its destination rollup), with the L1
 * transaction when the devnet's relayer made it.
 */
import { Wallet, type JsonRpcProvider } from "ethers";
import { hashL2Message } from "../bridge/messages.js";
import type { RollupNode } from "../node/index.js";
import { toQuantity, type Handler } from "../rpc/index.js";
import { hashParam } from "../rpc/params.js";
import { parseSentMessages } from "../sdk/bridge.js";
import { nativeRollupAt } from "../sdk/contracts.js";
import { DEV_RELAYER_KEY, startRelay, type Relay, type RelayedRollup } from "../relay/index.js";

/** What the relayer's L1 account holds at start: gas for many claims. */
const RELAYER_L1_BALANCE = 1_000n * 10n ** 18n;

/** Funds the relayer's key on the devnet's L1 and starts it over `rollups`. */
export async function startDevnetRelay(l1: JsonRpcProvider, rollups: RelayedRollup[] | (() => RelayedRollup[]), log: (line: string) => void): Promise<Relay> {
  const signer = new Wallet(DEV_RELAYER_KEY, l1);
  const balance = await l1.getBalance(signer.address);
  if (balance < RELAYER_L1_BALANCE) await l1.send("hardhat_setBalance", [signer.address, toQuantity(RELAYER_L1_BALANCE)]);
  return startRelay({ signer, rollups, log });
}

/**
 * `ultrasound_getTransactionStatus` with the messages an included transaction sent and where
 * each is (see the file's comment). `relay` is undefined with `--no-relay`.
 */
export function transactionStatusWithMessages(node: RollupNode, l1: JsonRpcProvider, relay: () => Relay | undefined): Handler {
  return async (params, context) => {
    const answer = (await context.base!(params)) as { status: string };
    if (answer.status !== "included") return answer;
    const included = node.getTransaction(hashParam(params[0], "transaction hash"));
    const sent = included === undefined ? [] : parseSentMessages(included.receipt.logs);
    if (sent.length === 0) return answer;
    const rollup = nativeRollupAt(node.rollup, l1);
    const verified = ((await rollup.getFunction("head")()) as { number: bigint }).number;
    const messages = [];
    for (const message of sent) {
      const hash = hashL2Message(message);
      const done = relay()?.outcome(hash);
      const claimed = (await rollup.getFunction("claimed")(hash)) as boolean;
      const toL1 = /^0x0{40}$/i.test(message.destination);
      const status = claimed ? (toL1 ? "claimed" : "forwarded") : verified >= included!.blockNumber ? "claimable" : "sent";
      messages.push({
        hash,
        destination: toL1 ? "L1" : message.destination,
        to: message.to,
        value: toQuantity(message.value),
        status,
        ...(done?.l1TransactionHash === undefined ? {} : { l1TransactionHash: done.l1TransactionHash }),
      });
    }
    return { ...answer, messages };
  };
}
