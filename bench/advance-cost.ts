/**
 * What one separate advance costs on L1, item by item (issue 17: "an empty block advanced alone
 * ≤ 150k L1 gas"). A factory clone (what RollupFactory users get), past its first block (whose
 * lazy head writes fresh slots), advances an empty block and a one-transfer block, each with its
 * data in calldata and in a blob. Every advance is re-run as `debug_traceCall` on the state it met
 * (not debug_traceTransaction: EDR replays a mined transaction without the EXECUTE hook), and the
 * struct logs are summed by what each opcode does: storage, the event, EXECUTE's call (split into
 * the formula it charges and the emulation's own overhead), the clone's DELEGATECALL, the rest.
 */
import { createTxFromRLP } from "@ethereumjs/tx";
import { hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { network } from "hardhat";
import { createL2Common, devAccounts, devGenesis, getL2Account, type L2Chain } from "../src/engine/index.js";
import { proposeBlock, waitForL1Receipt } from "../src/proposer/propose.js";
import { sendBlobTransaction } from "../src/blobs/send.js";
import { EXECUTE_ADDRESS, encodeExecuteInput } from "../src/precompile/codec.js";
import { executeMarketGas } from "../src/precompile/gas.js";
import { EXECUTE_MARKET_ORACLE_ADDRESS, EXECUTE_MARKET_SELECTOR } from "../src/precompile/market-oracle.js";
import { createRollup, deployFactory, signL2Transaction, type DeployedRollup } from "../src/sdk/index.js";

interface Report {
  add(result: { name: string; unit: string; value: number; baseline?: number; note?: string }): void;
}

const EXECUTE = 0x0101n;
const ORACLE = BigInt(EXECUTE_MARKET_ORACLE_ADDRESS);
const wallets = devAccounts().map((a) => new Wallet(a.privateKey));

/** The part of a struct-log trace this file reads. */
interface Step {
  op: string;
  gas: number;
  gasCost: number;
  depth: number;
  stack?: string[];
}

/** The last itemised trace's SSTOREs and SLOADs (outside EXECUTE's frame) counted by price, for the printout. */
const lastPrices: Record<string, string> = {};
/** BENCH_ADVANCE_OPCODES=1: the "other execution" bucket by opcode (to find where it goes). */
const opcodeGas = new Map<string, number>();

/** One advance's gas by item: intrinsic (21,000 + calldata), then what the execution spent on what. */
export type Breakdown = Record<string, number>;

/** The gas a call-type step's whole frame took: its gas minus the gas left at the next step of its depth. */
function frameGas(steps: Step[], i: number): number {
  const depth = steps[i]!.depth;
  for (let j = i + 1; j < steps.length; j++) if (steps[j]!.depth === depth) return steps[i]!.gas - steps[j]!.gas;
  return steps[i]!.gasCost;
}

/** The gas the steps inside a call-type step's frame spent (from its first step to its last). */
function innerGas(steps: Step[], i: number): number {
  const depth = steps[i]!.depth;
  let last = i;
  for (let j = i + 1; j < steps.length && steps[j]!.depth > depth; j++) last = j;
  return last === i ? 0 : steps[i + 1]!.gas - steps[last]!.gas + steps[last]!.gasCost;
}

/** Gas the trace-only canned oracle's code spent inside step `i`'s frame (all of the trace for -1): EDR's hook runs none. */
function cannedGas(steps: Step[], i: number): number {
  const depth = i < 0 ? 0 : steps[i]!.depth;
  let sum = 0;
  for (let j = i + 1; j < steps.length && steps[j]!.depth > depth; j++) {
    if (steps[j]!.op === "STATICCALL" && callTarget(steps[j]!) === ORACLE) sum += innerGas(steps, j);
  }
  return sum;
}

/** The address argument (second from the top of the stack) of a CALL-type step. */
function callTarget(step: Step): bigint {
  const stack = step.stack ?? [];
  return BigInt(stack[stack.length - 2] ?? "0x0");
}

/**
 * Sums a trace by item. Storage and log steps are charged to their item; EXECUTE's CALL frame is
 * split into the burn (the shim's STATICCALL to itself, which burns exactly the formula) and the
 * rest of the frame (the emulation's shim: its market state, its oracle call, copying the input);
 * the CALL's own access cost (cold 2,600 for an account with code: a real precompile is always
 * warm, 100) is counted in the shim item too. Everything else lands in "other execution".
 */
export function itemise(steps: Step[], data: { standard: number; floor: number }): Breakdown {
  const items: Breakdown = { "transaction (21,000)": 21_000, "calldata (standard)": data.standard, "calldata floor (EIP-7623, for comparison)": data.floor };
  const prices: Record<string, Map<number, number>> = {};
  const add = (k: string, v: number) => (items[k] = (items[k] ?? 0) + v);
  const total = steps.length === 0 ? 0 : steps[0]!.gas - steps.at(-1)!.gas + steps.at(-1)!.gasCost;
  items["execution (trace)"] = total - cannedGas(steps, -1);
  let counted = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    let item: string | undefined;
    let cost = s.gasCost;
    if (s.op === "SSTORE") item = "SSTORE";
    else if (s.op === "SLOAD") item = "SLOAD";
    if (s.op === "SSTORE" || s.op === "SLOAD") {
      const kind = `${s.op} count by price`;
      const seen = (prices[kind] ??= new Map<number, number>());
      seen.set(s.gasCost, (seen.get(s.gasCost) ?? 0) + 1);
    }
    else if (s.op.startsWith("LOG")) item = "event (LOG)";
    else if ((s.op === "CALL" || s.op === "STATICCALL") && callTarget(s) === EXECUTE) {
      cost = frameGas(steps, i) - cannedGas(steps, i);
      if (s.op === "STATICCALL") item = "EXECUTE market view (STATICCALL)";
      else {
        // Inside the frame: the burn is the shim's STATICCALL to its own address.
        let burn = 0;
        for (let j = i + 1; j < steps.length && steps[j]!.depth > s.depth; j++) {
          const t = steps[j]!;
          if (t.depth === s.depth + 1 && t.op === "STATICCALL" && callTarget(t) === EXECUTE) burn += frameGas(steps, j);
        }
        // The burn's own STATICCALL access (100, warm) is the shim's, not the formula's. A CALL
        // with value (EXECUTE's fee, under the market) pays 9,000 and gives the callee a 2,300
        // stipend, returned when unused: 6,700, which a real precompile paid in ETH costs too.
        const stack = s.stack ?? [];
        const fee = BigInt(stack[stack.length - 3] ?? "0x0") === 0n ? 0 : 6_700;
        add("EXECUTE formula (burn)", burn - 100);
        if (fee > 0) add("EXECUTE fee as CALL value (9,000 − 2,300 stipend)", fee);
        add("EXECUTE emulation overhead (shim frame + cold access)", cost - burn + 100 - fee);
        counted += cost;
        while (i + 1 < steps.length && steps[i + 1]!.depth > s.depth) i++;
        continue;
      }
      while (i + 1 < steps.length && steps[i + 1]!.depth > s.depth) i++;
    } else if (s.op === "DELEGATECALL") {
      // The clone's DELEGATECALL: only its own cost (the frame's steps are itemised as they come).
      item = "clone DELEGATECALL access";
      cost = frameGas(steps, i) - innerGas(steps, i);
    } else if (s.op === "EXTCODECOPY") item = "clone config (EXTCODECOPY)";
    else if (s.op === "BLOCKHASH") item = "BLOCKHASH";
    else if (s.op === "BLOBHASH") item = "BLOBHASH";
    if (item !== undefined) {
      add(item, cost);
      counted += cost;
    } else if (process.env.BENCH_ADVANCE_OPCODES === "1") {
      opcodeGas.set(s.op, (opcodeGas.get(s.op) ?? 0) + s.gasCost);
    }
  }
  add("other execution (ABI, memory, hashing, checks)", total - counted - cannedGas(steps, -1));
  for (const [kind, seen] of Object.entries(prices)) {
    lastPrices[kind] = [...seen].sort((a, b) => b[0] - a[0]).map(([price, n]) => `${n} × ${price}`).join(", ");
  }
  return items;
}

