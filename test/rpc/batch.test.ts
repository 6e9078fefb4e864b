import { expect } from "chai";
import { handleBody } from "../../src/rpc/envelope.js";
import type { Handler, RequestContext } from "../../src/rpc/methods.js";

describe("rpc: batches give the thread back", function () {
  it("answers a batch of 60 requests that each hold the thread 2 ms in order, and lets a timer run while it starts them (issue 14 item 8: 500 receipt lookups in one batch held the L2 JSON-RPC's thread for seconds)", async function () {
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const handlers = new Map<string, Handler>([
      [
        "test_busy",
        async (params) => {
          busy(2);
          return params[0];
        },
      ],
    ]);
    const batch = Array.from({ length: 60 }, (_, i) => ({ jsonrpc: "2.0", id: i, method: "test_busy", params: [i] }));
    let timerRanDuringBatch = false;
    let batchDone = false;
    setImmediate(() => (timerRanDuringBatch = !batchDone));
    const answers = (await handleBody(handlers, batch, {} as RequestContext, 1000)) as { id: number; result: number }[];
    batchDone = true;
    expect(answers.map((a) => [a.id, a.result])).to.deep.equal(batch.map((_, i) => [i, i]));
    // 120 ms of synchronous work: the batch gives the thread back every 8 ms, so the immediate
    // queued before it ran while it was being handled, not after.
    expect(timerRanDuringBatch).to.equal(true);
  });
});
