import { expect } from "chai";
import { artifactInterface, ArtifactNotFoundError, loadArtifact } from "../../src/shared/artifacts.js";
import { nativeRollupInterface } from "../../src/sdk/contracts.js";
import { l2MessengerInterface } from "../../src/sdk/bridge.js";

describe("shared: artifacts", function () {
  it("one ethers Interface per contract per process (a many-rollup node made one per rollup: ≈ 6 KB of heap each), with the artifact's whole ABI", function () {
    expect(nativeRollupInterface()).to.equal(nativeRollupInterface());
    expect(nativeRollupInterface()).to.equal(artifactInterface("l1/NativeRollup.sol", "NativeRollup"));
    expect(l2MessengerInterface()).to.equal(artifactInterface("l2/L2Messenger.sol", "L2Messenger"));
    const abi = loadArtifact("l1/NativeRollup.sol", "NativeRollup").abi as { type: string }[];
    expect(nativeRollupInterface().fragments).to.have.length(abi.length);
  });

  it("a contract that was never compiled: ArtifactNotFoundError naming the file", function () {
    expect(() => artifactInterface("l1/Nope.sol", "Nope")).to.throw(ArtifactNotFoundError, /run `npx hardhat build` first/);
  });
});
