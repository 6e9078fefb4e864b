import { expect } from "chai";
import { JsonRpcProvider, Wallet } from "ethers";
import { rmSync } from "node:fs";
import { devAccounts, devGenesis } from "../../src/engine/index.js";
import { deployRollup, signL2Transaction } from "../../src/sdk/index.js";
import { spawnNode, startHardhatNode, tempDir } from "./helpers.js";
import { rpcCall } from "./multi-keep-helpers.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** Polls `check` until it returns a value, or fails after `ms` saying `what`. */
async function until<T>(what: () => string, check: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("node: the hand-back of unwound transactions is part of the unwind's commit", function () {
  this.timeout(300_000);

  it("a many-rollup node SIGKILLed inside the hand-back window (unwind committed, mempool not yet told) has every unwound transaction pending again after a restart, and they land", async function () {
    const hardhat = await startHardhatNode();
    const l1 = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
    const dataDir = tempDir();
    const children: ReturnType<typeof spawnNode>[] = [];
    try {
      const signer = await l1.getSigner(0);
      const chainId = 240_001n;
      const deployed = await deployRollup(signer, devGenesis({ chainId }));
      const args = ["--l1", hardhat.url, "--rollup", deployed.address, "--chain-id", String(chainId), "--data-dir", dataDir];
      const start = async (extra: string[]) => {
        const lines: string[] = [];
        const child = spawnNode([...args, ...extra], (line) => lines.push(line), "test/node/handback-child.ts");
        children.push(child);
        const url = await until(
          () => `the child did not start:\n${child.output().slice(-2000)}`,
          () => lines.map((l) => /^child: rpc (\S+)/.exec(l)?.[1]).find((u) => u !== undefined),
        );
        return { child, lines, url };
      };

      const first = await start(["--hang"]);
      const snapshot = await l1.send("evm_snapshot", []);
      // Acknowledged by the node, proposed by its proposer, verified on L1, derived.
      const hashes: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const raw = await signL2Transaction(deployed.chain, wallets[i]!, { nonce: 0, to: wallets[19]!.address, value: BigInt(i), maxFeePerGas: 10n ** 10n });
        hashes.push(await rpcCall(first.url, "eth_sendRawTransaction", [raw]));
      }
      const status = (url: string, hash: string) => rpcCall(url, "ultrasound_getTransactionStatus", [hash]) as Promise<{ status: string }>;
      for (const hash of hashes) await until(() => `${hash} not included:\n${first.lines.slice(-5).join("\n")}`, async () => ((await status(first.url, hash)).status === "included" ? true : undefined));

      // L1 forgets them; the node unwinds (committed) and stops in the hand-back: killed there.
      await l1.send("evm_revert", [snapshot]);
      for (let i = 0; i < 3; i++) await l1.send("evm_mine", []);
      await until(() => `no hand-back:\n${first.lines.slice(-5).join("\n")}`, () => (first.lines.some((l) => l.startsWith("child: hand-back window")) ? true : undefined));
      first.child.child.kill("SIGKILL");
      expect((await first.child.exited).signal).to.equal("SIGKILL");
      expect(first.lines.some((l) => /^L1 reorg: .*6 tx handed back/.test(l)), first.lines.join("\n")).to.equal(true);

      // Restarted on the same store: every unwound transaction is pending again (or already re-included), none unknown.
      const second = await start([]);
      for (const hash of hashes) expect(["pending", "included"], hash).to.include((await status(second.url, hash)).status);
      for (const hash of hashes) await until(() => `${hash} not included again:\n${second.lines.slice(-8).join("\n")}`, async () => ((await status(second.url, hash)).status === "included" ? true : undefined));
    } finally {
      for (const { child } of children) child.kill("SIGKILL");
      await Promise.all(children.map((c) => c.exited));
      await hardhat.stop();
      l1.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
