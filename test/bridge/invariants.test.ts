/**
 * The bridge's accounting under a seeded random handler (Solmate's BalanceSum pattern, on the real
 * path): deposits, messages to an L2 contract, L2 transfers, withdrawals, claims, and advances by
 * two proposers, each step followed by the invariants of docs/bridge.md ("Escrow accounting"):
 *
 * - L1 escrow equals totalDeposited − totalWithdrawn − burnedFeesWithdrawn, which equals what the
 *   test deposited minus what it claimed;
 * - the L2 supply is conserved: messenger balance + Σ balances of every account the test touched
 *   (coinbases included) + L1's burnedFees = L2_PREMINT (defaultGenesis: no dev balances, every L2
 *   account is funded by a deposit here);
 * - each L1→L2 message is delivered at most once and in queue order: deliveredCount never moves
 *   back, never passes messageCount, equals the verified head's messageCount, and a deposit-only
 *   account holds exactly the deposits delivered to it;
 * - each withdrawal is claimed at most once (a replay is refused; totalWithdrawn = Σ claimed);
 * - the verified head never moves backward.
 */
import { getAddress, getCreateAddress, hexlify, Interface, Wallet, type BrowserProvider, type Contract, type Signer } from "ethers";
import { expect } from "chai";
import { network } from "hardhat";
import { bytesToHex } from "@ethereumjs/util";
import { hashL2Message } from "../../src/bridge/messages.js";
import { deliveredCount } from "../../src/bridge/queue.js";
import { L2_PREMINT } from "../../src/engine/chain.js";
import { defaultGenesis } from "../../src/engine/genesis.js";
import { loadRollupFixture, type RollupFixture } from "../../src/fixtures/index.js";
import { buildFittingBlock, publishBlock } from "../../src/proposer/propose.js";
import { dropSkipped } from "../../src/proposer/proposer.js";
import { ClaimRefusedError, deposit, l2MessengerInterface, parseSentMessages, proveAndClaim, sendMessageToL2, type QueuedMessage, type SentMessage } from "../../src/sdk/bridge.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { createRng, randomBytes } from "../blobs/fixtures.js";
import { l1Balance, l2Provider, MESSENGER } from "./helpers.js";

const { ethers } = await network.create();
const STEPS = 72;
const SEED = 0x8079;
const GWEI = 10n ** 9n;

