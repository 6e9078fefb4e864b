import { expect } from "chai";
import { createEVM, type EVM } from "@ethereumjs/evm";
import { bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { blake2fPrecompile } from "../../src/engine/blake2f.js";
import { createL2Common } from "../../src/engine/index.js";

const BLAKE2F = createAddressFromString("0x0000000000000000000000000000000000000009");

/** The seeded generator of the mutation campaigns. */
function generator(seed: number) {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
}

async function call(evm: EVM, data: Uint8Array, gasLimit = 10n ** 7n) {
  const result = await evm.getPrecompile(BLAKE2F)!({ data, gasLimit, common: evm.common, _EVM: evm } as never);
  return { gas: result.executionGasUsed, out: bytesToHex(result.returnValue), error: result.exceptionError?.error };
}

describe("precompile: the engine's BLAKE2F (0x09) is ethereumjs's, faster (issue 15)", function () {
  let reference: EVM;
  let engine: EVM;

  before(async function () {
    reference = await createEVM({ common: createL2Common(1n) });
    engine = await createEVM({ common: createL2Common(1n), customPrecompiles: [blake2fPrecompile] });
  });

  it("gives EIP-152's vector 5 (12 rounds of \"abc\")", async function () {
    const input = hexToBytes(
      ("0x0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d182e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b" +
        "6162630000000000000000000000000000000000000000000000000000000000" + "00".repeat(96) + "0300000000000000" + "0000000000000000" + "01") as `0x${string}`,
    );
    expect((await call(engine, input)).out).to.equal(
      "0xba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
    );
  });

  it("matches ethereumjs's precompile on 400 seeded inputs (rounds 0…300, both final flags), output and gas", async function () {
    const next = generator(0xb1a2e);
    for (let k = 0; k < 400; k++) {
      const data = Uint8Array.from({ length: 213 }, () => next() & 0xff);
      new DataView(data.buffer).setUint32(0, next() % 301);
      data[212] = k % 2;
      expect(await call(engine, data), `input ${k}`).to.deep.equal(await call(reference, data));
    }
  });

  it("fails as ethereumjs does: 212 or 214 bytes, a final flag of 2, rounds above the gas given", async function () {
    const ok = new Uint8Array(213);
    new DataView(ok.buffer).setUint32(0, 1_000);
    const cases: [string, Uint8Array, bigint][] = [
      ["212 bytes", ok.subarray(0, 212), 10n ** 7n],
      ["214 bytes", Uint8Array.from([...ok, 0]), 10n ** 7n],
      ["final flag 2", ok.map((b, i) => (i === 212 ? 2 : b)), 10n ** 7n],
      ["1,000 rounds for 999 gas", ok, 999n],
    ];
    for (const [name, data, gas] of cases) {
      const got = await call(engine, data, gas);
      expect(got.error, name).to.not.equal(undefined);
      expect(got, name).to.deep.equal(await call(reference, data, gas));
    }
  });
});
