import { createBlock } from "@ethereumjs/block";
import { getOpcodesForHF, paramsEVM, type EVMOpts } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches } from "@ethereumjs/statemanager";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { bytesToHex, createAddressFromString, hexToBytes, ValueEncoding } from "@ethereumjs/util";
import { createVM } from "@ethereumjs/vm";
import { AbiCoder } from "ethers";
import { createL2Common } from "../engine/chain.js";
import { EngineStateManager } from "../engine/state-manager.js";
import type { L2Chain } from "../engine/state.js";
import { RpcError } from "./errors.js";
import type { CallRequest } from "./params.js";

/** Limits on one eth_call: the gas it may use and the time it may take. */
export interface CallLimits {
  gasCap: bigint;
  timeoutMs: number;
}

/**
 * How long a call runs before it lets the event loop serve others (the L1 node of the devnet, the
 * other L2 clients). The EVM runs on this thread: without these pauses a looping call held both
 * endpoints for ~11 s. A pause costs ~0.1 ms, so 10 ms slices cost ~1 %.
 */
const SLICE_MS = 10;

/** The EVM error a revert carries (`EVMError.errorMessages.REVERT`). */
const REVERT = "revert";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/**
 * `eth_call` at block `number` of `chain`, bounded: at most `limits.gasCap` gas (a larger `gas` is
 * capped, as geth caps it) and `limits.timeoutMs` of wall time, after which it is aborted with
 * geth's "execution aborted (timeout = …)". While it runs it yields the thread every 10 ms.
 *
 * The block context (NUMBER, TIMESTAMP, BASEFEE, COINBASE, GASLIMIT, PREVRANDAO) is that block's
 * header; state changes go to a throwaway layer. Errors: a revert → code 3 "execution reverted"
 * (with the decoded reason and the revert data); any other failure (out of gas, invalid opcode)
 * → -32000 with the EVM's message.
 */
export async function boundedCall(chain: L2Chain, number: bigint, request: CallRequest, limits: CallLimits): Promise<string> {
  const header = chain.headers[Number(number)]!;
  const common = createL2Common(chain.genesis.chainId);
  const trie = new MerklePatriciaTrie({
    db: new OverlayDB(chain.db),
    root: header.stateRoot,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    common,
  });
  const stateManager = new EngineStateManager({ trie, common, caches: new Caches() });
  const clock = createCallClock(limits.timeoutMs);
  const vm = await createVM({
    common,
    stateManager,
    blockchain: {
      getBlock: async (n: number) => {
        const ancestor = chain.headers[n];
        if (ancestor === undefined || BigInt(n) >= number) throw new Error(`no ancestor ${n}`);
        return ancestor;
      },
      putBlock: async () => {},
      shallowCopy() {
        return this;
      },
    } as never,
    evmOpts: { customOpcodes: clock.customOpcodes(common) },
  });
  // Each new call frame is a chance to check the clock too (a call tree need not loop).
  vm.evm.events!.on("beforeMessage", (_message: unknown, resolve?: (result?: unknown) => void) => {
    clock.check();
    if (clock.shouldPause()) clock.pause().then(() => resolve?.());
    else resolve?.();
  });
  const block = createBlock(
    {
      header: {
        number: header.number,
        timestamp: header.timestamp,
        gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas,
        coinbase: header.coinbase,
        mixHash: header.mixHash,
        parentBeaconBlockRoot: header.parentBeaconBlockRoot,
        excessBlobGas: 0n,
      },
    },
    { common, setHardfork: false },
  );
  const gasLimit = request.gas === undefined || request.gas > limits.gasCap ? limits.gasCap : request.gas;
  const caller = createAddressFromString(request.from ?? ZERO_ADDRESS);
  let result;
  try {
    result = await vm.evm.runCall({
      caller,
      origin: caller,
      to: request.to === undefined ? undefined : createAddressFromString(request.to),
      data: hexToBytes(request.data as `0x${string}`),
      value: request.value ?? 0n,
      gasLimit,
      gasPrice: 0n,
      skipBalance: true,
      block,
    });
  } catch (error) {
    if (error instanceof CallTimeoutError) throw new RpcError(-32000, `execution aborted (timeout = ${limits.timeoutMs / 1000}s)`);
    throw error;
  }
  const { exceptionError, returnValue } = result.execResult;
  if (exceptionError !== undefined) {
    if (exceptionError.error === REVERT) {
      const reason = revertReason(returnValue);
      throw new RpcError(3, reason === undefined ? "execution reverted" : `execution reverted: ${reason}`, bytesToHex(returnValue));
    }
    throw new RpcError(-32000, exceptionError.error);
  }
  return bytesToHex(returnValue);
}

/** The call ran past its time budget. */
class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
}

/**
 * The clock of one call: JUMPDEST (which every loop passes) and every new call frame look at it;
 * past the deadline they abort the call, and every {@link SLICE_MS} they pause for the event loop.
 */
function createCallClock(timeoutMs: number) {
  const started = performance.now();
  let sliceStart = started;
  let jumps = 0;
  const clock = {
    check() {
      if (performance.now() - started > timeoutMs) throw new CallTimeoutError();
    },
    shouldPause: () => performance.now() - sliceStart > SLICE_MS,
    async pause() {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    },
    customOpcodes(common: ReturnType<typeof createL2Common>): NonNullable<EVMOpts["customOpcodes"]> {
      common.updateParams(paramsEVM);
      const jumpdest = getOpcodesForHF(common).opcodeMap[0x5b]!;
      return [
        {
          opcode: 0x5b,
          opcodeName: jumpdest.opcodeInfo.name,
          baseFee: jumpdest.opcodeInfo.fee,
          // A custom opcode is awaited: returning a promise pauses the call here.
          logicFunction: async () => {
            // Reading the clock costs ~50 ns: every 64th JUMPDEST is enough (a loop turn is ≥ 1 µs).
            if ((++jumps & 63) !== 0) return;
            clock.check();
            if (clock.shouldPause()) await clock.pause();
          },
        },
      ] as NonNullable<EVMOpts["customOpcodes"]>;
    },
  };
  return clock;
}

/** The string of a Solidity `Error(string)` revert, if that is what the data is. */
function revertReason(data: Uint8Array): string | undefined {
  if (data.length < 4 || bytesToHex(data.subarray(0, 4)) !== "0x08c379a0") return undefined;
  try {
    const [reason] = AbiCoder.defaultAbiCoder().decode(["string"], data.subarray(4));
    return String(reason).replace(/\s+/g, " ").slice(0, 200);
  } catch {
    return undefined;
  }
}

/**
 * Reads go to the chain's database; writes stay in a throwaway layer (ethereumjs flushes a
 * call's state changes into the trie when its checkpoint closes).
 */
class OverlayDB implements DB<string, Uint8Array> {
  private readonly local = new Map<string, Uint8Array | null>();
  constructor(private readonly inner: DB<string, Uint8Array>) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    const hit = this.local.get(key);
    if (hit !== undefined) return hit ?? undefined;
    return this.inner.get(key);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.local.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.local.set(key, null);
  }
  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) this.local.set(op.key, op.type === "put" ? op.value : null);
  }
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }
  async open(): Promise<void> {}
}
