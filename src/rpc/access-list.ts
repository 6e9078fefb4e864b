/**
 * `eth_createAccessList` as geth answers it: the EIP-2930 access list a transaction would need —
 * every account and storage slot it touches — and the gas it uses with that list.
 */
import { createTx } from "@ethereumjs/tx";
import { bigIntToBytes, bytesToHex, createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import type { InterpreterStep } from "@ethereumjs/evm";
import { getCreateAddress } from "ethers";
import { createL2Common } from "../engine/chain.js";
import { callState, runBoundedCall, type AccessListEntry, type CallLimits } from "./call.js";
import { excerpt, RpcError } from "./errors.js";
import type { CallBlock } from "./pending.js";
import type { AccountOverride, CallRequest } from "./params.js";
import { toQuantity } from "./format.js";
import type { ChainView } from "./view.js";

/** The most runs before the list is returned even if it still changes (geth has no bound; lists settle in 2–3). */
const MAX_ROUNDS = 16;

/** Opcodes whose stack top is an address they touch (the account, not its storage). */
const ADDRESS_AT_TOP = new Set(["BALANCE", "EXTCODESIZE", "EXTCODECOPY", "EXTCODEHASH", "SELFDESTRUCT"]);
/** Calls: the callee is the second stack item. */
const CALLS = new Set(["CALL", "CALLCODE", "DELEGATECALL", "STATICCALL"]);

/** eth_createAccessList's answer. */
export interface AccessListResult {
  accessList: AccessListEntry[];
  gasUsed: string;
  /** The EVM's error when the call fails with the final list (geth reports it here, not as an RPC error). */
  error?: string;
}

/**
 * Runs the call in `at` with the list found so far warm, records what it touches — storage slots
 * by SLOAD/SSTORE (of any account, the recipient's included), accounts by BALANCE, EXTCODESIZE/COPY/HASH,
 * SELFDESTRUCT and the calls — except the sender, the recipient (or the created contract) and the
 * precompiles, which a transaction has warm anyway; repeats until the list no longer changes
 * (a slot read only on a path the list's cheaper gas opens is found on the next round). `gasUsed`
 * is the transaction's gas with that list: intrinsic (the list included) + execution − refund.
 */
export async function createAccessList(
  view: ChainView,
  request: CallRequest,
  given: AccessListEntry[] | undefined,
  at: CallBlock,
  limits: CallLimits,
  overrides?: Map<string, AccountOverride>,
): Promise<AccessListResult> {
  const common = createL2Common(view.chainId);
  const from = request.from ?? "0x0000000000000000000000000000000000000000";
  let recipient = request.to;
  if (recipient === undefined) {
    // A creation: the contract's address is excluded like a recipient (geth does the same).
    const nonce = (await callState(view, at).getAccount(createAddressFromString(from)))?.nonce ?? 0n;
    recipient = getCreateAddress({ from, nonce }).toLowerCase();
  }
  const gasLimit = request.gas !== undefined && request.gas < limits.gasCap ? request.gas : limits.gasCap;
  let list = normalize(given ?? []);
  for (let round = 0; ; round++) {
    const tx = createTx(
      { to: request.to as `0x${string}` | undefined, data: request.data as `0x${string}`, value: request.value ?? 0n, gasLimit: 0n, type: 2, maxFeePerGas: 0n, accessList: list as never },
      { common, freeze: false },
    );
    const intrinsic = tx.getIntrinsicGas();
    if (gasLimit < intrinsic) throw new RpcError(-32000, `intrinsic gas too low: gas ${gasLimit}, minimum needed ${intrinsic}`);
    const found = new Map<string, Set<string>>(list.map((e) => [e.address, new Set(e.storageKeys)]));
    const excluded = new Set([from.toLowerCase(), recipient]);
    const outcome = await runBoundedCall(view, at, request, gasLimit - intrinsic, limits, overrides, {
      accessList: list,
      attach(vm) {
        for (const [address] of vm.evm.precompiles) excluded.add(`0x${address}`);
        vm.evm.events!.on("step", (step: InterpreterStep, resolve?: (result?: unknown) => void) => {
          const name = step.opcode.name;
          const stack = step.stack;
          if ((name === "SLOAD" || name === "SSTORE") && stack.length >= 1) {
            const address = step.address.toString();
            if (!found.has(address)) found.set(address, new Set());
            found.get(address)!.add(word(stack[stack.length - 1]!));
          } else if (ADDRESS_AT_TOP.has(name) && stack.length >= 1) {
            touch(found, excluded, stack[stack.length - 1]!);
          } else if (CALLS.has(name) && stack.length >= 2) {
            touch(found, excluded, stack[stack.length - 2]!);
          }
          resolve?.();
        });
      },
    });
    const next = [...found].map(([address, keys]) => ({ address, storageKeys: [...keys] }));
    if (same(list, next) || round + 1 >= MAX_ROUNDS) {
      const total = intrinsic + outcome.gasUsed;
      const refund = outcome.error === undefined ? (outcome.gasRefund < total / 5n ? outcome.gasRefund : total / 5n) : 0n;
      const floor = tx.getMinimumGasLimit();
      const used = total - refund > floor ? total - refund : floor;
      return { accessList: next, gasUsed: toQuantity(used), ...(outcome.error === undefined ? {} : { error: gethError(outcome.error) }) };
    }
    list = next;
  }
}

/** Validates an access list parameter (`[{ address, storageKeys }]`). */
export function accessListParam(value: unknown): AccessListEntry[] | undefined {
  if (value === undefined || value === null) return undefined;
  const bad = () => new RpcError(-32602, `invalid accessList: expected [{ address, storageKeys: [32-byte hex…] }], got ${excerpt(value)}`);
  if (!Array.isArray(value)) throw bad();
  return value.map((entry) => {
    if (typeof entry !== "object" || entry === null) throw bad();
    const { address, storageKeys } = entry as { address?: unknown; storageKeys?: unknown };
    if (typeof address !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw bad();
    const keys = storageKeys === undefined || storageKeys === null ? [] : storageKeys;
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(k))) throw bad();
    return { address, storageKeys: keys as string[] };
  });
}

