import { hexToBytes } from "@ethereumjs/util";
import { AbiCoder, Interface, keccak256, Wallet, zeroPadValue } from "ethers";
import { buildBlock, createL2Chain, defaultGenesis, devAccounts, type BuiltBlock, type L2Chain } from "../src/engine/index.js";
import { loadArtifact } from "../src/shared/artifacts.js";

/** Where the benchmark token lives in the bench genesis. */
export const TOKEN_ADDRESS = "0x00000000000000000000000000000000000070c0";
const token = loadArtifact("test/TestToken.sol", "TestToken");
const tokenInterface = new Interface(token.abi as never);

/** Storage slot of `balanceOf[holder]` (the mapping is TestToken's slot 0). */
function balanceSlot(holder: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [holder, 0n]));
}

/** How many token holders the bench genesis has besides the 20 dev accounts. */
export const TOKEN_HOLDERS = 5_000;

/** The address of token holder `i` (1-based). */
export function holder(i: number): string {
  return "0x" + (0x1000000n + BigInt(i)).toString(16).padStart(40, "0");
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
  const genesis = defaultGenesis({
    gasLimit: 120_000_000n,
    alloc: { [TOKEN_ADDRESS]: { code: token.deployedBytecode, storage } },
  });
  return createL2Chain(genesis);
}

/**
 * `count` signed ERC20 transfers, spread over the 20 dev accounts, each to a distinct existing
 * holder (a storage update deep in the token's trie, as most real transfers are).
 */
export async function erc20Transfers(chain: L2Chain, count: number, seed = 1): Promise<Uint8Array[]> {
  const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
  const nonces = new Map<string, number>();
  const txs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const wallet = wallets[i % wallets.length]!;
    const nonce = nonces.get(wallet.address) ?? 0;
    nonces.set(wallet.address, nonce + 1);
    const recipient = holder(((seed * 7919 + i) % TOKEN_HOLDERS) + 1);
    const raw = await wallet.signTransaction({
      type: 2,
      chainId: chain.genesis.chainId,
      nonce,
      to: TOKEN_ADDRESS,
      data: tokenInterface.encodeFunctionData("transfer", [recipient, 1n]),
      gasLimit: 80_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 10n ** 9n,
    });
    txs.push(hexToBytes(raw as `0x${string}`));
  }
  return txs;
}

/** Builds the next block of `chain` from `transactions` with fixed header choices. */
export async function buildBench(chain: L2Chain, transactions: Uint8Array[]): Promise<BuiltBlock> {
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
