import { expect } from "chai";
import { ContractFactory, JsonRpcProvider, Wallet, type Signer } from "ethers";
import { network } from "hardhat";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { bytesToHex } from "@ethereumjs/util";
import { DEV_BALANCE, defaultGenesis, devAccounts, devGenesis, rewindTo, type L2Chain } from "../../src/engine/index.js";
import { startMultiNode, type MultiNode } from "../../src/node/index.js";
import { serveMultiNode, type MultiNodeRpc } from "../../src/node/rpc.js";
import { decodeBlockRecord } from "../../src/node/records.js";
import { numberKey, openMultiStore, readMeta } from "../../src/node/store.js";
import { createL2Common } from "../../src/engine/chain.js";
import { createMultiProposer } from "../../src/proposer/index.js";
import { createRollup, deployFactory, deployRollup, type DeployedRollup } from "../../src/sdk/index.js";
import { deposit } from "../../src/sdk/bridge.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { propose, seeded, spawnNode, startHardhatNode, tempDir, transfers } from "./helpers.js";

const ROLLUPS = 52;
const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** The test factory: announces made-up rollups in bulk (a thousand in a few transactions, for memory measurements). */
async function deployProbe(signer: Signer, name: "TestRollupFactory") {
  const artifact = loadArtifact("test/MultiRollupProbes.sol", name);
  const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy();
  await contract.waitForDeployment();
  return contract;
}

/** The node's rollups as a multi-proposer sees them: mempools from the server, chains from the deployments. */
function proposerRollups(multi: MultiNode, rpc: MultiNodeRpc, chains: Map<bigint, L2Chain>) {
  return () =>
    multi
      .list()
      .filter((r) => r.retired === undefined && chains.has(r.chainId))
      .map((r) => ({
        chainId: r.chainId,
        address: r.address,
        mempool: () => rpc.mempool(r.chainId),
        hasQueuedMessages: () => multi.hasQueuedMessages(r.chainId),
        chain: async () => chains.get(r.chainId)!,
      }));
}

const rpcCall = async (url: string, method: string, params: unknown[] = []) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  return (await response.json()) as { result?: any; error?: { code: number; message: string } };
};

