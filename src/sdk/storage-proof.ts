/**
 * Storage proofs of an L2 state from a chain's trie database (`eth_getProof`'s shape): what a
 * bundle's forwards and assertions, and the sync builders, prove on L1.
 */
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import { createAddressFromString, hexToBytes, setLengthLeft, ValueEncoding } from "@ethereumjs/util";
import { createL2Common } from "../engine/chain.js";
import { stateProof } from "../engine/query.js";
import type { L2Chain } from "../engine/state.js";


export interface StorageProof {
  account: string[];
  storage: { value: string; proof: string[] }[];
}

/**
 * `eth_getProof` of `slots` of `address` in the state whose root is `stateRoot`, from the chain's
 * trie database (a built block's nodes are written there before it is appended). An absent
 * account proves each slot as 0 with an empty storage proof, as geth answers.
 */
export async function proveStorage(chain: L2Chain, stateRoot: Uint8Array, address: string, slots: string[]): Promise<StorageProof> {
  const common = createL2Common(chain.genesis.chainId);
  const trie = new MerklePatriciaTrie({ db: chain.db, root: stateRoot, useKeyHashing: true, valueEncoding: ValueEncoding.Bytes, common });
  const state = new MerkleStateManager({ trie, common });
  const proof = await stateProof(state, createAddressFromString(address), slots.map((s) => setLengthLeft(hexToBytes(s as `0x${string}`), 32)));
  return { account: proof.accountProof, storage: proof.storageProof };
}
