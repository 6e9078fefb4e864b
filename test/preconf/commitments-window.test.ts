import { expect } from "chai";
import { COMMITMENTS_WINDOW, MAX_COMMITMENTS } from "../../src/preconf/index.js";
import { preconfSetup } from "./helpers.js";

/** One JSON-RPC call: the result, or the error object. */
async function call(url: string, method: string, params: unknown[]): Promise<{ result?: any; error?: { code: number; message: string } }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as never;
}

const numbers = (answer: { result?: { commitment: { number: string } }[] }) => answer.result!.map((c) => Number(BigInt(c.commitment.number)));

describe("preconf_getCommitments: a default window and a cap (issue 19)", function () {
  this.timeout(180_000);

  it("answers the tip's last 64 heights without `from`, pages with (from, count), and refuses a count above the cap", async function () {
    const env = await preconfSetup();
    try {
      const tip = Number(COMMITMENTS_WINDOW) + 6;
      for (let i = 0; i < tip; i++) await env.preconfer.preconfirmNext({ evenEmpty: true });
      const url = env.rpc.url;

      // Without `from`: the window below the tip (it used to be every height from block 0).
      const recent = await call(url, "preconf_getCommitments", []);
      expect(numbers(recent)).to.deep.equal(Array.from({ length: Number(COMMITMENTS_WINDOW) }, (_, i) => tip - Number(COMMITMENTS_WINDOW) + 1 + i));

      // With `from`: up to the cap, to the tip; with `count`: that many heights.
      expect(numbers(await call(url, "preconf_getCommitments", ["0x0"]))).to.have.length(tip);
      expect(numbers(await call(url, "preconf_getCommitments", ["0x3", "0x5"]))).to.deep.equal([3, 4, 5, 6, 7]);
      expect(numbers(await call(url, "preconf_getCommitments", [`0x${(tip + 1).toString(16)}`]))).to.deep.equal([]);

      const tooMany = await call(url, "preconf_getCommitments", ["0x0", `0x${(MAX_COMMITMENTS + 1n).toString(16)}`]);
      expect(tooMany.error?.code).to.equal(-32602);
      expect(tooMany.error?.message).to.match(/at most 1024 commitments per call, not 1025/);
      const bad = await call(url, "preconf_getCommitments", ["0x0", "many"]);
      expect(bad.error?.code).to.equal(-32602);
      expect(bad.error?.message).to.match(/invalid argument 1: a count/);
    } finally {
      await env.stop();
    }
  });
});
