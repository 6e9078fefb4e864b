import type { BlockHeader } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import type { DB, MapDB } from "@ethereumjs/util";
import { bytesToBigInt, createAccountFromRLP, ValueEncoding } from "@ethereumjs/util";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import type { GenesisAccount, Witness } from "../engine/index.js";
import { bytesToHex, hexToBytes, word } from "../shared/bytes.js";
import type { FixtureAccount } from "./fixtures.js";

/** One disagreement between the fixture and the engine, with both values. */
export interface Mismatch {
  /** What was compared: `stateRoot`, `logs`, `0x…address.balance`, `0x…address.storage[0x…]`, … */
  what: string;
  expected: string;
  got: string;
}

/**
 * The fixture's pre-state as an L2 genesis alloc. Slots and values become 32-byte words (what
 * `writeGenesis` hands to the state manager, which refuses shorter keys); zero values are left
 * out, as a zero slot is an absent slot in the trie.
 */
export function allocFromPre(pre: Record<string, FixtureAccount>): Record<string, GenesisAccount> {
  const alloc: Record<string, GenesisAccount> = {};
  for (const [address, account] of Object.entries(pre)) {
    const storage: Record<string, string> = {};
    for (const [slot, value] of Object.entries(account.storage ?? {})) {
      if (BigInt(value) !== 0n) storage[word(slot)] = word(value);
    }
    alloc[address.toLowerCase()] = {
      nonce: BigInt(account.nonce),
      balance: BigInt(account.balance),
      code: account.code,
      storage,
    };
  }
  return alloc;
}

/**
 * The smallest genesis base fee whose `calcNextBaseFee()` is `target`. The engine takes block
 * 1's base fee from its parent, and the genesis used no gas, so the fee falls by an eighth:
 * next = b − ⌊b/8⌋ (EIP-1559 with a gas-used delta equal to the target). That function of b
 * climbs by 0 or 1 per step, so every target has a preimage near 8·target/7.
 */
export function parentBaseFeeFor(target: bigint): bigint {
  for (let b = (target * 8n) / 7n - 2n; b <= (target * 8n) / 7n + 8n; b++) {
    if (b >= 0n && b - b / 8n === target) return b;
  }
  throw new Error(`no parent base fee for ${target}`); // unreachable: see the doc comment
}

/**
 * A witness carrying the whole pre-state (every node and code in the genesis database) and the
 * genesis header. Lets `execute` be handed a block the builder would not build (one that includes
 * an invalid transaction), so that it is `execute`'s own check that must refuse it, not a
 * missing witness node.
 */
export function wholeStateWitness(db: MapDB<string, Uint8Array>, parent: BlockHeader): Witness {
  const nodes: Uint8Array[] = [];
  const codes: Uint8Array[] = [];
  for (const [key, value] of db._database) {
    // ethereumjs files code under "63" (utf8 "c") + its hash: 66 hex characters; nodes under 64.
    if (key.length === 66 && key.startsWith("63")) codes.push(value);
    else nodes.push(value);
  }
  return { nodes, codes, headers: [parent.serialize()] };
}

/**
 * Compares the whole post state under `stateRoot` with the fixture's `state`, account by account:
 * nonce, balance, code hash, every storage slot, and accounts present on one side only. Reads
 * the tries directly (every leaf), so an extra account or slot the fixture does not list is found.
 */
export async function diffPostState(
  db: DB<string, Uint8Array>,
  stateRoot: Uint8Array,
  expected: Record<string, FixtureAccount>,
  pre: Record<string, FixtureAccount>,
  otherAddresses: string[],
): Promise<Mismatch[]> {
  const mismatches: Mismatch[] = [];
  const actual = await leaves(db, stateRoot);
  // Tries are keyed by hashes: name what we can (addresses and slots the fixture mentions).
  const names = new Map<string, string>();
  for (const address of [...otherAddresses, ...Object.keys(pre), ...Object.keys(expected)]) {
    names.set(addressKey(address), address.toLowerCase());
  }

  for (const [address, want] of Object.entries(expected)) {
    const key = addressKey(address);
    const raw = actual.get(key);
    actual.delete(key);
    const at = address.toLowerCase();
    if (raw === undefined) {
      mismatches.push({ what: `${at}`, expected: "present", got: "absent" });
      continue;
    }
    const account = createAccountFromRLP(raw);
    compare(mismatches, `${at}.nonce`, BigInt(want.nonce), account.nonce);
    compare(mismatches, `${at}.balance`, BigInt(want.balance), account.balance);
    const wantCodeHash = bytesToHex(keccak256(hexToBytes(want.code) ?? new Uint8Array()));
    if (wantCodeHash !== bytesToHex(account.codeHash)) {
      mismatches.push({ what: `${at}.codeHash`, expected: wantCodeHash, got: bytesToHex(account.codeHash) });
    }
    const slots = await leaves(db, account.storageRoot);
    for (const [slot, value] of Object.entries(want.storage ?? {})) {
      const key = slotKey(slot);
      const raw = slots.get(key);
      slots.delete(key);
      compare(mismatches, `${at}.storage[${slot}]`, BigInt(value), raw === undefined ? 0n : bytesToBigInt(RLP.decode(raw) as Uint8Array));
    }
    const slotNames = new Map(Object.keys(pre[address]?.storage ?? {}).map((slot) => [slotKey(slot), slot]));
    for (const [key, raw] of slots) {
      mismatches.push({
        what: `${at}.storage[${slotNames.get(key) ?? `keccak ${key}`}]`,
        expected: "absent",
        got: `0x${bytesToBigInt(RLP.decode(raw) as Uint8Array).toString(16)}`,
      });
    }
  }
  for (const [key, raw] of actual) {
    const account = createAccountFromRLP(raw);
    mismatches.push({
      what: names.get(key) ?? `account keccak ${key}`,
      expected: "absent",
      got: `present (nonce ${account.nonce}, balance ${account.balance})`,
    });
  }
  return mismatches;
}

/** Every leaf of the trie under `root`: hashed key (0x-hex) → raw value. */
async function leaves(db: DB<string, Uint8Array>, root: Uint8Array): Promise<Map<string, Uint8Array>> {
  const trie = new MerklePatriciaTrie({ db, root, valueEncoding: ValueEncoding.Bytes });
  const { values } = await trie.getValueMap();
  return new Map(Object.entries(values).map(([key, value]) => [key, hexToBytes(value)!]));
}

function compare(mismatches: Mismatch[], what: string, expected: bigint, got: bigint): void {
  if (expected !== got) mismatches.push({ what, expected: `0x${expected.toString(16)}`, got: `0x${got.toString(16)}` });
}


/** The account trie's key of an address. */
function addressKey(address: string): string {
  return bytesToHex(keccak256(hexToBytes(address.toLowerCase())!));
}

/** A storage trie's key of a slot. */
function slotKey(slot: string): string {
  return bytesToHex(keccak256(hexToBytes(word(slot))!));
}
