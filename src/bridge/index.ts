/**
 * The bridge's off-chain half: the message hashing and encodings that mirror the contracts'
 * (messages.ts: L1 → L2 and L2 → L1 messages, the rolling hash, the anchor commitment, the
 * delivery a block carries) and what a proposer delivers next from the L1 → L2 queue (queue.ts:
 * `nextDelivery`, `readQueue`). The user-facing bridge (deposit, withdraw, claim, forward) is
 * src/sdk/bridge.ts.
 */
export * from "./messages.js";
export * from "./queue.js";
