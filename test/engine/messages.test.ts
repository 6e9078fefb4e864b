import { expect } from "chai";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { AbiCoder, Interface, keccak256, toUtf8Bytes } from "ethers";
import {
  appendBlock,
  buildBlock,
  callL2,
  CommitmentMismatchError,
  createL2Chain,
  DELIVER_MESSAGES_SIGNATURE,
  devGenesis,
  execute,
  ExecutionRejectedError,
  GasBudgetExceededError,
  getL2Account,
  L2_PREMINT,
  MessageDeliveryFailedError,
  messengerGenesisAccount,
  parseGenesisJson,
  GenesisConfigError,
  PREDEPLOYS,
  SYSTEM_ADDRESS,
  type BuiltBlock,
  type L2Chain,
} from "../../src/engine/index.js";
import { ArtifactNotFoundError, loadArtifact } from "../../src/shared/artifacts.js";
import { COINBASE, sign, wallets } from "./helpers.js";

const probe = loadArtifact("test/MessengerProbe.sol", "MessengerProbe");
const probeInterface = new Interface(probe.abi as never);

/** The probe's behaviours, chosen by the `l1BlockHash` argument (see MessengerProbe.sol). */
const REVERT = keccak256(toUtf8Bytes("revert"));
const LOOP = keccak256(toUtf8Bytes("loop"));
const BURN = keccak256(toUtf8Bytes("burn"));

/** The L2 gas limit of the test chain: small, so a delivery that loops to it ends quickly. */
const GAS_LIMIT = 10_000_000n;

/** One L1Message as `[index, sender, sourceRollup, to, value, fee, gasLimit, data]`. */
type Message = [bigint, string, string, string, bigint, bigint, bigint, string];

/** EXECUTE's `messages`: `abi.encode(l1BlockHash, count, rollingHash, L1Message[])`, the arguments of deliverMessages. */
function encodeMessages(l1BlockHash: string, count: bigint, rollingHash: string, messages: Message[]): Uint8Array {
  return hexToBytes(
    AbiCoder.defaultAbiCoder().encode(
      ["bytes32", "uint256", "bytes32", "tuple(uint256,address,address,address,uint256,uint256,uint64,bytes)[]"],
      [l1BlockHash, count, rollingHash, messages],
    ) as `0x${string}`,
  );
}

function someMessages(n: number, first = 0n): Message[] {
  return Array.from({ length: n }, (_, i): Message => [
    first + BigInt(i),
    wallets[10]!.address,
    "0x" + "00".repeat(20),
    wallets[11]!.address,
    10n ** 18n,
    1_000n,
    0n,
    "0x" + "ab".repeat(i * 10),
  ]);
}

const L1_BLOCK_HASH = keccak256("0x1234");
const ROLLING_HASH = keccak256("0x5678");
const MESSAGES = encodeMessages(L1_BLOCK_HASH, 2n, ROLLING_HASH, someMessages(2));

/** A chain whose genesis has the probe at the messenger's address. */
async function probeChain(): Promise<L2Chain> {
  return createL2Chain(devGenesis({ gasLimit: GAS_LIMIT, alloc: { [PREDEPLOYS.messenger]: { code: probe.deployedBytecode } } }));
}

/** Builds the next block with `messages`, with the header choices of helpers' `build`. */
async function buildWith(chain: L2Chain, transactions: Uint8Array[], messages?: Uint8Array): Promise<BuiltBlock> {
  const n = BigInt(chain.headers.length);
  return buildBlock(chain, {
    transactions,
    timestamp: 1_700_000_000n + n * 12n,
    coinbase: COINBASE,
    prevRandao: new Uint8Array(32).fill(Number(n % 250n) + 1),
    anchor: new Uint8Array(32).fill(0xa0 + Number(n % 16n)),
    messages,
  });
}

async function probeRead(chain: L2Chain, name: string): Promise<string> {
  const raw = await callL2(chain, { to: PREDEPLOYS.messenger, data: probeInterface.encodeFunctionData(name) });
  return String(probeInterface.decodeFunctionResult(name, raw)[0]);
}

/** Expects `body` to throw an error of class `kind`; returns it. */
async function expectThrows<T extends Error>(body: () => Promise<unknown>, kind: new (...args: never[]) => T): Promise<T> {
  try {
    await body();
  } catch (error) {
    expect(error, (error as Error).message).to.be.instanceOf(kind);
    return error as T;
  }
  expect.fail(`expected ${kind.name}`);
}

