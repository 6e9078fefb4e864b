import { hexToBytes } from "@ethereumjs/util";
import { AbiCoder, Interface, keccak256, Wallet, zeroPadValue } from "ethers";
import { buildBlock, createL2Chain, devGenesis, devAccounts, type BuildOptions, type BuiltBlock, type GenesisAccount, type L2Chain } from "../src/engine/index.js";
import { loadArtifact } from "../src/shared/artifacts.js";

/** Where the benchmark token lives in the bench genesis. */
export const TOKEN_ADDRESS = "0x00000000000000000000000000000000000070c0";
/** Where the storage-heavy benchmark contract (SlotWriter) lives in its bench genesis. */
export const SLOT_WRITER_ADDRESS = "0x0000000000000000000000000000000000005107";
const token = loadArtifact("test/TestToken.sol", "TestToken");
const tokenInterface = new Interface(token.abi as never);
const slotWriter = loadArtifact("test/SlotWriter.sol", "SlotWriter");
const slotWriterInterface = new Interface(slotWriter.abi as never);

/**
 * The bench chains' block gas limit: room for 1,000 of the heaviest bench transactions
 * (SlotWriter, ≈ 80k gas each). Each transaction stays far below EIP-7825's 2^24 cap.
 */
export const BENCH_GAS_LIMIT = 120_000_000n;

/** Storage slot of `balanceOf[holder]` (the mapping is TestToken's slot 0). */
function balanceSlot(holder: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [holder, 0n]));
}

/** How many token holders (and ETH recipients) the bench genesis has besides the 20 dev accounts. */
export const TOKEN_HOLDERS = 5_000;

/** The address of token holder `i` (1-based). */
export function holder(i: number): string {
  return "0x" + (0x1000000n + BigInt(i)).toString(16).padStart(40, "0");
}

/** One benchmark workload: a genesis and a way to sign `count` transactions against it. */
export interface Workload {
  /** Short label used in the report's row names. */
  label: string;
  /** A fresh chain at the workload's genesis. */
  chain(): Promise<L2Chain>;
  /** `count` signed transactions (nonces from 0 for every sender), varied by `seed`. */
  transactions(chain: L2Chain, count: number, seed?: number): Promise<Uint8Array[]>;
}

/**
 * A chain whose genesis holds TestToken with a balance for each of Hardhat's 20 accounts and
 * 5,000 other holders — so transfers read and write a storage trie of realistic depth and the
 * witness carries real proofs — and a gas limit large enough for 1,000 transfers.
 */
export async function erc20Chain(): Promise<L2Chain> {
  const storage: Record<string, string> = {};
  const balance = zeroPadValue("0x" + (10n ** 24n).toString(16), 32);
  for (const account of devAccounts()) storage[balanceSlot(account.address)] = balance;
  for (let i = 1; i <= TOKEN_HOLDERS; i++) storage[balanceSlot(holder(i))] = balance;
  const genesis = devGenesis({
    gasLimit: BENCH_GAS_LIMIT,
    alloc: { [TOKEN_ADDRESS]: { code: token.deployedBytecode, storage } },
  });
  return createL2Chain(genesis);
}

/** EIP-1559 fields shared by every bench transaction (fee cap far above the base fee). */
const FEES = { type: 2, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n } as const;

/** Signs `count` transactions spread round-robin over the 20 dev accounts, nonces in order. */
async function signRoundRobin(
  chain: L2Chain,
  count: number,
  request: (i: number) => { to: string; data?: string; value?: bigint; gasLimit: bigint },
): Promise<Uint8Array[]> {
  const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
  const nonces = new Map<string, number>();
  const txs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = wallets[i % wallets.length]!;
    const nonce = nonces.get(wallet.address) ?? 0;
    nonces.set(wallet.address, nonce + 1);
    const raw = await wallet.signTransaction({ ...FEES, chainId: chain.genesis.chainId, nonce, ...request(i) });
    txs.push(hexToBytes(raw as `0x${string}`));
  }
  return txs;
}

