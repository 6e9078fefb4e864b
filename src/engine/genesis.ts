import { createBlockHeader, type BlockHeader } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import type { DB } from "@ethereumjs/util";
import { Account, createAddressFromString, hexToBytes, MapDB, ValueEncoding } from "@ethereumjs/util";
import { loadArtifact } from "../shared/artifacts.js";
import { UltrasoundError } from "../shared/errors.js";
import { createL2Common, devAccounts, L2_PREMINT, PREDEPLOYS } from "./chain.js";
import { preinstallAlloc } from "./genesis/preinstalls.js";

export { ENTRY_POINT_V07_SALT, ENTRY_POINT_V08_SALT, PREINSTALLS, PreinstallSourceError, preinstallAlloc, type PreinstallAccount } from "./genesis/preinstalls.js";

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
  /**
   * How many EXECUTEs deep the chain's blocks are verified (docs/nested.md): 0 (the default) for a
   * rollup L1 verifies, 1 for a child rollup (an L3) whose `NativeRollup` lives on an L2. Not part
   * of the genesis block or its hash: it says where the chain settles, and everything that runs
   * the chain's blocks (builder, node, `eth_call`, tracing) must run them at this depth, as the
   * verifier will (an L3 transaction that calls EXECUTE fails there).
   */
  nestingDepth?: number;
}

/** Options of {@link defaultGenesis}; every field has a default. */
export interface DefaultGenesisOptions {
  chainId?: bigint;
  gasLimit?: bigint;
  timestamp?: bigint;
  /**
   * A dev option: give each of Hardhat's 20 default accounts this balance, minted at genesis
   * outside the bridge (default 0: none). Real chains, and the devnet, fund L2 accounts with
   * deposits; tests use {@link devGenesis} for accounts funded from the first block.
   */
  devBalance?: bigint;
  /**
   * Put the `L2Messenger` predeploy at `PREDEPLOYS.messenger`, holding `L2_PREMINT`: the L2 ETH
   * L1→L2 messages unlock (docs/bridge.md). Default true; without it the chain has no bridge.
   */
  messenger?: boolean;
  /**
   * Put the preinstalls — Multicall3, the CREATE2 deployers (Arachnid's and Safe's), ERC-4337
   * EntryPoint v0.7 — at their usual addresses (`PREINSTALLS`). Default true.
   */
  preinstalls?: boolean;
  /** Extra accounts, merged over the defaults. */
  alloc?: Record<string, GenesisAccount>;
  /** Where the chain's blocks are verified (see {@link GenesisConfig.nestingDepth}); default 0: on L1. */
  nestingDepth?: number;
}

/**
 * The default genesis: the L2 predeploys — the anchor, and the messenger holding all the L2 ETH
 * there will be (EIP-8079: pre-minted, unlocked by deposits) —, the preinstalls (`PREINSTALLS`),
 * and no other balance. Users
 * change it through the options or build their own.
 */
export function defaultGenesis(options: DefaultGenesisOptions = {}): GenesisConfig {
  const balance = options.devBalance ?? 0n;
  const alloc: Record<string, GenesisAccount> = {};
  if (balance > 0n) for (const account of devAccounts()) alloc[account.address.toLowerCase()] = { balance };
  alloc[PREDEPLOYS.anchor] = { code: loadArtifact("l2/L2Anchor.sol", "L2Anchor").deployedBytecode };
  if (options.messenger !== false) alloc[PREDEPLOYS.messenger] = messengerGenesisAccount();
  if (options.preinstalls !== false) Object.assign(alloc, preinstallAlloc());
  for (const [address, account] of Object.entries(options.alloc ?? {})) alloc[address.toLowerCase()] = account;
  return {
    chainId: options.chainId ?? 167_001n,
    gasLimit: options.gasLimit ?? 60_000_000n,
    timestamp: options.timestamp ?? 0n,
    baseFeePerGas: 1_000_000_000n,
    alloc,
    ...(options.nestingDepth === undefined || options.nestingDepth === 0 ? {} : { nestingDepth: options.nestingDepth }),
  };
}

/** The dev balance {@link devGenesis} gives each of Hardhat's 20 accounts: 10,000 ETH, as on L1. */
export const DEV_BALANCE = 10_000n * 10n ** 18n;

/**
 * The default genesis plus Hardhat's 20 accounts funded with {@link DEV_BALANCE} each, minted at
 * genesis (outside the bridge's accounting): for tests and examples that want funded accounts
 * from block 0. The devnet funds them by deposits instead.
 */
export function devGenesis(options: DefaultGenesisOptions = {}): GenesisConfig {
  return defaultGenesis({ devBalance: DEV_BALANCE, ...options });
}

