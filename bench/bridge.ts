/**
 * The bridge's cost and latency on the real in-process Hardhat L1 with EXECUTE (docs/bridge.md),
 * driven through the SDK (src/sdk/bridge.ts) and the proposer, as a user and a based proposer
 * meet it:
 *
 * - latency, in L1 blocks: deposit → L2 credit (the L1 block of the `advance` that delivers it
 *   minus the deposit's, with a proposer that advances as soon as it sees the queue), and
 *   withdrawal → L1 claim (the claim's L1 block minus the L1 block that verified the
 *   withdrawal's L2 block), and rollup A → rollup B (A's verifying block → B's delivering block);
 * - L1 gas: `deposit` (first and later), `sendMessage` (0 B and 1 KiB of data), `advance`
 *   delivering N messages (the marginal gas per message against the empty delivery in the same
 *   run), `claim` with a proof from a small and from a larger L2 state, `forward`;
 * - L2 gas of the delivery system call, per message.
 *
 * The published figures of OP Stack and Taiko for the same steps are printed beside ours, with
 * their sources, as notes (they run other code on other states: an order of magnitude, not a
 * race).
 *
 * `BENCH_BRIDGE_SIZES=1000,10000,100000` sets the larger L2 states a claim is measured on
 * (accounts and sent messages each; default 1,000 and 10,000, quick 1,000).
 */
