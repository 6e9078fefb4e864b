/**
 * The explorer of a `--preconf` devnet in a real browser (Debian's Chromium, headless, driven by
 * playwright-core): an L2 block the operator preconfirmed shows as "preconfirmed", with the
 * operator who signed it, and turns "safe" on the open page by itself once L1 verified it.
 * Screenshot: test-output/explorer-preconf.png.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { devAccounts } from "../../src/engine/chain.js";
import { freePort } from "../../src/shared/ports.js";
import { devnetPorts, startDevnetProcess, type DevnetProcess } from "../devnet/process.js";
import { launchHeadless, OUTPUT, skipWithoutChromium, type HeadlessBrowser } from "./browser.js";

const DEADLINE = 120_000;

describe("explorer: preconfirmed vs verified L2 blocks (--preconf) in headless Chromium", function () {
  this.timeout(400_000);

  it("shows a preconfirmed block as preconfirmed with its operator, then safe once L1 verified it, live", async function () {
    skipWithoutChromium(this);
    const dataDir = mkdtempSync(path.join(tmpdir(), "ultrasound-explorer-preconf-"));
    const [ports, explorerPort] = [await devnetPorts(), await freePort()];
    let devnet: DevnetProcess | undefined;
    let browser: HeadlessBrowser | undefined;
    try {
      // Advances every 20 s: a block stays preconfirmed long enough for the page to show it.
      devnet = await startDevnetProcess(["--preconf", "--preconf-advance-ms", "20000", "--explorer-port", String(explorerPort), "--data-dir", dataDir, "--no-relay"], ports);
      const explorerUrl = /explorer \(live, in a browser\):\s+(\S+)/.exec(devnet.output())?.[1];
      expect(explorerUrl, devnet.output()).to.equal(`http://127.0.0.1:${explorerPort}`);
      browser = await launchHeadless();
      const { page, pageErrors } = browser;
      await page.goto(explorerUrl!);
      await page.waitForSelector("#live.on", { timeout: DEADLINE });

      const l2 = new JsonRpcProvider(devnet.l2Url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
      const tx = await new Wallet(devAccounts()[1]!.privateKey, l2).sendTransaction({ to: Wallet.createRandom().address, value: 12_345n });
      const receipt = (await tx.wait())!;
      const chainId = (await l2.getNetwork()).chainId;
      const operator = ((await l2.send("preconf_getStatus", [])) as { operator: string }).operator;
      const safe = BigInt(((await l2.send("eth_getBlockByNumber", ["safe", false])) as { number: string }).number);
      expect(safe < BigInt(receipt.blockNumber), "not verified on L1 yet").to.equal(true);

      await page.evaluate(`location.hash = ${JSON.stringify(`#/l2/${chainId}/block/${receipt.blockNumber}`)}`);
      await page.waitForFunction(`document.getElementById("view").dataset.route === ${JSON.stringify(`#/l2/${chainId}/block/${receipt.blockNumber}`)}`, undefined, { timeout: DEADLINE });
      await page.waitForSelector('[data-field="finality"]', { timeout: DEADLINE });
      expect(await page.textContent('[data-field="finality"]')).to.equal("preconfirmed");
      expect(await page.getAttribute('[data-field="preconf-operator"] a', "title")).to.equal(operator);
      await page.screenshot({ path: path.join(OUTPUT, "explorer-preconf.png"), fullPage: true });

      // The advance loop verifies it on L1: the open page turns it "safe" by itself.
      await page.waitForFunction(`document.querySelector('[data-field="finality"]')?.textContent === "safe"`, undefined, { timeout: DEADLINE });
      expect(await page.$('[data-field="preconf-operator"]'), "a verified block shows no promise any more").to.equal(null);
      expect(pageErrors).to.deep.equal([]);
      l2.destroy();
    } finally {
      await browser?.close();
      await devnet?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
