import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { CODEHASH_PREFIX, MerkleStateManager } from "@ethereumjs/statemanager";
import type { Address } from "@ethereumjs/util";
import {
  Account,
  bytesToUnprefixedHex,
  concatBytes,
  createAddressFromString,
  EthereumJSErrorWithoutCode,
  unpadBytes,
  unprefixedHexToBytes,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { applyTrieWrites, type TrieWrite } from "./trie-batch.js";
import { createSlicer } from "./slice.js";

/**
 * ethereumjs's `MerkleStateManager`, except that a storage-trie write that fails *fails*.
 *
 * Upstream `_modifyContractStorage` runs the trie write inside `new Promise(async …)` and never
 * awaits it: when the trie throws (a stateless verifier's witness lacks the sibling node a slot
 * deletion collapses into), the error becomes an unhandled rejection — which kills a Node
 * process — and the returned promise never settles, so EXECUTE hangs forever. Here the write's
 * error rejects the promise the caller awaits, and the block is rejected like any witness miss.
 */
export class EngineStateManager extends MerkleStateManager {
  /** Checkpoints opened and not yet committed or reverted (to close what a throw left open). */
  openCheckpoints(): number {
    return this._checkpointCount;
  }

  /**
   * As upstream, except that closing the outermost checkpoint (the end of a transaction) does
   * not write the caches into the trie: the trie is written once per block, when the state root
   * is asked for (`getStateRoot` flushes). Upstream writes every account and slot a
   * transaction touched after each transaction — re-encoding and re-hashing the whole path of
   * each, and again for the next transaction touching the same account: a block of 1,000 ERC20
   * transfers made 5,000 trie writes (each sender, the coinbase and the token after every
   * transaction) where 1,042 distinct keys changed.
   *
   * Same state, same root: reads go to the caches first, and a key read from the trie was not
   * written in the block (its cached value would have been found), so its pre-state value is the
   * one the trie holds; the trie's final contents depend only on the final value of each key.
   * What a transaction reads for EIP-2200's original values is still reset per transaction.
   */
  override async commit(): Promise<void> {
    await this._trie.commit();
    this._caches?.commit();
    this._checkpointCount--;
    if (this._checkpointCount === 0) this.originalStorageCache.clear();
  }

  /**
   * As upstream, except that with a storage cache the write goes to the cache only. Upstream
   * means to do the same (`cache.put(…) ?? writeToTrie(…)`), but the cache's `put` returns
   * nothing, so every SSTORE also wrote the storage trie at once — re-hashing the slot's path and
   * the account — on top of the cache. The trie gets the slot's final value when the caches are
   * written (see `commit`); until then the account's `storageRoot` keeps its value from before
   * the block, which only EIP-7610's create-collision check reads, and an account whose storage
   * this block wrote has a nonce or code there (or was deleted), so the check's answer is the same.
   */
  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    if (this._caches?.storage === undefined) return super.putStorage(address, key, value);
    // Upstream's checks, in upstream's order and words.
    if (key.length !== 32) throw EthereumJSErrorWithoutCode("Storage key must be 32 bytes long");
    if (value.length > 32) throw EthereumJSErrorWithoutCode("Storage value cannot be longer than 32 bytes");
    const account = await this.getAccount(address);
    if (!account) throw EthereumJSErrorWithoutCode("putStorage() called on non-existing account");
    this._caches.storage.put(address, key, RLP.encode(unpadBytes(value)));
  }

  /**
   * Writes the caches into the tries, as upstream, except that each trie takes its writes as one
   * batch (`applyTrieWrites`): every node on the written paths is rebuilt and hashed once, where
   * upstream's `put` per key re-hashed the path from the root each time (1,020 slots of one
   * token: its storage root branch 1,020 times). Same order as upstream: code, then storage
   * (each account's storage root into its account), then the accounts.
   */
  override async flush(): Promise<void> {
    const keccak256 = this.common.customCrypto.keccak256 ?? keccak_256;
    // A block's state root rebuilds thousands of nodes: the thread is given back every few ms.
    const slice = createSlicer();
    for (const [addressHex, { code }] of this._caches?.code?.flush() ?? []) {
      if (code === undefined) continue;
      const address = createAddressFromString(`0x${addressHex}`);
      const codeHash = keccak256(code);
      await this._getCodeDB().put(this._prefixCodeHashes ? concatBytes(CODEHASH_PREFIX, codeHash) : codeHash, code);
      if ((await this.getAccount(address)) === undefined) await this.putAccount(address, new Account());
      await this.modifyAccountFields(address, { codeHash });
    }

    const storageWrites = new Map<string, TrieWrite[]>();
    for (const [addressHex, keyHex, value] of this._caches?.storage?.flush() ?? []) {
      let writes = storageWrites.get(addressHex);
      if (writes === undefined) storageWrites.set(addressHex, (writes = []));
      // The cache holds RLP(value) (absent: deleted); the trie holds RLP(value), nothing for zero.
      const slot = RLP.decode(value ?? new Uint8Array(0)) as Uint8Array;
      writes.push({ key: unprefixedHexToBytes(keyHex), value: slot.length > 0 ? RLP.encode(slot) : undefined });
    }
    for (const [addressHex, writes] of storageWrites) {
      const address = createAddressFromString(`0x${addressHex}`);
      const account = await this.getAccount(address);
      if (account === undefined) continue; // as upstream: the storage of a deleted account is not written
      const storageTrie = this._getStorageTrie(address, account);
      account.storageRoot = await applyTrieWrites(storageTrie, writes, keccak256, slice);
      this._storageTries[bytesToUnprefixedHex(address.bytes)] = storageTrie; // as upstream's _modifyContractStorage
      await this.putAccount(address, account);
    }

    const accountWrites: TrieWrite[] = [];
    for (const [addressHex, { accountRLP }] of this._caches?.account?.flush() ?? []) {
      accountWrites.push({ key: unprefixedHexToBytes(addressHex), value: accountRLP });
    }
    await applyTrieWrites(this._trie, accountWrites, keccak256, slice);
  }

  /** As upstream, without writing the caches into the trie at the outermost level (see `commit`). */
  override async revert(): Promise<void> {
    await this._trie.revert();
    this._caches?.revert();
    this._storageTries = {};
    this._checkpointCount--;
    if (this._checkpointCount === 0) this.originalStorageCache.clear();
  }

  protected override _modifyContractStorage(
    address: Address,
    account: Account,
    modifyTrie: (storageTrie: MerklePatriciaTrie, done: Function) => void,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const storageTrie = this._getStorageTrie(address, account);
      const done = async () => {
        try {
          this._storageTries[bytesToUnprefixedHex(address.bytes)] = storageTrie;
          account.storageRoot = storageTrie.root();
          await this.putAccount(address, account);
          resolve();
        } catch (error) {
          reject(error);
        }
      };
      // Upstream's callbacks are async functions typed as returning void: catch their promise.
      Promise.resolve(modifyTrie(storageTrie, done) as unknown).catch(reject);
    });
  }
}