describe("bridge invariants: a seeded random handler on the real path", function () {
  it(`${STEPS} random steps (seed ${SEED}) keep the escrow, the L2 supply, the queue order, single claims and the head`, async function () {
    const l2: RollupFixture = await loadRollupFixture({ ethers }, { genesis: defaultGenesis(), dataAvailability: "calldata" });
    const provider: BrowserProvider = l2Provider(l2);
    const signers: Signer[] = await ethers.getSigners();
    const proposers = [signers[0]!, signers[1]!];
    const proposerAddresses = await Promise.all(proposers.map((s) => s.getAddress()));
    const rng = createRng(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;
    const freshAddress = () => getAddress(hexlify(randomBytes(rng, 20)));
    const amount = (max: bigint) => 1n + (BigInt(Math.floor(rng() * 1e9)) * max) / 1_000_000_000n;
    const messenger = l2MessengerInterface();
    const receiverArtifact = loadArtifact("test/XDomainReceiver.sol", "XDomainReceiver");

    // The test's model.
    const users = l2.wallets.slice(2, 8); // L2 senders, funded by deposits only
    const depositOnly = new Map<string, bigint>(); // fresh addresses that only ever receive deposits → expected balance
    const touched = new Set<string>([...users.map((w) => w.address), ...proposerAddresses]);
    const queuedDeposits: QueuedMessage[] = [];
    let sumDeposited = 0n;
    let sumClaimed = 0n;
    let receiver: string | undefined;
    let receiverDeployTx: string | undefined;
    const busy = new Set<string>(); // one pending L2 transaction per user per block (so balances cover it)
    const pendingWithdrawals: string[] = [];
    const claimable: SentMessage[] = [];
    const claimed: SentMessage[] = [];
    let lastHead = 0n;
    let lastDelivered = 0n;
    const counts = { deposit: 0, message: 0, transfer: 0, withdraw: 0, claim: 0, replay: 0, toggle: 0, advance0: 0, advance1: 0 };

    const l2Balance = async (address: string) => (await l2.account(address)).balance;

    async function advanceBy(index: 0 | 1): Promise<void> {
      if (index === 0) {
        await l2.advance(); // the fixture's proposer: L1 signer 0
      } else {
        await l2.mempool.sync();
        const options = { chain: l2.chain, rollup: l2.rollup.connect(proposers[1]!) as Contract, provider: ethers.provider as never, coinbase: proposerAddresses[1]!, dataAvailability: "calldata" as const };
        const fitted = await buildFittingBlock({ ...options, transactions: l2.mempool.pending() });
        dropSkipped(l2.mempool, fitted.block.skipped);
        const proposed = await publishBlock({ ...options, fitted });
        expect(proposed.event.proposer).to.equal(proposerAddresses[1]);
        expect(proposed.block.skipped).to.have.length(0);
        l2.mempool.remove(proposed.block.transactions.map((tx) => bytesToHex(tx.hash())));
      }
      counts[index === 0 ? "advance0" : "advance1"]++;
      busy.clear();
      for (const hash of pendingWithdrawals.splice(0)) {
        const receipt = (await provider.getTransactionReceipt(hash))!;
        expect(receipt.status, "a withdrawal transaction").to.equal(1);
        const [message] = parseSentMessages(receipt.logs);
        claimable.push({ message: message!, hash: hashL2Message(message!), receipt, l2BlockNumber: BigInt(receipt.blockNumber) });
      }
      if (receiverDeployTx !== undefined && receiver === undefined) {
        expect(l2.receipt(receiverDeployTx)?.status).to.equal(1);
        receiver = getCreateAddress({ from: users[0]!.address, nonce: 0 });
        touched.add(receiver);
      }
    }

    /** A user with at least `need` wei on L2 and no transaction pending, if any. */
    async function funded(need: bigint): Promise<Wallet | undefined> {
      const start = Math.floor(rng() * users.length);
      for (let i = 0; i < users.length; i++) {
        const user = users[(start + i) % users.length]!;
        if (!busy.has(user.address) && (await l2Balance(user.address)) >= need) return user;
      }
      return undefined;
    }

    async function check(step: number, action: string): Promise<void> {
      const where = `step ${step} (${action})`;
      const [deposited, withdrawn, feesWithdrawn, burned, queued] = (await Promise.all(
        ["totalDeposited", "totalWithdrawn", "burnedFeesWithdrawn", "burnedFees", "messageCount"].map((f) => l2.rollup.getFunction(f)()),
      )) as bigint[];
      const escrow = await l1Balance(ethers, l2.address);
      expect(escrow, `${where}: escrow = totalDeposited − totalWithdrawn − burnedFeesWithdrawn`).to.equal(deposited! - withdrawn! - feesWithdrawn!);
      expect(escrow, `${where}: escrow = Σ deposited − Σ claimed`).to.equal(sumDeposited - sumClaimed);
      expect(withdrawn, `${where}: totalWithdrawn = Σ claimed`).to.equal(sumClaimed);

      let supply = (await l2Balance(MESSENGER)) + burned!;
      for (const address of [...touched, ...depositOnly.keys()]) supply += await l2Balance(address);
      expect(supply, `${where}: messenger + Σ touched balances + burnedFees = L2_PREMINT`).to.equal(L2_PREMINT);

      const head = (await l2.rollup.getFunction("head")()) as { number: bigint; messageCount: bigint };
      expect(head.number >= lastHead, `${where}: the verified head moved backward`).to.equal(true);
      lastHead = head.number;
      const delivered = await deliveredCount(l2.chain);
      expect(delivered >= lastDelivered && delivered <= queued!, `${where}: deliveredCount ${delivered} after ${lastDelivered}, queue ${queued}`).to.equal(true);
      expect(delivered, `${where}: L2 delivered what the verified head anchors`).to.equal(head.messageCount);
      lastDelivered = delivered;
      const expected = new Map<string, bigint>();
      for (const q of queuedDeposits) {
        if (q.message.index < delivered) expected.set(q.message.to, (expected.get(q.message.to) ?? 0n) + q.message.value);
      }
      for (const address of depositOnly.keys()) {
        expect(await l2Balance(address), `${where}: deposits delivered exactly once to ${address}`).to.equal(expected.get(address) ?? 0n);
      }
      for (const sent of claimed) expect(await l2.rollup.getFunction("claimed")(sent.hash)).to.equal(true);
    }

    // Setup (checked too): users[0] funded by a deposit, then deploys the L2 receiver of the messages.
    const seed = await deposit(signers[2]!, l2.rollup, { value: 10n ** 18n, to: users[0]!.address });
    sumDeposited += seed.message.value;
    await advanceBy(0);
    await check(-2, "setup deposit");
    receiverDeployTx = await l2.send({ from: users[0]!, data: receiverArtifact.bytecode, gasLimit: 1_500_000n });
    await advanceBy(1);
    expect(receiver).to.not.equal(undefined);
    await check(-1, "setup receiver");
    const receiverInterface = new Interface(receiverArtifact.abi as never);
    let refusing = false;

    for (let step = 0; step < STEPS; step++) {
      let action: string;
      const roll = rng();
      const depositor = signers[2 + Math.floor(rng() * 4)]!;
      if (step < 1 || roll < 0.2) {
        // Deposit: to an L2 user (who will spend it) or to a fresh deposit-only address.
        action = "deposit";
        const value = amount(10n ** 18n);
        const toFresh = rng() < 0.3;
        const to = toFresh ? freshAddress() : pick(users).address;
        const q = await deposit(depositor, l2.rollup, { value, to });
        sumDeposited += value;
        if (toFresh) {
          depositOnly.set(to, depositOnly.get(to) ?? 0n);
          queuedDeposits.push(q);
        }
        counts.deposit++;
      } else if (roll < 0.32 && receiver !== undefined) {
        action = "sendMessage";
        const value = amount(10n ** 17n);
        const fee = rng() < 0.5 ? 0n : amount(10n ** 12n);
        const data = rng() < 0.8 ? receiverInterface.encodeFunctionData("receiveMessage", ["0x" + step.toString(16).padStart(4, "0")]) : "0x";
        await sendMessageToL2(depositor, l2.rollup, { to: receiver, data, value, fee, gasLimit: 150_000n });
        sumDeposited += value + fee;
        counts.message++;
      } else if (roll < 0.45) {
        action = "L2 transfer";
        const value = amount(10n ** 16n);
        const from = await funded(value + 21_000n * 10n * GWEI);
        if (from === undefined) action += " (skipped: nobody funded)";
        else {
          const to = rng() < 0.5 ? pick(users).address : freshAddress();
          touched.add(to);
          await l2.send({ from, to, value, gasLimit: 21_000n });
          busy.add(from.address);
          counts.transfer++;
        }
      } else if (roll < 0.58) {
        action = "withdraw";
        const value = amount(10n ** 16n);
        const from = await funded(value + 200_000n * 10n * GWEI);
        if (from === undefined) action += " (skipped: nobody funded)";
        else {
          const to = rng() < 0.5 ? freshAddress() : await pick(signers.slice(6, 9)).getAddress();
          pendingWithdrawals.push(await l2.send({ from, to: MESSENGER, value, gasLimit: 200_000n, data: messenger.encodeFunctionData("sendMessageToL1", [to, "0x"]) }));
          busy.add(from.address);
          counts.withdraw++;
        }
      } else if (roll < 0.72) {
        action = "claim";
        const head = ((await l2.rollup.getFunction("head")()) as { number: bigint }).number;
        const ready = claimable.findIndex((s) => s.l2BlockNumber <= head);
        if (ready < 0) action += " (skipped: nothing claimable)";
        else {
          const [sent] = claimable.splice(ready, 1);
          await proveAndClaim(depositor, l2.rollup, provider, sent!);
          sumClaimed += sent!.message.value;
          claimed.push(sent!);
          counts.claim++;
          if (rng() < 0.4) {
            action += " + replay";
            const again = await proveAndClaim(depositor, l2.rollup, provider, sent!).then(() => undefined, (e: unknown) => e);
            expect(again, `step ${step}: a replayed claim`).to.be.instanceOf(ClaimRefusedError);
            counts.replay++;
          }
        }
      } else if (roll < 0.77) {
        // The receiver starts or stops refusing: messages to it fail (retryable), their value stays in the messenger.
        action = "toggle receiver";
        if (busy.has(users[0]!.address)) action += " (skipped: owner busy)";
        else {
          refusing = !refusing;
          await l2.send({ from: users[0]!, to: receiver!, data: receiverInterface.encodeFunctionData("setRevert", [refusing]), gasLimit: 100_000n });
          busy.add(users[0]!.address);
          counts.toggle++;
        }
      } else {
        const who = rng() < 0.5 ? 0 : 1;
        action = `advance by proposer ${who}`;
        await advanceBy(who);
      }
      await check(step, action);
    }
    // Drain: deliver everything, claim everything, and check once more.
    await advanceBy(1);
    for (const sent of claimable.splice(0)) {
      await proveAndClaim(signers[2]!, l2.rollup, provider, sent);
      sumClaimed += sent.message.value;
      claimed.push(sent);
      counts.claim++;
    }
    await check(STEPS, "drain");
    expect(lastDelivered).to.equal(await l2.rollup.getFunction("messageCount")());
    const failed = (await l2.call({ to: receiver!, data: receiverInterface.encodeFunctionData("calls") })) as string;
    console.log(`      receiver: ${BigInt(failed)} message calls succeeded of ${counts.message}`);
    console.log(`      ${STEPS} steps: ${JSON.stringify(counts)}; head L2 block ${lastHead}, ${lastDelivered} messages delivered, Σ deposited ${sumDeposited} wei, Σ claimed ${sumClaimed} wei, burned fees ${await l2.rollup.getFunction("burnedFees")()} wei`);
    for (const [name, n] of Object.entries(counts)) expect(n, `the handler never did ${name}`).to.be.greaterThan(0);
  });
});
