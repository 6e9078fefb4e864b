import { formatEther, Interface, JsonRpcProvider, Wallet } from "ethers";
import { deposit, proveAndClaim, waitForL2, withdraw } from "../sdk/bridge.js";
import { devAccounts } from "../engine/chain.js";
import { recentVerdicts } from "../precompile/run.js";
import { parseBlockAdvanced } from "../sdk/contracts.js";
import { signL2Transaction } from "../sdk/transactions.js";
import { loadArtifact } from "../shared/artifacts.js";
import type { Devnet } from "./types.js";

/** The smoke's result: ok with a report, or the reason it failed. */
export type SmokeOutcome = { ok: true; report: string } | { ok: false; reason: string };

/**
 * The devnet smoke: through the L2 JSON-RPC (a real HTTP client), an ETH transfer and a
 * contract deployment, then a call to the contract; waits for their receipts, then checks on
 * L1 that each of their blocks was verified by EXECUTE (the BlockAdvanced event, the rollup
 * head, the EXECUTE verdicts) and that the call's effect is in L2 state.
 */
export async function runSmoke(devnet: Devnet, timeoutMs = 60_000): Promise<SmokeOutcome> {
  const l2 = new JsonRpcProvider(devnet.l2Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const l1 = new JsonRpcProvider(devnet.l1Url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const [alice, bob] = devAccounts().map((a) => new Wallet(a.privateKey));
  const history = loadArtifact("test/History.sol", "History");
  const historyInterface = new Interface(history.abi as never);
  const deadline = Date.now() + timeoutMs;
  try {
    const nonce = Number(await l2.send("eth_getTransactionCount", [alice!.address, "latest"]));
    const bobBefore = BigInt(await l2.send("eth_getBalance", [bob!.address, "latest"]));
    const transfer = await l2.send("eth_sendRawTransaction", [
      await signL2Transaction(devnet.chain, alice!, { nonce, to: bob!.address, value: 10n ** 18n }),
    ]);
    const deploy = await l2.send("eth_sendRawTransaction", [
      await signL2Transaction(devnet.chain, alice!, { nonce: nonce + 1, data: history.bytecode, gasLimit: 1_000_000n }),
    ]);
    const transferReceipt = await waitForReceipt(l2, transfer, deadline);
    const deployReceipt = await waitForReceipt(l2, deploy, deadline);
    if (transferReceipt.status !== "0x1" || deployReceipt.status !== "0x1") return { ok: false, reason: "transfer or deployment failed on L2" };
    const contract = deployReceipt.contractAddress as string;
    const call = await l2.send("eth_sendRawTransaction", [
      await signL2Transaction(devnet.chain, alice!, { nonce: nonce + 2, to: contract, data: historyInterface.encodeFunctionData("recordContext"), gasLimit: 200_000n }),
    ]);
    const callReceipt = await waitForReceipt(l2, call, deadline);
    if (callReceipt.status !== "0x1") return { ok: false, reason: "the contract call failed on L2" };

    const bobAfter = BigInt(await l2.send("eth_getBalance", [bob!.address, "latest"]));
    if (bobAfter - bobBefore !== 10n ** 18n) return { ok: false, reason: `transfer not reflected: ${bobBefore} → ${bobAfter}` };
    const recorded = await l2.send("eth_call", [{ to: contract, data: historyInterface.encodeFunctionData("lastTimestamp") }, "latest"]);
    if (BigInt(recorded) === 0n) return { ok: false, reason: "the contract call left no trace in L2 state" };

    // L1 side: every L2 block that carried these transactions was verified by EXECUTE.
    const blocks = [...new Set([transferReceipt.blockNumber, deployReceipt.blockNumber, callReceipt.blockNumber].map((n) => BigInt(n)))];
    const logs = await l1.getLogs({ address: devnet.rollupAddress, fromBlock: 0, toBlock: "latest" });
    const advanced = parseBlockAdvanced(logs);
    const lines: string[] = [];
    let blobCount = 0;
    const verdicts = (await devnet.executeVerdicts?.()) ?? recentVerdicts();
    for (const number of blocks) {
      const event = advanced.find((e) => e.number === number);
      if (event === undefined) return { ok: false, reason: `no BlockAdvanced event for L2 block ${number}` };
      const verdict = verdicts.find((v) => v.ok && v.blockNumber === number);
      if (verdict === undefined || verdict.blockHash !== event.blockHash) return { ok: false, reason: `no EXECUTE verdict for L2 block ${number}` };
      lines.push(`  L2 block ${number} ${event.blockHash} verified by EXECUTE in ${verdict.durationMs.toFixed(0)} ms`);
      if (event.blobHashes.length > 0) {
        // The blobs must be served by the archive's beacon API, at the L1 block that carried them.
        const l1Block = logs.find((log) => parseBlockAdvanced([log])[0]?.number === number)!.blockNumber;
        const served = await fetch(`${devnet.blobUrl}/eth/v1/beacon/blobs/${l1Block}?versioned_hashes=${event.blobHashes.join(",")}`);
        const body = (await served.json()) as { data?: string[] };
        if (!served.ok || body.data?.length !== event.blobHashes.length) {
          return { ok: false, reason: `the blob archive does not serve the blobs of L1 block ${l1Block} (HTTP ${served.status})` };
        }
        blobCount += event.blobHashes.length;
        for (const hash of event.blobHashes) lines.push(`    data in blob ${hash} (served at ${devnet.blobUrl}/eth/v1/beacon/blobs/${l1Block})`);
      }
    }
    const bridge = await bridgeSmoke(devnet, l1, l2, deadline);
    if (!bridge.ok) return bridge;
    const head = await devnet.rollup.getFunction("head")();
    if (BigInt(head.number) < blocks[blocks.length - 1]!) return { ok: false, reason: `rollup head ${head.number} is behind` };
    return {
      ok: true,
      report: [
        ...bridge.lines,
        `smoke: transfer ${transfer} (1 ETH to ${bob!.address})`,
        `smoke: deployment ${deploy} → History at ${contract}`,
        `smoke: call ${call} (recordContext)`,
        ...lines,
        `smoke: ${blobCount} blob(s) verified through EXECUTE (versioned hashes above)`,
        `  rollup head on L1: L2 block ${head.number} ${head.blockHash}`,
      ].join("\n"),
    };
  } finally {
    l2.destroy();
    l1.destroy();
  }
}

/**
 * The bridge, both ways, as a user meets it: a deposit to an L2 address that holds nothing,
 * delivered by the proposer; a withdrawal from L2, claimed on L1 with a storage proof as soon as
 * its block is verified. Each step is printed with its L1 gas and L1 block.
 */
async function bridgeSmoke(devnet: Devnet, l1: JsonRpcProvider, l2: JsonRpcProvider, deadline: number): Promise<{ ok: true; lines: string[] } | { ok: false; reason: string }> {
  const lines: string[] = [];
  const l1Signer = await l1.getSigner(3);
  const fresh = Wallet.createRandom().address;
  const queued = await deposit(l1Signer, devnet.rollupAddress, { value: 10n ** 18n, to: fresh });
  lines.push(`smoke: deposit of 1 ETH to ${fresh} (no L2 balance) queued in L1 block ${queued.receipt.blockNumber}, ${queued.receipt.gasUsed} L1 gas`);
  const status = await waitForL2(l2, queued, { timeoutMs: Math.max(deadline - Date.now(), 1) });
  const credited = BigInt(await l2.send("eth_getBalance", [fresh, "latest"]));
  if (status !== "delivered" || credited !== 10n ** 18n) return { ok: false, reason: `deposit not credited on L2: ${status}, balance ${credited}` };
  const deliveredAt = await l1.getBlockNumber();
  lines.push(`smoke: deposit delivered on L2 (balance ${formatEther(credited)} ETH) by L1 block ${deliveredAt}`);

  const alice = new Wallet(devAccounts()[0]!.privateKey, l2);
  const recipient = Wallet.createRandom().address;
  const sent = await withdraw(alice, { value: 5n * 10n ** 17n, to: recipient });
  lines.push(`smoke: withdrawal of 0.5 ETH to ${recipient} sent in L2 block ${sent.l2BlockNumber}`);
  while (((await devnet.rollup.getFunction("head")()) as { number: bigint }).number < sent.l2BlockNumber) {
    if (Date.now() > deadline) return { ok: false, reason: `L2 block ${sent.l2BlockNumber} not verified on L1 in time` };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let claim;
  if (devnet.relay === undefined) claim = await proveAndClaim(await l1.getSigner(4), devnet.rollupAddress, l2, sent);
  else {
    // The devnet's relayer claims it by itself once its block is verified.
    for (;;) {
      const relayed = devnet.relay.outcome(sent.hash);
      if (relayed?.l1TransactionHash !== undefined) {
        claim = (await l1.getTransactionReceipt(relayed.l1TransactionHash))!;
        break;
      }
      if (Date.now() > deadline) return { ok: false, reason: `the relayer did not claim withdrawal ${sent.hash} in time` };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const paid = await l1.getBalance(recipient);
  if (paid !== 5n * 10n ** 17n) return { ok: false, reason: `claim did not pay: ${paid}` };
  const by = devnet.relay === undefined ? "" : " by the devnet's relayer";
  lines.push(`smoke: withdrawal claimed${by} on L1 block ${claim.blockNumber} with a storage proof, ${claim.gasUsed} L1 gas; ${formatEther(paid)} ETH paid`);
  return { ok: true, lines };
}

interface Receipt {
  status: string;
  blockNumber: string;
  contractAddress: string | null;
}

async function waitForReceipt(l2: JsonRpcProvider, hash: string, deadline: number): Promise<Receipt> {
  while (Date.now() < deadline) {
    const receipt = (await l2.send("eth_getTransactionReceipt", [hash])) as Receipt | null;
    if (receipt !== null) return receipt;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for L2 transaction ${hash}`);
}
