/**
 * geth's `prestateTracer`: every account a transaction touches, as it was before the transaction
 * (balance, nonce, code, the storage slots it read or wrote); with `diffMode`, `{ pre, post }` of
 * what changed.
 */
import type { EVMResult, InterpreterStep } from "@ethereumjs/evm";
import { bigIntToBytes, bytesToHex, createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import type { EngineStateManager } from "../../engine/state-manager.js";
import { toQuantity } from "../format.js";
import type { Tracer, TxFacts } from "./types.js";

/** `tracerConfig` of the prestateTracer. */
export interface PrestateTracerConfig {
  diffMode?: boolean;
  disableCode?: boolean;
  disableStorage?: boolean;
}

/** One account as geth's prestateTracer shows it (zero nonce, empty code and storage omitted). */
interface AccountJson {
  balance?: string;
  nonce?: number;
  code?: string;
  storage?: Record<string, string>;
}

interface AccountState {
  exists: boolean;
  balance: bigint;
  nonce: bigint;
  code: string;
  storage: Map<string, string>;
}

const ADDRESS_AT_TOP = new Set(["BALANCE", "EXTCODESIZE", "EXTCODECOPY", "EXTCODEHASH", "SELFDESTRUCT"]);
const CALLS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);
const ZERO_WORD = "0x" + "00".repeat(32);

/**
 * A prestateTracer. Accounts: the sender, the recipient, the coinbase, the created contracts, and
 * whatever an opcode names (BALANCE, EXTCODE*, SELFDESTRUCT, the calls); slots: SLOAD/SSTORE of
 * the executing account. Values are read afterwards from the state before and after the
 * transaction. As geth: a contract created by the transaction that did not exist before is not
 * in the prestate; in diffMode an account that did not change is in neither part, unchanged
 * slots are dropped, and `post` holds only the fields that changed (slots set to zero omitted).
 */
export function prestateTracer(config: PrestateTracerConfig): Tracer {
  const touched = new Map<string, Set<string>>();
  const created = new Set<string>();
  let facts: TxFacts | undefined;
  const touch = (address: string, slot?: string) => {
    if (!touched.has(address)) touched.set(address, new Set());
    if (slot !== undefined) touched.get(address)!.add(slot);
  };
  const asAddress = (value: bigint) => bytesToHex(setLengthLeft(bigIntToBytes(value & ((1n << 160n) - 1n)), 20));
  const step = (step: InterpreterStep, resolve?: (r?: unknown) => void) => {
    const name = step.opcode.name;
    const s = step.stack;
    if ((name === "SLOAD" || name === "SSTORE") && s.length >= 1) touch(step.address.toString(), bytesToHex(setLengthLeft(bigIntToBytes(s[s.length - 1]!), 32)));
    else if (ADDRESS_AT_TOP.has(name) && s.length >= 1) touch(asAddress(s[s.length - 1]!));
    else if (CALLS.has(name) && s.length >= 2) touch(asAddress(s[s.length - 2]!));
    resolve?.();
  };
  const afterMessage = (result: EVMResult, resolve?: (r?: unknown) => void) => {
    if (result.createdAddress !== undefined) {
      touch(result.createdAddress.toString());
      created.add(result.createdAddress.toString());
    }
    resolve?.();
  };
  return {
    attach(vm: VM, txFacts: TxFacts) {
      facts = txFacts;
      touch(txFacts.from);
      if (txFacts.to !== undefined) touch(txFacts.to);
      touch(txFacts.coinbase);
      const events = vm.evm.events!;
      events.on("step", step);
      events.on("afterMessage", afterMessage);
      return () => {
        events.off("step", step);
        events.off("afterMessage", afterMessage);
      };
    },
    async result(outcome) {
      const pre = new Map<string, AccountState>();
      for (const [address, slots] of touched) pre.set(address, await readAccount(facts!.pre, address, slots));
      if (config.diffMode !== true) {
        const out: Record<string, AccountJson> = {};
        for (const [address, state] of pre) {
          if (created.has(address) && !state.exists) continue;
          out[address] = toJson(state, config);
        }
        return out;
      }
      const post = outcome.vm.stateManager as EngineStateManager;
      const preOut: Record<string, AccountJson> = {};
      const postOut: Record<string, AccountJson> = {};
      for (const [address, before] of pre) {
        const after = await readAccount(post, address, touched.get(address)!);
        if (!after.exists && before.exists) {
          // Gone (self-destructed): the account is in pre only.
          preOut[address] = toJson(before, config);
          continue;
        }
        const changed: AccountJson = {};
        if (after.balance !== before.balance) changed.balance = toQuantity(after.balance);
        if (after.nonce !== before.nonce) changed.nonce = Number(after.nonce);
        if (after.code !== before.code && config.disableCode !== true) changed.code = after.code;
        const slots = new Map<string, string>();
        for (const [slot, value] of before.storage) {
          const now = after.storage.get(slot)!;
          if (now === value) before.storage.delete(slot);
          else if (now !== ZERO_WORD) slots.set(slot, now);
        }
        const storageChanged = before.storage.size > 0;
        if (slots.size > 0 && config.disableStorage !== true) changed.storage = Object.fromEntries(slots);
        const modified = changed.balance !== undefined || changed.nonce !== undefined || changed.code !== undefined || storageChanged;
        if (!modified) continue;
        postOut[address] = changed;
        if (!(created.has(address) && !before.exists)) preOut[address] = toJson(before, config);
      }
      return { post: postOut, pre: preOut };
    },
  };
}

async function readAccount(state: EngineStateManager, address: string, slots: Set<string>): Promise<AccountState> {
  const at = createAddressFromString(address);
  const account = await state.getAccount(at);
  const code = account === undefined ? new Uint8Array(0) : await state.getCode(at);
  const storage = new Map<string, string>();
  for (const slot of slots) {
    const value = account === undefined ? new Uint8Array(0) : await state.getStorage(at, setLengthLeft(Buffer.from(slot.slice(2), "hex"), 32));
    storage.set(slot, bytesToHex(setLengthLeft(value, 32)));
  }
  return { exists: account !== undefined, balance: account?.balance ?? 0n, nonce: account?.nonce ?? 0n, code: bytesToHex(code), storage };
}

function toJson(state: AccountState, config: PrestateTracerConfig): AccountJson {
  return {
    balance: toQuantity(state.balance),
    ...(state.nonce > 0n ? { nonce: Number(state.nonce) } : {}),
    ...(state.code !== "0x" && config.disableCode !== true ? { code: state.code } : {}),
    ...(state.storage.size > 0 && config.disableStorage !== true ? { storage: Object.fromEntries(state.storage) } : {}),
  };
}
