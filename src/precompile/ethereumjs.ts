import type { CustomPrecompile, ExecResult, PrecompileInput } from "@ethereumjs/evm";
import { EVMError } from "@ethereumjs/evm";
import { bigIntToUnpaddedBytes, bytesToBigInt, createAddressFromString, setLengthLeft, type Address } from "@ethereumjs/util";
import type { ExecuteOptions } from "../engine/execute.js";
import { claimedBlobCount, claimedBlobHashes, claimedBlockCount, claimedGasUsed, EXECUTE_ADDRESS } from "./codec.js";
import { MAX_EXECUTE_BATCH, isVerdictCall } from "./batch.js";
import { MAX_BLOBS_PER_BLOCK } from "../engine/types.js";
import { EXECUTE_BLOB_GAS, executeGas, executeMarketGas } from "./gas.js";
import { DEFAULT_EXECUTE_MARKET, checkExecuteMarketConfig } from "./market.js";
import { answerMarketCall, packMarketState, unpackMarketState } from "./market-oracle.js";
import type { ExecuteShimOptions } from "./shim.js";
import { runExecute, type PrecompileOutcome } from "./run.js";

/** The market's state (packed, as the Hardhat shim keeps it) and the balance already counted as paid. */
const STATE_SLOT = setLengthLeft(new Uint8Array(0), 32);
const ACCOUNTED_SLOT = setLengthLeft(new Uint8Array([1]), 32);
/** What the `executeMarket()` view costs: one storage read (EIP-2929's cold SLOAD). */
const MARKET_VIEW_GAS = 2_100n;

/** What an ethereumjs precompile reaches of its EVM (internal fields, checked by test/precompile/market-probe.test.ts). */
interface EvmInside {
  stateManager: {
    getAccount(address: Address): Promise<{ balance: bigint } | undefined>;
    getStorage(address: Address, key: Uint8Array): Promise<Uint8Array>;
    putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void>;
  };
  _block?: { header: { number: bigint } };
  /** EIP-1153's storage: reverted with a failing frame, cleared at the end of the transaction. */
  transientStorage: { get(address: Address, key: Uint8Array): Uint8Array; put(address: Address, key: Uint8Array, value: Uint8Array): void };
}

/**
 * EXECUTE as an `@ethereumjs/evm` custom precompile:
 * `createVM({ evmOpts: { customPrecompiles: [executePrecompile()] } })`.
 *
 * Priced as the Hardhat shim is (`pricing`, default the gas market; docs/execute.md): under the
 * market it charges `executeMarketGas`, takes its fee as the value the EVM credited to 0x…0101
 * before it ran (its balance above the balance already accounted, kept in its storage slot 1 —
 * an ethereumjs precompile sees no call value), keeps the market's state in its storage slot 0,
 * reads the L1 block from the EVM's block, answers the 4-byte `executeMarket()` view, and
 * answers a rejected block with success and an empty output so its fee stays paid. A refusal by
 * the market, out of gas or a malformed input consumes all the call's gas and returns false,
 * like every failing precompile (the EVM then gives the value back and reverts the storage).
 * Under `"l1-gas"` it charges the 1:1 formula of `gas.ts`, and a rejected block fails.
 */