describe("node: one node, many rollups", function () {
  this.timeout(300_000);

  it(`follows ${ROLLUPS} rollups and a factory's from one store and one L1 poll, each isolated, served at /rollup/<chainId>; a retired one read-only`, async function () {
    const { provider, ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const deployed: DeployedRollup[] = [];
    let started = performance.now();
    for (let i = 0; i < ROLLUPS; i++) deployed.push(await deployRollup(signer!, devGenesis({ chainId: 180_000n + BigInt(i) })));
    const deployMs = performance.now() - started;
    // Two rollups created by a RollupFactory (clones), with the default genesis; the signer may retire them.
    const factory = await deployFactory(signer!);
    const fromFactory: DeployedRollup[] = [];
    for (const chainId of [190_001n, 190_002n]) fromFactory.push(await createRollup(factory, defaultGenesis({ chainId }), { retirer: await signer!.getAddress() }));

    const dataDir = tempDir();
    started = performance.now();
    const multi = await startMultiNode({
      l1Provider: provider,
      factory: await factory.getAddress(),
      rollups: deployed.map((d) => ({ address: d.address, genesis: d.chain.genesis, deploymentBlock: d.deploymentBlock })),
      dataDir,
      follow: false,
    });
    await multi.sync();
    const pickUpMs = performance.now() - started;
    const rpc = await serveMultiNode(multi, { port: 0 });
    try {
      expect(multi.list()).to.have.length(ROLLUPS + 2);
      expect(multi.status().open, "no rollup without blocks is open").to.equal(0);
      console.log(`      (${ROLLUPS} rollups deployed in ${(deployMs / 1000).toFixed(1)} s; node picked up ${ROLLUPS + 2} in ${pickUpMs.toFixed(0)} ms)`);

      // Three rollups advance, each with its own transfers sent to its own path.
      const chains = new Map(deployed.map((d) => [d.chain.genesis.chainId, d.chain]));
      const active = [deployed[3]!, deployed[17]!, deployed[40]!];
      const recipient = Wallet.createRandom().address;
      for (const [i, d] of active.entries()) {
        const l2 = new JsonRpcProvider(rpc.urlOf(d.chain.genesis.chainId), undefined, { staticNetwork: true, cacheTimeout: -1 });
        for (let t = 0; t <= i; t++) {
          const wallet = wallets[t]!.connect(l2);
          await (await wallet.sendTransaction({ to: recipient, value: 1000n * BigInt(i + 1) })).hash;
        }
        l2.destroy();
      }
      const proposer = createMultiProposer({ rollups: proposerRollups(multi, rpc, chains), signer: signer!, provider: ethers.provider as never, coinbase: await signer!.getAddress(), dataAvailability: "calldata" });
      const served: bigint[] = [];
      for (;;) {
        const outcome = await proposer.proposeNext();
        if (outcome.kind === "idle") break;
        expect(outcome.outcome.kind).to.equal("proposed");
        served.push(outcome.chainId);
        await multi.sync();
      }
      expect(served, "round-robin over the rollups with work, one block each").to.deep.equal(active.map((d) => d.chain.genesis.chainId));
      expect(proposer.proposers).to.equal(3);
      expect(multi.status().open).to.equal(3);

      // Isolated: each active rollup's head and balances are its own; idle ones are at genesis.
      for (const [i, d] of active.entries()) {
        const url = rpc.urlOf(d.chain.genesis.chainId);
        expect(BigInt((await rpcCall(url, "eth_blockNumber")).result)).to.equal(1n);
        expect(BigInt((await rpcCall(url, "eth_getBalance", [recipient, "latest"])).result)).to.equal(1000n * BigInt(i + 1) * BigInt(i + 1));
        expect(BigInt((await rpcCall(url, "eth_chainId")).result)).to.equal(d.chain.genesis.chainId);
        expect((await rpcCall(url, "eth_getBlockByNumber", ["latest", false])).result.hash).to.equal(bytesToHex(d.chain.headers.at(-1)!.hash()));
      }
      const idle = rpc.urlOf(deployed[5]!.chain.genesis.chainId);
      expect(BigInt((await rpcCall(idle, "eth_blockNumber")).result)).to.equal(0n);
      expect(BigInt((await rpcCall(idle, "eth_getBalance", [recipient, "latest"])).result)).to.equal(0n);
      expect(BigInt((await rpcCall(idle, "eth_getBalance", [wallets[0]!.address, "latest"])).result)).to.equal(DEV_BALANCE);
      // The first rollup given is at `/` too.
      expect(BigInt((await rpcCall(rpc.url + "/", "eth_chainId")).result)).to.equal(deployed[0]!.chain.genesis.chainId);

      // A transaction for A sent to B's path: refused for its chain id.
      const [a, b] = [active[0]!, active[1]!];
      const forA = await wallets[5]!.signTransaction({ to: recipient, value: 1n, nonce: 0, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: a.chain.genesis.chainId, type: 2 });
      const refused = await rpcCall(rpc.urlOf(b.chain.genesis.chainId), "eth_sendRawTransaction", [forA]);
      expect(refused.error?.message).to.equal(`invalid chain id for signer: have ${a.chain.genesis.chainId} want ${b.chain.genesis.chainId}`);
      expect((await rpcCall(rpc.urlOf(a.chain.genesis.chainId), "eth_sendRawTransaction", [forA])).result).to.match(/^0x[0-9a-f]{64}$/);

      // The factory's rollups: found, served at their default genesis.
      for (const d of fromFactory) {
        const genesis = (await rpcCall(rpc.urlOf(d.chain.genesis.chainId), "eth_getBlockByNumber", ["0x0", false])).result;
        expect(genesis.hash).to.equal(bytesToHex(d.chain.headers[0]!.hash()));
      }
      const listed = (await (await fetch(rpc.url + "/rollups")).json()) as { rollups: { chainId: string; address: string; url: string }[] };
      expect(listed.rollups).to.have.length(ROLLUPS + 2);
      expect(listed.rollups.find((r) => BigInt(r.chainId) === 190_002n)).to.deep.equal({ chainId: "0x" + (190_002).toString(16), address: fromFactory[1]!.address.toLowerCase(), url: rpc.urlOf(190_002n) });
      expect((await rpcCall(rpc.urlOf(b.chain.genesis.chainId), "rollup_status")).result.l2.head).to.equal("0x1");
      expect((await rpcCall(rpc.url + "/rollup/999", "eth_chainId")).error?.message).to.equal("no chain is served at /rollup/999");

      // Retirement, for real: a factory rollup gets one block (a deposit delivered: the proposer
      // finds it through the node's MessageQueued events), then its retirer calls retire() on L1.
      // Its mempool goes, its history stays.
      const retiring = fromFactory[1]!;
      chains.set(retiring.chain.genesis.chainId, retiring.chain);
      await deposit(signer!, retiring.rollup, { value: 9000n, to: recipient });
      await multi.sync();
      const delivered = await proposer.proposeNext();
      expect(delivered.kind === "rollup" && delivered.chainId).to.equal(retiring.chain.genesis.chainId);
      expect(delivered.kind === "rollup" && delivered.outcome.kind).to.equal("proposed");
      await multi.sync();
      const retiredReceipt = await (await retiring.rollup.getFunction("retire")()).wait();
      expect(retiring.rollup.interface.parseLog(retiredReceipt!.logs[0]!)!.args[0]).to.equal(1n);
      const url = rpc.urlOf(retiring.chain.genesis.chainId);
      const before = await wallets[9]!.signTransaction({ to: recipient, value: 1n, nonce: 0, gasLimit: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, chainId: retiring.chain.genesis.chainId, type: 2 });
      await multi.sync();
      expect(multi.info(retiring.chain.genesis.chainId)!.retired).to.deep.include({ number: 1n });
      expect(multi.info(retiring.chain.genesis.chainId)!.open).to.equal(false);
      expect(rpc.mempool(retiring.chain.genesis.chainId)).to.equal(undefined);
      const sent = await rpcCall(url, "eth_sendRawTransaction", [before]);
      expect(sent.error?.message).to.match(new RegExp(`^rollup ${retiring.chain.genesis.chainId} retired at L2 block 1 .*takes no more transactions`));
      expect(BigInt((await rpcCall(url, "eth_getBalance", [recipient, "latest"])).result)).to.equal(9000n);
      expect((await rpcCall(url, "eth_getBlockByNumber", ["0x1", false])).result.hash).to.equal(bytesToHex(retiring.chain.headers[1]!.hash()));
    } finally {
      await rpc.close();
      await multi.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a rollup asked for before the node knows of it is served once it does (the first answer, 404, is not kept)", async function () {
    const { provider, ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const factory = await deployFactory(signer!);
    const multi = await startMultiNode({ l1Provider: provider, factory: await factory.getAddress(), dataDir: tempDir(), follow: false });
    const rpc = await serveMultiNode(multi, { port: 0 });
    try {
      const ask = async () => (await fetch(rpc.urlOf(190_101n), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) }));
      const early = await ask();
      expect(early.status).to.equal(404);
      expect(((await early.json()) as { error: { message: string } }).error.message).to.contain("no chain is served at /rollup/190101");
      await createRollup(factory, defaultGenesis({ chainId: 190_101n }));
      await multi.sync();
      const later = await ask();
      expect(later.status).to.equal(200);
      expect(BigInt(((await later.json()) as { result: string }).result)).to.equal(190_101n);
    } finally {
      await rpc.close();
      await multi.stop();
    }
  });

  it("an L1 reorg unwinds only the rollups that relied on a replaced block, and they re-derive the new fork", async function () {
    const { provider, ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const send = (method: string, params: unknown[] = []) => provider.request({ method, params });
    const deployed: DeployedRollup[] = [];
    for (let i = 0; i < 6; i++) deployed.push(await deployRollup(signer!, devGenesis({ chainId: 210_000n + BigInt(i) })));
    const l1Of = (d: DeployedRollup) => ({ ethersProvider: ethers.provider, signer: signer!, rollup: d.rollup, chain: d.chain });
    const [a, b] = [deployed[1]!, deployed[4]!];
    await propose(l1Of(a), await transfers(a.chain, 2, 1));
    await propose(l1Of(b), await transfers(b.chain, 2, 2));
    const dataDir = tempDir();
    const handedBack: bigint[] = [];
    const multi = await startMultiNode({
      l1Provider: provider,
      rollups: deployed.map((d) => ({ address: d.address, genesis: d.chain.genesis, deploymentBlock: d.deploymentBlock })),
      dataDir,
      follow: false,
      onUnwoundTransactions: (chainId) => void handedBack.push(chainId),
    });
    try {
      await multi.sync();
      const snapshot = await send("evm_snapshot");
      // The abandoned fork: A advances once more.
      await propose(l1Of(a), await transfers(a.chain, 1, 3));
      await multi.sync();
      expect((await multi.rollup(a.chain.genesis.chainId)).status().l2.head).to.equal(2n);
      // Replaced by a longer fork where B advances instead.
      expect(await send("evm_revert", [snapshot])).to.equal(true);
      rewindTo(a.chain, 1n);
      await send("evm_mine");
      await propose(l1Of(b), await transfers(b.chain, 1, 4));
      await multi.sync();
      expect(handedBack).to.deep.equal([a.chain.genesis.chainId]);
      expect((await multi.rollup(a.chain.genesis.chainId)).status().l2.headHash).to.equal(bytesToHex(a.chain.headers[1]!.hash()));
      expect((await multi.rollup(b.chain.genesis.chainId)).status().l2.headHash).to.equal(bytesToHex(b.chain.headers[2]!.hash()));
      expect((await multi.rollup(deployed[0]!.chain.genesis.chainId)).status().l2.head).to.equal(0n);
    } finally {
      await multi.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("an idle rollup costs under 100 KB of heap: 1,000 announced by the factory, measured", async function () {
    const gc = (() => {
      v8.setFlagsFromString("--expose-gc");
      return vm.runInNewContext("gc") as () => void;
    })();
    const { provider, ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const factory = await deployProbe(signer!, "TestRollupFactory");
    const dataDir = tempDir();
    const multi = await startMultiNode({ l1Provider: provider, factory: await factory.getAddress(), dataDir, follow: false });
    try {
      await multi.sync();
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 4; i++) await (await factory.getFunction("announceMany")(1_000_000n + BigInt(i * 250), 250n)).wait();
      const started = performance.now();
      await multi.sync();
      const pickUpMs = performance.now() - started;
      gc();
      const perRollup = (process.memoryUsage().heapUsed - before) / 1000;
      expect(multi.list()).to.have.length(1000);
      expect(multi.status().open).to.equal(0);
      // An idle poll over 1,000 addresses: one eth_getLogs.
      await provider.request({ method: "evm_mine", params: [] });
      const pollStarted = performance.now();
      await multi.sync();
      const pollMs = performance.now() - pollStarted;
      console.log(`      (1,000 idle rollups: ${(perRollup / 1024).toFixed(2)} KB of heap each; picked up in ${pickUpMs.toFixed(0)} ms; an idle poll ${pollMs.toFixed(1)} ms)`);
      expect(perRollup).to.be.below(100 * 1024);
    } finally {
      await multi.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("beyond maxOpenParts the least recently run parts are dropped and made again from the store at their next block; a part the RPC asked for stays", async function () {
    const { provider, ethers } = await network.create();
    const [signer] = await ethers.getSigners();
    const deployed: DeployedRollup[] = [];
    for (let i = 0; i < 5; i++) deployed.push(await deployRollup(signer!, devGenesis({ chainId: 185_000n + BigInt(i) })));
    const dataDir = tempDir();
    const multi = await startMultiNode({
      l1Provider: provider,
      rollups: deployed.map((d) => ({ address: d.address, genesis: d.chain.genesis, deploymentBlock: d.deploymentBlock })),
      dataDir,
      follow: false,
      maxOpenParts: 2,
    });
    const advanceAll = async (round: number) => {
      for (const d of deployed) {
        const [tx] = await transfers(d.chain, 1, round, round);
        await propose({ ethersProvider: ethers.provider, signer: signer!, rollup: d.rollup, chain: d.chain }, [tx!]);
      }
    };
    try {
      await advanceAll(0);
      await multi.sync();
      expect(multi.status().open, "two parts kept, the last two run").to.equal(2);
      expect(multi.list().filter((r) => r.open).map((r) => r.chainId)).to.deep.equal([185_003n, 185_004n]);
      // Asked for by a reader (the RPC): made again from the store, at its head, and held.
      const first = await multi.rollup(185_000n);
      expect(first.blockNumber("latest")).to.equal(1n);
      await advanceAll(1);
      await multi.sync();
      for (const d of deployed) {
        const node = await multi.rollup(d.chain.genesis.chainId);
        expect(node.blockNumber("latest"), `rollup ${d.chain.genesis.chainId}`).to.equal(2n);
        expect(node.getBlock(2n)!.hash).to.equal(bytesToHex(d.chain.headers[2]!.hash()));
      }
      expect(await multi.rollup(185_000n), "the held part is the same one").to.equal(first);
    } finally {
      await multi.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a multi-rollup node process SIGKILLed while deriving comes back with every rollup at the same head", async function () {
    const hardhat = await startHardhatNode();
    const provider = new JsonRpcProvider(hardhat.url, undefined, { cacheTimeout: -1, pollingInterval: 50 });
    const dirs: string[] = [];
    try {
      const signer = await provider.getSigner(0);
      const deployed: DeployedRollup[] = [];
      for (let i = 0; i < ROLLUPS; i++) deployed.push(await deployRollup(signer, devGenesis({ chainId: 200_000n + BigInt(i) })));
      // Five rollups with blocks to derive, interleaved on L1.
      const active = [0, 9, 21, 33, 51].map((i) => deployed[i]!);
      for (let b = 0; b < 6; b++) {
        for (const d of active) await propose({ ethersProvider: provider, signer, rollup: d.rollup, chain: d.chain }, await transfers(d.chain, 2, b, b * 2));
      }
      const dataDir = tempDir();
      dirs.push(dataDir);
      const config = path.join(dataDir, "..", `multi-config-${path.basename(dataDir)}.json`);
      const genesisJson = (chainId: bigint) => ({ chainId: chainId.toString(), gasLimit: "60000000", timestamp: "0", devBalance: DEV_BALANCE.toString() });
      writeFileSync(config, JSON.stringify({ rollups: deployed.map((d) => ({ address: d.address, deploymentBlock: d.deploymentBlock, genesis: genesisJson(d.chain.genesis.chainId) })) }));
      const args = ["--l1", hardhat.url, "--config", config, "--data-dir", dataDir, "--poll-ms", "50", "--port", "0"];

      const random = seeded(11);
      const kills: number[] = [];
      for (let kill = 0; kill < 3; kill++) {
        const wantLines = 1 + Math.floor(random() * 8);
        let seen = 0;
        let timer: NodeJS.Timeout | undefined;
        const child = spawnMulti(args, (line) => {
          if (/^L2 block \d+ /.test(line) && ++seen === wantLines) timer = setTimeout(() => child.child.kill("SIGKILL"), Math.floor(random() * 20));
        });
        const idle = setTimeout(() => child.child.kill("SIGKILL"), 30_000);
        const { signal } = await child.exited;
        clearTimeout(idle);
        clearTimeout(timer);
        expect(signal, child.output()).to.equal("SIGKILL");
        kills.push(seen);
        // More blocks while it is down.
        await propose({ ethersProvider: provider, signer, rollup: active[kill]!.rollup, chain: active[kill]!.chain }, await transfers(active[kill]!.chain, 1, 50 + kill));
      }

      // Restarted: every rollup reaches its L1 head, then it stops on SIGINT.
      const final = spawnMulti(args);
      let url: string | undefined;
      for (let i = 0; i < 600 && url === undefined; i++) {
        url = /L2 JSON-RPC on (http:\/\/\S+)/.exec(final.output())?.[1];
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(url, final.output()).to.not.equal(undefined);
      const heads = async () => Promise.all(deployed.map(async (d) => BigInt((await rpcCall(`${url}/rollup/${d.chain.genesis.chainId}`, "eth_blockNumber")).result)));
      const expected = deployed.map((d) => BigInt(d.chain.headers.length - 1));
      let got = await heads();
      for (let i = 0; i < 400 && got.some((h, j) => h !== expected[j]); i++) {
        await new Promise((r) => setTimeout(r, 50));
        got = await heads();
      }
      expect(got).to.deep.equal(expected);
      final.child.kill("SIGINT");
      expect((await final.exited).code, final.output()).to.equal(0);

      // The store, read offline: every rollup's blocks are the proposers' blocks.
      const store = openMultiStore(dataDir);
      try {
        for (const d of deployed) {
          const view = store.rollup(d.chain.genesis.chainId);
          const head = BigInt(readMeta<string>(view, "checkpoint:execute")!);
          expect(head).to.equal(BigInt(d.chain.headers.length - 1));
          const record = decodeBlockRecord(view.blocks.getBinary(numberKey(head))!, createL2Common(d.chain.genesis.chainId));
          expect(bytesToHex(record.header.hash())).to.equal(bytesToHex(d.chain.headers.at(-1)!.hash()));
        }
      } finally {
        await store.close();
      }
      console.log(`      (${ROLLUPS} rollups, 5 active; killed after ${kills.join(", ")} derived blocks; all back at their L1 heads: ${expected.filter((h) => h > 0n).join(", ")})`);
    } finally {
      provider.destroy();
      await hardhat.stop();
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** `scripts/multi-node.ts` as a child process (spawnNode's pattern: Node 22 with the tsx loader). */
function spawnMulti(args: string[], onLine: (line: string) => void = () => {}) {
  return spawnNode(args, onLine, "scripts/multi-node.ts");
}
