import { createBlockHeader, type BlockHeader } from "@ethereumjs/block";
import type { DB } from "@ethereumjs/util";
import { Account, createAddressFromString, hexToBytes, MapDB } from "@ethereumjs/util";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { ValueEncoding } from "@ethereumjs/util";
import { loadArtifact } from "../shared/artifacts.js";
import { createL2Common, devAccounts, PREDEPLOYS } from "./chain.js";

/** One account of the genesis allocation. */
export interface GenesisAccount {
  balance?: bigint;
  nonce?: bigint;
  /** Runtime bytecode, 0x-hex. */
  code?: string;
  /** Storage slot → value, both 0x-hex 32-byte words. */
  storage?: Record<string, string>;
}

/** An L2 genesis: the chain's identity, its fixed gas limit and the initial state. */
export interface GenesisConfig {
  chainId: bigint;
  /** The L2 block gas limit, fixed for the chain's life (NativeRollup holds it as an immutable). */
  gasLimit: bigint;
  timestamp: bigint;
  baseFeePerGas: bigint;
  alloc: Record<string, GenesisAccount>;
}

/** Options of {@link defaultGenesis}; every field has a default. */
export interface DefaultGenesisOptions {
  chainId?: bigint;
  gasLimit?: bigint;
  timestamp?: bigint;
  /** Balance of each of Hardhat's 20 default accounts (default 10,000 ETH, as on L1). */
  devBalance?: bigint;
  /** Extra accounts, merged over the defaults. */
  alloc?: Record<string, GenesisAccount>;
}

/**
 * The default genesis: the L2 predeploys and Hardhat's 20 funded dev accounts, so the keys that
 * work on the L1 devnet work on L2 too. Users change it through the options or build their own.
 */
export function defaultGenesis(options: DefaultGenesisOptions = {}): GenesisConfig {
  const balance = options.devBalance ?? 10_000n * 10n ** 18n;
  const alloc: Record<string, GenesisAccount> = {};
  for (const account of devAccounts()) alloc[account.address.toLowerCase()] = { balance };
  alloc[PREDEPLOYS.anchor] = { code: loadArtifact("l2/L2Anchor.sol", "L2Anchor").deployedBytecode };
  for (const [address, account] of Object.entries(options.alloc ?? {})) alloc[address.toLowerCase()] = account;
  return {
    chainId: options.chainId ?? 167_001n,
    gasLimit: options.gasLimit ?? 60_000_000n,
    timestamp: options.timestamp ?? 0n,
    baseFeePerGas: 1_000_000_000n,
    alloc,
  };
}

/** The genesis state written into a database, and the genesis header that commits to it. */
export interface Genesis {
  config: GenesisConfig;
  header: BlockHeader;
}

/**
 * Writes the genesis state into `db` (a fresh in-memory one by default) and returns the genesis
 * header. The header's hash is the parent hash of L2 block 1 and what NativeRollup starts from.
 */
export async function writeGenesis(config: GenesisConfig, db: DB<string, Uint8Array> = new MapDB()): Promise<Genesis> {
  const common = createL2Common(config.chainId);
  const trie = new MerklePatriciaTrie({ db, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  const state = new MerkleStateManager({ trie, common });
  await state.checkpoint();
  for (const [addressHex, spec] of Object.entries(config.alloc)) {
    const address = createAddressFromString(addressHex);
    await state.putAccount(address, new Account(spec.nonce ?? 0n, spec.balance ?? 0n));
    if (spec.code !== undefined && spec.code !== "0x") await state.putCode(address, hexToBytes(spec.code as `0x${string}`));
    for (const [slot, value] of Object.entries(spec.storage ?? {})) {
      await state.putStorage(address, hexToBytes(slot as `0x${string}`), hexToBytes(value as `0x${string}`));
    }
  }
  await state.commit();
  const stateRoot = await state.getStateRoot();
  const header = createBlockHeader(
    {
      number: 0n,
      gasLimit: config.gasLimit,
      timestamp: config.timestamp,
      baseFeePerGas: config.baseFeePerGas,
      stateRoot,
      parentBeaconBlockRoot: new Uint8Array(32),
    },
    { common, setHardfork: false },
  );
  return { config, header };
}
