/**
 * The explorer in a real browser (Debian's Chromium, headless, driven by playwright-core): a devnet
 * started as `npm run devnet` starts it, the page loaded, then an L2 transaction sent — its block
 * must appear on the open page by itself (WebSocket), be found by searching the transaction's
 * hash, lead to the L1 transaction that verified it (the advance, EXECUTE's verdict, its blobs),
 * and a deposit made on L1 must show its state. Screenshots: test-output/explorer*.png.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet, zeroPadValue, toBeHex, id } from "ethers";
import { devAccounts } from "../../src/engine/chain.js";
import { deposit } from "../../src/sdk/bridge.js";
import { freePort } from "../../src/shared/ports.js";
import { devnetPorts, startDevnetProcess, type DevnetProcess } from "../devnet/process.js";
import { launchHeadless, OUTPUT, skipWithoutChromium, type HeadlessBrowser } from "./browser.js";

const DEADLINE = 120_000;

async function rpc(url: string, method: string, params: unknown[]): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return ((await response.json()) as { result: unknown }).result;
}

describe("explorer: a live page of the devnet in headless Chromium", function () {
  this.timeout(400_000);

  it("shows a new L2 block live, finds its transaction, follows it to its L1 verification, and shows a deposit's state", async function () {
    skipWithoutChromium(this);
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-explorer-"));
    const [ports, explorerPort] = [await devnetPorts(), await freePort()];
    let devnet: DevnetProcess | undefined;
    let step = "starting the devnet";
    let browser: HeadlessBrowser | undefined;
    try {
      devnet = await startDevnetProcess(["--explorer-port", String(explorerPort), "--data-dir", dataDir, "--block-time", "1"], ports);
      step = "the banner";
      const output = devnet.output();
      const explorerUrl = /explorer \(live, in a browser\):\s+(\S+)/.exec(output)?.[1];
      expect(explorerUrl, `the banner prints the explorer's URL:\n${output}`).to.equal(`http://127.0.0.1:${explorerPort}`);
      const { rollupAddress, l1Url, l2Url } = devnet;

      browser = await launchHeadless();
      const { page, pageErrors } = browser;
      await page.goto(explorerUrl!);
      await page.waitForSelector("#live.on", { timeout: DEADLINE });
      await page.waitForSelector("#latest-l2", { timeout: DEADLINE });
      await page.evaluate("window.loadedOnce = true");
      // A route is shown once the page rendered it (the hash changes first).
      const waitForRoute = (route: string) => page.waitForFunction(`document.getElementById("view").dataset.route === ${JSON.stringify(route)}`, undefined, { timeout: DEADLINE });

      step = "a new L2 block, live";
      // An L2 transaction after the page loaded: its block shows up on the page by itself.
      const l2 = new JsonRpcProvider(l2Url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
      const sender = new Wallet(devAccounts()[1]!.privateKey, l2);
      const tx = await sender.sendTransaction({ to: Wallet.createRandom().address, value: 12_345n });
      const receipt = (await tx.wait())!;
      const chainId = (await l2.getNetwork()).chainId;
      await page.waitForSelector(`#latest-l2 [data-l2-block="${chainId}:${receipt.blockNumber}"]`, { timeout: DEADLINE });
      expect(await page.evaluate("window.loadedOnce"), "the block came over the socket, without a reload").to.equal(true);

      step = "searching the L2 transaction";
      // Search the transaction's hash: its page, its status, its block.
      await page.fill("#search", tx.hash);
      await page.press("#search", "Enter");
      await waitForRoute(`#/l2/${chainId}/tx/${tx.hash}`);
      await page.waitForSelector('[data-field="tx-status"] .badge.ok', { timeout: DEADLINE });
      expect(await page.textContent("main")).to.include("12345").and.to.include(sender.address.toLowerCase().slice(0, 10));

      step = "the L2 block and its L1 verification";
      // Its block, and the L1 transaction that verified it.
      await page.click('[data-field="l2-block"]');
      await waitForRoute(`#/l2/${chainId}/block/${receipt.blockNumber}`);
      await page.waitForSelector('[data-field="execute-verdict"].ok', { timeout: DEADLINE });
      expect(await page.textContent('[data-field="execute-verdict"]')).to.equal("valid");
      expect(await page.textContent('[data-field="l2-hash"]')).to.equal(receipt.blockHash);
      const l1Tx = (await page.getAttribute('[data-field="l1-tx"]', "title"))!;
      // What the page says is L1's: the advance succeeded and its BlockAdvanced is this L2 block.
      const l1Receipt = await rpc(l1Url, "eth_getTransactionReceipt", [l1Tx]);
      expect(l1Receipt.status).to.equal("0x1");
      const advanced = (l1Receipt.logs as { address: string; topics: string[] }[]).find((log) => log.topics[0] === id("BlockAdvanced(uint256,bytes32,address,bytes32,bytes32,bytes32,uint64,address,uint64,uint64,bytes32,bytes32,uint64,bytes32,bytes32[])"));
      expect(advanced?.address.toLowerCase()).to.equal(rollupAddress.toLowerCase());
      expect(advanced?.topics[1]).to.equal(zeroPadValue(toBeHex(receipt.blockNumber), 32));
      expect(advanced?.topics[2]).to.equal(receipt.blockHash);
      await page.screenshot({ path: path.join(OUTPUT, "explorer.png"), fullPage: true });

      step = "the advance's L1 transaction";
      await page.click('[data-field="l1-tx"]');
      await waitForRoute(`#/l1/tx/${l1Tx}`);
      await page.waitForSelector('[data-field="execute-verdict"]', { timeout: DEADLINE });
      expect(await page.textContent('[data-field="execute-verdict"]')).to.match(/^EXECUTE: valid/);
      expect(await page.textContent('[data-field="function"]')).to.match(/^advance/);
      const blobs = (await page.evaluate(`[...document.querySelectorAll('[data-field="blob"] a')].map((a) => a.href)`)) as string[];
      expect(blobs.length, "the advance's blobs, linked to the archive's beacon API").to.be.greaterThan(0);
      const blob = (await (await fetch(blobs[0]!)).json()) as { data: string[] };
      expect(blob.data).to.have.length(1);

      step = "a deposit's state";
      // A deposit made on L1 after the page loaded: its message page shows where it is, and then that it was delivered.
      const l1 = new JsonRpcProvider(l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
      const depositor = new Wallet(devAccounts()[3]!.privateKey, l1);
      const queued = await deposit(depositor, rollupAddress, { value: 10n ** 15n, to: Wallet.createRandom().address });
      await page.fill("#search", queued.hash);
      await page.press("#search", "Enter");
      await waitForRoute(`#/message/${queued.hash}`);
      await page.waitForSelector('[data-field="message-status"]', { timeout: DEADLINE });
      expect(["queued", "delivered"]).to.include(await page.textContent('[data-field="message-status"]'));
      await page.waitForFunction(`document.querySelector('[data-field="message-status"]')?.textContent === "delivered"`, undefined, { timeout: DEADLINE });
      await page.waitForSelector('[data-field="delivered-in"]', { timeout: DEADLINE });
      await page.screenshot({ path: path.join(OUTPUT, "explorer-deposit.png"), fullPage: true });

      await page.goto(`${explorerUrl}/#/`);
      await page.waitForSelector(`#latest-l2 [data-l2-block="${chainId}:${receipt.blockNumber}"]`, { timeout: DEADLINE });
      await page.screenshot({ path: path.join(OUTPUT, "explorer-overview.png"), fullPage: true });
      expect(pageErrors, "no script error on the page").to.deep.equal([]);
      l1.destroy();
      l2.destroy();
    } catch (error) {
      throw new Error(`at step "${step}": ${(error as Error).message}\ndevnet output:\n${devnet?.output().slice(-3000) ?? ""}`);
    } finally {
      await browser?.close();
      await devnet?.stop("SIGINT");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