/**
 * Runtime code answering the market oracle's two calls as EDR's hook does: a 228-byte call (the
 * prefix and `executeMarket()`) gets the state unchanged and `view`; any other (EXECUTE) gets the
 * state plus one (the real answer changes it too: the same SSTORE price) and `blockHash ‖ burned`.
 */
function cannedOracle(view: string, blockHash: string, burned: bigint): string {
  const push32 = (hex: string) => "7f" + hex.replace(/^0x/, "").padStart(64, "0");
  const words = view.replace(/^0x/, "").match(/.{64}/g) ?? [];
  const execute = "6001" + "01" + "5f" + "52" + push32(blockHash) + "6020" + "52" + push32(burned.toString(16)) + "6040" + "52" + "6060" + "5f" + "f3";
  const head = "5f" + "35" + "36" + "60e4" + "14"; // [isView, state]
  const jumpAt = (head.length + 6 + 2 + execute.length) / 2; // after PUSH2 label JUMPI and the execute path
  const viewPath = "5b" + "5f" + "52" + words.map((w, i) => push32(w) + "60" + (32 * (i + 1)).toString(16).padStart(2, "0") + "52").join("") + "60" + (32 * (words.length + 1)).toString(16).padStart(2, "0") + "5f" + "f3";
  return "0x" + head + "61" + jumpAt.toString(16).padStart(4, "0") + "57" + execute + viewPath;
}

