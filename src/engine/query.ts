import type { Address, BatchDBOp, DB } from "@ethereumjs/util";
import { getMerkleStateProof, type MerkleStateManager } from "@ethereumjs/statemanager";
import { RLP } from "@ethereumjs/rlp";
import { bigIntToBytes, bytesToBigInt, bytesToHex, createAccountFromRLP, createAddressFromString, equalsBytes, hexToBytes, KECCAK256_RLP, setLengthLeft, ValueEncoding } from "@ethereumjs/util";
import { EngineTrie } from "./trie.js";
import { createL2Common } from "./chain.js";
import { createEngineVM } from "./vm.js";
import { chainHead, type L2Chain } from "./state.js";
import { UltrasoundError } from "../shared/errors.js";

/** An L2 `eth_call` reverted or failed; `data` is the revert data. */
export class L2CallRevertedError extends UltrasoundError {
  override name = "L2CallRevertedError";
  constructor(readonly reason: string, readonly data: string) {
    super("L2 call reverted", { reason, data });
  }
}

/** An account of the L2 state at the head. */
export interface L2Account {
  nonce: bigint;
  balance: bigint;
  code: string;
}

/**
 * Reads go to the chain's database; writes stay in a throwaway layer. ethereumjs flushes a call's
 * state changes into the trie when its checkpoint closes: without this, every `eth_call` would
 * leave its nodes in the chain's database.
 */
export class OverlayDB implements DB<string, Uint8Array> {
  private readonly local = new Map<string, Uint8Array | null>();
  constructor(private readonly inner: DB<string, Uint8Array>) {}
  async get(key: string): Promise<Uint8Array | undefined> {
    const hit = this.local.get(key);
    if (hit !== undefined) return hit ?? undefined;
    return this.inner.get(key);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.local.set(key, value);
  }
  async del(key: string): Promise<void> {
    this.local.set(key, null);
  }
  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) this.local.set(op.key, op.type === "put" ? op.value : null);
  }
  shallowCopy(): DB<string, Uint8Array> {
    return this;
  }
  async open(): Promise<void> {}
}

async function headVM(chain: L2Chain) {
  const head = chainHead(chain);
  return createEngineVM({
    common: createL2Common(chain.genesis.chainId),
    db: new OverlayDB(chain.db),
    stateRoot: head.stateRoot,
    ancestors: (n) => chain.headers[Number(n)]!,
    nestingDepth: chain.genesis.nestingDepth,
  });
}

/** Reads an account (nonce, balance, code) at the head. Absent accounts read as empty. */
export async function getL2Account(chain: L2Chain, address: string): Promise<L2Account> {
  const vm = await headVM(chain);
  const at: Address = createAddressFromString(address);
  const account = await vm.stateManager.getAccount(at);
  const code = await vm.stateManager.getCode(at);
  return { nonce: account?.nonce ?? 0n, balance: account?.balance ?? 0n, code: bytesToHex(code) };
}

/**
 * A storage slot at the head (`slot`: 32 bytes), read from the state trie alone: no VM, no EVM,
 * no `Common` (a VM for one read cost a proposer ≈ 7 ms per block on a busy machine: bench
 * scale). The value as ethereumjs's `getStorage` gives it: leading zeros dropped, empty for an
 * absent account or slot.
 */
export async function getL2Storage(chain: L2Chain, address: string, slot: Uint8Array): Promise<Uint8Array> {
  if (slot.length !== 32) throw new RangeError(`a storage slot is 32 bytes, got ${slot.length}`);
  const db = new OverlayDB(chain.db);
  const trieAt = (root: Uint8Array) => new EngineTrie({ db, root, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes });
  const raw = await trieAt(chainHead(chain).stateRoot).get(hexToBytes(address as `0x${string}`));
  if (raw === null) return new Uint8Array(0);
  const { storageRoot } = createAccountFromRLP(raw);
  if (equalsBytes(storageRoot, KECCAK256_RLP)) return new Uint8Array(0);
  const value = await trieAt(storageRoot).get(slot);
  return value === null ? new Uint8Array(0) : (RLP.decode(value) as Uint8Array);
}

/** {@link getL2Storage} of slot number `slot`, as a number (0 for an absent account or slot). */
export async function readL2Slot(chain: L2Chain, address: string, slot: bigint): Promise<bigint> {
  return bytesToBigInt(await getL2Storage(chain, address, setLengthLeft(bigIntToBytes(slot), 32)));
}

/**
 * `eth_call` on L2 at the head: runs the call on a throwaway VM (nothing is written back, since
 * ethereumjs's runCall changes state) and returns the output, or throws with the revert data.
 */
export async function callL2(chain: L2Chain, call: { from?: string; to: string; data: string; gasLimit?: bigint }): Promise<string> {
  const vm = await headVM(chain);
  const head = chainHead(chain);
  const result = await vm.evm.runCall({
    caller: createAddressFromString(call.from ?? "0x0000000000000000000000000000000000000000"),
    to: createAddressFromString(call.to),
    data: Buffer.from(call.data.replace(/^0x/, ""), "hex"),
    gasLimit: call.gasLimit ?? head.gasLimit,
    skipBalance: true,
  });
  if (result.execResult.exceptionError !== undefined) {
    throw new L2CallRevertedError(result.execResult.exceptionError.error, bytesToHex(result.execResult.returnValue));
  }
  return bytesToHex(result.execResult.returnValue);
}

/** EIP-1186's proof of an account and some of its storage slots, as `eth_getProof` answers it. */
export type StateProof = Awaited<ReturnType<typeof getMerkleStateProof>>;

/**
 * The proof of `address` and `slots` in `state`: ethereumjs's, with one storage entry per slot
 * even for an absent account, which has no storage trie to prove against (value 0, no proof:
 * what geth answers too).
 */
export async function stateProof(state: MerkleStateManager, address: Address, slots: Uint8Array[]): Promise<StateProof> {
  const proof = await getMerkleStateProof(state, address, slots);
  return { ...proof, storageProof: slots.map((slot, i) => proof.storageProof[i] ?? { key: bytesToHex(slot), value: "0x0", proof: [] }) };
}
