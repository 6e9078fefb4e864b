import edr from "@nomicfoundation/edr";
import { bytesToHex } from "@ethereumjs/util";
import { network } from "hardhat";
import type { GenesisConfig } from "../src/engine/index.js";

/** What `mineOnEdr` measured. */
export interface EdrMining {
  /** From the first `eth_sendRawTransaction` to `evm_mine` returning (ms). */
  sendAndMineMs: number;
  /** `evm_mine` alone (ms). */
  mineMs: number;
  /** Transactions in the mined block, and the block's gas used. */
  transactionCount: number;
  gasUsed: bigint;
}

/** A minimal EIP-1193 view of the Hardhat network's provider, and a way to close its network. */
interface Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * An in-process Hardhat (EDR, osaka) network holding the same state as an L2 genesis, ready to
 * mine the same signed L2 transactions: it runs with the L2's chain id (so the very bytes signed
 * for L2 are valid on it, no re-signing), automine off and a FIFO mempool, the L2 block gas limit
 * and base fee. Every genesis account's balance, nonce, code and storage is set through
 * `hardhat_set*` (the L2 predeploy too; EDR just never calls it).
 *
 * `withExecuteHook: false` (the default) leaves out the ultrasound plugin's EDR call-override
 * hook, which crosses into JavaScript on every call frame: the row measures revm itself.
 */
export async function edrNetworkAtGenesis(genesis: GenesisConfig, options: { withExecuteHook?: boolean } = {}): Promise<Provider> {
  const create = () =>
    network.create({
      override: {
        chainId: Number(genesis.chainId),
        hardfork: "osaka",
        blockGasLimit: genesis.gasLimit,
        initialBaseFeePerGas: genesis.baseFeePerGas,
        mining: { auto: false, interval: 0, mempool: { order: "fifo" } },
      },
    });
  const connection = options.withExecuteHook === true ? await create() : await withoutCallOverrideHook(create);
  const provider: Provider = {
    request: (args) => connection.provider.request(args),
    close: () => connection.close(),
  };
  const calls: { method: string; params: unknown[] }[] = [];
  for (const [address, account] of Object.entries(genesis.alloc)) {
    calls.push({ method: "hardhat_setBalance", params: [address, quantity(account.balance ?? 0n)] });
    if (account.nonce !== undefined) calls.push({ method: "hardhat_setNonce", params: [address, quantity(account.nonce)] });
    if (account.code !== undefined) calls.push({ method: "hardhat_setCode", params: [address, account.code] });
    for (const [slot, value] of Object.entries(account.storage ?? {})) calls.push({ method: "hardhat_setStorageAt", params: [address, slot, value] });
  }
  for (let i = 0; i < calls.length; i += 500) await Promise.all(calls.slice(i, i + 500).map((call) => provider.request(call)));
  // One empty block so the state set above is in a mined block, as the L2 genesis is.
  await provider.request({ method: "evm_mine", params: [] });
  return provider;
}

/**
 * Sends every raw transaction, then mines them in one block; restores the state afterwards
 * (`evm_snapshot`/`evm_revert`) so it can run again on the same transactions.
 */
export async function mineOnEdr(provider: Provider, transactions: Uint8Array[]): Promise<EdrMining> {
  const raw = transactions.map((tx) => bytesToHex(tx));
  const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
  const started = performance.now();
  for (const tx of raw) await provider.request({ method: "eth_sendRawTransaction", params: [tx] });
  const mineStarted = performance.now();
  await provider.request({ method: "evm_mine", params: [] });
  const ended = performance.now();
  const block = (await provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { transactions: string[]; gasUsed: string };
  await provider.request({ method: "evm_revert", params: [snapshot] });
  return { sendAndMineMs: ended - started, mineMs: ended - mineStarted, transactionCount: block.transactions.length, gasUsed: BigInt(block.gasUsed) };
}

function quantity(value: bigint): string {
  return "0x" + value.toString(16);
}

/**
 * Creates a network while the ultrasound plugin's `setCallOverrideCallback` registration is a
 * no-op (restored right after): that network runs revm with no JavaScript in its call path.
 */
async function withoutCallOverrideHook<T>(create: () => Promise<T>): Promise<T> {
  const proto = (edr as unknown as { Provider: { prototype: Record<string, unknown> } }).Provider.prototype;
  const original = proto.setCallOverrideCallback;
  proto.setCallOverrideCallback = async function () {};
  try {
    return await create();
  } finally {
    proto.setCallOverrideCallback = original;
  }
}
