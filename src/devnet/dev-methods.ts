/**
 * The dev methods of Hardhat and anvil on the devnet's L2 URL, done so that L1 still verifies
 * every L2 block (issue 18 part 5):
 *
 * - time travel (`evm_increaseTime`, `evm_setNextBlockTimestamp`) moves the L1, whose latest
 *   block anchors the next L2 block and gives it its timestamp (src/proposer/propose.ts
 *   `buildOn`): L1 and L2 move together;
 * - `evm_mine` / `hardhat_mine` / `anvil_mine` propose L2 blocks now (empty if nothing is pending);
 * - `hardhat_setBalance` / `anvil_setBalance` top up through a real deposit and return once it is
 *   delivered (a decrease cannot be a deposit: refused);
 * - `evm_snapshot` / `evm_revert` snapshot and revert the L1; the node sees an L1 reorg and
 *   unwinds, and the unwound transactions are dropped (as Hardhat's revert drops them);
 * - what would make L2 state disagree with L1 (`hardhat_setCode`, `…setStorageAt`, `…setNonce`,
 *   impersonation, coinbase/prevRandao/base fee, …) is refused with what to do instead.
 *
 * A devnet of many rollups (`--rollups N`) gives each rollup's URL its own set (`ctx.rollups`
 * and one `DevShared`): mining and top-ups concern that rollup, time and snapshots are L1's and
 * so concern them all.
 */
import { BrowserProvider, keccak256, toUtf8Bytes, Wallet, type JsonRpcProvider } from "ethers";
import type { RollupNode } from "../node/index.js";
import type { Mempool } from "../proposer/mempool.js";
import { RpcError, toQuantity, type Handler } from "../rpc/index.js";
import { addressParam, hashParam, quantityParam } from "../rpc/params.js";
import { deposit, l1MessageStatus } from "../sdk/bridge.js";
import { nativeRollupAt } from "../sdk/contracts.js";

/** The key of the devnet's faucet on L1: it makes the deposits of `hardhat_setBalance` (no user script uses it for nonces). */
export const DEV_FAUCET_KEY = keccak256(toUtf8Bytes("ultrasound devnet faucet"));

/** Most L2 blocks one `hardhat_mine` may propose (each is an L1 transaction). */
export const MAX_MINE_COUNT = 256;

/** JSON-RPC code of a method the devnet refuses on L2 (EIP-1474's "method not supported"). */
export const REFUSED_CODE = -32004;

/** What the dev methods need of the devnet. */
export interface DevMethodsContext {
  /** The devnet's L1 (Hardhat's node). */
  l1: JsonRpcProvider;
  node: RollupNode;
  /** The rollup's L1 contract. */
  rollupAddress: string;
  /** The rollup's mempool (none for a retired rollup of a many-rollup node: nothing to drop). */
  mempool?: Mempool;
  /** Proposes an L2 block now (empty when nothing is pending); resolves with its number once the node derived it. */
  mine(): Promise<bigint>;
  /** The hash of the proposer's head (an `evm_revert` returns once the proposer has followed the node back). */
  proposerHead?: () => string;
  /** The L2 JSON-RPC, in process (to read the messenger); set once the server runs. */
  l2: () => { request(args: { method: string; params?: unknown[] | object }): Promise<unknown> } | undefined;
  /** How long a top-up or a revert may take, in ms. Default 60,000. */
  timeoutMs?: number;
  /**
   * Every rollup on the devnet's L1 (a devnet of many, `--rollups N`): time travel checks all
   * their heads (L1 time moves for all of them) and `evm_revert` waits until each has followed.
   * Default: this one (`node`, `rollupAddress`, `proposerHead`).
   */
  rollups?: () => Promise<DevRollup[]>;
  /** Shared by the dev methods of every rollup on one L1 (its faucet, a revert in progress). Default: this rollup's own. */
  shared?: DevShared;
}

/** A rollup as time travel and `evm_revert` see it. */
export interface DevRollup {
  node: RollupNode;
  rollupAddress: string;
  /** The hash of the proposer's head for this rollup. */
  proposerHead?: () => string;
  /** Brings the node up to L1 (default `node.sync()`; a many-rollup node's parts sync through it). */
  sync?: () => Promise<unknown>;
}

/** What the dev methods of rollups on one L1 share: the faucet's L1 nonce is one, and so is a revert. */
export interface DevShared {
  /** Runs `work` after every faucet operation queued before it (its L1 nonce is read from L1 for each). */
  serialized<T>(work: () => Promise<T>): Promise<T>;
  /** Whether an `evm_revert` is unwinding (any rollup's URL may have asked). */
  reverting: boolean;
}