function touch(found: Map<string, Set<string>>, excluded: Set<string>, value: bigint): void {
  const address = bytesToHex(setLengthLeft(bigIntToBytes(value & ((1n << 160n) - 1n)), 20));
  if (!excluded.has(address) && !found.has(address)) found.set(address, new Set());
}

function word(value: bigint): string {
  return bytesToHex(setLengthLeft(bigIntToBytes(value), 32));
}

function normalize(list: AccessListEntry[]): AccessListEntry[] {
  const merged = new Map<string, Set<string>>();
  for (const e of list) {
    const address = e.address.toLowerCase();
    if (!merged.has(address)) merged.set(address, new Set());
    for (const k of e.storageKeys) merged.get(address)!.add(k.toLowerCase());
  }
  return [...merged].map(([address, keys]) => ({ address, storageKeys: [...keys] }));
}

function same(a: AccessListEntry[], b: AccessListEntry[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((e) => [e.address, new Set(e.storageKeys)]));
  return b.every((e) => {
    const keys = index.get(e.address);
    return keys !== undefined && keys.size === e.storageKeys.length && e.storageKeys.every((k) => keys.has(k));
  });
}

/** geth's wording of the EVM errors the JSON-RPC reports in a field (eth_createAccessList, the tracers). */
export function gethError(error: string): string {
  switch (error) {
    case "revert":
      return "execution reverted";
    case "invalid JUMP":
      return "invalid jump destination";
    case "static state change":
      return "write protection";
    case "code size to deposit exceeds maximum code size":
      return "max code size exceeded";
    case "invalid bytecode deployed":
      return "invalid code: must not begin with 0xef";
    case "create collision":
      return "contract address collision";
    case "value overflow":
    case "insufficient balance":
      return "insufficient balance for transfer";
    case "out of gas":
    case "code store out of gas":
      return "out of gas";
    default:
      return error;
  }
}