export function executePrecompile(options: ExecuteOptions & ExecuteShimOptions = {}): CustomPrecompile {
  const address = createAddressFromString(EXECUTE_ADDRESS);
  const market = options.pricing === "l1-gas" ? undefined : checkExecuteMarketConfig(options.market ?? DEFAULT_EXECUTE_MARKET);
  return {
    address,
    function: async (call: PrecompileInput): Promise<ExecResult> => {
      // No valid input is empty: refused before any work, as the Hardhat shim does.
      if (call.data.length === 0) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      const evm = call._EVM as unknown as EvmInside;
      // executeVerdict(bytes32): a verdict a batch of this transaction remembered (docs/execute.md, "Verdicts").
      if (isVerdictCall(call.data)) {
        if (MARKET_VIEW_GAS > call.gasLimit) return failure(call.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
        const key = call.data.subarray(4);
        return { executionGasUsed: MARKET_VIEW_GAS, returnValue: concatBytes(setLengthLeft(evm.transientStorage.get(address, key), 32), setLengthLeft(evm.transientStorage.get(address, nextKey(key)), 32)) };
      }
      const isView = call.data.length === 4;
      let gas = MARKET_VIEW_GAS;
      if (!isView) {
        const blobs = claimedBlobCount(call.data);
        if (blobs > BigInt(MAX_BLOBS_PER_BLOCK)) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
        const blocks = claimedBlockCount(call.data);
        if (blocks !== undefined && (blocks < 1n || blocks > BigInt(MAX_EXECUTE_BATCH))) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
        gas = market === undefined ? executeGas(call.data.length, claimedGasUsed(call.data), Number(blobs), blocks) : executeMarketGas(call.data.length, 0, blocks);
        // Under the market a blob is charged once per L1 transaction, as the shim does (its
        // transient storage: hash → 1; docs/execute.md, "Shared advances").
        if (market !== undefined) {
          for (const hash of claimedBlobHashes(call.data, Number(blobs))) {
            if (evm.transientStorage.get(address, hash).some((b) => b !== 0)) continue;
            evm.transientStorage.put(address, hash, new Uint8Array([1]));
            gas += EXECUTE_BLOB_GAS;
          }
        }
      }
      if (gas > call.gasLimit) return failure(call.gasLimit, EVMError.errorMessages.OUT_OF_GAS);
      // A batch's accepted blocks are remembered in the EVM's transient storage, as the shim does.
      const remember = (outcome: PrecompileOutcome) => {
        if (!outcome.ok) return;
        for (const { key, verdict } of outcome.accepted ?? []) {
          evm.transientStorage.put(address, key, verdict.blockHash);
          evm.transientStorage.put(address, nextKey(key), setLengthLeft(bigIntToUnpaddedBytes(verdict.burnedFees), 32));
        }
      };
      if (market === undefined && !isView) {
        const outcome = await runExecute(call.data, options);
        if (!outcome.ok) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
        remember(outcome);
        return { executionGasUsed: gas, returnValue: outcome.output };
      }
      const stored = bytesToBigInt(await evm.stateManager.getStorage(address, STATE_SLOT));
      const accounted = bytesToBigInt(await evm.stateManager.getStorage(address, ACCOUNTED_SLOT));
      const balance = (await evm.stateManager.getAccount(address))?.balance ?? 0n;
      const answer = await answerMarketCall(
        { state: unpackMarketState(stored), paid: balance - accounted, blockNumber: evm._block?.header.number ?? 0n, config: market, input: call.data },
        async (input) => {
          const outcome = await runExecute(input, options);
          remember(outcome);
          return outcome;
        },
      );
      if ("refused" in answer) return failure(call.gasLimit, EVMError.errorMessages.INVALID_INPUT_LENGTH);
      const packed = packMarketState(answer.state);
      // Written only when it changed (the view changes nothing), as the shim does.
      if (packed !== stored) await evm.stateManager.putStorage(address, STATE_SLOT, bigIntToUnpaddedBytes(packed));
      if (!isView && balance !== accounted) await evm.stateManager.putStorage(address, ACCOUNTED_SLOT, bigIntToUnpaddedBytes(balance));
      return { executionGasUsed: gas, returnValue: answer.output };
    },
  };
}

// Read from the layout in codec.ts (the L2's EXECUTE, src/engine/nested.ts, reads them too).
export { claimedBlobCount, claimedGasUsed };

/** key + 1 (mod 2^256): where a remembered verdict's burned fees live, beside its block hash at key. */
function nextKey(key: Uint8Array): Uint8Array {
  return setLengthLeft(bigIntToUnpaddedBytes((bytesToBigInt(key) + 1n) % 2n ** 256n), 32);
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function failure(gasLimit: bigint, message: string): ExecResult {
  return { executionGasUsed: gasLimit, returnValue: new Uint8Array(0), exceptionError: new EVMError(message as never) };
}