/** The state the dev methods of rollups on one L1 share (see {@link DevShared}). */
export function createDevShared(): DevShared {
  let faucetQueue: Promise<unknown> = Promise.resolve();
  return {
    serialized<T>(work: () => Promise<T>): Promise<T> {
      const run = faucetQueue.then(work, work);
      faucetQueue = run.catch(() => undefined);
      return run;
    },
    reverting: false,
  };
}

/** The dev methods and the state the devnet's wiring reads. */
export interface DevMethods {
  methods: Map<string, Handler>;
  /** Whether an `evm_revert` is unwinding: the node's unwound transactions are then dropped, not handed back. */
  readonly reverting: boolean;
}

/** Why each refused method is refused, and what to do instead. */
const REFUSED: Record<string, string> = {
  setCode:
    "L2 state changes only through L2 blocks that L1 re-executes (EXECUTE): code set outside a block would make the L2 disagree with L1. Deploy the contract with a transaction, or put it in the genesis (npm run devnet -- --genesis g.json, its alloc)",
  setStorageAt:
    "L2 state changes only through L2 blocks that L1 re-executes (EXECUTE): storage written outside a block would make the L2 disagree with L1. Write it with a contract call in a transaction, or put it in the genesis (--genesis g.json, its alloc)",
  setNonce:
    "an L2 nonce moves only with the account's transactions, which L1 re-executes (EXECUTE): send transactions from it, or use another account",
  impersonate:
    "every L2 transaction is re-executed on L1 with its signature checked (EXECUTE): an impersonated one could never be verified. Sign with the account's key (the dev keys are in the devnet's banner)",
  block:
    "an L2 block's coinbase is its proposer's, its prevRandao its L1 anchor's hash and its base fee EIP-1559's from its parent, all checked by L1 (EXECUTE)",
  mining:
    "the devnet's proposer proposes a block as soon as transactions are pending: use evm_mine for a block now, and --block-time for the L1's slot time",
  reset: "the L2 is L1's: restart the devnet with --reset to start afresh",
  state: "the L2 state is what L1 verified: a dump loaded outside blocks would disagree with L1. Restart the devnet (it keeps its chains) or use evm_snapshot / evm_revert",
  gas: "the L2's gas limit and base fee are the chain's rules, checked by L1 (EXECUTE)",
};

const REFUSED_METHODS: Record<string, keyof typeof REFUSED> = {
  hardhat_setCode: "setCode",
  anvil_setCode: "setCode",
  hardhat_setStorageAt: "setStorageAt",
  anvil_setStorageAt: "setStorageAt",
  hardhat_setNonce: "setNonce",
  anvil_setNonce: "setNonce",
  hardhat_impersonateAccount: "impersonate",
  hardhat_stopImpersonatingAccount: "impersonate",
  anvil_impersonateAccount: "impersonate",
  anvil_stopImpersonatingAccount: "impersonate",
  anvil_autoImpersonateAccount: "impersonate",
  hardhat_setCoinbase: "block",
  anvil_setCoinbase: "block",
  hardhat_setPrevRandao: "block",
  hardhat_setNextBlockBaseFeePerGas: "block",
  anvil_setNextBlockBaseFeePerGas: "block",
  evm_setAutomine: "mining",
  anvil_setAutomine: "mining",
  evm_setIntervalMining: "mining",
  anvil_setIntervalMining: "mining",
  hardhat_reset: "reset",
  anvil_reset: "reset",
  anvil_dumpState: "state",
  anvil_loadState: "state",
  hardhat_setMinGasPrice: "gas",
  anvil_setMinGasPrice: "gas",
  evm_setBlockGasLimit: "gas",
  anvil_setBlockGasLimit: "gas",
};

