import { expect } from "chai";
import { createBlock, paramsBlock } from "@ethereumjs/block";
import { createCustomCommon, Mainnet } from "@ethereumjs/common";
import { paramsEVM } from "@ethereumjs/evm";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createTxFromRLP, paramsTx } from "@ethereumjs/tx";
import { bytesToHex, createAddressFromString, ValueEncoding } from "@ethereumjs/util";
import { createVM, paramsVM, runTx } from "@ethereumjs/vm";
import { AbiCoder, getCreate2Address, keccak256 as ethersKeccak } from "ethers";
import { chainHead, createL2Chain, createL2Common, devGenesis, execute, L2_HARDFORK, type L2Chain } from "../../src/engine/index.js";
import { EngineStateManager } from "../../src/engine/state-manager.js";
import { build, sign, token, tokenInterface, wallets } from "./helpers.js";

/**
 * The engine's speed-ups (issue 9) change how ethereumjs does its work, never its results:
 * these tests hold each one against upstream ethereumjs on the same inputs.
 */

const TOKEN = "0x00000000000000000000000000000000000070c0";
const FACTORY = "0x000000000000000000000000000000000000fac7";

/**
 * Init code that stores 1 at slot 0, then self-destructs (to the caller) when sent no value, or
 * stays (empty code, its storage and balance) when sent some. Under EIP-6780 the self-destruct
 * deletes the account: it was created in the same transaction.
 */
const INIT_CODE = "0x600160005534600b5733ff5b00";
/** CREATE2(callvalue, calldata as init code, salt 0), then stores the new address at slot 0. */
const FACTORY_CODE = "0x366000600037600036600034f560005500";

function balanceSlot(holder: string): string {
  return ethersKeccak(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [holder, 0n]));
}

async function tokenAndFactoryChain(): Promise<L2Chain> {
  const balance = "0x" + (10n ** 20n).toString(16).padStart(64, "0");
  return createL2Chain(
    devGenesis({
      alloc: {
        [TOKEN]: { code: token.deployedBytecode, storage: { [balanceSlot(wallets[4]!.address)]: balance, [balanceSlot(wallets[5]!.address)]: balance } },
        [FACTORY]: { code: FACTORY_CODE },
      },
    }),
  );
}

/**
 * Transactions whose state effects span transactions: an account created and self-destructed,
 * then created again at the same address (CREATE2) in a later transaction; a slot cleared to
 * zero, then set again; a reverted transaction; a new account; a zero-value touch of an empty
 * account (EIP-161); the same senders more than once.
 */
async function crossTransactionCases(chain: L2Chain): Promise<Uint8Array[]> {
  const transfer = (to: string, amount: bigint) => tokenInterface.encodeFunctionData("transfer", [to, amount]);
  return [
    await sign(chain, 0, { nonce: 0, to: FACTORY, data: INIT_CODE, gasLimit: 200_000n }),
    await sign(chain, 1, { nonce: 0, to: FACTORY, data: INIT_CODE, value: 1n, gasLimit: 200_000n }),
    await sign(chain, 4, { nonce: 0, to: TOKEN, data: transfer(wallets[5]!.address, 10n ** 20n) }),
    await sign(chain, 5, { nonce: 0, to: TOKEN, data: transfer(wallets[4]!.address, 7n) }),
    await sign(chain, 6, { nonce: 0, to: TOKEN, data: transfer(wallets[7]!.address, 1n) }),
    await sign(chain, 2, { nonce: 0, to: "0x00000000000000000000000000000000000bee01", value: 5n, gasLimit: 21_000n }),
    await sign(chain, 3, { nonce: 0, to: "0x00000000000000000000000000000000000bee02", value: 0n, gasLimit: 21_000n }),
    await sign(chain, 0, { nonce: 1, to: FACTORY, data: INIT_CODE, gasLimit: 200_000n }),
    await sign(chain, 4, { nonce: 1, to: TOKEN, data: transfer(wallets[8]!.address, 3n) }),
  ];
}