/**
 * The `L2Messenger` predeploy's genesis account: its runtime code and all the L2 ETH there will
 * be (`L2_PREMINT`), which L1→L2 messages unlock. Throws `ArtifactNotFoundError` until
 * `contracts/l2/L2Messenger.sol` is compiled.
 */
export function messengerGenesisAccount(): GenesisAccount {
  return { code: loadArtifact("l2/L2Messenger.sol", "L2Messenger").deployedBytecode, balance: L2_PREMINT };
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
  // NativeRollup and EXECUTE hold the chain id as a uint64.
  if (config.chainId < 1n || config.chainId >= 2n ** 64n) throw new GenesisConfigError("chainId out of range (1 to 2^64-1)", { chainId: config.chainId });
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

/** A genesis file that does not describe a valid genesis. */
export class GenesisConfigError extends UltrasoundError {
  override name = "GenesisConfigError";
}

/**
 * Reads a genesis from JSON: `{ "chainId", "gasLimit", "timestamp"?, "devBalance"?, "messenger"?, "preinstalls"?, "alloc"? }`
 * (numbers as JSON numbers or decimal/0x strings; alloc as in {@link GenesisAccount}), merged
 * over {@link defaultGenesis}: the predeploys and dev accounts stay unless overridden.
 */
export function parseGenesisJson(text: string, source = "genesis"): GenesisConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GenesisConfigError("Genesis is not valid JSON", { source, reason: (error as Error).message });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new GenesisConfigError("Genesis must be a JSON object", { source });
  const raw = json as Record<string, unknown>;
  const known = new Set(["chainId", "gasLimit", "timestamp", "devBalance", "messenger", "preinstalls", "alloc", "nestingDepth"]);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new GenesisConfigError("Unknown genesis field", { source, field: key });
  const alloc: Record<string, GenesisAccount> = {};
  if (raw.alloc !== undefined) {
    if (typeof raw.alloc !== "object" || raw.alloc === null) throw new GenesisConfigError("alloc must be an object", { source });
    for (const [address, spec] of Object.entries(raw.alloc as Record<string, Record<string, unknown>>)) {
      if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new GenesisConfigError("alloc key is not an address", { source, address });
      alloc[address] = {
        balance: spec.balance === undefined ? undefined : quantity(spec.balance, `alloc.${address}.balance`, source),
        nonce: spec.nonce === undefined ? undefined : quantity(spec.nonce, `alloc.${address}.nonce`, source),
        code: spec.code === undefined ? undefined : hexString(spec.code, `alloc.${address}.code`, source),
        storage: spec.storage as Record<string, string> | undefined,
      };
    }
  }
  const chainId = raw.chainId === undefined ? undefined : quantity(raw.chainId, "chainId", source);
  // NativeRollup and EXECUTE hold the chain id as a uint64; the engine keeps it exact (a bigint).
  if (chainId === 0n || (chainId !== undefined && chainId >= 2n ** 64n)) {
    throw new GenesisConfigError("chainId out of range (1 to 2^64-1)", { source, chainId });
  }
  const gasLimit = raw.gasLimit === undefined ? undefined : quantity(raw.gasLimit, "gasLimit", source);
  if (gasLimit !== undefined && (gasLimit < 5000n || gasLimit >= 2n ** 63n)) throw new GenesisConfigError("gasLimit out of range", { source, gasLimit });
  if (raw.messenger !== undefined && typeof raw.messenger !== "boolean") throw new GenesisConfigError("messenger must be true or false", { source });
  if (raw.preinstalls !== undefined && typeof raw.preinstalls !== "boolean") throw new GenesisConfigError("preinstalls must be true or false", { source });
  if (raw.nestingDepth !== undefined && !(raw.nestingDepth === 0 || raw.nestingDepth === 1)) {
    throw new GenesisConfigError("nestingDepth must be 0 (settled on L1) or 1 (an L3, settled on an L2)", { source, nestingDepth: String(raw.nestingDepth) });
  }
  return defaultGenesis({
    chainId,
    messenger: raw.messenger as boolean | undefined,
    preinstalls: raw.preinstalls as boolean | undefined,
    gasLimit,
    timestamp: raw.timestamp === undefined ? undefined : quantity(raw.timestamp, "timestamp", source),
    devBalance: raw.devBalance === undefined ? undefined : quantity(raw.devBalance, "devBalance", source),
    alloc,
    nestingDepth: raw.nestingDepth as number | undefined,
  });
}

function quantity(value: unknown, field: string, source: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(value)) return BigInt(value);
  throw new GenesisConfigError("Expected a non-negative integer (number, decimal or 0x string)", { source, field, value: String(value) });
}

function hexString(value: unknown, field: string, source: string): string {
  if (typeof value === "string" && /^0x([0-9a-fA-F]{2})*$/.test(value)) return value;
  throw new GenesisConfigError("Expected 0x-prefixed hex bytes", { source, field });
}
