import { Wallet } from "ethers";
import { network } from "hardhat";
import { rmSync } from "node:fs";
import { createL2Chain, devAccounts, devGenesis, type L2Chain } from "../../src/engine/index.js";
import { startMultiNode, type MultiNode } from "../../src/node/index.js";
import { serveMultiNode, type MultiNodeRpc } from "../../src/node/rpc.js";
import { createMultiProposer, type MultiProposalOutcome, type MultiProposer } from "../../src/proposer/index.js";
import { deployRollup, signL2Transaction, type DeployedRollup } from "../../src/sdk/index.js";
import { tempDir } from "./helpers.js";

const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** One JSON-RPC call; throws the error it answers with. */
export async function rpcCall(url: string, method: string, params: unknown[] = []): Promise<any> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/**
 * An in-process L1 with one rollup, a multi-rollup node following it (moved by `sync()` only)
 * and serving it, and a multi-proposer over the node's mempool, building on `chain` (the
 * proposer's own chain, at genesis unless given) and following the node.
 */
export async function multiWithRollup(options: { gasLimit?: bigint } = {}) {
  const connection = await network.create();
  const { ethers, provider } = connection;
  const [signer] = await ethers.getSigners();
  const deployed: DeployedRollup = await deployRollup(signer!, devGenesis({ chainId: 230_001n, ...(options.gasLimit === undefined ? {} : { gasLimit: options.gasLimit }) }));
  const chainId = deployed.chain.genesis.chainId;
  const dataDir = tempDir();
  const lines: string[] = [];
  const multi: MultiNode = await startMultiNode({
    l1Provider: provider,
    rollups: [{ address: deployed.address, genesis: deployed.chain.genesis, deploymentBlock: deployed.deploymentBlock }],
    dataDir,
    follow: false,
    log: (line) => lines.push(line),
  });
  await multi.sync();
  const rpc: MultiNodeRpc = await serveMultiNode(multi, { port: 0 });
  const url = rpc.urlOf(chainId);
  const coinbase = await signer!.getAddress();

  /** A proposer (as after a start) whose chain is `chain` (default: a new one at genesis). */
  const proposerOn = (chain?: L2Chain): MultiProposer => {
    const own = chain === undefined ? createL2Chain(deployed.chain.genesis) : Promise.resolve(chain);
    return createMultiProposer({
      rollups: () => [
        {
          chainId,
          address: deployed.address,
          mempool: () => rpc.mempool(chainId),
          hasQueuedMessages: () => multi.hasQueuedMessages(chainId),
          chain: () => own,
          node: () => multi.rollup(chainId),
        },
      ],
      signer: signer!,
      provider: ethers.provider as never,
      coinbase,
      dataAvailability: "calldata",
      retryMs: { first: 10, max: 100 },
      log: (line) => lines.push(line),
    });
  };

  /** Signs a transfer from dev account `from` with its pending nonce (from the node) and sends it to the node; returns its hash. */
  const send = async (from: number, value = 1n): Promise<string> => {
    const nonce = Number(BigInt(await rpcCall(url, "eth_getTransactionCount", [wallets[from]!.address, "pending"])));
    const raw = await signL2Transaction(deployed.chain, wallets[from]!, { nonce, to: wallets[19]!.address, value, maxFeePerGas: 10n ** 10n });
    return rpcCall(url, "eth_sendRawTransaction", [raw]);
  };

  /** Proposes (and lets the node derive) until the proposer is idle; returns the outcomes (`waiting` left out). */
  const drain = async (proposer: MultiProposer, deadlineMs = 60_000): Promise<MultiProposalOutcome[]> => {
    const outcomes: MultiProposalOutcome[] = [];
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`still not idle after ${deadlineMs} ms:\n${lines.slice(-10).join("\n")}`);
      const outcome = await proposer.proposeNext();
      await multi.sync();
      if (outcome.kind === "idle") {
        // Idle while backing off: nothing else to do than wait the pause out.
        if ((rpc.mempool(chainId)?.pending().length ?? 0) === 0) return outcomes;
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      if (outcome.outcome.kind !== "waiting") outcomes.push(outcome);
    }
  };

  const status = (hash: string): Promise<{ status: string; reason?: string }> => rpcCall(url, "ultrasound_getTransactionStatus", [hash]);

  return {
    connection,
    ethers,
    signer: signer!,
    deployed,
    chainId,
    multi,
    rpc,
    url,
    lines,
    proposerOn,
    send,
    drain,
    status,
    async stop() {
      await rpc.close();
      await multi.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
