import { expect } from "chai";
import { bytesToBigInt, createAddressFromString, setLengthLeft } from "@ethereumjs/util";
import { getCreateAddress, Interface } from "ethers";
import { createEngineVM } from "../../src/engine/vm.js";
import { callL2, createL2Chain, createL2Common, devGenesis, GenesisConfigError, L2CallRevertedError, parseGenesisJson, type L2Chain } from "../../src/engine/index.js";
import { EXECUTE_ADDRESS } from "../../src/precompile/index.js";
import { decodeMarketView, EXECUTE_MARKET_SELECTOR } from "../../src/precompile/market-oracle.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { extend, sign, wallets } from "./helpers.js";

const probeArtifact = loadArtifact("test/NestedExecuteProbe.sol", "NestedExecuteProbe");
const probe = new Interface(probeArtifact.abi as never);

/** A chain of `genesis` with the probe deployed in block 1, and the probe's verdict after one call of `record(input)` in block 2. */
async function verdictOfRecord(chain: L2Chain, input: string): Promise<bigint> {
  await extend(chain, [await sign(chain, 0, { nonce: 0, data: probeArtifact.bytecode, gasLimit: 2_000_000n })]);
  const address = getCreateAddress({ from: wallets[0]!.address, nonce: 0 });
  // Built without an explicit `nestingDepth`: the chain's genesis decides it. 4M gas: a failing
  // precompile consumes the 63/64 it is given, and the verdict's SSTORE needs the 1/64 left.
  await extend(chain, [await sign(chain, 0, { nonce: 1, to: address, data: probe.encodeFunctionData("record", [input]), gasLimit: 4_000_000n })]);
  const head = chain.headers.at(-1)!;
  const vm = await createEngineVM({ common: createL2Common(chain.genesis.chainId), db: chain.db, stateRoot: head.stateRoot, ancestors: (n) => chain.headers[Number(n)]! });
  return bytesToBigInt(await vm.stateManager.getStorage(createAddressFromString(address), setLengthLeft(new Uint8Array([0]), 32)));
}

describe("engine: a chain's nesting depth (docs/nested.md, issue 21 item 2)", function () {
  it("an L2 answers executeMarket() with 'no market' (pricing 0), as an L1 under 1:1 pricing does", async function () {
    const l2 = await createL2Chain(devGenesis());
    const answer = await callL2(l2, { to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR, gasLimit: 100_000n });
    const view = decodeMarketView(Buffer.from(answer.slice(2), "hex"));
    expect(view).to.deep.equal({ pricing: 0n, baseFee: 0n, usedInBlock: 0n, limit: 0n, target: 0n, excess: 0n });
    // Any other 4-byte input is refused (and consumes the call's gas), as on L1.
    try {
      await callL2(l2, { to: EXECUTE_ADDRESS, data: "0x12345678", gasLimit: 100_000n });
      expect.fail("EXECUTE answered a 4-byte input other than executeMarket()");
    } catch (error) {
      expect(error).to.be.instanceOf(L2CallRevertedError);
    }
  });

  it("an L2 transaction that asks the market sees it answered (verdict 1); the same transaction on an L3 (genesis nestingDepth 1) fails there (verdict 2)", async function () {
    expect(await verdictOfRecord(await createL2Chain(devGenesis()), EXECUTE_MARKET_SELECTOR)).to.equal(1n);
    const l3 = await createL2Chain(devGenesis({ chainId: 3_000_101n, nestingDepth: 1 }));
    expect(l3.genesis.nestingDepth).to.equal(1);
    expect(await verdictOfRecord(l3, EXECUTE_MARKET_SELECTOR)).to.equal(2n);
  });

  it("eth_call on an L3 runs at its depth: EXECUTE fails there with ExecuteNestingTooDeepError", async function () {
    const l3 = await createL2Chain(devGenesis({ chainId: 3_000_102n, nestingDepth: 1 }));
    try {
      await callL2(l3, { to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR, gasLimit: 100_000n });
      expect.fail("an L3's eth_call served EXECUTE");
    } catch (error) {
      expect(error).to.be.instanceOf(L2CallRevertedError);
      expect((error as Error).message).to.contain("ExecuteNestingTooDeepError");
    }
  });

  it("the depth is not part of the genesis block: an L3's genesis hash is its chain id's default one", async function () {
    const plain = await createL2Chain(devGenesis({ chainId: 3_000_103n }));
    const nested = await createL2Chain(devGenesis({ chainId: 3_000_103n, nestingDepth: 1 }));
    expect(nested.headers[0]!.hash()).to.deep.equal(plain.headers[0]!.hash());
  });

  it("a genesis file carries nestingDepth 0 or 1; anything else is refused naming the value", function () {
    expect(parseGenesisJson(JSON.stringify({ chainId: 7, nestingDepth: 1 })).nestingDepth).to.equal(1);
    expect(parseGenesisJson(JSON.stringify({ chainId: 7 })).nestingDepth).to.equal(undefined);
    expect(() => parseGenesisJson(JSON.stringify({ chainId: 7, nestingDepth: 2 }))).to.throw(GenesisConfigError, /nestingDepth/);
  });
});
