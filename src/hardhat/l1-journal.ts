/**
 * The L1 journal (issue 18 part 4): Hardhat's EDR keeps its chain in memory, so the devnet
 * writes down every request that changed it — in order, with the timestamps of the blocks each
 * one mined — and a restart replays them into a fresh L1 started at the same genesis time. EDR
 * is deterministic given the genesis time, the requests and the block timestamps (measured: same
 * prevRandao, beacon root and hashes), so the replayed L1 has the same block hashes and the
 * rollup node's store, which checks them, is accepted.
 */
import { appendFileSync } from "node:fs";
import type { EIP1193Provider, RequestArguments } from "hardhat/types/providers";

/** Requests that change the L1's state or time (everything else is a read and is not journaled). */
export const STATE_CHANGING = new Set([
  "eth_sendRawTransaction",
  "eth_sendTransaction",
  "evm_mine",
  "hardhat_mine",
  "evm_increaseTime",
  "evm_setNextBlockTimestamp",
  "evm_snapshot",
  "evm_revert",
  "evm_setAutomine",
  "hardhat_setBalance",
  "hardhat_setCode",
  "hardhat_setNonce",
  "hardhat_setStorageAt",
  "hardhat_setCoinbase",
  "hardhat_setPrevRandao",
  "hardhat_setNextBlockBaseFeePerGas",
  "hardhat_setMinGasPrice",
  "hardhat_impersonateAccount",
  "hardhat_stopImpersonatingAccount",
  "hardhat_dropTransaction",
]);

/** One line of the journal: a request and the timestamps of the blocks mined with it, or blocks mined by the L1's slot timer (`method` absent). */
export interface JournalEntry {
  method?: string;
  params?: unknown;
  /** Timestamps of the blocks mined while it ran (in order). */
  blocks: number[];
}

let target: { file: string; replaying: boolean } | undefined;

/** Where this process's next simulated L1 journals its requests (undefined: nowhere). */
export function configureL1Journal(next: { file: string; replaying: boolean } | undefined): void {
  target = next;
}

/** Marks the end of a replay: what comes next is journaled. */
export function endL1Replay(): void {
  if (target !== undefined) target.replaying = false;
}

/**
 * Wraps a simulated network's `request` (when a journal is configured): state-changing requests
 * run one at a time and each is appended, with the blocks it mined, to the journal; blocks mined
 * between them (the slot timer) are appended as blocks of their own.
 */
export function journalL1Requests(provider: EIP1193Provider): void {
  const journal = target;
  if (journal === undefined) return;
  const request = provider.request.bind(provider);
  let head: number | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const blocksSince = async (): Promise<number[]> => {
    const latest = Number(BigInt((await request({ method: "eth_blockNumber" })) as string));
    const from = head ?? latest;
    const timestamps: number[] = [];
    for (let n = from + 1; n <= latest; n++) {
      const block = (await request({ method: "eth_getBlockByNumber", params: ["0x" + n.toString(16), false] })) as { timestamp: string } | null;
      if (block !== null) timestamps.push(Number(BigInt(block.timestamp)));
    }
    head = latest;
    return timestamps;
  };
  const append = (entry: JournalEntry) => {
    if (!journal.replaying) appendFileSync(journal.file, JSON.stringify(entry) + "\n");
  };
  provider.request = async (args: RequestArguments) => {
    if (!STATE_CHANGING.has(args.method)) return request(args);
    const run = queue.then(async () => {
      // A revert takes the head back: count from where it lands.
      const slotted = await blocksSince();
      if (slotted.length > 0) append({ blocks: slotted });
      let result: unknown;
      let failure: unknown;
      try {
        result = await request(args);
      } catch (error) {
        failure = error; // a reverted transaction is still mined (automine): journaled all the same
      }
      const mined = args.method === "evm_revert" ? [] : await blocksSince();
      if (args.method === "evm_revert") head = Number(BigInt((await request({ method: "eth_blockNumber" })) as string));
      if (failure === undefined || mined.length > 0) append({ method: args.method, params: args.params, blocks: mined });
      if (failure !== undefined) throw failure;
      return result;
    });
    queue = run.catch(() => undefined);
    return run;
  };
}
