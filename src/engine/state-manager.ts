import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import type { Account, Address } from "@ethereumjs/util";
import { bytesToUnprefixedHex } from "@ethereumjs/util";

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
