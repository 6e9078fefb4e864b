/**
 * The block's system calls (EIP-4788 style, from SYSTEM_ADDRESS, no receipt): the L1 anchor to
 * `L2Anchor` before anything else, then the L1→L2 messages to `L2Messenger`. Their gas and what
 * they may reach are bounds of EXECUTE's own (docs/execute.md, "Bounds").
 */
import type { Block } from "@ethereumjs/block";
import type { EVM, EVMResult, Message } from "@ethereumjs/evm";
import { createAccount, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import { id as selectorOf } from "ethers";
import { PREDEPLOYS, SYSTEM_ADDRESS } from "./chain.js";
import type { EngineStateManager } from "./state-manager.js";
import { AnchorCallFailedError, ExecutionRejectedError, MessageDeliveryFailedError } from "./errors.js";
import { GasBudgetExceededError, type GasMeter } from "./meter.js";

/** A log as the EVM emits it: `[address, topics, data]`. */
export type EvmLog = [Uint8Array, Uint8Array[], Uint8Array];

/**
 * Gas given to the L1-anchor system call. EIP-4788's system calls get 30M, but here the pre-state
 * — and so the anchor predeploy's code — is the caller's to choose when EXECUTE is called
 * directly, and this call is paid only by EXECUTE's base price: 250,000 is several times what
 * `L2Anchor.anchor` needs (three storage writes, ≈ 70,000) and bounds what a crafted one costs.
 * Gas alone does not bound its work: a precompile's price assumes native code, and a crafted
 * anchor looping on one inside these 250,000 gas did seconds of work for the 60,000 of the base
 * (issue 15). So the anchor call may call no precompile: reaching one fails it
 * (`AnchorCallFailedError`); what is left, opcodes, stays under ≈ 100 ns per gas.
 */
export const SYSTEM_CALL_GAS = 250_000n;
/**
 * The anchor call's gas for a block verified in a batch (docs/execute.md, "Batches"): L2Anchor's
 * `anchor` needs ≈ 70,000 at most (three storage writes, each at most a fresh slot's 22,100),
 * whatever the state; 100,000 leaves it 30 % and bounds a looping predeploy's work per block.
 */
export const BATCH_ANCHOR_CALL_GAS = 100_000n;
const ANCHOR_SELECTOR = hexToBytes(selectorOf("anchor(bytes32)").slice(0, 10) as `0x${string}`);
/** `L2Messenger.deliverMessages`, whose ABI arguments are EXECUTE's `messages` field (docs/bridge.md). */
export const DELIVER_MESSAGES_SIGNATURE =
  "deliverMessages(bytes32,uint256,bytes32,(uint256,address,address,address,uint256,uint256,uint64,bytes)[])";
const DELIVER_MESSAGES_SELECTOR = hexToBytes(selectorOf(DELIVER_MESSAGES_SIGNATURE).slice(0, 10) as `0x${string}`);

/** The VMs running their anchor system call right now. */
const inAnchorCall = new WeakSet<VM>();

/**
 * Makes `vm`'s anchor call fail when a frame reaches a precompile (see {@link SYSTEM_CALL_GAS}).
 * A one-argument listener runs synchronously: what it throws aborts the call.
 */
export function refusePrecompilesInAnchorCall(vm: VM): void {
  vm.evm.events!.on("beforeMessage", (message: Message) => {
    if (!inAnchorCall.has(vm) || message.to === undefined) return;
    if ((vm.evm as EVM).getPrecompile(message.codeAddress) !== undefined) {
      throw new AnchorCallFailedError(`the anchor call may not call a precompile (it called ${message.codeAddress.toString()})`);
    }
  });
}

/**
 * Delivers the L1 anchor to the `L2Anchor` predeploy as an unmetered system call from
 * SYSTEM_ADDRESS (EIP-8079's anchor transaction), leaving the system account as it was.
 * A chain whose genesis has no anchor predeploy gets a call to an empty account: a no-op.
 */
export async function anchorSystemCall(vm: VM, block: Block, anchor: Uint8Array, gas: bigint): Promise<void> {
  const data = new Uint8Array(36);
  data.set(ANCHOR_SELECTOR, 0);
  data.set(anchor, 4);
  inAnchorCall.add(vm);
  let result;
  try {
    result = await systemCall(vm, block, PREDEPLOYS.anchor, data, gas);
  } finally {
    inAnchorCall.delete(vm);
  }
  if (result.execResult.exceptionError !== undefined) {
    throw new AnchorCallFailedError(result.execResult.exceptionError.error);
  }
}

/**
 * Hands the block's L1→L2 messages to the `L2Messenger` predeploy: a system call from
 * SYSTEM_ADDRESS with calldata `selector(deliverMessages(…)) ‖ messages` and the block gas limit,
 * whose gas counts in the block's gas before the first transaction, with no receipt. Returns
 * that gas.
 *
 * In verify mode (`budget` set) the meter stops the call as soon as it consumes more than the
 * budget (`GasBudgetExceededError`), so the work stays bounded by the claimed gas. A call that
 * reverts or halts (out of gas included) throws `MessageDeliveryFailedError`: the messenger
 * refuses messages that do not match the anchor, so the block is invalid.
 */
export async function deliverySystemCall(
  vm: VM,
  block: Block,
  messages: Uint8Array,
  meter: GasMeter | undefined,
  budget: bigint | undefined,
): Promise<{ gasUsed: bigint; logs: EvmLog[] }> {
  const data = new Uint8Array(4 + messages.length);
  data.set(DELIVER_MESSAGES_SELECTOR, 0);
  data.set(messages, 4);
  const gasLimit = block.header.gasLimit;
  // No refund is applied to a system call, so the budget itself is the limit (no 5/4 margin).
  meter?.begin("message delivery", gasLimit, budget);
  let result;
  try {
    result = await systemCall(vm, block, PREDEPLOYS.messenger, data, gasLimit);
  } catch (error) {
    // Witness misses and the budget are verdicts in their own right; anything else that threw
    // inside the EVM (a precompile) failed the delivery.
    if (error instanceof ExecutionRejectedError) throw error;
    throw new MessageDeliveryFailedError(block.header.number, gasLimit, (error as Error).message);
  } finally {
    meter?.begin("", 0n, undefined);
  }
  const gasUsed = result.execResult.executionGasUsed;
  if (result.execResult.exceptionError !== undefined) {
    throw new MessageDeliveryFailedError(block.header.number, gasUsed, result.execResult.exceptionError.error);
  }
  if (budget !== undefined && gasUsed > budget) throw new GasBudgetExceededError("message delivery", gasUsed, budget);
  return { gasUsed, logs: result.execResult.logs ?? [] };
}

/**
 * One system call (EIP-4788 style): `to` called from SYSTEM_ADDRESS with `data` and `gasLimit`,
 * no gas price, no receipt. The system account is left as it was — nonce, code, storage — except
 * its balance, which keeps whatever the call sent it or took from it: ETH that reaches
 * SYSTEM_ADDRESS during a delivery (a deposit addressed to it, a message fee paid to a coinbase
 * equal to it) stays there, locked like ETH at any address nobody holds a key for, and counted in
 * the L2 supply. Restoring the whole account made it vanish while L1 kept escrowing it (issue 15).
 */
async function systemCall(vm: VM, block: Block, to: string, data: Uint8Array, gasLimit: bigint): Promise<EVMResult> {
  const system = createAddressFromString(SYSTEM_ADDRESS);
  const systemAccount = await vm.stateManager.getAccount(system);
  const stateManager = vm.stateManager as EngineStateManager;
  const checkpoints = stateManager.openCheckpoints();
  let result: EVMResult;
  try {
    result = await vm.evm.runCall({
      caller: system,
      origin: system,
      to: createAddressFromString(to),
      data,
      gasLimit,
      block,
    });
  } catch (error) {
    // Whatever threw left the call's checkpoints open: close them, so the state is as before.
    while (stateManager.openCheckpoints() > checkpoints) await stateManager.revert();
    throw error;
  }
  const balance = (await vm.stateManager.getAccount(system))?.balance ?? 0n;
  if (systemAccount === undefined) {
    await vm.stateManager.deleteAccount(system);
    if (balance > 0n) await vm.stateManager.putAccount(system, createAccount({ balance }));
  } else {
    systemAccount.balance = balance;
    await vm.stateManager.putAccount(system, systemAccount);
  }
  await vm.evm.journal.cleanup();
  return result;
}
