import { AbiCoder, getCreateAddress, Interface, Wallet, hexlify } from "ethers";
import { hexToBytes, MapDB } from "@ethereumjs/util";
import { appendBlock, buildBlock, createL2Chain, devGenesis, devAccounts, type BuildOptions, type BuiltBlock, type L2Chain } from "../../src/engine/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";

/** Test-only contracts, with their ABIs. */
export const token = loadArtifact("test/TestToken.sol", "TestToken");
export const history = loadArtifact("test/History.sol", "History");
export const tokenInterface = new Interface(token.abi as never);
export const historyInterface = new Interface(history.abi as never);

export const wallets = devAccounts().map((a) => new Wallet(a.privateKey));
export const COINBASE = hexToBytes("0x00000000000000000000000000000000c0ffee00");

/** Signs an EIP-1559 L2 transaction for `chain` with dev wallet `from`. */
export async function sign(
  chain: L2Chain,
  from: number,
  tx: { nonce: number; to?: string | null; value?: bigint; data?: string; gasLimit?: bigint; tip?: bigint },
): Promise<Uint8Array> {
  const raw = await signL2Transaction(chain, wallets[from]!, {
    ...tx,
    gasLimit: tx.gasLimit ?? 1_000_000n,
    maxPriorityFeePerGas: tx.tip ?? 1_000_000_000n,
    maxFeePerGas: 100_000_000_000n,
  });
  return hexToBytes(raw as `0x${string}`);
}

/** Builds the next block with fixed, distinct header choices. */
export async function build(chain: L2Chain, transactions: BuildOptions["transactions"], number?: number): Promise<BuiltBlock> {
  const n = BigInt(number ?? chain.headers.length);
  return buildBlock(chain, {
    transactions,
    timestamp: 1_700_000_000n + n * 12n,
    coinbase: COINBASE,
    prevRandao: new Uint8Array(32).fill(Number(n % 250n) + 1),
    anchor: new Uint8Array(32).fill(0xa0 + Number(n % 16n)),
  });
}

/** Builds and appends a block. */
export async function extend(chain: L2Chain, transactions: Uint8Array[]): Promise<BuiltBlock> {
  const block = await build(chain, transactions);
  appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  return block;
}

/** A chain with History and TestToken deployed in block 1 (by wallet 0), at height 3. */
export async function chainWithContracts(): Promise<{ chain: L2Chain; tokenAddress: string; historyAddress: string }> {
  const chain = await createL2Chain(devGenesis());
  const deployer = wallets[0]!.address;
  const tokenData = token.bytecode + AbiCoder.defaultAbiCoder().encode(["uint256"], [10n ** 24n]).slice(2);
  await extend(chain, [
    await sign(chain, 0, { nonce: 0, data: tokenData, gasLimit: 2_000_000n }),
    await sign(chain, 0, { nonce: 1, data: history.bytecode, gasLimit: 2_000_000n }),
  ]);
  await extend(chain, [await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n })]);
  await extend(chain, []);
  return { chain, tokenAddress: getCreateAddress({ from: deployer, nonce: 0 }), historyAddress: getCreateAddress({ from: deployer, nonce: 1 }) };
}

/**
 * The transactions of the block under test: ETH transfers from two senders, token transfers
 * (storage writes, logs), a BLOCKHASH read of block 1 and a context read (timestamp, coinbase).
 */
export async function mixedBlockTransactions(chain: L2Chain, tokenAddress: string, historyAddress: string): Promise<Uint8Array[]> {
  return [
    await sign(chain, 3, { nonce: 0, to: wallets[4]!.address, value: 5n * 10n ** 17n, gasLimit: 21_000n }),
    await sign(chain, 0, { nonce: 2, to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [wallets[5]!.address, 1000n]) }),
    await sign(chain, 0, { nonce: 3, to: tokenAddress, data: tokenInterface.encodeFunctionData("transfer", [wallets[6]!.address, 2000n]) }),
    await sign(chain, 5, { nonce: 0, to: historyAddress, data: historyInterface.encodeFunctionData("recordHash", [1n]) }),
    await sign(chain, 6, { nonce: 0, to: historyAddress, data: historyInterface.encodeFunctionData("recordContext", []) }),
    await sign(chain, 7, { nonce: 0, to: wallets[8]!.address, value: 1n, gasLimit: 21_000n }),
  ];
}

/** Another chain object on a copy of `chain`'s in-memory state, with the same blocks (e.g. to mark it `buildOffThread`). */
export function twinChain(chain: L2Chain): L2Chain {
  const map = (chain.db as unknown as { _database: Map<string, Uint8Array> })._database;
  return { genesis: chain.genesis, db: new MapDB(new Map(map)), headers: [...chain.headers], blocks: [...chain.blocks], transactionIndex: new Map(chain.transactionIndex) };
}

export { hexlify };