/** Creates the dev methods over the devnet's parts (see the file's comment). */
export function createDevMethods(ctx: DevMethodsContext): DevMethods {
  const timeoutMs = ctx.timeoutMs ?? 60_000;
  // One faucet operation at a time (its L1 nonce is taken from L1 for each transaction), over every rollup of the L1.
  const shared = ctx.shared ?? createDevShared();
  const rollups = ctx.rollups ?? (async (): Promise<DevRollup[]> => [{ node: ctx.node, rollupAddress: ctx.rollupAddress, proposerHead: ctx.proposerHead }]);
  const faucet = new Wallet(DEV_FAUCET_KEY, ctx.l1);

  const l1 = (method: string, params: unknown[] = []) => ctx.l1.send(method, params) as Promise<unknown>;
  const methods = new Map<string, Handler>();

  for (const [method, why] of Object.entries(REFUSED_METHODS)) {
    methods.set(method, async () => {
      throw new RpcError(REFUSED_CODE, `${method} is not available on the rollup: ${REFUSED[why]}`);
    });
  }

  // Time travel: the L1 moves and mines at once, so the L2's next block — anchored to L1's
  // latest block, and timestamped with it — is already past the new time.
  methods.set("evm_increaseTime", async ([seconds]) => {
    const result = await l1("evm_increaseTime", [seconds]);
    await l1("evm_mine");
    return result;
  });
  methods.set("evm_setNextBlockTimestamp", async ([timestamp]) => {
    const wanted = numberParam(timestamp, "timestamp");
    // L1 time is every rollup's: none may have a head later than the new time.
    for (const rollup of await rollups()) {
      const head = rollup.node.header("latest");
      if (head !== undefined && wanted < head.timestamp) {
        const which = ctx.rollups === undefined ? "" : ` of rollup ${rollup.node.genesis.chainId}`;
        throw new RpcError(-32602, `timestamp ${wanted} is before the L2 head's${which} (${head.timestamp}, block ${head.number}): L2 time cannot go back`);
      }
    }
    const result = await l1("evm_setNextBlockTimestamp", [timestamp]);
    await l1("evm_mine");
    return result;
  });

  const mineOne = async (timestamp?: unknown): Promise<bigint> => {
    if (timestamp !== undefined && timestamp !== null) await l1("evm_mine", [timestamp]);
    return ctx.mine();
  };
  methods.set("evm_mine", async ([timestamp]) => {
    await mineOne(timestamp);
    return "0x0";
  });
  const mineMany = async ([count, interval]: unknown[]) => {
    const n = count === undefined || count === null ? 1n : quantityParam(count, "block count");
    const gap = interval === undefined || interval === null ? 0n : quantityParam(interval, "interval");
    if (n < 1n || n > BigInt(MAX_MINE_COUNT)) {
      throw new RpcError(-32602, `the devnet mines 1 to ${MAX_MINE_COUNT} L2 blocks at once (each is an L1 transaction), not ${n}`);
    }
    for (let i = 0n; i < n; i++) {
      if (gap > 0n && i > 0n) {
        await l1("evm_increaseTime", [Number(gap)]);
        await l1("evm_mine");
      }
      await ctx.mine();
    }
    return null;
  };
  methods.set("hardhat_mine", mineMany);
  methods.set("anvil_mine", mineMany);

  // A balance can only grow by a deposit: the faucet deposits the difference and waits for it.
  const setBalance: Handler = async ([address, value]) => {
    const to = addressParam(address);
    const target = quantityParam(value, "balance");
    const state = await ctx.node.stateAt("latest");
    const current = (await state?.getAccount(to))?.balance ?? 0n;
    if (target < current) {
      throw new RpcError(
        -32602,
        `cannot lower the L2 balance of ${to} from ${current} to ${target} wei: L2 ETH comes from L1 deposits and leaves by withdrawals, so a balance can only be raised here. Send the difference away in a transaction, or withdraw it (withdraw in src/sdk/bridge.ts)`,
      );
    }
    if (target === current) return true;
    const amount = target - current;
    const queued = await shared.serialized(async () => {
      const own = BigInt((await l1("eth_getBalance", [faucet.address, "latest"])) as string);
      // The faucet's L1 ETH comes from nowhere, as hardhat_setBalance's on L1 does: enough for the deposit and its gas.
      await l1("hardhat_setBalance", [faucet.address, toQuantity(own + amount + 10n ** 18n)]);
      return deposit(faucet, ctx.rollupAddress, { value: amount, to });
    });
    const l2 = ctx.l2();
    if (l2 === undefined) throw new RpcError(-32603, "internal error: the L2 JSON-RPC is not running");
    const reader = new BrowserProvider({ request: (args) => l2.request(args) }, Number(ctx.node.genesis.chainId), { staticNetwork: true, cacheTimeout: -1 });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await l1MessageStatus(reader, queued.message);
      if (status === "delivered") return true;
      if (status === "failed") {
        throw new RpcError(-32000, `the deposit to ${to} was delivered but its call failed on L2 (does the contract refuse ETH?): the value waits in the L2 messenger for retryMessage (message ${queued.hash})`);
      }
      if (Date.now() > deadline) throw new RpcError(-32000, `the deposit to ${to} (L1 message ${queued.message.index}) was not delivered on L2 within ${timeoutMs / 1000} s`);
      await sleep(100);
    }
  };
  methods.set("hardhat_setBalance", setBalance);
  methods.set("anvil_setBalance", setBalance);

  methods.set("hardhat_dropTransaction", async ([hash]) => ctx.mempool?.drop(hashParam(hash, "transaction hash"), "dropped by hardhat_dropTransaction") !== undefined);
  methods.set("anvil_dropTransaction", async ([hash]) => ctx.mempool?.drop(hashParam(hash, "transaction hash"), "dropped by anvil_dropTransaction") !== undefined);

  // Snapshots are L1's: reverting L1 is an L1 reorg to the node, which unwinds to the rollup's
  // head there; the proposer follows the node before its next block.
  methods.set("evm_snapshot", async () => l1("evm_snapshot"));
  methods.set("evm_revert", async ([id]) => {
    shared.reverting = true;
    try {
      const reverted = (await l1("evm_revert", [id])) as boolean;
      if (reverted) {
        const deadline = Date.now() + timeoutMs;
        for (const rollup of await rollups()) await untilNodeAtRollupHead(ctx.l1, rollup, deadline);
      }
      return reverted;
    } finally {
      shared.reverting = false;
    }
  });

  return {
    methods,
    get reverting() {
      return shared.reverting;
    },
  };
}