/**
 * `count` signed ERC20 transfers, spread over the 20 dev accounts, each to a distinct existing
 * holder (a storage update deep in the token's trie, as most real transfers are).
 */
export async function erc20Transfers(chain: L2Chain, count: number, seed = 1): Promise<Uint8Array[]> {
  return signRoundRobin(chain, count, (i) => ({
    to: TOKEN_ADDRESS,
    data: tokenInterface.encodeFunctionData("transfer", [holder(((seed * 7919 + i) % TOKEN_HOLDERS) + 1), 1n]),
    gasLimit: 80_000n,
  }));
}

/** 1,000 ERC20 transfers: TestToken with 5,020 holders. */
export const erc20Workload: Workload = { label: "ERC20 transfers", chain: erc20Chain, transactions: erc20Transfers };

/**
 * Plain ETH transfers from the 20 dev accounts, each to a distinct existing account among
 * 5,000 funded ones (an account-trie update deep in a trie of realistic size).
 */
export const ethWorkload: Workload = {
  label: "ETH transfers",
  async chain() {
    const alloc: Record<string, GenesisAccount> = {};
    for (let i = 1; i <= TOKEN_HOLDERS; i++) alloc[holder(i)] = { balance: 10n ** 18n };
    return createL2Chain(devGenesis({ gasLimit: BENCH_GAS_LIMIT, alloc }));
  },
  async transactions(chain, count, seed = 1) {
    return signRoundRobin(chain, count, (i) => ({ to: holder(((seed * 7919 + i) % TOKEN_HOLDERS) + 1), value: 1n, gasLimit: 21_000n }));
  },
};

/** Storage slots the SlotWriter genesis fills (1…SLOTS), and how many each transaction rewrites. */
export const SLOTS = 10_000;
export const SLOTS_PER_TX = 10;

/**
 * Storage-heavy: SlotWriter with 10,000 filled slots; each transaction rewrites 10 distinct
 * existing slots (transaction i, slot j → slot ((10i + j + seed) · 7919 mod 10,000) + 1, a
 * permutation: no slot is written twice in a block of ≤ 1,000 transactions), so a block of 1,000
 * rewrites every slot of a 10,000-slot storage trie.
 */
export const storageWorkload: Workload = {
  label: `storage writes (${SLOTS_PER_TX} slots/tx)`,
  async chain() {
    const storage: Record<string, string> = {};
    for (let slot = 1; slot <= SLOTS; slot++) storage["0x" + slot.toString(16).padStart(64, "0")] = zeroPadValue("0x01", 32);
    return createL2Chain(
      devGenesis({ gasLimit: BENCH_GAS_LIMIT, alloc: { [SLOT_WRITER_ADDRESS]: { code: slotWriter.deployedBytecode, storage } } }),
    );
  },
  async transactions(chain, count, seed = 0) {
    return signRoundRobin(chain, count, (i) => {
      const slots = Array.from({ length: SLOTS_PER_TX }, (_, j) => ((((i * SLOTS_PER_TX + j + seed) * 7919) % SLOTS) + 1));
      return { to: SLOT_WRITER_ADDRESS, data: slotWriterInterface.encodeFunctionData("write", [slots, BigInt(i + 2)]), gasLimit: 120_000n };
    });
  },
};

/** Builds the next block of `chain` from `transactions` with fixed header choices. */
export async function buildBench(chain: L2Chain, transactions: BuildOptions["transactions"]): Promise<BuiltBlock> {
  const built = await buildBlock(chain, {
    transactions,
    timestamp: 1_800_000_000n,
    coinbase: hexToBytes("0x000000000000000000000000000000000000c0de"),
    prevRandao: new Uint8Array(32).fill(1),
    anchor: new Uint8Array(32).fill(2),
  });
  if (built.skipped.length > 0) throw new Error(`bench block left out ${built.skipped.length} txs: ${built.skipped[0]!.reason}`);
  return built;
}
