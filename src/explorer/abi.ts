/**
 * Decoding what the explorer shows: logs, calldata and revert data of the project's own contracts
 * (NativeRollup, RollupFactory, RollupBundler on L1; L2Messenger, L2Anchor on L2) and ERC20's
 * events and calls, wherever they are. ABIs are read from the build's artifacts on first use.
 */
import { Interface, type Result } from "ethers";
import { loadArtifact } from "../shared/artifacts.js";

/** A decoded event, call or error, JSON-ready (numbers as decimal strings). */
export interface Decoded {
  /** Which ABI matched: `NativeRollup`, `L2Messenger`, `ERC20`, … */
  abi: string;
  name: string;
  signature: string;
  args: { name: string; type: string; value: unknown }[];
}

const ERC20 = [
  "event Transfer(address indexed from, address indexed to, uint256 value)",
  "event Approval(address indexed owner, address indexed spender, uint256 value)",
  "function transfer(address to, uint256 value) returns (bool)",
  "function approve(address spender, uint256 value) returns (bool)",
  "function transferFrom(address from, address to, uint256 value) returns (bool)",
];

let interfaces: [string, Interface][] | undefined;

/** The known ABIs, the project's first (a NativeRollup log is not read as an ERC20 one). */
function known(): [string, Interface][] {
  interfaces ??= [
    ["NativeRollup", new Interface(loadArtifact("l1/NativeRollup.sol", "NativeRollup").abi as never)],
    ["RollupFactory", new Interface(loadArtifact("l1/RollupFactory.sol", "RollupFactory").abi as never)],
    ["RollupBundler", new Interface(loadArtifact("l1/RollupBundler.sol", "RollupBundler").abi as never)],
    ["L2Messenger", new Interface(loadArtifact("l2/L2Messenger.sol", "L2Messenger").abi as never)],
    ["L2Anchor", new Interface(loadArtifact("l2/L2Anchor.sol", "L2Anchor").abi as never)],
    ["ERC20", new Interface(ERC20)],
  ];
  return interfaces;
}

/** The interface of one of the known ABIs by name. */
export function abiOf(name: "NativeRollup" | "RollupFactory" | "RollupBundler" | "L2Messenger" | "L2Anchor" | "ERC20"): Interface {
  return known().find(([n]) => n === name)![1];
}

/** A log decoded by the first known ABI whose event matches its topics and data; undefined if none does. */
export function decodeLog(log: { topics: readonly string[]; data: string }): Decoded | undefined {
  for (const [abi, iface] of known()) {
    try {
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed !== null) return { abi, name: parsed.name, signature: parsed.signature, args: named(parsed.fragment.inputs, parsed.args) };
    } catch {
      // Same topic, other shape (an ERC721 Transfer has 4 topics): try the next ABI.
    }
  }
  return undefined;
}

/** Calldata decoded by the known ABIs (by its selector); undefined for a plain transfer or an unknown selector. */
export function decodeCall(data: string): Decoded | undefined {
  if (data.length < 10) return undefined;
  for (const [abi, iface] of known()) {
    try {
      const parsed = iface.parseTransaction({ data });
      if (parsed !== null) return { abi, name: parsed.name, signature: parsed.signature, args: named(parsed.fragment.inputs, parsed.args) };
    } catch {
      // not this ABI
    }
  }
  return undefined;
}

/** Revert data decoded as one of the known custom errors (or `Error(string)`); undefined if none matches. */
export function decodeError(data: string): Decoded | undefined {
  if (data.length < 10) return undefined;
  for (const [abi, iface] of known()) {
    try {
      const parsed = iface.parseError(data);
      if (parsed !== null) return { abi, name: parsed.name, signature: parsed.signature, args: named(parsed.fragment.inputs, parsed.args) };
    } catch {
      // not this ABI
    }
  }
  return undefined;
}

/** Arguments with their names and types, values JSON-ready. */
function named(inputs: readonly { name: string; type: string }[], values: Result): Decoded["args"] {
  return inputs.map((input, i) => ({ name: input.name, type: input.type, value: plain(values[i]) }));
}

/** An ethers value as JSON: bigints as decimal strings, structs as objects, arrays as arrays. */
export function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value !== null && typeof value === "object" && "toObject" in value && typeof (value as Result).toObject === "function") {
    const result = value as Result;
    let keys: string[] = [];
    try {
      keys = Object.keys(result.toObject());
    } catch {
      keys = [];
    }
    const named = keys.length > 0 && keys.every((k) => !/^\d+$/.test(k) && k !== "_");
    if (named) return Object.fromEntries(keys.map((k) => [k, plain(result.getValue(k))]));
    return [...result].map(plain);
  }
  if (Array.isArray(value)) return value.map(plain);
  return value;
}
