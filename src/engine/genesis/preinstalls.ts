/**
 * Preinstalls: the contracts every EVM chain tool expects at its usual address (OP Stack's word
 * for them), put into the default L2 genesis as a canonical deployment would have left them.
 * Each one's code comes from the npm package its maintainers publish, or, for Multicall3 and
 * Permit2, whose maintainers publish none, is mainnet's (./mainnet-code.ts); test/engine/preinstalls.test.ts
 * re-runs each canonical deployment in a real VM, or pins mainnet's code hash.
 */
import { createRequire } from "node:module";
import { AbiCoder, getCreateAddress, id, keccak256, Transaction } from "ethers";
import { UltrasoundError } from "../../shared/errors.js";
import { MULTICALL3_MAINNET_CODE, PERMIT2_MAINNET_CODE } from "./mainnet-code.js";

const require = createRequire(import.meta.url);

/** The usual addresses of the preinstalled contracts (the same on Ethereum and most L2s). */
export const PREINSTALLS = {
  /** Multicall3 (mds1/multicall): what viem's `multicall` and ethers' batching call. */
  multicall3: "0xcA11bde05977b3631167028862bE2a173976CA11",
  /** Arachnid's deterministic-deployment-proxy: Foundry's and Hardhat Ignition's CREATE2 deployer. */
  deterministicDeployer: "0x4e59b44847b379578588920cA78FbF26c0B4956C",
  /** Safe's singleton factory: the same CREATE2 proxy, deployed with an EIP-155 key; Safe deploys through it. */
  safeSingletonFactory: "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7",
  /** ERC-4337 EntryPoint v0.7 (eth-infinitism), deployed through the deterministic deployer. */
  entryPointV07: "0x0000000071727De22E5E9d8BAf0edAc6f37da032",
  /** EntryPoint v0.7's SenderCreator: the contract it creates in its constructor (its first CREATE). */
  senderCreatorV07: "0xEFC2c1444eBCC4Db75e7613d20C6a62fF67A167C",
  /** ERC-4337 EntryPoint v0.8 (eth-infinitism; EIP-712 user-operation hashes, EIP-7702 accounts), through the same deployer. */
  entryPointV08: "0x4337084D9E255Ff0702461CF8895CE9E3b5Ff108",
  /** EntryPoint v0.8's SenderCreator (its first CREATE). */
  senderCreatorV08: "0x449ED7C3e6Fee6a97311d4b55475DF59C44AdD33",
  /** Uniswap's Permit2: signature-based approvals and transfers for any ERC-20 (Universal Router, CoW, 1inch use it). */
  permit2: "0x000000000022D473030F116dDEE9F6B43aC78BA3",
} as const;

/** The CREATE2 salt EntryPoint v0.8 was deployed with through the deterministic deployer (eth-infinitism's deploy script). */
export const ENTRY_POINT_V08_SALT = "0x0a59dbff790c23c976a548690c27297883cc66b4c67024f9117b0238995e35e9";

/** The CREATE2 salt EntryPoint v0.7 was deployed with through the deterministic deployer (eth-infinitism's deploy script). */
export const ENTRY_POINT_V07_SALT = "0x90d8084deab30c2a37c45e8d47f49f2f7965183cb6990a98943ef94940681de3";

/** A preinstall's genesis account: runtime code, nonce, storage — what its deployment leaves. */
export interface PreinstallAccount {
  code: string;
  nonce: bigint;
  storage?: Record<string, string>;
}

/** A package that should hold a preinstall's code does not hold what we expect. */
export class PreinstallSourceError extends UltrasoundError {
  override name = "PreinstallSourceError";
}

let cached: Record<string, Readonly<PreinstallAccount>> | undefined;

/** The chain whose immutables Permit2 and EntryPoint v0.8 keep: Ethereum mainnet's. */
const MAINNET_CHAIN_ID = 1n;

/**
 * The preinstalls' genesis accounts, by lower-case address: the same on every chain, so every
 * chain id's default genesis has the same state root (a lobby or factory can commit to one genesis
 * for a million chains). A contract's account has nonce 1 (EIP-161); an EntryPoint has 2, having
 * created its SenderCreator. Read once from the packages.
 *
 * Permit2 and EntryPoint v0.8 cache a chain id and EIP-712 domain separator in immutables; they
 * keep mainnet's (chain 1), so their code is mainnet's byte for byte. Both recompute the separator
 * when `block.chainid` differs (Permit2's `DOMAIN_SEPARATOR`, OpenZeppelin's EIP712), so
 * signatures use the L2's chain id; it costs a hash of five words per use.
 *
 * The accounts are frozen and shared by every call (a fresh record of them each time): a
 * many-rollup node holds one genesis per rollup, and a copy of the preinstalls' ≈ 100 KB of code
 * each would be most of an idle rollup's heap.
 */
