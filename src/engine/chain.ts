import { createCustomCommon, Hardfork, Mainnet, type Common } from "@ethereumjs/common";
import { HDNodeWallet } from "ethers";
import { keccak256, nativeEcrecover, nativeSha256 } from "./crypto.js";
import { l2Kzg } from "./kzg.js";
import { withTxParamsMerged } from "./tx-params.js";

/**
 * The hardfork L2 blocks follow. Osaka — the same rules as the L1 devnet (Hardhat's default),
 * so a contract compiled and tested for L1 behaves identically on L2: the point of a native
 * rollup is that L1 re-executes L2 with its own EVM.
 */
export const L2_HARDFORK = Hardfork.Osaka;

/**
 * The caller of the L1-anchor and message-delivery system calls, as in EIP-4788/2935/7002 system calls.
 * It pays no gas and its account is restored after the call.
 */
export const SYSTEM_ADDRESS = "0xfffffffffffffffffffffffffffffffffffffffe";

/** Where the L2 predeploys live in every L2 genesis. */
export const PREDEPLOYS = {
  /** `L2Anchor`: receives the L1 anchor (an L1 block hash) once per L2 block, by system call. */
  anchor: "0x5500000000000000000000000000000000000001",
  /**
   * `L2Messenger`: receives the block's L1→L2 messages by system call (after the anchor, before
   * the transactions) and holds the pre-minted L2 ETH they unlock (docs/bridge.md).
   */
  messenger: "0x5500000000000000000000000000000000000002",
} as const;

/** The L2Messenger's genesis balance: all the L2 ETH there will ever be, unlocked by L1→L2 messages (EIP-8079). */
export const L2_PREMINT = 2n ** 128n;

/** The mnemonic of Hardhat's default accounts: the same keys are funded on L1 and L2. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/**
 * A fresh `Common` for an L2 chain. One per VM: a shared `Common` keeps every VM that used it
 * alive (PITFALLS: heap grew to 1.4 GB).
 */
export function createL2Common(chainId: bigint): Common {
  // The chain id goes in as a decimal string: `Number()` rounds ids above 2^53, and a rounded id
  // would accept transactions signed for another chain and make CHAINID lie.
  const common = createCustomCommon({ chainId: chainId.toString(), name: `ultrasound-${chainId}` }, Mainnet, {
    hardfork: L2_HARDFORK,
    customCrypto: { kzg: l2Kzg, keccak256, sha256: nativeSha256, ...(nativeEcrecover === undefined ? {} : { ecrecover: nativeEcrecover }) },
  });
  // Decoding a transaction then no longer rebuilds the parameter tables (issue 9).
  return withTxParamsMerged(common);
}

/** A Hardhat default account: address and private key. */
export interface DevAccount {
  address: `0x${string}`;
  privateKey: `0x${string}`;
}

let devAccountsCache: DevAccount[] | undefined;

/** Hardhat's 20 default accounts (m/44'/60'/0'/0/i of the dev mnemonic), derived once. */
export function devAccounts(): DevAccount[] {
  if (devAccountsCache === undefined) {
    const root = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
    devAccountsCache = Array.from({ length: 20 }, (_, i) => {
      const wallet = root.deriveChild(i);
      return { address: wallet.address as `0x${string}`, privateKey: wallet.privateKey as `0x${string}` };
    });
  }
  return devAccountsCache;
}