import { BrowserProvider, getBytes, hexlify, keccak256, toBeHex, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { loadRollupFixture, type RollupFixture } from "../src/fixtures/index.js";
import { createProposer } from "../src/proposer/index.js";
import { proposeBlock, type ProposedBlock } from "../src/proposer/propose.js";
import { defaultGenesis, devGenesis, messengerGenesisAccount, PREDEPLOYS, type GenesisAccount, type GenesisConfig } from "../src/engine/index.js";
import { deployRollup, parseBlockAdvanced } from "../src/sdk/index.js";
import { deposit, forwardToRollup, proofFor, proveAndClaim, sendMessageToL2, sendMessageToRollup, withdraw } from "../src/sdk/bridge.js";
import { sentMessageSlot } from "../src/bridge/messages.js";

/** Where results go (`bench/report.ts`). */
interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

type Connection = Awaited<ReturnType<typeof network.create>>;
type L2Provider = BrowserProvider;

/**
 * What OP Stack and Taiko publish for their own bridge steps (L1 gas), with where. Each is a
 * documented figure found by search; where none was found it says so. They are not measured here.
 */
export const PUBLISHED = {
  opDeposit: {
    text: "OP Stack (Bedrock gas snapshot, Foundry test-frame gas: no 21k base, no calldata): OptimismPortal.depositTransaction 75,085 first / 36,396 second; L1StandardBridge.depositETH 348,324 first / 112,975 second",
    url: "https://github.com/ethereum-optimism/optimism/blob/9ae0a5661eead61563808ad4d3aa413a95db1d2d/packages/contracts-bedrock/.gas-snapshot",
  },
  opWithdrawal: {
    text: "OP Stack (same snapshot): OptimismPortal.proveWithdrawalTransaction 169,229, L1StandardBridge ETH finalize 40,409 (test-frame gas; the portal's finalize is a second L1 transaction after 7 days); pre-Bedrock finalization 'upwards of 400k-500k gas' (Merkle trie proof)",
    url: "https://github.com/ethereum-optimism/optimism/blob/9ae0a5661eead61563808ad4d3aa413a95db1d2d/packages/contracts-bedrock/.gas-snapshot ; https://github.com/ethereum-optimism/community-hub/pull/120",
  },
  taikoSend: {
    text: "Taiko: sending a message L1→Taiko ~110,000 L1 gas (+ ~440,000 L2 gas for a manual claim), RollupCodes' Taiko page; no figure in Taiko's own docs found",
    url: "https://github.com/LimeChain/RollupCodes/pull/66",
  },
  taikoProcess: {
    text: "Taiko Bridge.processMessage (the claim, Merkle proof): 800k-1.5M gas (taiko-mono#13174), optimised 'down to 612000' (taiko-mono#13181); GAS_OVERHEAD 120k from testnet processMessage txs (taiko-mono#16769); no current figure in Taiko's docs found",
    url: "https://github.com/taikoxyz/taiko-mono/issues/13174 ; https://github.com/taikoxyz/taiko-mono/pull/13181 ; https://github.com/taikoxyz/taiko-mono/pull/16769",
  },
} as const;

const ETHER = 10n ** 18n;

/** A deterministic address that exists nowhere yet (recipients that are new accounts, as real ones often are). */
function freshAddress(seed: string): string {
  return "0x" + keccak256(new TextEncoder().encode(seed)).slice(26);
}

/** The L1 block that verified L2 block `number` (its `BlockAdvanced` log). */
async function verifyingL1Block(ethers: Connection["ethers"], rollup: Contract, number: bigint): Promise<number> {
  const logs = await ethers.provider.getLogs({ address: await rollup.getAddress(), fromBlock: 0, toBlock: "latest" });
  const log = logs.find((l) => parseBlockAdvanced([l])[0]?.number === number);
  if (log === undefined) throw new Error(`bench bridge: no BlockAdvanced for L2 block ${number}`);
  return log.blockNumber;
}

/** The L2 JSON-RPC of a fixture for ethers (each transaction sent is proposed and verified on L1 at once). */
function l2ProviderOf(l2: RollupFixture): L2Provider {
  return new BrowserProvider(l2.provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
}

/** A genesis whose state is larger: `accounts` extra funded accounts, and `messages` L2→L1 messages already recorded by the messenger. */
function largeGenesis(accounts: number, messages: number): GenesisConfig {
  const alloc: Record<string, GenesisAccount> = {};
  for (let i = 0; i < accounts; i++) alloc[freshAddress(`account ${i}`)] = { balance: 1n, nonce: 1n };
  const storage: Record<string, string> = {};
  // `sentMessages[hash] = true` for made-up hashes: the messenger's storage trie as after `messages` withdrawals.
  for (let i = 0; i < messages; i++) storage[sentMessageSlot(keccak256(toBeHex(i, 32)))] = "0x01";
  alloc[PREDEPLOYS.messenger] = { ...messengerGenesisAccount(), storage };
  return devGenesis({ alloc });
}

/** Proof sizes of a claim: nodes in the account and storage proofs, and their bytes. */
function proofSize(proof: { accountProof: string[]; storageProof: string[] }): { nodes: number; bytes: number } {
  const all = [...proof.accountProof, ...proof.storageProof];
  return { nodes: all.length, bytes: all.reduce((n, node) => n + getBytes(node).length, 0) };
}

/**
 * Withdraws from the L2 of `l2` (wallet 0) to a fresh L1 address, then claims it with a proof
 * from the L2 node. Returns the claim's receipt, the latency in L1 blocks and the proof size.
 */
async function withdrawAndClaim(ethers: Connection["ethers"], l2: RollupFixture, claimer: Signer, seed: string) {
  const provider = l2ProviderOf(l2);
  const wallet = l2.wallets[0]!.connect(provider);
  const sent = await withdraw(wallet, { value: ETHER / 10n, to: freshAddress(seed) });
  const verifiedAt = await verifyingL1Block(ethers, l2.rollup, sent.l2BlockNumber);
  const proof = await proofFor(l2.rollup, provider, sent);
  const claim = await proveAndClaim(claimer, l2.rollup, provider, sent);
  if (claim.status !== 1) throw new Error("bench bridge: claim failed");
  return { claim, latency: claim.blockNumber - verifiedAt, proof: proofSize(proof) };
}

/** The bridge section (`BENCH_ONLY=bridge`). */
export async function benchBridge(report: Report, quick: boolean): Promise<void> {
  console.log("\nbridge: latency (L1 blocks) and L1/L2 gas of deposits, messages, delivery, claims and forwarding (Hardhat L1 with EXECUTE, osaka)");
  const connection = await network.create();
  const { ethers } = connection;
  const signers = await ethers.getSigners();
  const l2 = await loadRollupFixture({ ethers }); // devGenesis: the dev accounts hold L2 ETH (to withdraw and send from)
  const { rollup } = l2;
  const coinbase = await signers[0]!.getAddress();
  const proposer = createProposer({ chain: l2.chain, rollup, provider: ethers.provider as never, mempool: l2.mempool, coinbase });
  /** A based proposer that advances as soon as it sees the queue: it looks right after each L1 block. */
  const proposeQueued = async (): Promise<ProposedBlock> => {
    const outcome = await proposer.proposeNext();
    if (outcome.kind !== "proposed") throw new Error(`bench bridge: proposer ${outcome.kind}`);
    return outcome.proposed;
  };

  // 1. Deposits: the first ever (fresh queue slots, empty escrow), then later ones; each delivered at once.
  const latencies: number[] = [];
  const laterGas: number[] = [];
  const depositCount = quick ? 3 : 5;
  for (let i = 0; i < depositCount; i++) {
    const to = freshAddress(`deposit ${i}`);
    const queued = await deposit(signers[1 + (i % 5)]!, rollup, { value: ETHER, to });
    const advanced = await proposeQueued();
    if ((await l2.account(to)).balance !== ETHER) throw new Error("bench bridge: deposit not credited on L2");
    latencies.push(advanced.l1Receipt.blockNumber - queued.receipt.blockNumber);
    if (i === 0) report.add({ name: "bridge: L1 gas deposit (first in the queue)", unit: "gas", value: Number(queued.receipt.gasUsed), note: `${PUBLISHED.opDeposit.text} (${PUBLISHED.opDeposit.url})` });
    else laterGas.push(Number(queued.receipt.gasUsed));
  }
  report.add({ name: "bridge: L1 gas deposit (later, mean)", unit: "gas", value: mean(laterGas), note: `${PUBLISHED.taikoSend.text} (${PUBLISHED.taikoSend.url})` });
  report.add({ name: `bridge: latency deposit → L2 credit (max of ${depositCount})`, unit: "L1 blocks", value: Math.max(...latencies) });

  // 2. sendMessage with 0 B and 1 KiB of data (a call to an L2 address), delivered one per block.
  const messageDelivery: Record<string, number> = {};
  for (const [label, bytes] of [["0 B", 0], ["1 KiB", 1024]] as const) {
    const data = bytes === 0 ? "0x" : hexlify(Uint8Array.from({ length: bytes }, (_, i) => 1 + (i % 255)));
    const queued = await sendMessageToL2(signers[2]!, rollup, { to: freshAddress(`message ${label}`), data, gasLimit: 100_000n, value: 1n });
    report.add({ name: `bridge: L1 gas sendMessage, ${label} data`, unit: "gas", value: Number(queued.receipt.gasUsed) });
    const advanced = await proposeQueued();
    messageDelivery[label] = Number(advanced.block.deliveryGasUsed);
  }

  // 3. advance delivering N messages (value-only deposits to fresh L2 accounts), empty of transactions.
  const perBlock = Number((await rollup.getFunction("MESSAGES_PER_BLOCK")()) as bigint);
  const counts = [...new Set([0, 1, 10, perBlock])];
  const advances = new Map<number, ProposedBlock>();
  for (const n of counts) {
    for (let i = 0; i < n; i++) await deposit(signers[3 + (i % 10)]!, rollup, { value: ETHER / 100n, to: freshAddress(`batch ${n} ${i}`) });
    const advanced = await l2.advance();
    if (advanced.event.messageCount !== ((await rollup.getFunction("messageCount")()) as bigint)) throw new Error(`bench bridge: advance left messages queued (N=${n})`);
    advances.set(n, advanced);
  }
  const empty = advances.get(0)!;
  const emptyGas = Number(empty.l1Receipt.gasUsed);
  for (const n of counts) {
    const advanced = advances.get(n)!;
    const gas = Number(advanced.l1Receipt.gasUsed);
    report.add({ name: `bridge: L1 gas advance delivering ${n} message(s) (vs the empty delivery)`, unit: "gas", value: gas, baseline: n === 0 ? undefined : emptyGas });
    if (n === 0) continue;
    report.add({ name: `bridge: marginal L1 gas per delivered message, N=${n}`, unit: "gas/msg", value: (gas - emptyGas) / n });
    report.add({ name: `bridge: L2 gas of the delivery system call per message, N=${n}`, unit: "gas/msg", value: Number(advanced.block.deliveryGasUsed) / n });
    // EXECUTE charges the L2 gas on L1; the rest is the message's calldata, its input bytes and the queue reads.
    const deltaL2 = Number(advanced.block.header.gasUsed - empty.block.header.gasUsed);
    report.add({ name: `bridge: marginal L1 gas per message beyond its L2 gas (calldata, input bytes), N=${n}`, unit: "gas/msg", value: (gas - emptyGas - deltaL2) / n });
  }
  if (perBlock > 1) {
    const one = Number(advances.get(1)!.block.deliveryGasUsed);
    const full = Number(advances.get(perBlock)!.block.deliveryGasUsed);
    report.add({ name: `bridge: L2 delivery gas per extra message (N=1 → ${perBlock}), value to a new account`, unit: "gas/msg", value: (full - one) / (perBlock - 1) });
  }
  report.add({ name: "bridge: L2 delivery gas, 1 sendMessage with 0 B data (call, 100k gas limit)", unit: "gas", value: messageDelivery["0 B"]! });
  report.add({ name: "bridge: L2 delivery gas, 1 sendMessage with 1 KiB data", unit: "gas", value: messageDelivery["1 KiB"]!, baseline: messageDelivery["0 B"]! });
  console.log(`  MESSAGES_PER_BLOCK = ${perBlock}; advances with blob data availability, no L2 transactions`);

  // 4. Withdrawal → claim on the small state (the dev genesis and the accounts the deposits made).
  const small = await withdrawAndClaim(ethers, l2, signers[6]!, "withdrawal small");
  report.add({ name: "bridge: latency withdrawal's L2 block verified → L1 claim", unit: "L1 blocks", value: small.latency });
  report.add({
    name: `bridge: L1 gas claim, small L2 state (proof ${small.proof.nodes} nodes, ${small.proof.bytes} B)`,
    unit: "gas",
    value: Number(small.claim.gasUsed),
    note: `${PUBLISHED.opWithdrawal.text} (${PUBLISHED.opWithdrawal.url}); ${PUBLISHED.taikoProcess.text} (${PUBLISHED.taikoProcess.url})`,
  });

  // 5. forward: rollup A → rollup B, then B delivers it.
  const rollupB = await deployRollup(signers[0]!, defaultGenesis({ chainId: 167_002n }));
  const wallet = l2.wallets[1]!.connect(l2ProviderOf(l2));
  const sent = await sendMessageToRollup(wallet, { destination: rollupB.address, to: freshAddress("on B"), value: ETHER / 100n, gasLimit: 100_000n });
  const verifiedOnA = await verifyingL1Block(ethers, rollup, sent.l2BlockNumber);
  const forwarded = await forwardToRollup(signers[7]!, rollup, l2ProviderOf(l2), sent);
  report.add({ name: "bridge: L1 gas forward to a second rollup (proof + enqueue)", unit: "gas", value: Number(forwarded.receipt.gasUsed), baseline: Number(small.claim.gasUsed) });
  const onB = await proposeBlock({ chain: rollupB.chain, rollup: rollupB.rollup, provider: ethers.provider as never, coinbase, transactions: [] });
  if (onB.event.messageCount !== 1n) throw new Error("bench bridge: rollup B did not deliver the forwarded message");
  report.add({ name: "bridge: latency rollup A block verified → forward → delivered on rollup B", unit: "L1 blocks", value: onB.l1Receipt.blockNumber - verifiedOnA });

  // 6. claim on larger L2 states: many accounts and many messages already sent.
  // Larger states cost genesis time, not bench precision: 100,000 takes ~2 min here (BENCH_BRIDGE_SIZES=1000,10000,100000).
  const sizes = process.env.BENCH_BRIDGE_SIZES?.split(",").map(Number) ?? (quick ? [1_000] : [1_000, 10_000]);
  for (const size of sizes) {
    const started = performance.now();
    const large = await loadRollupFixture({ ethers }, { genesis: largeGenesis(size, size) });
    await deposit(signers[8]!, large.rollup, { value: ETHER, to: await signers[8]!.getAddress() }); // the escrow the claim pays from
    await large.advance();
    const result = await withdrawAndClaim(ethers, large, signers[9]!, `withdrawal ${size}`);
    report.add({
      name: `bridge: L1 gas claim, ${size.toLocaleString("en-US")} accounts + ${size.toLocaleString("en-US")} sent messages (proof ${result.proof.nodes} nodes, ${result.proof.bytes} B) vs small state`,
      unit: "gas",
      value: Number(result.claim.gasUsed),
      baseline: Number(small.claim.gasUsed),
    });
    console.log(`  state of ${size} accounts + ${size} messages: ${((performance.now() - started) / 1000).toFixed(1)} s (genesis, deploy, deposit, withdraw, claim)`);
  }
  await connection.close();
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