export function preinstallAlloc(): Record<string, Readonly<PreinstallAccount>> {
  if (cached === undefined) {
    const proxy = deterministicProxyRuntime();
    const entryPoint = entryPointV07Runtime();
    const v08 = entryPointV08Runtime(MAINNET_CHAIN_ID);
    const accounts: Record<string, PreinstallAccount> = {
      [PREINSTALLS.multicall3]: { code: MULTICALL3_MAINNET_CODE, nonce: 1n },
      [PREINSTALLS.deterministicDeployer]: { code: proxy, nonce: 1n },
      [PREINSTALLS.safeSingletonFactory]: { code: proxy, nonce: 1n },
      [PREINSTALLS.entryPointV07]: { code: entryPoint.code, nonce: 2n, storage: entryPoint.storage },
      [PREINSTALLS.senderCreatorV07]: { code: entryPoint.senderCreator, nonce: 1n },
      [PREINSTALLS.permit2]: { code: PERMIT2_MAINNET_CODE, nonce: 1n },
      [PREINSTALLS.entryPointV08]: { code: v08.code, nonce: 2n },
      [PREINSTALLS.senderCreatorV08]: { code: v08.senderCreator, nonce: 1n },
    };
    cached = Object.fromEntries(
      Object.entries(accounts).map(([address, account]) => {
        if (account.storage !== undefined) Object.freeze(account.storage);
        return [address.toLowerCase(), Object.freeze(account)];
      }),
    );
  }
  return { ...cached };
}

/**
 * The CREATE2 proxy's runtime, from Safe's published deployment transaction
 * (@safe-global/safe-singleton-factory): its init code copies the 69-byte runtime after a
 * 14-byte prefix and returns it. Arachnid's proxy at 0x4e59… runs the same 69 bytes.
 */
function deterministicProxyRuntime(): string {
  const deployment = require("@safe-global/safe-singleton-factory/artifacts/1/deployment.json") as { transaction: string };
  const init = Transaction.from(deployment.transaction).data.toLowerCase();
  // PUSH1 0x45 DUP1 PUSH1 0x0e PUSH1 0 CODECOPY DUP1 PUSH1 0 RETURN POP INVALID
  const prefix = "0x604580600e600039806000f350fe";
  if (!init.startsWith(prefix) || init.length !== prefix.length + 0x45 * 2) {
    throw new PreinstallSourceError("Safe singleton factory's deployment is not the expected CREATE2 proxy init code", { init: init.slice(0, 40) });
  }
  return "0x" + init.slice(prefix.length);
}

/**
 * EntryPoint v0.7 from @account-abstraction/contracts@0.7.0's artifacts. Its one immutable,
 * the SenderCreator it creates (its first CREATE, nonce 1), is written where solc left the two
 * PUSH32 placeholders; ReentrancyGuard's constructor leaves `_status = 1` in slot 2.
 */
function entryPointV07Runtime(): { code: string; senderCreator: string; storage: Record<string, string> } {
  const entryPoint = require("@account-abstraction/contracts/artifacts/EntryPoint.json") as EntryPointArtifact;
  const senderCreator = addressWord(createdSenderCreator(PREINSTALLS.entryPointV07, PREINSTALLS.senderCreatorV07));
  const code = fillImmutables(entryPoint.deployedBytecode, [senderCreator, senderCreator], "EntryPoint v0.7");
  return { code, senderCreator: nestedSenderCreator(entryPoint, "v0.7"), storage: { [word(2n)]: word(1n) } };
}

/**
 * EntryPoint v0.8 from @account-abstraction/contracts@0.8.0 (installed as `…-v08`) as its
 * deployment on chain `chainId` leaves it. Its immutables, in the order solc's placeholders appear in the runtime: the
 * SenderCreator; OpenZeppelin EIP712's name and version as ShortStrings ("ERC4337", "1"); the
 * SenderCreator; `address(this)`; the domain separator; the hashed name and version; the chain
 * id; the SenderCreator twice more. test/engine/preinstalls.test.ts runs the real deployment
 * through the deterministic deployer and compares every byte.
 */
