import { expect } from "chai";
import { createServer, type Server } from "node:http";
import { nativeJsonRpcProvider } from "../../src/shared/json-rpc.js";
import { freePort } from "../../src/shared/ports.js";

/**
 * Issue 14 item 8: the devnet's and the node's L1 providers send through Node's fetch instead of
 * ethers' transport, whose per-character UTF-8 loops held the RPC thread for tens of ms per blob
 * advance. The answers, and the errors, must be what ethers gives.
 */
describe("shared: a JsonRpcProvider over Node's fetch", function () {
  let server: Server;
  let url: string;
  const big = "0x" + "ab".repeat(600_000);
  before(async function () {
    const port = await freePort();
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        const { id, method, params } = JSON.parse(body) as { id: number; method: string; params: unknown[] };
        if (method === "http_500") return void response.writeHead(500).end("boom");
        if (method === "never") return; // never answered: the timeout
        response.writeHead(200, { "content-type": "application/json" });
        if (method === "echo") return void response.end(JSON.stringify({ jsonrpc: "2.0", id, result: params[0] }));
        if (method === "eth_chainId") return void response.end(JSON.stringify({ jsonrpc: "2.0", id, result: "0x7a69" }));
        response.end(JSON.stringify({ jsonrpc: "2.0", id, error: { code: -32601, message: `the method ${method} does not exist/is not available` } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${port}`;
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("sends a megabyte and gets it back byte for byte, non-ASCII text too", async function () {
    const provider = nativeJsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
    try {
      expect(await provider.send("echo", [big])).to.equal(big);
      expect(await provider.send("echo", ["Ünïcode ✓ 𝔘"])).to.equal("Ünïcode ✓ 𝔘");
      expect((await provider.getNetwork()).chainId).to.equal(31337n);
    } finally {
      provider.destroy();
    }
  });

  it("reports a JSON-RPC error, an HTTP error and a timeout as ethers does", async function () {
    const provider = nativeJsonRpcProvider(url, 31337, { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1, timeoutMs: 300 });
    try {
      const unknown = await provider.send("no_such_method", []).then(() => undefined, (error: Error) => error);
      expect(unknown?.message).to.match(/does not exist/);
      const http = await provider.send("http_500", []).then(() => undefined, (error: { code?: string }) => error);
      expect(http?.code).to.equal("SERVER_ERROR");
      const silent = await provider.send("never", []).then(() => undefined, (error: { code?: string }) => error);
      expect(silent?.code).to.equal("TIMEOUT");
    } finally {
      provider.destroy();
    }
  });
});
