import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { network } from "hardhat";
import { assertEdrHookAvailable, EdrHookUnavailableError } from "../../src/hardhat/edr-hook.js";
import { EXECUTE_ADDRESS } from "../../src/precompile/codec.js";
import { onVerdict, recentVerdicts, type ExecuteVerdict } from "../../src/precompile/run.js";
import { EXECUTE_ORACLE_ADDRESS, EXECUTE_SHIM_BYTECODE } from "../../src/precompile/shim.js";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { AbiCoder, type Contract } from "ethers";
import { buildBlock, createL2Chain, devGenesis, PREDEPLOYS, type ExecuteInput } from "../../src/engine/index.js";
import { decodeExecuteOutput, encodeExecuteInput, EXECUTE_OUTPUT_LENGTH } from "../../src/precompile/codec.js";
import { executeGas } from "../../src/precompile/gas.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { COINBASE, sign, wallets } from "../engine/helpers.js";

/** Runs `body` with `owner[key]` deleted, restoring it afterwards whatever happens. */
async function without<T>(owner: Record<string, unknown>, key: string, body: () => T | Promise<T>): Promise<T> {
  const had = Object.prototype.hasOwnProperty.call(owner, key);
  const saved = owner[key];
  delete owner[key];
  try {
    return await body();
  } finally {
    if (had) owner[key] = saved;
  }
}

/** The error `assertEdrHookAvailable` throws, or undefined. */
function guardError(): unknown {
  try {
    assertEdrHookAvailable();
    return undefined;
  } catch (error) {
    return error;
  }
}

describe("hardhat/edr-hook: the EDR internals the EXECUTE emulation stands on", function () {
  it("passes on the pinned EDR: Provider.setCallOverrideCallback and EdrContext.createProvider exist", async function () {
    expect(() => assertEdrHookAvailable()).to.not.throw();
    const edr = await import("@nomicfoundation/edr");
    expect(edr.Provider.prototype.setCallOverrideCallback).to.be.a("function");
  });

  it("throws EdrHookUnavailableError naming Provider.prototype.setCallOverrideCallback when EDR drops it", async function () {
    const edr = await import("@nomicfoundation/edr");
    const proto = edr.Provider.prototype as unknown as Record<string, unknown>;
    const error = await without(proto, "setCallOverrideCallback", guardError);
    expect(error).to.be.instanceOf(EdrHookUnavailableError);
    const { message, details } = error as EdrHookUnavailableError;
    expect(message).to.contain("Provider.prototype.setCallOverrideCallback");
    expect(details.missing).to.deep.equal(["Provider.prototype.setCallOverrideCallback"]);
    // Restored: the guard passes again.
    expect(guardError()).to.equal(undefined);
  });

  it("the error names the installed EDR version", async function () {
    const edr = await import("@nomicfoundation/edr");
    const error = await without(edr.Provider.prototype as unknown as Record<string, unknown>, "setCallOverrideCallback", guardError);
    expect(error).to.be.instanceOf(EdrHookUnavailableError);
    // The version is in node_modules/@nomicfoundation/edr/package.json (read from disk: EDR's
    // `exports` does not expose its package.json to require()).
    const main = createRequire(import.meta.url).resolve("@nomicfoundation/edr");
    const { version } = JSON.parse(readFileSync(join(dirname(main), "package.json"), "utf8")) as { version: string };
    expect(version).to.match(/^\d+\.\d+\.\d+/);
    expect((error as EdrHookUnavailableError).details.edrVersion).to.equal(version);
  });

  it("throws naming EdrContext.prototype.createProvider when that is gone too", async function () {
    const edr = await import("@nomicfoundation/edr");
    const context = edr.EdrContext.prototype as unknown as Record<string, unknown>;
    const provider = edr.Provider.prototype as unknown as Record<string, unknown>;
    const error = await without(context, "createProvider", () => without(provider, "setCallOverrideCallback", guardError));
    expect(error).to.be.instanceOf(EdrHookUnavailableError);
    expect((error as EdrHookUnavailableError).details.missing).to.deep.equal([
      "EdrContext.prototype.createProvider",
      "Provider.prototype.setCallOverrideCallback",
    ]);
    expect(guardError()).to.equal(undefined);
  });

  it("a fresh network has the shim at 0x…0101, and a call to it reaches the engine", async function () {
    const { ethers } = await network.create();
    expect(await ethers.provider.send("eth_getCode", [EXECUTE_ADDRESS, "latest"])).to.equal(EXECUTE_SHIM_BYTECODE);

    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((verdict) => seen.push(verdict));
    // 300 zero bytes but a 0x2a in the last byte: gasUsed (word 8) reads 0, the decoder refuses it.
    const data = "0x" + "00".repeat(299) + "2a";
    let result: unknown;
    try {
      result = await ethers.provider.send("eth_call", [{ to: EXECUTE_ADDRESS, data, gas: "0x100000" }, "latest"]).catch((e: Error) => e);
    } finally {
      stop();
    }
    // Under the market a block EXECUTE refuses ends the call successfully with empty output, so
    // that its fee (0 here: gasUsed reads 0) stays paid; under 1:1 pricing the shim fails (INVALID).
    expect(result).to.equal("0x");
    expect(seen).to.have.length(1);
    expect(seen[0]!).to.include({ ok: false, inputLength: 300 });
    expect(seen[0]!.error?.name).to.equal("ExecuteInputDecodeError");
    expect(recentVerdicts().at(-1)).to.equal(seen[0]);
  });

  it("the hook answers only the oracle address: other calls go to the EVM untouched", async function () {
    const { ethers } = await network.create();
    const seen: ExecuteVerdict[] = [];
    const stop = onVerdict((verdict) => seen.push(verdict));
    try {
      // An account with no code, and the identity precompile: the EVM's own answers.
      expect(await ethers.provider.send("eth_call", [{ to: "0x00000000000000000000000000000000000000aa", data: "0x1234" }, "latest"])).to.equal("0x");
      expect(await ethers.provider.send("eth_call", [{ to: "0x0000000000000000000000000000000000000004", data: "0x1234" }, "latest"])).to.equal("0x1234");
    } finally {
      stop();
    }
    expect(seen).to.have.length(0);
    expect(EXECUTE_ORACLE_ADDRESS.toLowerCase()).to.not.equal(EXECUTE_ADDRESS.toLowerCase());
  });
});