function entryPointV08Runtime(chainId: bigint): { code: string; senderCreator: string } {
  const entryPoint = require("@account-abstraction/contracts-v08/artifacts/EntryPoint.json") as EntryPointArtifact;
  const senderCreator = addressWord(createdSenderCreator(PREINSTALLS.entryPointV08, PREINSTALLS.senderCreatorV08));
  const [hashedName, hashedVersion] = [id("ERC4337"), id("1")];
  const domainType = id("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  const separator = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32", "bytes32", "uint256", "address"], [domainType, hashedName, hashedVersion, chainId, PREINSTALLS.entryPointV08]));
  const values = [senderCreator, shortString("ERC4337"), shortString("1"), senderCreator, addressWord(PREINSTALLS.entryPointV08), separator.slice(2), hashedName.slice(2), hashedVersion.slice(2), word(chainId).slice(2), senderCreator, senderCreator];
  const code = fillImmutables(entryPoint.deployedBytecode, values, "EntryPoint v0.8");
  return { code, senderCreator: nestedSenderCreator(entryPoint, "v0.8") };
}

interface EntryPointArtifact {
  bytecode: string;
  deployedBytecode: string;
}

/** The address an EntryPoint's first CREATE gives its SenderCreator, checked against the known one. */
function createdSenderCreator(entryPoint: string, expected: string): string {
  const created = getCreateAddress({ from: entryPoint, nonce: 1 });
  if (created.toLowerCase() !== expected.toLowerCase()) throw new PreinstallSourceError("SenderCreator address mismatch", { entryPoint, created, expected });
  return created;
}

/**
 * solc's constructors of the SenderCreator inside an EntryPoint's init code: they copy `len`
 * bytes at `offset` (from the constructor's start) and return them. v0.7's has no immutable;
 * v0.8's keeps `entryPoint = msg.sender` (CALLER) in the runtime's placeholders first.
 */
const SENDER_CREATOR_CONSTRUCTORS = {
  "v0.7": /60808060405234610[0-9a-f]{3}5761([0-9a-f]{4})908161([0-9a-f]{4})8239f35b600080fdfe/g,
  "v0.8": /60a08060405234602f573360805261([0-9a-f]{4})908161([0-9a-f]{4})8239608051/g,
} as const;

/**
 * The SenderCreator's runtime as the EntryPoint's init code carries it (the packages' own
 * SenderCreator artifacts are other builds), with v0.8's immutable (the EntryPoint) written.
 */
function nestedSenderCreator(entryPoint: EntryPointArtifact, version: keyof typeof SENDER_CREATOR_CONSTRUCTORS): string {
  const init = entryPoint.bytecode.toLowerCase();
  const nested = [...init.matchAll(SENDER_CREATOR_CONSTRUCTORS[version])];
  if (nested.length !== 1) throw new PreinstallSourceError(`EntryPoint ${version}'s init code should carry exactly one nested contract (SenderCreator)`, { found: nested.length });
  const [match] = nested;
  const length = parseInt(match![1]!, 16);
  const start = match!.index! + parseInt(match![2]!, 16) * 2;
  const runtime = "0x" + init.slice(start, start + length * 2);
  if (version === "v0.7") return runtime;
  const self = addressWord(PREINSTALLS.entryPointV08);
  return fillImmutables(runtime, [self, self, self], "EntryPoint v0.8's SenderCreator");
}

/** An address as a 32-byte word (hex, no 0x). */
function addressWord(address: string): string {
  return address.slice(2).toLowerCase().padStart(64, "0");
}

/** OpenZeppelin's ShortString: the UTF-8 bytes left-aligned, the length in the last byte (hex, no 0x). */
function shortString(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length > 31) throw new PreinstallSourceError("ShortString longer than 31 bytes", { text });
  return bytes.toString("hex").padEnd(62, "0") + bytes.length.toString(16).padStart(2, "0");
}

/** Replaces the PUSH32s of 32 zero bytes (solc's immutable placeholders), in code order, by `values` (32-byte hex words); there must be exactly as many. */
function fillImmutables(runtime: string, values: string[], name: string): string {
  const bytes = runtime.toLowerCase().slice(2);
  let out = "";
  let found = 0;
  for (let i = 0; i < bytes.length; ) {
    const op = parseInt(bytes.slice(i, i + 2), 16);
    const size = op >= 0x60 && op <= 0x7f ? op - 0x5f : 0;
    let data = bytes.slice(i + 2, i + 2 + size * 2);
    if (op === 0x7f && /^0{64}$/.test(data)) data = values[found++] ?? data;
    out += bytes.slice(i, i + 2) + data;
    i += 2 + size * 2;
  }
  if (found !== values.length) throw new PreinstallSourceError(`${name}: expected ${values.length} immutable placeholders`, { found });
  return "0x" + out;
}

function word(value: bigint): string {
  return "0x" + value.toString(16).padStart(64, "0");
}
