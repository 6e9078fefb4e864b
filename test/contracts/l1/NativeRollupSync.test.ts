/**
 * NativeRollup's split (docs/contracts.md): the rollup and its sync extension each fit EIP-170,
 * with the headroom printed so the change that breaks it fails here with the number; the
 * extension runs only by DELEGATECALL, on the rollup's (or the clone's) storage and address.
 */
import { expect } from "chai";
import { Contract, ZeroAddress, getAddress, getCreate2Address, keccak256, zeroPadValue, type Signer } from "ethers";
import { network } from "hardhat";
import { devGenesis } from "../../../src/engine/genesis.js";
import { deployRollup } from "../../../src/sdk/contracts.js";
import { createRollup, deployFactory } from "../../../src/sdk/factory.js";
import { deployGatedRollup, deployPreconfRegistry } from "../../../src/preconf/index.js";
import { loadArtifact } from "../../../src/shared/artifacts.js";

const { ethers } = await network.create();

/** EIP-170: the most code a contract may have. */
const MAX_CODE_SIZE = 24_576;
/** EIP-3860: the most init code a creation may run (RollupFactory's carries NativeRollup's and its extension's). */
const MAX_INITCODE_SIZE = 2 * MAX_CODE_SIZE;

async function codeSize(address: string): Promise<number> {
  const code = (await ethers.provider.send("eth_getCode", [address, "latest"])) as string;
  return (code.length - 2) / 2;
}

function extensionOf(rollup: string, signer: Signer): Promise<string> {
  return new Contract(rollup, ["function SYNC_EXTENSION() view returns (address)"], signer).getFunction("SYNC_EXTENSION")() as Promise<string>;
}

describe("NativeRollup and its sync extension (NativeRollupSync)", function () {
  let signer: Signer;

  before(async function () {
    signer = (await ethers.getSigners())[0]!;
  });

  it("each deployed contract fits EIP-170 (24,576 bytes) and RollupFactory's init code EIP-3860; the headroom is printed", async function () {
    const factory = await deployFactory(signer);
    const implementation = (await factory.getFunction("implementation")()) as string;
    const { registry } = await deployPreconfRegistry(signer);
    const { address: gated } = await deployGatedRollup(signer, await registry.getAddress(), devGenesis());
    const deployed: Array<[string, string]> = [
      ["NativeRollup (RollupFactory's implementation)", implementation],
      ["NativeRollupSync (its extension)", await extensionOf(implementation, signer)],
      ["PreconfGatedRollup", gated],
      ["PreconfGatedRollupSync (its extension)", await extensionOf(gated, signer)],
    ];
    const rows: string[] = [];
    for (const [name, address] of deployed) {
      const size = await codeSize(address);
      rows.push(`    ${name.padEnd(48)} ${size.toLocaleString("en-US").padStart(6)} bytes, headroom ${(MAX_CODE_SIZE - size).toLocaleString("en-US")}`);
      expect(size, `${name} at ${address}`).to.be.greaterThan(0).and.at.most(MAX_CODE_SIZE);
    }
    const initCode = (loadArtifact("l1/RollupFactory.sol", "RollupFactory").bytecode.length - 2) / 2;
    rows.push(`    ${"RollupFactory init code (EIP-3860)".padEnd(48)} ${initCode.toLocaleString("en-US").padStart(6)} bytes, headroom ${(MAX_INITCODE_SIZE - initCode).toLocaleString("en-US")}`);
    console.log(rows.join("\n"));
    expect(initCode).to.be.at.most(MAX_INITCODE_SIZE);
  });

  it("refuses a call straight to the extension (NativeRollupSync_NotDelegated): it runs only on its rollup's storage", async function () {
    const { address } = await deployRollup(signer, devGenesis());
    const extension = await extensionOf(address, signer);
    const artifact = loadArtifact("l1/NativeRollupSync.sol", "NativeRollupSync");
    const direct = new Contract(extension, artifact.abi as never, signer);
    await expect(direct.getFunction("createL2Proxy")(await signer.getAddress())).to.be.revertedWithCustomError(direct, "NativeRollupSync_NotDelegated");
    await expect(direct.getFunction("syncProxyCall")(await signer.getAddress(), "0x")).to.be.revertedWithCustomError(direct, "NativeRollupSync_NotDelegated");
  });

  it("a clone's createL2Proxy runs in the clone: the proxy is the clone's CREATE2 child, recorded in and announced by the clone", async function () {
    const factory = await deployFactory(signer);
    const clone = await createRollup(factory, devGenesis());
    const implementation = (await factory.getFunction("implementation")()) as string;
    const l2Address = getAddress("0x00000000000000000000000000000000000c0de1");
    const expected = getCreate2Address(clone.address, zeroPadValue(l2Address, 32), keccak256(loadArtifact("l1/L2Proxy.sol", "L2Proxy").bytecode));
    expect(await clone.rollup.getFunction("l2Proxy")(l2Address)).to.equal(expected);
    await expect(clone.rollup.getFunction("createL2Proxy")(l2Address)).to.emit(clone.rollup, "L2ProxyCreated").withArgs(l2Address, expected);
    expect(await clone.rollup.getFunction("l2ProxyTarget")(expected)).to.equal(l2Address);
    expect(await codeSize(expected)).to.be.greaterThan(0);
    // Nothing landed in the implementation's (or the extension's) storage.
    const implementationView = new Contract(implementation, ["function l2ProxyTarget(address) view returns (address)"], signer);
    expect(await implementationView.getFunction("l2ProxyTarget")(expected)).to.equal(ZeroAddress);
    // A custom error of the extension comes back through the clone unchanged.
    await expect(clone.rollup.getFunction("createL2Proxy")(ZeroAddress))
      .to.be.revertedWithCustomError(clone.rollup, "NativeRollup_WrongDestination")
      .withArgs(ZeroAddress);
  });
});