/** Waits until the node's head is the rollup's head on L1 (after a revert: the node has unwound), and the proposer's too. */
async function untilNodeAtRollupHead(l1: JsonRpcProvider, rollup: DevRollup, deadline: number): Promise<void> {
  const contract = nativeRollupAt(rollup.rollupAddress, l1);
  for (;;) {
    const onL1 = (await contract.getFunction("head")()) as { number: bigint; blockHash: string };
    await (rollup.sync ?? (() => rollup.node.sync()))().catch(() => undefined);
    const head = rollup.node.getBlock("latest");
    const hash = String(onL1.blockHash).toLowerCase();
    if (head !== undefined && head.number === onL1.number && head.hash.toLowerCase() === hash && (rollup.proposerHead === undefined || rollup.proposerHead().toLowerCase() === hash)) return;
    if (Date.now() > deadline) {
      throw new RpcError(-32000, `the node did not unwind rollup ${rollup.node.genesis.chainId} to its head on L1 (L2 block ${onL1.number}) in time`);
    }
    await sleep(100);
  }
}

/** Requests for a block now, taken by the devnet's proposer loop (a round proposes one block for all it took). */
export interface MineRequests {
  /** Asks for a block; resolves with its number once the node derived it, fails after `timeoutMs` (default 60 s). */
  request(timeoutMs?: number): Promise<bigint>;
  /** Takes the requests made so far (the round about to run serves them). */
  take(): MineWaiter[];
  /** A round that took `waiters` did not propose: they wait for the next. */
  giveBack(waiters: MineWaiter[]): void;
}

/** One waiting {@link MineRequests.request}. */
export interface MineWaiter {
  resolve(number: bigint): void;
  reject(error: Error): void;
}

/** The queue of `evm_mine` requests between the dev methods and the proposer loop. */
export function createMineRequests(): MineRequests {
  let waiting: MineWaiter[] = [];
  return {
    request: (timeoutMs = 60_000) =>
      new Promise<bigint>((resolve, reject) => {
        const waiter: MineWaiter = {
          resolve: (number) => {
            clearTimeout(timer);
            resolve(number);
          },
          reject,
        };
        // A proposer that keeps failing (L1 refusing its blocks) must not hang the caller.
        const timer = setTimeout(() => {
          waiting = waiting.filter((w) => w !== waiter);
          reject(new RpcError(-32000, `no L2 block could be proposed within ${timeoutMs / 1000} s (see the devnet's log for the proposer's reason)`));
        }, timeoutMs);
        waiting.push(waiter);
      }),
    take() {
      const taken = waiting;
      waiting = [];
      return taken;
    },
    giveBack(waiters) {
      waiting = [...waiters, ...waiting];
    },
  };
}

/** A number as Hardhat takes it for time: a JSON number or a hex quantity. */
function numberParam(value: unknown, what: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  return quantityParam(value, what);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