/** The `Execute.Header` struct as ethers passes it to the harness. */
function headerArg(input: ExecuteInput) {
  return {
    chainId: input.chainId,
    number: input.number,
    parentHash: bytesToHex(input.parentHash),
    blockHash: bytesToHex(input.blockHash),
    preStateRoot: bytesToHex(input.preStateRoot),
    postStateRoot: bytesToHex(input.postStateRoot),
    receiptsRoot: bytesToHex(input.receiptsRoot),
    gasLimit: input.gasLimit,
    gasUsed: input.gasUsed,
    coinbase: bytesToHex(input.coinbase),
    timestamp: input.timestamp,
    prevRandao: bytesToHex(input.prevRandao),
    anchor: bytesToHex(input.anchor),
  };
}

describe("hardhat/edr-hook: EXECUTE of a block that delivers messages returns abi.encode(blockHash, burnedFees)", function () {
  it("64 bytes through the shim, decoded by Execute.execute into (ok, blockHash, burnedFees) equal to the builder's", async function () {
    const { ethers } = await network.create();
    const harness = (await ethers.deployContract("ExecuteHarness")) as unknown as Contract;
    const probe = loadArtifact("test/MessengerProbe.sol", "MessengerProbe");
    const chain = await createL2Chain(devGenesis({ alloc: { [PREDEPLOYS.messenger]: { code: probe.deployedBytecode } } }));
    const messages = hexToBytes(
      AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "uint256", "bytes32", "tuple(uint256,address,address,address,uint256,uint256,uint64,bytes)[]"],
        ["0x" + "11".repeat(32), 1n, "0x" + "22".repeat(32), [[0n, wallets[1]!.address, "0x" + "00".repeat(20), wallets[2]!.address, 5n, 1n, 0n, "0x"]]],
      ) as `0x${string}`,
    );
    const block = await buildBlock(chain, {
      transactions: [
        await sign(chain, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n }),
        await sign(chain, 2, { nonce: 0, to: wallets[3]!.address, value: 1n, gasLimit: 21_000n }),
      ],
      timestamp: 1_700_000_000n,
      coinbase: COINBASE,
      prevRandao: new Uint8Array(32).fill(1),
      anchor: new Uint8Array(32).fill(2),
      messages,
    });
    expect(block.deliveryGasUsed).to.be.greaterThan(0n);
    expect(block.burnedFees).to.equal(block.header.baseFeePerGas! * 42_000n);
    const input = block.input;
    const data = encodeExecuteInput(input);
    const gas = executeGas(data.length, input.gasUsed) * 2n;

    // EXECUTE's fee at a fresh network's floor, 1 wei per L2 gas (docs/execute.md, "Gas market").
    const [ok, output] = await harness.getFunction("executeRaw").staticCall(bytesToHex(data), gas, { gasLimit: 16_000_000n, value: input.gasUsed });
    expect(ok).to.equal(true);
    const bytes = hexToBytes(output as `0x${string}`);
    expect(bytes.length).to.equal(EXECUTE_OUTPUT_LENGTH);
    const decoded = decodeExecuteOutput(bytes);
    expect(bytesToHex(decoded.blockHash)).to.equal(bytesToHex(block.header.hash()));
    expect(decoded.burnedFees).to.equal(block.burnedFees);

    const [libOk, blockHash, burnedFees] = await harness.getFunction("execute").staticCall(
      headerArg(input),
      bytesToHex(input.transactions),
      [],
      bytesToHex(input.witness),
      bytesToHex(input.messages),
      { gasLimit: 16_000_000n, value: input.gasUsed },
    );
    expect(libOk).to.equal(true);
    expect(blockHash).to.equal(bytesToHex(block.header.hash()));
    expect(burnedFees).to.equal(block.burnedFees);

    // The same block without its messages: EXECUTE fails, and the library says so.
    const [noOk, noHash, noFees] = await harness.getFunction("execute").staticCall(
      headerArg(input),
      bytesToHex(input.transactions),
      [],
      bytesToHex(input.witness),
      "0x",
      { gasLimit: 16_000_000n },
    );
    expect([noOk, noHash, noFees]).to.deep.equal([false, "0x" + "00".repeat(32), 0n]);
  });
});
