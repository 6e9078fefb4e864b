import { expect } from "chai";
import { createL2Chain, devGenesis } from "../../src/engine/index.js";
import { EXECUTE_ADDRESS } from "../../src/precompile/index.js";
import { decodeMarketView, EXECUTE_MARKET_SELECTOR } from "../../src/precompile/market-oracle.js";
import { chainViewOf, createRpcHandler } from "../../src/rpc/index.js";

/** eth_call of `executeMarket()` at 0x…0101 on a chain of `genesis`. */
async function askMarket(nestingDepth: number | undefined, tag: string): Promise<unknown> {
  const chain = await createL2Chain(devGenesis({ chainId: 3_000_201n, nestingDepth }));
  const rpc = createRpcHandler({ view: chainViewOf(chain) });
  return rpc.request({ method: "eth_call", params: [{ to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR }, tag] });
}

describe("rpc: eth_call reaches the L2's EXECUTE at the chain's depth (docs/nested.md)", function () {
  for (const tag of ["latest", "pending"]) {
    it(`an L2's eth_call (${tag}) of executeMarket() answers 'no market', as its blocks run it`, async function () {
      const answer = (await askMarket(undefined, tag)) as string;
      expect(decodeMarketView(Buffer.from(answer.slice(2), "hex")).pricing).to.equal(0n);
    });
  }

  it("an L3's eth_call of 0x…0101 fails (EXECUTE is not served at depth 1), as the L2's verification of its blocks runs it", async function () {
    const failed = await askMarket(1, "latest").then(
      () => undefined,
      (error: Error & { code?: number }) => error,
    );
    expect(failed?.message).to.contain("ExecuteNestingTooDeepError");
  });
});
