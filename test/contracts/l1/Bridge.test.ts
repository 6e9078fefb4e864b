/**
 * NativeRollup's bridge (docs/bridge.md), on a harness that installs state roots built here with
 * @ethereumjs/mpt and stands in for EXECUTE: the L1→L2 queue, the anchor and the queue checks of
 * advance, claim/forward with real MPT proofs, burned fees.
 */
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { expect } from "chai";
import { AbiCoder, keccak256, ZeroAddress, type Contract, type Signer } from "ethers";
import { network } from "hardhat";
import { l1Block } from "../helpers.js";

const { ethers } = await network.create();
const abi = AbiCoder.defaultAbiCoder();

const L1_MESSAGE = "tuple(uint256 index,address sender,address sourceRollup,address to,uint256 value,uint256 fee,uint64 gasLimit,bytes data)";
const L2_MESSAGE = "tuple(uint256 nonce,address sender,address destination,address to,uint256 value,uint256 fee,uint64 gasLimit,bytes data)";
const MESSENGER = "0x5500000000000000000000000000000000000002";
const ZERO_HASH = "0x" + "00".repeat(32);
const GAS_LIMIT = 30_000_000n;

interface L1Message { index: bigint; sender: string; sourceRollup: string; to: string; value: bigint; fee: bigint; gasLimit: bigint; data: string }
interface L2Message { nonce: bigint; sender: string; destination: string; to: string; value: bigint; fee: bigint; gasLimit: bigint; data: string }

const l1Hash = (m: L1Message) => keccak256(abi.encode([L1_MESSAGE], [m]));
const l2Hash = (m: L2Message) => keccak256(abi.encode([L2_MESSAGE], [m]));
const fold = (rolling: string, hash: string) => keccak256(abi.encode(["bytes32", "bytes32"], [rolling, hash]));
const sentSlot = (hash: string) => keccak256(abi.encode(["bytes32", "uint256"], [hash, 2n]));

/** An L2 state with the messenger's `sentMessages[hash] = true` for `sent`, plus filler accounts and slots. */
async function l2State(sent: L2Message[], options: { filler?: number; slots?: number; other?: string } = {}) {
  const storage = await createMPT({ useKeyHashing: true });
  for (const m of sent) await storage.put(hexToBytes(sentSlot(l2Hash(m)) as `0x${string}`), RLP.encode(Uint8Array.from([1])));
  for (let i = 0; i < (options.slots ?? 0); i++) await storage.put(hexToBytes(keccak256(abi.encode(["uint256"], [i + 1000])) as `0x${string}`), RLP.encode(Uint8Array.from([1])));
  const state = await createMPT({ useKeyHashing: true });
  const account = (storageRoot: Uint8Array) => RLP.encode([0n, 2n ** 128n, storageRoot, hexToBytes(keccak256("0x6000") as `0x${string}`)]);
  await state.put(hexToBytes(MESSENGER), account(storage.root()));
  // Another contract with the same storage (say, another rollup's messenger deployed on this L2).
  if (options.other) await state.put(hexToBytes(options.other as `0x${string}`), account(storage.root()));
  for (let i = 0; i < (options.filler ?? 20); i++) {
    await state.put(hexToBytes(keccak256(abi.encode(["uint256"], [i])).slice(0, 42) as `0x${string}`), RLP.encode([BigInt(i), 10n ** 18n, hexToBytes(ZERO_HASH as `0x${string}`), hexToBytes(ZERO_HASH as `0x${string}`)]));
  }
  const proofs = async (m: L2Message, account = MESSENGER) => ({
    account: (await createMerkleProof(state, hexToBytes(account as `0x${string}`))).map(bytesToHex),
    storage: (await createMerkleProof(storage, hexToBytes(sentSlot(l2Hash(m)) as `0x${string}`))).map(bytesToHex),
  });
  return { root: bytesToHex(state.root()), proofs, state, storage: storage as MerklePatriciaTrie };
}

