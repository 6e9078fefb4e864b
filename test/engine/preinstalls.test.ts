import { expect } from "chai";
import { createRequire } from "node:module";
import { Account, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { AbiCoder, concat, getCreate2Address, id, keccak256, Transaction } from "ethers";
import {
  createL2Common,
  defaultGenesis,
  devGenesis,
  ENTRY_POINT_V07_SALT,
  ENTRY_POINT_V08_SALT,
  parseGenesisJson,
  preinstallAlloc,
  PREINSTALLS,
  writeGenesis,
} from "../../src/engine/index.js";

const require = createRequire(import.meta.url);

/**
 * Code hashes of the accounts on Ethereum mainnet (`eth_getProof(addr).codeHash`):
 * - 0x4e59…956C (Arachnid's deterministic-deployment-proxy) and 0x914d…43d7 (Safe's singleton
 *   factory, the same 69 bytes): 0x2fa86add…4989, the value Foundry/alloy pin for their
 *   `CREATE2_DEPLOYER` and Safe's deployment tooling lists for SafeSingletonFactory.
 * EntryPoint v0.7 has immutables, so its hash is proven another way: its CREATE2 address is a
 * hash of its init code, so the package's init code is mainnet's iff it lands at 0x0000…a032.
 */
const PROXY_CODE_HASH = "0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989";
/**
 * Multicall3's and Permit2's mainnet code hashes (mds1/multicall's deployment at 0xcA11…; Uniswap's
 * Permit2 at 0x0000…8BA3, the hash Uniswap's tooling pins, with mainnet's immutables: chain 1).
 */
const MULTICALL3_MAINNET_CODE_HASH = "0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891";
const PERMIT2_MAINNET_CODE_HASH = "0xc67d1657868aa5146eaf24fb879fb1fdec3d2d493b3683a61c9c2f4fb2851131";
const CHAIN_ID = 167_001n;
const alloc = () => preinstallAlloc();

/** The senders of the presigned deployment transactions (nonce 0 each), from their projects' READMEs / packages. */
const ARACHNID_DEPLOYER_SIGNER = "0x3fab184622dc19b6109349b94811493bf2a45362";
const MULTICALL3_SIGNER = "0x05f32B3cC3888453ff71B01135B34FF8e41263F2";

async function freshVM(chainId = CHAIN_ID): Promise<VM> {
  return createVM({ common: createL2Common(chainId) });
}

/** Runs a CREATE from `from` (nonce 0) with `init`, as its deployment transaction did; returns the created address. */
async function create(vm: VM, from: string, init: string): Promise<string> {
  const caller = createAddressFromString(from);
  await vm.stateManager.putAccount(caller, new Account(0n, 10n ** 18n));
  const result = await vm.evm.runCall({ caller, data: hexToBytes(init as `0x${string}`), gasLimit: 30_000_000n });
  expect(result.execResult.exceptionError, "deployment failed").to.equal(undefined);
  return result.createdAddress!.toString();
}

async function expectAccount(vm: VM, address: string): Promise<void> {
  const expected = alloc()[address.toLowerCase()]!;
  const at = createAddressFromString(address);
  expect(bytesToHex(await vm.stateManager.getCode(at)), `${address} code`).to.equal(expected.code);
  expect((await vm.stateManager.getAccount(at))!.nonce, `${address} nonce`).to.equal(expected.nonce);
  const storage = await vm.stateManager.dumpStorage!(at);
  expect(Object.keys(storage).length, `${address} storage slots`).to.equal(Object.keys(expected.storage ?? {}).length);
  for (const [slot, value] of Object.entries(expected.storage ?? {})) {
    const got = await vm.stateManager.getStorage(at, hexToBytes(slot as `0x${string}`));
    expect(BigInt(bytesToHex(got)), `${address} slot ${slot}`).to.equal(BigInt(value));
  }
}

describe("engine: preinstalls (Multicall3, CREATE2 deployers, EntryPoint v0.7 and v0.8, Permit2) in the default genesis", function () {
  this.timeout(60_000);

  it("the CREATE2 proxies: Safe's presigned deployment and Arachnid's init code leave the genesis accounts at 0x914d… and 0x4e59…, with mainnet's code hash", async function () {
    const safe = require("@safe-global/safe-singleton-factory/artifacts/1/deployment.json") as { transaction: string; signerAddress: string };
    const init = Transaction.from(safe.transaction).data;
    const vm = await freshVM();
    expect(await create(vm, safe.signerAddress, init)).to.equal(PREINSTALLS.safeSingletonFactory.toLowerCase());
    // Arachnid's presigned transaction (no chain id) carries the same init code from its own signer.
    expect(await create(vm, ARACHNID_DEPLOYER_SIGNER, init)).to.equal(PREINSTALLS.deterministicDeployer.toLowerCase());
    await expectAccount(vm, PREINSTALLS.safeSingletonFactory);
    await expectAccount(vm, PREINSTALLS.deterministicDeployer);
    expect(keccak256(alloc()[PREINSTALLS.deterministicDeployer.toLowerCase()]!.code)).to.equal(PROXY_CODE_HASH);
  });

  it("Multicall3 is mainnet's code byte for byte (code hash), and viem's own build of it deploys at 0xcA11… from its deployer, so the address is the one viem's chains name", async function () {
    expect(keccak256(alloc()[PREINSTALLS.multicall3.toLowerCase()]!.code)).to.equal(MULTICALL3_MAINNET_CODE_HASH);
    const viemMain = require.resolve("viem");
    const { multicall3Bytecode } = require(viemMain.replace(/index\.js$/, "constants/contracts.js")) as { multicall3Bytecode: string };
    expect(await create(await freshVM(), MULTICALL3_SIGNER, multicall3Bytecode)).to.equal(PREINSTALLS.multicall3.toLowerCase());
  });

  it("Permit2 is mainnet's code byte for byte (code hash, chain 1's immutables); on this chain DOMAIN_SEPARATOR() answers this chain's EIP-712 separator (Permit2 recomputes it)", async function () {
    const code = alloc()[PREINSTALLS.permit2.toLowerCase()]!.code;
    expect(keccak256(code)).to.equal(PERMIT2_MAINNET_CODE_HASH);
    const vm = await freshVM();
    const at = createAddressFromString(PREINSTALLS.permit2);
    await vm.stateManager.putAccount(at, new Account(1n, 0n));
    await vm.stateManager.putCode(at, hexToBytes(code as `0x${string}`));
    const result = await vm.evm.runCall({ to: at, data: hexToBytes(id("DOMAIN_SEPARATOR()").slice(0, 10) as `0x${string}`), gasLimit: 100_000n });
    const expected = keccak256(AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32", "uint256", "address"], [id("EIP712Domain(string name,uint256 chainId,address verifyingContract)"), id("Permit2"), CHAIN_ID, PREINSTALLS.permit2]));
    expect(bytesToHex(result.execResult.returnValue)).to.equal(expected);
  });

  it("every chain id's default genesis has the same state root (a lobby or factory commits to one genesis for all its chains)", async function () {
    const roots = await Promise.all([1n, CHAIN_ID, 1_782_448_129n].map(async (chainId) => bytesToHex((await writeGenesis(defaultGenesis({ chainId }))).header.stateRoot)));
    expect(new Set(roots).size, roots.join(", ")).to.equal(1);
  });

  const entryPoints = [
    { version: "v0.7", artifact: "@account-abstraction/contracts/artifacts/EntryPoint.json", salt: ENTRY_POINT_V07_SALT, entryPoint: PREINSTALLS.entryPointV07, senderCreator: PREINSTALLS.senderCreatorV07 },
    { version: "v0.8", artifact: "@account-abstraction/contracts-v08/artifacts/EntryPoint.json", salt: ENTRY_POINT_V08_SALT, entryPoint: PREINSTALLS.entryPointV08, senderCreator: PREINSTALLS.senderCreatorV08 },
  ];
  for (const { version, artifact, salt, entryPoint: address, senderCreator } of entryPoints) {
    it(`EntryPoint ${version}: the package's init code is mainnet's (CREATE2 address ${address.slice(0, 6)}…); run through the deterministic deployer on mainnet (chain 1: v0.8 caches it) it leaves EntryPoint and SenderCreator as in the genesis`, async function () {
      const entryPoint = require(artifact) as { bytecode: string };
      expect(getCreate2Address(PREINSTALLS.deterministicDeployer, salt, keccak256(entryPoint.bytecode))).to.equal(address);
      const vm = await freshVM(1n);
      const proxy = createAddressFromString(PREINSTALLS.deterministicDeployer);
      await vm.stateManager.putAccount(proxy, new Account(1n, 0n));
      await vm.stateManager.putCode(proxy, hexToBytes(alloc()[PREINSTALLS.deterministicDeployer.toLowerCase()]!.code as `0x${string}`));
      const caller = createAddressFromString("0x00000000000000000000000000000000000000c0");
      await vm.stateManager.putAccount(caller, new Account(0n, 10n ** 18n));
      const result = await vm.evm.runCall({ caller, to: proxy, data: hexToBytes(concat([salt, entryPoint.bytecode]) as `0x${string}`), gasLimit: 30_000_000n });
      expect(result.execResult.exceptionError).to.equal(undefined);
      expect(bytesToHex(result.execResult.returnValue)).to.equal(address.toLowerCase());
      await expectAccount(vm, address);
      await expectAccount(vm, senderCreator);
    });
  }

  it("defaultGenesis and devGenesis hold every preinstall; `preinstalls: false` (and the JSON field) leaves them out and changes the state root", async function () {
    for (const genesis of [defaultGenesis(), devGenesis(), parseGenesisJson(JSON.stringify({ chainId: 7 }))]) {
      for (const address of Object.values(PREINSTALLS)) expect(genesis.alloc[address.toLowerCase()]?.code, address).to.match(/^0x[0-9a-f]{100,}$/);
    }
    const without = [defaultGenesis({ preinstalls: false }), parseGenesisJson(JSON.stringify({ chainId: 167001, preinstalls: false }))];
    for (const genesis of without) for (const address of Object.values(PREINSTALLS)) expect(genesis.alloc[address.toLowerCase()], address).to.equal(undefined);
    const [withRoot, withoutRoot] = await Promise.all([writeGenesis(defaultGenesis()), writeGenesis(without[0]!)]);
    expect(bytesToHex(withRoot.header.stateRoot)).to.not.equal(bytesToHex(withoutRoot.header.stateRoot));
    expect(bytesToHex(withoutRoot.header.stateRoot)).to.equal(bytesToHex((await writeGenesis(without[1]!)).header.stateRoot));
    expect(() => parseGenesisJson(JSON.stringify({ chainId: 1, preinstalls: "no" }))).to.throw(/preinstalls must be true or false/);
  });

  it("every genesis shares the preinstalls' frozen accounts (one copy of their ≈ 100 KB of code per process, not per rollup a node follows); a genesis's own alloc stays its own", async function () {
    const [a, b] = [defaultGenesis({ chainId: 1n }), defaultGenesis({ chainId: 2n })];
    for (const address of Object.values(PREINSTALLS).map((x) => x.toLowerCase())) {
      expect(a.alloc[address], address).to.equal(b.alloc[address]);
      expect(Object.isFrozen(a.alloc[address]), address).to.equal(true);
    }
    const storage = a.alloc[PREINSTALLS.entryPointV07.toLowerCase()]!.storage!;
    expect(() => ((storage as Record<string, string>)["0x01"] = "0x01")).to.throw(TypeError);
    a.alloc[PREINSTALLS.permit2.toLowerCase()] = { balance: 1n };
    expect(b.alloc[PREINSTALLS.permit2.toLowerCase()]!.code).to.be.a("string");
    expect(preinstallAlloc()[PREINSTALLS.permit2.toLowerCase()]!.code).to.be.a("string");
  });
});