/** Calldata's gas under Prague/Osaka: standard (4 a zero byte, 16 another) and EIP-7623's floor (10 a token), without the 21,000. */
export function calldataGas(data: string): { standard: number; floor: number } {
  const bytes = hexToBytes(data as `0x${string}`);
  const zeros = bytes.filter((b) => b === 0).length;
  return { standard: 4 * zeros + 16 * (bytes.length - zeros), floor: 10 * (zeros + 4 * (bytes.length - zeros)) };
}

/** `count` signed L2 ETH transfers on `chain` from the first dev wallet. */
async function transfers(chain: L2Chain, count: number): Promise<string[]> {
  const nonce = Number((await getL2Account(chain, wallets[0]!.address)).nonce);
  return Promise.all(Array.from({ length: count }, (_, i) => signL2Transaction(chain, wallets[0]!, { nonce: nonce + i, to: wallets[19]!.address, value: 1n })));
}

type Ethers = Awaited<ReturnType<typeof network.create>>["ethers"];

/**
 * Proposes one block of `count` transfers on `r` with `dataAvailability`, then measures it on the
 * state it met: L1 is reverted to before the advance, one empty L1 block is mined (debug_traceCall
 * runs in the context of the block it names, where the advance's anchor — that block — has no
 * BLOCKHASH yet), the call is traced there, and the same transaction is sent again, whose receipt
 * is the figure. Returns the receipt's gas and the trace's items.
 */
async function advanceOne(ethers: Ethers, r: DeployedRollup, count: number, dataAvailability: "blobs" | "calldata"): Promise<{ total: number; items: Breakdown }> {
  const [signer] = await ethers.getSigners();
  const common = createL2Common(r.chain.genesis.chainId);
  const txs = (await transfers(r.chain, count)).map((raw) => createTxFromRLP(hexToBytes(raw as `0x${string}`), { common }));
  const snapshot = (await ethers.provider.send("evm_snapshot", [])) as string;
  const proposed = await proposeBlock({ chain: r.chain, rollup: r.rollup, provider: ethers.provider as never, coinbase: await signer!.getAddress(), transactions: txs, dataAvailability });
  const tx = (await ethers.provider.send("eth_getTransactionByHash", [proposed.l1Receipt.hash])) as Record<string, string | string[]>;
  await ethers.provider.send("evm_revert", [snapshot]);
  await ethers.provider.send("evm_mine", []);
  const call: Record<string, unknown> = { from: tx.from, to: tx.to, data: tx.input, value: tx.value, gas: "0x989680" }; // 10M: the trace measures, the limit does not matter
  if (proposed.sidecar) Object.assign(call, { type: "0x3", blobVersionedHashes: tx.blobVersionedHashes, maxFeePerBlobGas: tx.maxFeePerBlobGas, maxFeePerGas: tx.maxFeePerGas, maxPriorityFeePerGas: tx.maxPriorityFeePerGas });
  // The trace runs without EDR's hook (which answers the market oracle): a canned oracle answers
  // instead, what the hook would (the market's view; the state changed, the block's hash and burn).
  const view = (await ethers.provider.send("eth_call", [{ to: EXECUTE_ADDRESS, data: EXECUTE_MARKET_SELECTOR }, "latest"])) as string;
  const burned = proposed.block.header.gasUsed * (proposed.block.header.baseFeePerGas ?? 0n);
  const beforeCode = (await ethers.provider.send("evm_snapshot", [])) as string;
  await ethers.provider.send("hardhat_setCode", [EXECUTE_MARKET_ORACLE_ADDRESS, cannedOracle(view, proposed.event.blockHash, burned)]);
  const trace = (await ethers.provider.send("debug_traceCall", [call, "latest", { disableStorage: true, disableMemory: true }])) as { failed: boolean; returnValue: string; structLogs: Step[] };
  await ethers.provider.send("evm_revert", [beforeCode]);
  // EDR's debug_traceCall leaves BLOBHASH empty (it takes no blob hashes): a blob advance's trace
  // stops at the blob check. Its items are then the receipt split by formula (see below).
  const traced = !trace.failed;
  if (trace.failed && !proposed.sidecar) throw new Error(`bench: the traced advance failed: ${trace.returnValue}`);
  const again = { to: tx.to as string, data: tx.input as string, value: BigInt(tx.value as string), gasLimit: BigInt(tx.gas as string) };
  const hash = proposed.sidecar ? (await sendBlobTransaction(signer!, { ...again, sidecar: proposed.sidecar })).hash : (await signer!.sendTransaction(again)).hash;
  const receipt = await waitForL1Receipt(ethers.provider as never, hash);
  const data = calldataGas(tx.input as string);
  const blobs = proposed.sidecar?.versionedHashes.length ?? 0;
  const executeInput = encodeExecuteInput(proposed.block.input).length; // the input EXECUTE verified
  const items: Breakdown = traced
    ? itemise(trace.structLogs, data)
    : {
        "transaction (21,000)": 21_000,
        "calldata (standard)": data.standard,
        "calldata floor (EIP-7623, for comparison)": data.floor,
        "execution (receipt − intrinsic)": Number(receipt.gasUsed) - 21_000 - data.standard,
        "EXECUTE formula (60,000 + 8/input byte + 50,000/blob)": Number(executeMarketGas(executeInput, blobs)),
      };
  if (!traced) {
    items["execution (trace)"] = items["execution (receipt − intrinsic)"]!;
    items["everything else (storage, event, checks, emulation)"] = items["execution (receipt − intrinsic)"]! - items["EXECUTE formula (60,000 + 8/input byte + 50,000/blob)"]!;
  }
  // What the receipt charged beyond 21,000 + calldata + execution: the refund (negative), or the floor's top-up.
  items["refund (−) or EIP-7623 floor top-up (+)"] = Number(receipt.gasUsed) - (21_000 + data.standard + items["execution (trace)"]!);
  return { total: Number(receipt.gasUsed), items };
}