/** Σ over the receipts of baseFee × the receipt's gas (the difference of cumulative gas). */
function burnedFeesOf(block: BuiltBlock): bigint {
  let previous = 0n;
  let burned = 0n;
  for (const receipt of block.receipts) {
    burned += block.header.baseFeePerGas! * (receipt.cumulativeBlockGasUsed - previous);
    previous = receipt.cumulativeBlockGasUsed;
  }
  return burned;
}

describe("engine: L1→L2 message delivery by system call (docs/bridge.md)", function () {
  let chain: L2Chain;
  let block: BuiltBlock;

  before(async function () {
    chain = await probeChain();
    block = await buildWith(
      chain,
      [
        await sign(chain, 1, { nonce: 0, to: PREDEPLOYS.messenger, data: probeInterface.encodeFunctionData("poke"), gasLimit: 100_000n }),
        await sign(chain, 2, { nonce: 0, to: wallets[3]!.address, value: 5n, gasLimit: 21_000n }),
      ],
      MESSAGES,
    );
    expect(block.skipped).to.deep.equal([]);
    appendBlock(chain, { header: block.header, transactions: block.transactions, receipts: block.receipts });
  });

  it("calls deliverMessages(…) on the messenger from SYSTEM_ADDRESS with the messages as its arguments", async function () {
    expect(DELIVER_MESSAGES_SIGNATURE).to.equal(probeInterface.getFunction("deliverMessages")!.format("sighash"));
    expect(await probeRead(chain, "l1BlockHash")).to.equal(L1_BLOCK_HASH);
    expect(await probeRead(chain, "count")).to.equal("2");
    expect(await probeRead(chain, "rollingHash")).to.equal(ROLLING_HASH);
    expect(await probeRead(chain, "messageCount")).to.equal("2");
    const [, , , decoded] = AbiCoder.defaultAbiCoder().decode(
      ["bytes32", "uint256", "bytes32", "tuple(uint256,address,address,address,uint256,uint256,uint64,bytes)[]"],
      MESSAGES,
    );
    const reencoded = AbiCoder.defaultAbiCoder().encode(["tuple(uint256,address,address,address,uint256,uint256,uint64,bytes)[]"], [decoded]);
    expect(await probeRead(chain, "messagesHash")).to.equal(keccak256(reencoded));
    expect((await probeRead(chain, "lastCaller")).toLowerCase()).to.equal(SYSTEM_ADDRESS);
    expect(await probeRead(chain, "deliveries")).to.equal("1");
    // The system account is left as it was: absent.
    expect(await getL2Account(chain, SYSTEM_ADDRESS)).to.deep.equal({ nonce: 0n, balance: 0n, code: "0x" });
  });

  it("delivers before the transactions (a transaction of the same block sees it)", async function () {
    expect(await probeRead(chain, "pokeSawDelivery")).to.equal("true");
  });

  it("counts the delivery's gas in the block's gasUsed, before the first transaction, in no receipt", function () {
    expect(block.deliveryGasUsed).to.be.greaterThan(21_000n);
    const last = block.receipts.at(-1)!.cumulativeBlockGasUsed;
    expect(block.header.gasUsed).to.equal(block.deliveryGasUsed + last);
    expect(block.receipts).to.have.length(2);
    expect(block.receipts[1]!.cumulativeBlockGasUsed - block.receipts[0]!.cumulativeBlockGasUsed).to.equal(21_000n);
    console.log(`      delivery of 2 messages (${MESSAGES.length} bytes) to the probe: ${block.deliveryGasUsed} gas`);
  });

  it("records the messages in the built block's EXECUTE input, which execute accepts with the same hash, gas and burned fees", async function () {
    expect(bytesToHex(block.input.messages)).to.equal(bytesToHex(MESSAGES));
    const result = await execute(block.input);
    expect(bytesToHex(result.blockHash)).to.equal(bytesToHex(block.header.hash()));
    expect(result.gasUsed).to.equal(block.header.gasUsed);
    expect(result.burnedFees).to.equal(block.burnedFees);
  });

  it("burnedFees = Σ baseFee × receipt gas over the transactions (the delivery burns nothing)", async function () {
    expect(block.burnedFees).to.equal(burnedFeesOf(block));
    expect(block.burnedFees).to.equal(block.header.baseFeePerGas! * (block.header.gasUsed - block.deliveryGasUsed));

    // A block with a reverting and an out-of-gas transaction: their receipt gas is burned too.
    const other = await probeChain();
    const mixed = await buildWith(other, [
      await sign(other, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n, tip: 3n }),
      // deliverMessages from a user reverts on its ABI decoding (empty calldata args)
      await sign(other, 2, { nonce: 0, to: PREDEPLOYS.messenger, data: probeInterface.getFunction("deliverMessages")!.selector, gasLimit: 60_000n }),
      await sign(other, 3, { nonce: 0, to: PREDEPLOYS.messenger, data: probeInterface.encodeFunctionData("poke"), gasLimit: 22_000n }), // out of gas
    ]);
    expect(mixed.receipts.map((r) => ("status" in r ? r.status : undefined))).to.deep.equal([1, 0, 0]);
    expect(mixed.deliveryGasUsed).to.equal(0n);
    expect(mixed.burnedFees).to.equal(burnedFeesOf(mixed));
    expect(mixed.burnedFees).to.equal(mixed.header.baseFeePerGas! * mixed.header.gasUsed);
    expect((await execute(mixed.input)).burnedFees).to.equal(mixed.burnedFees);
    // An empty block burns nothing.
    const empty = await buildWith(other, []);
    expect(empty.burnedFees).to.equal(0n);
    expect((await execute(empty.input)).burnedFees).to.equal(0n);
  });

  it("makes no delivery call without messages (absent or empty)", async function () {
    const other = await probeChain();
    for (const messages of [undefined, new Uint8Array(0)]) {
      const built = await buildWith(other, [], messages);
      expect(built.deliveryGasUsed).to.equal(0n);
      expect(built.header.gasUsed).to.equal(0n);
      expect(built.input.messages).to.have.length(0);
      await execute(built.input);
    }
  });

  describe("rejects messages altered between build and execute", function () {
    const altered: [string, () => Uint8Array][] = [
      ["removed", () => new Uint8Array(0)],
      ["another count", () => encodeMessages(L1_BLOCK_HASH, 3n, ROLLING_HASH, someMessages(2))],
      ["one message fewer", () => encodeMessages(L1_BLOCK_HASH, 2n, ROLLING_HASH, someMessages(1))],
      ["one message's value changed", () => {
        const messages = someMessages(2);
        messages[1]![4] += 1n;
        return encodeMessages(L1_BLOCK_HASH, 2n, ROLLING_HASH, messages);
      }],
      ["one byte of a message's data flipped", () => {
        const bytes = Uint8Array.from(MESSAGES);
        const at = bytes.length - 32; // the first byte of the last message's data
        bytes[at] = bytes[at]! ^ 0x01;
        return bytes;
      }],
    ];
    for (const [name, messages] of altered) {
      it(name, async function () {
        const error = await expectThrows(() => execute({ ...block.input, messages: messages() }), ExecutionRejectedError);
        expect(error).to.be.instanceOf(CommitmentMismatchError);
      });
    }

    it("added to a block built without them", async function () {
      const other = await probeChain();
      const plain = await buildWith(other, [await sign(other, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n })]);
      // Its witness lacks what the delivery reads (the messenger's code and storage): rejected before any root is compared.
      await expectThrows(() => execute({ ...plain.input, messages: MESSAGES }), ExecutionRejectedError);
    });
  });

  describe("a delivery that reverts", function () {
    const reverting = encodeMessages(REVERT, 2n, ROLLING_HASH, someMessages(2));

    it("makes buildBlock throw MessageDeliveryFailedError naming the block number, the gas used and the EVM error", async function () {
      const other = await probeChain();
      const error = await expectThrows(() => buildWith(other, [], reverting), MessageDeliveryFailedError);
      expect(error).to.be.instanceOf(ExecutionRejectedError);
      expect(error.blockNumber).to.equal(1n);
      expect(error.gasUsed > 0n && error.gasUsed < 100_000n, `gas ${error.gasUsed}`).to.equal(true);
      expect(error.reason).to.equal("revert");
      expect(error.message).to.contain("block 1").and.contain(`${error.gasUsed} gas`).and.contain("revert");
    });

    it("rejects the block in verify mode", async function () {
      const error = await expectThrows(() => execute({ ...block.input, messages: reverting }), MessageDeliveryFailedError);
      expect(error.blockNumber).to.equal(block.header.number);
    });
  });

  describe("a delivery that loops forever", function () {
    const looping = encodeMessages(LOOP, 0n, ROLLING_HASH, []);

    it("cannot exceed the block gas limit when building: out of gas at the limit, MessageDeliveryFailedError", async function () {
      const other = await probeChain();
      const error = await expectThrows(() => buildWith(other, [], looping), MessageDeliveryFailedError);
      expect(error.gasUsed).to.equal(GAS_LIMIT);
      expect(error.reason).to.equal("out of gas");
    });

    it("is cut at the claimed gas when verifying (GasBudgetExceededError, mid-call)", async function () {
      const started = performance.now();
      const error = await expectThrows(() => execute({ ...block.input, messages: looping }), GasBudgetExceededError);
      expect(error.what).to.equal("message delivery");
      // The meter looks at every JUMPDEST and SSTORE: it stops within one loop turn past the claim.
      expect(error.consumed > block.input.gasUsed && error.consumed < block.input.gasUsed + 30_000n, `consumed ${error.consumed}`).to.equal(true);
      console.log(`      cut at ${error.consumed} gas for a claim of ${block.input.gasUsed} (${(performance.now() - started).toFixed(0)} ms)`);
    });

    it("claimed as the whole block gas limit: runs out of gas at the limit and is rejected", async function () {
      const error = await expectThrows(() => execute({ ...block.input, gasUsed: GAS_LIMIT, messages: looping }), MessageDeliveryFailedError);
      expect(error.gasUsed).to.equal(GAS_LIMIT);
    });
  });

  it("a delivery that uses most of the block's gas leaves the transactions only what is left", async function () {
    const other = await probeChain();
    const burning = encodeMessages(BURN, 8_000_000n, ROLLING_HASH, someMessages(1));
    const built = await buildWith(
      other,
      [
        await sign(other, 1, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 21_000n }),
        await sign(other, 2, { nonce: 0, to: wallets[2]!.address, value: 1n, gasLimit: 2_000_000n }), // above what is left
      ],
      burning,
    );
    expect(built.deliveryGasUsed > 8_000_000n && built.deliveryGasUsed < 8_400_000n, `delivery ${built.deliveryGasUsed}`).to.equal(true);
    expect(built.transactions).to.have.length(1);
    expect(built.skipped.map((s) => s.reason)).to.deep.equal([`gas limit 2000000 above the ${GAS_LIMIT - built.deliveryGasUsed - 21_000n} left in the block`]);
    expect(built.header.gasUsed).to.equal(built.deliveryGasUsed + 21_000n);
    await execute(built.input);
    // The verifier stops the same delivery once it passes a lower claim.
    const error = await expectThrows(() => execute({ ...built.input, gasUsed: 5_000_000n }), GasBudgetExceededError);
    expect(error.what).to.equal("message delivery");
  });

  it("with no messenger code in the genesis, the delivery calls an empty account: a no-op of 0 gas, as the anchor call", async function () {
    const plainChain = await createL2Chain(devGenesis({ gasLimit: GAS_LIMIT, messenger: false }));
    const built = await buildWith(plainChain, [], MESSAGES);
    expect(built.deliveryGasUsed).to.equal(0n);
    expect(built.header.gasUsed).to.equal(0n);
    await execute(built.input);
  });

  it("delivery gas grows with the messages (probe: decoding and hashing them)", async function () {
    const figures: string[] = [];
    let previous = 0n;
    for (const n of [1, 10, 50]) {
      const other = await probeChain();
      const built = await buildWith(other, [], encodeMessages(L1_BLOCK_HASH, BigInt(n), ROLLING_HASH, someMessages(n)));
      expect(built.deliveryGasUsed).to.be.greaterThan(previous);
      previous = built.deliveryGasUsed;
      figures.push(`${n}: ${built.deliveryGasUsed} gas`);
      await execute(built.input);
    }
    console.log(`      probe delivery gas by message count — ${figures.join(", ")}`);
  });
});

describe("engine: genesis with the L2Messenger predeploy", function () {
  it("is on by default (pre-minted with L2_PREMINT); messenger: false leaves it out", function () {
    expect(devGenesis({ messenger: false }).alloc[PREDEPLOYS.messenger]).to.equal(undefined);
    expect(devGenesis().alloc[PREDEPLOYS.messenger]!.balance).to.equal(L2_PREMINT);
    expect(parseGenesisJson('{"messenger": false}').alloc[PREDEPLOYS.messenger]).to.equal(undefined);
    expect(() => parseGenesisJson('{"messenger": "yes"}')).to.throw(GenesisConfigError);
    expect(L2_PREMINT).to.equal(2n ** 128n);
    let artifact: unknown;
    try {
      artifact = loadArtifact("l2/L2Messenger.sol", "L2Messenger");
    } catch {
      artifact = undefined;
    }
    if (artifact === undefined) {
      expect(() => devGenesis({ messenger: true })).to.throw(ArtifactNotFoundError);
    } else {
      const account = devGenesis({ messenger: true }).alloc[PREDEPLOYS.messenger]!;
      expect(account).to.deep.equal(messengerGenesisAccount());
      expect(account.balance).to.equal(L2_PREMINT);
    }
  });
});