describe("NativeRollup bridge", function () {
  let rollup: Contract;
  let signers: Signer[];
  let user: string;
  let feeRecipient: Signer;
  let recipient: Contract;

  async function deployRollup(): Promise<Contract> {
    const latest = await l1Block(ethers);
    return (await ethers.deployContract("NativeRollupHarness", [
      167001n, GAS_LIMIT, keccak256("0x01"), keccak256("0x02"), latest.timestamp, await feeRecipient.getAddress(), ZeroAddress,
    ])) as unknown as Contract;
  }

  beforeEach(async function () {
    signers = await ethers.getSigners();
    user = await signers[1]!.getAddress();
    feeRecipient = signers[5]!;
    rollup = await deployRollup();
    recipient = (await ethers.deployContract("BridgeRecipient")) as unknown as Contract;
  });

  describe("L1 → L2 queue", function () {
    it("deposit and sendMessage append messages whose rolling hash equals an off-chain recomputation, with events", async function () {
      const r = rollup.connect(signers[1]!) as Contract;
      const to = await signers[2]!.getAddress();
      const expected: L1Message[] = [
        { index: 0n, sender: user, sourceRollup: ZeroAddress, to, value: 10n ** 18n, fee: 0n, gasLimit: 0n, data: "0x" },
        { index: 1n, sender: user, sourceRollup: ZeroAddress, to, value: 900n, fee: 100n, gasLimit: 50_000n, data: "0xdeadbeef" },
        { index: 2n, sender: user, sourceRollup: ZeroAddress, to, value: 0n, fee: 7n, gasLimit: 1_000_000n, data: "0x" + "ab".repeat(16 * 1024) },
      ];
      let rolling = ZERO_HASH;
      for (const m of expected) {
        rolling = fold(rolling, l1Hash(m));
        const tx = m.index === 0n ? r.getFunction("deposit")(to, { value: m.value }) : r.getFunction("sendMessage")(m.to, m.data, m.gasLimit, m.fee, { value: m.value + m.fee });
        await expect(tx).to.emit(rollup, "MessageQueued").withArgs(m.index, rolling, Object.values(m));
        const block = await l1Block(ethers);
        expect(await rollup.getFunction("rollingHash")(m.index + 1n)).to.equal(rolling);
        expect(await rollup.getFunction("enqueuedAt")(m.index)).to.equal(block.number);
      }
      expect(await rollup.getFunction("messageCount")()).to.equal(3n);
      expect(await rollup.getFunction("rollingHash")(0n)).to.equal(ZERO_HASH);
      expect(await rollup.getFunction("totalDeposited")()).to.equal(10n ** 18n + 1000n + 7n);
      expect(await ethers.provider.getBalance(await rollup.getAddress())).to.equal(10n ** 18n + 1000n + 7n);
    });

    it("rejects a fee above the value, a gas limit above MAX_MESSAGE_GAS and data above MAX_MESSAGE_DATA", async function () {
      await expect(rollup.getFunction("sendMessage")(user, "0x", 0n, 11n, { value: 10n }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_FeeExceedsValue").withArgs(11n, 10n);
      await expect(rollup.getFunction("sendMessage")(user, "0x", 1_000_001n, 0n))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_MessageGasTooHigh").withArgs(1_000_001n, 1_000_000n);
      await expect(rollup.getFunction("sendMessage")(user, "0x" + "00".repeat(16 * 1024 + 1), 0n, 0n))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_MessageDataTooLarge").withArgs(16n * 1024n + 1n, 16n * 1024n);
      await expect(rollup.getFunction("enqueueFromRollup")(user, user, "0x", 0n, 2n, { value: 1n }))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_FeeExceedsValue").withArgs(2n, 1n);
    });

    it("enqueueFromRollup records the caller as sourceRollup and the given sender", async function () {
      const caller = await signers[3]!.getAddress();
      const m: L1Message = { index: 0n, sender: user, sourceRollup: caller, to: user, value: 5n, fee: 1n, gasLimit: 21n, data: "0x01" };
      await expect((rollup.connect(signers[3]!) as Contract).getFunction("enqueueFromRollup")(user, user, "0x01", 21n, 1n, { value: 6n }))
        .to.emit(rollup, "MessageQueued").withArgs(0n, fold(ZERO_HASH, l1Hash(m)), Object.values(m));
    });

    it("MESSAGES_PER_BLOCK = max(1, GAS_LIMIT / 2,200,000)", async function () {
      expect(await rollup.getFunction("MESSAGES_PER_BLOCK")()).to.equal(GAS_LIMIT / 2_200_000n);
    });

    it("gas: deposit and sendMessage", async function () {
      await rollup.getFunction("deposit")(user, { value: 1n }); // the first message pays for fresh counters
      const deposit = await (await rollup.getFunction("deposit")(user, { value: 1n })).wait();
      const send = await (await rollup.getFunction("sendMessage")(user, "0x" + "11".repeat(100), 100_000n, 1n, { value: 2n })).wait();
      console.log(`      gas: deposit ${deposit!.gasUsed}, sendMessage (100 bytes) ${send!.gasUsed}`);
    });
  });

  describe("advance: the queue checks and the anchor", function () {
    /** A claim on the harness's head (the stand-in EXECUTE accepts any block hash). */
    async function claimFor(messageCount: bigint) {
      const head = await rollup.getFunction("head")();
      const latest = await l1Block(ethers);
      return {
        parentHash: head.blockHash, blockHash: keccak256(abi.encode(["bytes32", "uint256"], [head.blockHash, messageCount])),
        stateRoot: keccak256("0x03"), receiptsRoot: ZERO_HASH, gasUsed: 0n, coinbase: ZeroAddress, timestamp: latest.timestamp,
        anchorBlockNumber: latest.number, messageCount,
      };
    }
    const advance = (claim: Awaited<ReturnType<typeof claimFor>>, messages = "0x") => rollup.getFunction("advance")(claim, "0x", "0x", messages);

    it("commits the anchor to the L1 block hash and the delivered queue, and stores the head's messageCount", async function () {
      for (let i = 0; i < 3; i++) await rollup.getFunction("deposit")(user, { value: 1n });
      const claim = await claimFor(2n);
      const prevRandao = (await l1Block(ethers, claim.anchorBlockNumber)).hash;
      const rolling = await rollup.getFunction("rollingHash")(2n);
      const anchor = keccak256(abi.encode(["bytes32", "uint256", "bytes32"], [prevRandao, 2n, rolling]));
      const tx = advance(claim, "0x01");
      await expect(tx).to.emit(rollup, "BlockAdvanced");
      const receipt = await (await tx).wait();
      const event = rollup.interface.parseLog(receipt!.logs[0]!)!;
      expect(event.args.prevRandao).to.equal(prevRandao);
      expect(event.args.anchor).to.equal(anchor);
      expect(event.args.messageCount).to.equal(2n);
      expect((await rollup.getFunction("head")()).messageCount).to.equal(2n);
    });

    it("RevertWhen_InvalidMessageCount: above the queue, or below the parent's", async function () {
      await rollup.getFunction("deposit")(user, { value: 1n });
      await expect(advance(await claimFor(2n), "0x01")).to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidMessageCount").withArgs(2n, 0n, 1n);
      await advance(await claimFor(1n), "0x01");
      await expect(advance(await claimFor(0n))).to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidMessageCount").withArgs(0n, 1n, 1n);
    });

    it("RevertWhen_MessagesMissing: messages delivered with an empty _messages", async function () {
      await rollup.getFunction("deposit")(user, { value: 1n });
      await expect(advance(await claimFor(1n))).to.be.revertedWithCustomError(rollup, "NativeRollup_MessagesMissing");
    });

    it("RevertWhen_MessageOverdue: a message FORCE_DELAY blocks old left undelivered; its delivery (or a full quota) passes", async function () {
      await rollup.getFunction("deposit")(user, { value: 1n });
      const enqueuedAt = await rollup.getFunction("enqueuedAt")(0n);
      await ethers.provider.send("hardhat_mine", ["0x3e"]); // 62 blocks: the advance lands at +63
      await advance(await claimFor(0n)); // not overdue yet
      await expect(advance(await claimFor(0n)))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_MessageOverdue").withArgs(0n, enqueuedAt, enqueuedAt + 64n);
      await expect(advance(await claimFor(1n), "0x01")).to.emit(rollup, "BlockAdvanced");
    });

    it("accumulates burned fees from EXECUTE's second word; FEE_RECIPIENT alone withdraws them", async function () {
      await rollup.getFunction("deposit")(user, { value: 10n ** 18n });
      await rollup.getFunction("setExecuteResult")(true, 1234n);
      await advance(await claimFor(0n));
      await advance(await claimFor(0n));
      expect(await rollup.getFunction("burnedFees")()).to.equal(2468n);
      await expect(rollup.getFunction("withdrawBurnedFees")())
        .to.be.revertedWithCustomError(rollup, "NativeRollup_NotFeeRecipient").withArgs(await signers[0]!.getAddress(), await feeRecipient.getAddress());
      const r = rollup.connect(feeRecipient) as Contract;
      await expect(r.getFunction("withdrawBurnedFees")()).to.changeEtherBalances(ethers, [feeRecipient, rollup], [2468n, -2468n]);
      expect(await rollup.getFunction("burnedFeesWithdrawn")()).to.equal(2468n);
      await expect(r.getFunction("withdrawBurnedFees")()).to.emit(rollup, "BurnedFeesWithdrawn").withArgs(await feeRecipient.getAddress(), 0n);
      const balance = await ethers.provider.getBalance(await rollup.getAddress());
      const [dep, wd, bfw] = await Promise.all(["totalDeposited", "totalWithdrawn", "burnedFeesWithdrawn"].map((f) => rollup.getFunction(f)()));
      expect(balance).to.equal(dep - wd - bfw);
    });

    it("RevertWhen_ExecutionFailed: EXECUTE's failure (any output but 64 bytes counts as one)", async function () {
      await rollup.getFunction("setExecuteResult")(false, 0n);
      await expect(advance(await claimFor(0n))).to.be.revertedWithCustomError(rollup, "NativeRollup_ExecutionFailed").withArgs(1n);
    });
  });

  describe("claim and forward with MPT proofs", function () {
    let message: L2Message;
    let state: Awaited<ReturnType<typeof l2State>>;

    beforeEach(async function () {
      await rollup.getFunction("deposit")(user, { value: 10n ** 18n }); // escrow for the withdrawals
      message = { nonce: 3n, sender: user, destination: ZeroAddress, to: await recipient.getAddress(), value: 12345n, fee: 0n, gasLimit: 0n, data: "0xc0ffee" };
      state = await l2State([message, { ...message, nonce: 4n }], { other: "0x5500000000000000000000000000000000000003" });
      await rollup.getFunction("setHead")(7n, state.root);
    });

    it("pays and calls the recipient with xDomainMessageSender set; a replay reverts AlreadyClaimed", async function () {
      const { account, storage } = await state.proofs(message);
      const tx = rollup.getFunction("claim")(message, 7n, account, storage);
      await expect(tx).to.emit(rollup, "MessageClaimed").withArgs(l2Hash(message), 3n, message.to, message.value);
      await expect(tx).to.changeEtherBalances(ethers, [recipient, rollup], [message.value, -message.value]);
      expect(await recipient.getFunction("lastSender")()).to.equal(user);
      expect(await recipient.getFunction("lastData")()).to.equal("0xc0ffee");
      expect(await rollup.getFunction("claimed")(l2Hash(message))).to.equal(true);
      expect(await rollup.getFunction("totalWithdrawn")()).to.equal(message.value);
      await expect(rollup.getFunction("claim")(message, 7n, account, storage))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_AlreadyClaimed").withArgs(l2Hash(message));
      await expect(rollup.getFunction("xDomainMessageSender")()).to.be.revertedWithCustomError(rollup, "NativeRollup_NotInMessage");
    });

    it("RevertWhen a forged storage proof (the leaf rewritten)", async function () {
      const { account, storage } = await state.proofs(message);
      const leaf = RLP.decode(storage.at(-1)!) as Uint8Array[];
      const forged = [...storage.slice(0, -1), bytesToHex(RLP.encode([leaf[0]!, RLP.encode(Uint8Array.from([2]))]))];
      await expect(rollup.getFunction("claim")(message, 7n, account, forged)).to.be.revertedWithCustomError(rollup, "MerkleTrie_InvalidNodeHash");
    });

    it("RevertWhen the proof is against another root: an unknown block, an overwritten one, another block's root", async function () {
      const { account, storage } = await state.proofs(message);
      await expect(rollup.getFunction("claim")(message, 8n, account, storage)).to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable").withArgs(8n);
      await rollup.getFunction("setHead")(8n, keccak256("0x99"));
      await expect(rollup.getFunction("claim")(message, 8n, account, storage)).to.be.revertedWithCustomError(rollup, "MerkleTrie_InvalidNodeHash");
      await rollup.getFunction("setHead")(7n + 8191n, keccak256("0x98"));
      await expect(rollup.getFunction("claim")(message, 7n, account, storage)).to.be.revertedWithCustomError(rollup, "NativeRollup_StateRootUnavailable").withArgs(7n);
    });

    it("RevertWhen the account proof is another contract's (another messenger with the same storage)", async function () {
      const { account, storage } = await state.proofs(message, "0x5500000000000000000000000000000000000003");
      const error = await rollup.getFunction("claim").staticCall(message, 7n, account, storage).then(
        () => expect.fail("a claim proven against another account went through"),
        (e: { data?: string }) => e.data,
      );
      expect(rollup.interface.parseError(error!)?.name).to.match(/^MerkleTrie_(InvalidNodeHash|ProofTooLong|ProofTooShort)$|^NativeRollup_InvalidProof$/);
    });

    it("RevertWhen a message takes the value and data of another (its slot is proven empty)", async function () {
      const tampered = { ...message, value: 10n ** 17n, data: "0x" };
      const { account, storage } = await state.proofs(tampered);
      await expect(rollup.getFunction("claim")(tampered, 7n, account, storage))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_InvalidProof").withArgs("message not sent");
    });

    it("a reentrant recipient cannot claim again from inside its call", async function () {
      const second = { ...message, nonce: 4n };
      const proofs2 = await state.proofs(second);
      await recipient.getFunction("setReenter")(rollup.interface.encodeFunctionData("claim", [second, 7n, proofs2.account, proofs2.storage]));
      const { account, storage } = await state.proofs(message);
      await rollup.getFunction("claim")(message, 7n, account, storage);
      expect(await recipient.getFunction("reenterOk")()).to.equal(false);
      expect(await recipient.getFunction("reenterResult")()).to.equal(rollup.interface.getError("NativeRollup_Reentrant")!.selector);
      expect(await rollup.getFunction("claimed")(l2Hash(second))).to.equal(false);
    });

    it("a reverting recipient reverts the claim, which can be tried again", async function () {
      await recipient.getFunction("setRevert")(true);
      const { account, storage } = await state.proofs(message);
      await expect(rollup.getFunction("claim")(message, 7n, account, storage)).to.be.revertedWithCustomError(rollup, "NativeRollup_CallFailed");
      await recipient.getFunction("setRevert")(false);
      await expect(rollup.getFunction("claim")(message, 7n, account, storage)).to.emit(rollup, "MessageClaimed");
    });

    it("RevertWhen_WrongDestination: claim of a rollup message, forward of an L1 one", async function () {
      const other = await deployRollup();
      const toRollup = { ...message, destination: await other.getAddress() };
      const { account, storage } = await state.proofs(message);
      await expect(rollup.getFunction("claim")(toRollup, 7n, account, storage))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_WrongDestination").withArgs(await other.getAddress());
      await expect(rollup.getFunction("forward")(message, 7n, account, storage))
        .to.be.revertedWithCustomError(rollup, "NativeRollup_WrongDestination").withArgs(ZeroAddress);
    });

    it("forward enqueues the message in the destination rollup with sourceRollup = this rollup", async function () {
      const other = await deployRollup();
      const m: L2Message = { nonce: 9n, sender: user, destination: await other.getAddress(), to: user, value: 1000n, fee: 10n, gasLimit: 50_000n, data: "0x1234" };
      const s = await l2State([m]);
      await rollup.getFunction("setHead")(8n, s.root);
      const { account, storage } = await s.proofs(m);
      const expected: L1Message = { index: 0n, sender: user, sourceRollup: await rollup.getAddress(), to: user, value: 1000n, fee: 10n, gasLimit: 50_000n, data: "0x1234" };
      const tx = rollup.getFunction("forward")(m, 8n, account, storage);
      await expect(tx).to.emit(other, "MessageQueued").withArgs(0n, fold(ZERO_HASH, l1Hash(expected)), Object.values(expected));
      await expect(tx).to.emit(rollup, "MessageForwarded").withArgs(l2Hash(m), await other.getAddress(), 0n);
      expect(await rollup.getFunction("totalWithdrawn")()).to.equal(1010n);
      expect(await other.getFunction("totalDeposited")()).to.equal(1010n);
      await expect(rollup.getFunction("forward")(m, 8n, account, storage)).to.be.revertedWithCustomError(rollup, "NativeRollup_AlreadyClaimed");
    });

    it("gas: a claim with a realistic proof (2,000 L2 accounts, 1,000 sent messages)", async function () {
      const big = await l2State([message], { filler: 2000, slots: 1000 });
      await rollup.getFunction("setHead")(10n, big.root);
      const { account, storage } = await big.proofs(message);
      const receipt = await (await rollup.getFunction("claim")(message, 10n, account, storage)).wait();
      const bytes = [...account, ...storage].reduce((n, p) => n + (p.length - 2) / 2, 0);
      console.log(`      gas: claim ${receipt!.gasUsed} (proofs: ${account.length} + ${storage.length} nodes, ${bytes} bytes)`);
    });
  });
});