/** The section: see the file's comment. */
export async function benchAdvanceCost(report: Report): Promise<void> {
  console.log("\nadvance cost (issue 17): one separate advance on a factory clone, item by item (Hardhat L1, osaka, EXECUTE's market)");
  const { ethers } = await network.create();
  const [signer] = await ethers.getSigners();
  const factory = await deployFactory(signer!);
  const r = await createRollup(factory, devGenesis({ chainId: 9_100n }));
  await advanceOne(ethers, r, 0, "calldata"); // the first block: the lazy head's fresh slots
  const ring = await ringBase(ethers, r);
  // [label, transfers, data availability, ring wrapped]: "wrapped" fills the history slot the
  // block will write, as it is in a rollup past its first STATE_ROOT_HISTORY (8,191) blocks.
  const cases: [string, number, "blobs" | "calldata", boolean][] = [
    ["empty block, calldata", 0, "calldata", false],
    ["empty block, blob", 0, "blobs", false],
    ["one transfer, calldata", 1, "calldata", false],
    ["one transfer, blob", 1, "blobs", false],
    ["empty block, calldata, history ring wrapped", 0, "calldata", true],
    ["empty block, blob, history ring wrapped", 0, "blobs", true],
  ];
  for (const [label, count, da, wrapped] of cases) {
    if (wrapped) {
      const next = (BigInt(r.chain.headers.length) % STATE_ROOT_HISTORY) + ring;
      await ethers.provider.send("hardhat_setStorageAt", [r.address, "0x" + next.toString(16), "0x" + "11".repeat(32)]);
    }
    for (const key of Object.keys(lastPrices)) delete lastPrices[key];
    const { total, items } = await advanceOne(ethers, r, count, da);
    console.log(`  ${label}: ${total} L1 gas`);
    for (const [k, v] of Object.entries(items)) console.log(`    ${k.padEnd(56)} ${String(v).padStart(7)}`);
    for (const [k, v] of Object.entries(lastPrices)) console.log(`    ${k.padEnd(56)} ${v}`);
    if (opcodeGas.size > 0) console.log(`    other, by opcode: ${[...opcodeGas].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([op, g]) => `${op} ${g}`).join(", ")}`);
    opcodeGas.clear();
    report.add({ name: `advance cost: ${label}, L1 gas`, unit: "gas", value: total });
  }
}

const STATE_ROOT_HISTORY = 8191n;

/** The storage slot of the rollup's state-root ring (`_stateRoots[0]`): found where the head's root is. */
async function ringBase(ethers: Ethers, r: DeployedRollup): Promise<bigint> {
  const head = (await r.rollup.getFunction("head")()) as { number: bigint; stateRoot: string };
  for (let base = 0n; base < 8n; base++) {
    const slot = "0x" + (base + (head.number % STATE_ROOT_HISTORY)).toString(16);
    if ((await ethers.provider.send("eth_getStorageAt", [r.address, slot, "latest"])) === head.stateRoot) return base;
  }
  throw new Error("bench: the head's state root is in none of the first ring slots");
}