/** Runs `raw` on the chain's head state with upstream's or the engine's state manager. */
async function runOn(chain: L2Chain, raw: Uint8Array[], kind: "upstream" | "engine") {
  const common = createL2Common(chain.genesis.chainId);
  const trie = new MerklePatriciaTrie({ db: chain.db, root: chainHead(chain).stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  const stateManager =
    kind === "upstream" ? new MerkleStateManager({ trie, common, caches: new Caches() }) : new EngineStateManager({ trie, common, caches: new Caches() });
  const vm = await createVM({ common, stateManager });
  const head = chainHead(chain);
  const block = createBlock(
    { header: { number: 1n, parentHash: head.hash(), timestamp: head.timestamp + 12n, gasLimit: head.gasLimit, baseFeePerGas: head.calcNextBaseFee(), coinbase: "0x000000000000000000000000000000000000c0de" } },
    { common, setHardfork: false },
  );
  const outcomes: string[] = [];
  let blockGasUsed = 0n;
  for (const bytes of raw) {
    const result = await runTx(vm, { tx: createTxFromRLP(bytes, { common }), block, blockGasUsed, skipHardForkValidation: true });
    blockGasUsed += result.totalGasSpent;
    outcomes.push(`${result.totalGasSpent}:${result.execResult.exceptionError?.error ?? "ok"}`);
  }
  const created = getCreate2Address(FACTORY, "0x" + "00".repeat(32), ethersKeccak(INIT_CODE));
  const account = await vm.stateManager.getAccount(createAddressFromString(created));
  const slot = await vm.stateManager.getStorage(createAddressFromString(created), new Uint8Array(32));
  return { outcomes, stateRoot: bytesToHex(await vm.stateManager.getStateRoot()), recreated: { account: account?.balance, slot: bytesToHex(slot) } };
}

describe("engine speed-ups keep ethereumjs's results (issue 9)", function () {
  it("trie written once per block: the same outcomes and state root as upstream's write after every transaction", async function () {
    const chain = await tokenAndFactoryChain();
    const raw = await crossTransactionCases(chain);
    const upstream = await runOn(chain, raw, "upstream");
    const engine = await runOn(chain, raw, "engine");
    expect(engine.outcomes).to.deep.equal(upstream.outcomes);
    expect(engine.stateRoot).to.equal(upstream.stateRoot);
    // The cases did what they claim: the re-created account holds its balance and its slot.
    expect(engine.recreated).to.deep.equal({ account: 1n, slot: "0x01" });
    // Two fail: the transfer above its sender's balance reverts; the third CREATE2 hits the
    // re-created account (an address collision eats the gas it was given) and the factory runs out.
    expect(upstream.outcomes.map((o) => o.split(":")[1])).to.deep.equal(["ok", "ok", "ok", "ok", "revert", "ok", "ok", "out of gas", "ok"]);
  });

  it("the same cases build a block that execute accepts", async function () {
    const chain = await tokenAndFactoryChain();
    const raw = await crossTransactionCases(chain);
    const block = await build(chain, raw);
    expect(block.skipped.map((s) => s.reason)).to.deep.equal([]);
    expect(bytesToHex((await execute(block.input)).blockHash)).to.equal(bytesToHex(block.header.hash()));
  });

  it("no ethereumjs parameter set overrides a value of paramsTx (what lets copies skip re-merging it)", function () {
    const sets = { paramsBlock, paramsEVM, paramsVM } as Record<string, Record<string, Record<string, unknown>>>;
    for (const [name, set] of Object.entries(sets)) {
      for (const [eip, values] of Object.entries(paramsTx as Record<string, Record<string, unknown>>)) {
        for (const [key, value] of Object.entries(values)) {
          if (set[eip]?.[key] !== undefined) expect(set[eip]![key], `${name} EIP-${eip} ${key}`).to.equal(value);
        }
      }
    }
  });

  it("a transaction decoded with the engine's Common sees every parameter as with a plain Common", async function () {
    const chain = await tokenAndFactoryChain();
    const [raw] = await crossTransactionCases(chain);
    const plain = createCustomCommon({ chainId: chain.genesis.chainId.toString() }, Mainnet, { hardfork: L2_HARDFORK });
    const engineCommon = createL2Common(chain.genesis.chainId);
    // Twice: the first decode of a copy and a later one.
    for (let i = 0; i < 2; i++) {
      const fast = createTxFromRLP(raw!, { common: engineCommon });
      const slow = createTxFromRLP(raw!, { common: plain });
      for (const values of Object.values(paramsTx as Record<string, Record<string, unknown>>)) {
        for (const key of Object.keys(values)) {
          const read = (c: typeof plain) => {
            try {
              return String(c.param(key));
            } catch {
              return "absent";
            }
          };
          expect(read(fast.common), key).to.equal(read(slow.common));
        }
      }
      expect(fast.getIntrinsicGas()).to.equal(slow.getIntrinsicGas());
    }
  });
});

describe("engine: EngineTrie (MerklePatriciaTrie keeping decoded nodes)", function () {
  it("reads what upstream reads, returns fresh nodes each lookup, and still goes to the database for a node it has not read", async function () {
    const { EngineTrie } = await import("../../src/engine/trie.js");
    const { MapDB, randomBytes } = await import("@ethereumjs/util");
    const db = new MapDB<string, Uint8Array>();
    const upstream = new MerklePatriciaTrie({ db, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes });
    const keys = Array.from({ length: 300 }, () => randomBytes(32));
    for (const key of keys) await upstream.put(key, randomBytes(40));
    const trie = new EngineTrie({ db, root: upstream.root(), useKeyHashing: true, valueEncoding: ValueEncoding.Bytes });
    const storage = trie.shallowCopy(false);
    expect(storage).to.be.instanceOf(EngineTrie);
    for (const key of keys) {
      expect(bytesToHex((await trie.get(key))!)).to.equal(bytesToHex((await upstream.get(key))!));
      expect(bytesToHex((await storage.get(key))!)).to.equal(bytesToHex((await upstream.get(key))!));
    }
    // A caller that changes the node it got does not change the next lookup's.
    const root = await trie.lookupNode(trie.root());
    const before = bytesToHex(root.serialize());
    (root as unknown as { setBranch(i: number, v: Uint8Array): void }).setBranch(0, new Uint8Array(32));
    expect(bytesToHex((await trie.lookupNode(trie.root())).serialize())).to.equal(before);
    // A node removed from the database after its siblings were read: the lookup of a key below it
    // misses as upstream's does (upstream's get answers null on its own 'Missing node in DB').
    const fresh = new EngineTrie({ db, root: upstream.root(), useKeyHashing: true, valueEncoding: ValueEncoding.Bytes });
    const { stack } = await upstream.findPath(upstream["appliedKey"](keys[7]!));
    const leaf = stack[stack.length - 1]!;
    await db.del(bytesToHex(keccak256Of(leaf.serialize())).slice(2));
    expect(await upstream.get(keys[7]!)).to.equal(null);
    expect(await fresh.get(keys[7]!)).to.equal(null);
    expect(bytesToHex((await fresh.get(keys[8]!))!)).to.equal(bytesToHex((await upstream.get(keys[8]!))!));
  });
});

function keccak256Of(bytes: Uint8Array): Uint8Array {
  return createL2Common(1n).customCrypto.keccak256!(bytes);
}
